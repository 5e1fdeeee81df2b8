import { createApp, withoutTrailingSlash } from "./app";
import type { Bindings } from "./env";
import { authRoutes } from "./routes/auth";
import { mountDocs } from "./routes/docs";
import { healthRoutes } from "./routes/health";
import { userRoutes } from "./routes/user";

export const app = createApp((root) => {
  root.route("/auth", authRoutes);
  root.route("/auth", userRoutes);
  root.route("/core", healthRoutes);
  mountDocs(root);
});

export default {
  fetch(request, env, ctx) {
    return app.fetch(withoutTrailingSlash(request), env, ctx);
  },
} satisfies ExportedHandler<Bindings>;
