import { createApp, withoutTrailingSlash } from "./app";
import { createDb } from "./db/client";
import { purgeExpiredRows } from "./db/retention";
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
  /** The cron of wrangler.toml: rows past their retention period go (see src/db/retention.ts). */
  async scheduled(controller, env) {
    const deleted = await purgeExpiredRows(
      createDb(env.DB.withSession("first-primary")),
      new Date(controller.scheduledTime),
    );
    console.log(JSON.stringify({ level: "info", job: "retention", deleted }));
  },
} satisfies ExportedHandler<Bindings>;
