import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Setup files may run more than once; both steps are idempotent.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await env.DB.prepare(env.TEST_SEED.replace(/^--.*$/gm, "")).run();
