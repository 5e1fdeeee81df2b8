import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Setup files may run more than once; both steps are idempotent. The seed's statements run one by one,
// as `wrangler d1 execute --file` runs them.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
const statements = env.TEST_SEED.replace(/^--.*$/gm, "")
  .split(/;\s*$/m)
  .map((statement) => statement.trim())
  .filter(Boolean);
await env.DB.batch(statements.map((statement) => env.DB.prepare(statement)));
