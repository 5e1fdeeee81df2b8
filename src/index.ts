import { createApp } from "./app";
import { systemClock, type Clock } from "./clock";
import { createDb } from "./db/client";
import { purgeExpiredRows } from "./db/retention";
import type { Bindings } from "./env";
import { createLogger } from "./log";
import { createAccountsRpc } from "./rpc";
import { accountPageRoutes } from "./routes/account-page";
import { adminApiRoutes } from "./routes/admin";
import { authRoutes } from "./routes/auth";
import { consoleRoutes } from "./routes/console";
import { mountDocs } from "./routes/docs";
import { healthRoutes } from "./routes/health";
import { mfaRoutes } from "./routes/mfa";
import { passkeyRoutes } from "./routes/passkeys";
import { paymentRoutes } from "./routes/payments";
import { planRoutes } from "./routes/plans";
import { sessionRoutes } from "./routes/sessions";
import { socialRoutes } from "./routes/social";
import { usageRoutes } from "./routes/usage";
import { userRoutes } from "./routes/user";
import { wellKnownRoutes } from "./routes/well-known";

export { UsageCounter } from "./quotas/counter";

/** The worker, reading time from `clock`: the deployed one uses the system clock, tests one they move. */
export function createWorker(clock: Clock = systemClock) {
  const app = createApp((root) => {
    root.route("/auth", authRoutes);
    root.route("/auth", userRoutes);
    root.route("/auth", sessionRoutes);
    root.route("/auth", mfaRoutes);
    root.route("/auth", socialRoutes);
    root.route("/auth", passkeyRoutes);
    root.route("/core", healthRoutes);
    root.route("/core", planRoutes);
    root.route("/core", paymentRoutes);
    root.route("/core", usageRoutes);
    root.route("/admin/api", adminApiRoutes);
    root.route("/admin", consoleRoutes);
    root.route("/account", accountPageRoutes);
    root.route("/.well-known", wellKnownRoutes);
    mountDocs(root);
  }, clock);
  return {
    fetch: app.fetch,
    /** The cron of wrangler.toml: rows past their retention period go (see src/db/retention.ts). */
    async scheduled(controller, env) {
      const deleted = await purgeExpiredRows(
        createDb(env.DB.withSession("first-primary")),
        new Date(controller.scheduledTime),
      );
      createLogger(() => ({ job: "retention" })).info("retention purge done", { deleted });
    },
  } satisfies ExportedHandler<Bindings>;
}

export default createWorker();

/** The service-binding entrypoint other Workers call (see src/rpc.ts), on the system clock. */
export const AccountsRpc = createAccountsRpc(systemClock);
