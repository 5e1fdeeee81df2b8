import { createApp, withoutTrailingSlash } from "./app";
import type { Bindings } from "./env";
import { authRoutes } from "./routes/auth";
import { mountDocs } from "./routes/docs";
import { healthRoutes } from "./routes/health";
import { paymentRoutes } from "./routes/payments";
import { planRoutes } from "./routes/plans";
import { sessionRoutes } from "./routes/sessions";
import { userRoutes } from "./routes/user";

export const app = createApp((root) => {
  root.route("/auth", authRoutes);
  root.route("/auth", userRoutes);
  root.route("/auth", sessionRoutes);
  root.route("/core", healthRoutes);
  root.route("/core", planRoutes);
  root.route("/core", paymentRoutes);
  mountDocs(root);
});

export default {
  fetch(request, env, ctx) {
    return app.fetch(withoutTrailingSlash(request), env, ctx);
  },
} satisfies ExportedHandler<Bindings>;
