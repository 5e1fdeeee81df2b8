/**
 * The worker as `npm run bench` runs it: the real app, plus routes that exist only here (never in a
 * deployed worker, whose entry is src/index.ts) to measure limits and prepare inputs.
 */
import { eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import { hashPassword } from "../src/auth/password";
import { newSessionGrant, recordNewSession, signSessionTokens } from "../src/auth/sessions";
import { createDb } from "../src/db/client";
import { users } from "../src/db/schema";
import { readConfig, type AppEnv, type Bindings } from "../src/env";
import worker from "../src/index";

// The bench entry is the main module of `wrangler dev --env bench`: it exports the Durable Object too.
export { UsageCounter } from "../src/index";

const bench = new Hono<AppEnv>()
  // One `SELECT 1` with none of the app's middleware: what `baseline-db` (GET /core/health/) costs
  // without our stack, so the two rates show what the stack costs on a trivial request.
  .get("/__bench/bare-db", async (c) => {
    await c.env.DB.prepare("select 1").run();
    return c.json({ overall: "healthy", services: { db: "healthy" } });
  })
  // The cost of one PBKDF2 hash at the production iteration count: the ceiling for login.
  .get("/__bench/pbkdf2", async (c) => c.json({ length: (await hashPassword("benchmark password")).length }))
  // What any login must do at the least: read the user (for its salt), hash, write the new session —
  // two D1 round trips around one hash, and nothing else. Login's ratio to this shows the app's share.
  .get("/__bench/login-floor", async (c) => {
    const db = createDb(c.env.DB.withSession("first-primary"));
    await db.run(sql`select 1`);
    const length = (await hashPassword("benchmark password")).length;
    await db.run(sql`select 1`);
    return c.json({ length });
  })
  // Fresh refresh tokens for a user, made by the app's own session code, so each timed refresh is valid.
  .post("/__bench/refresh-tokens", async (c) => {
    const { username, count } = await c.req.json<{ username: string; count: number }>();
    const config = readConfig(c.env);
    const db = createDb(c.env.DB.withSession("first-primary"));
    const user = await db.select({ id: users.id }).from(users).where(eq(users.username, username)).get();
    if (!user) return c.json({ detail: "no such user" }, 404);
    const pending = Array.from({ length: count }, () => newSessionGrant(config, new Date()));
    const client = { userAgent: "bench", ip: null };
    for (let i = 0; i < pending.length; i += 40) {
      const [first, ...rest] = pending.slice(i, i + 40).map((p) => recordNewSession(db, p, user.id, client));
      if (first) await db.batch([first, ...rest]);
    }
    const tokens = await Promise.all(pending.map((p) => signSessionTokens(config, p, user.id)));
    return c.json({ refresh: tokens.map((t) => t.refresh) });
  });

export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname.startsWith("/__bench/")) return bench.fetch(request, env, ctx);
    return worker.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Bindings>;
