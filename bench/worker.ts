/**
 * The worker as `npm run bench` runs it: the real app, plus routes that exist only here (never in a
 * deployed worker, whose entry is src/index.ts) to measure limits and prepare inputs.
 */
import { eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import { tokenKeysFor } from "../src/auth/keys";
import { hashPassword } from "../src/auth/password";
import { newSessionGrant, recordNewSession, signSessionTokens } from "../src/auth/sessions";
import { createDb } from "../src/db/client";
import { planQuotas, plans, users } from "../src/db/schema";
import { readConfig, type AppEnv, type Bindings } from "../src/env";
import worker from "../src/index";
import { softwareAuthenticator, type CreationOptions, type RequestOptions } from "../test/webauthn";

/** The origin the bench's passkey answers name: one of WEBAUTHN_ORIGINS (bench/run.mjs sets it). */
const BENCH_ORIGIN = "http://localhost:8799";

// The bench entry is the main module of `wrangler dev --env bench`: it exports the Durable Object too.
export { UsageCounter } from "../src/index";

/** The bench user's passkey: one authenticator for the isolate's life. */
const benchAuthenticator = softwareAuthenticator(BENCH_ORIGIN);

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
  // Fresh sessions of a user, made by the app's own session code: their refresh tokens (each timed
  // refresh spends one) and access tokens.
  .post("/__bench/sessions", async (c) => {
    const { username, count, keys } = await c.req.json<{ username: string; count: number; keys?: string }>();
    const db = createDb(c.env.DB.withSession("first-primary"));
    const user = await db.select({ id: users.id }).from(users).where(eq(users.username, username)).get();
    if (!user) return c.json({ detail: "no such user" }, 404);
    const tokens = await openSessions(
      withSigningKeys(c.env, keys ?? null),
      Array.from({ length: count }, () => user.id),
    );
    return c.json({ refresh: tokens.map((t) => t.refresh), access: tokens.map((t) => t.access) });
  })
  // Passkey sign-ins to time: a passkey registered (once) for the user through the API, then `count`
  // fresh sign-in challenges, each answered by its software authenticator (the test kit's), with a
  // counter that stays 0 as synced passkeys' do, so the answers can be used in any order.
  .post("/__bench/passkey-assertions", async (c) => {
    const { username, count } = await c.req.json<{ username: string; count: number }>();
    const db = createDb(c.env.DB.withSession("first-primary"));
    const user = await db.select({ id: users.id }).from(users).where(eq(users.username, username)).get();
    if (!user) return c.json({ detail: "no such user" }, 404);
    const api = (path: string, body: unknown, access?: string) =>
      worker.fetch(
        new Request(`http://localhost${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(access ? { authorization: `Bearer ${access}` } : {}) },
          body: JSON.stringify(body),
        }),
        c.env,
        c.executionCtx,
      );
    if (!benchAuthenticator.credentials.length) {
      const [session] = await openSessions(c.env, [user.id]);
      const options = await (
        await api("/auth/passkeys/register/options/", {}, session?.access)
      ).json<CreationOptions>();
      const registered = await api(
        "/auth/passkeys/register/",
        { credential: await benchAuthenticator.create(options) },
        session?.access,
      );
      if (registered.status !== 201) return c.json({ detail: await registered.text() }, 500);
    }
    const assertions = [];
    for (let i = 0; i < count; i++) {
      const options = await (await api("/auth/passkeys/login/options/", {})).json<RequestOptions>();
      assertions.push(await benchAuthenticator.get(options, benchAuthenticator.credentials[0], 0));
    }
    return c.json({ assertions });
  })
  // Users on a bench-only plan whose `bench_units` quota never runs out, one session each: the consume
  // scenarios measure the quota path (one D1 query, one Durable Object call), not refusals.
  .post("/__bench/quota-users", async (c) => {
    const { count } = await c.req.json<{ count: number }>();
    const db = createDb(c.env.DB.withSession("first-primary"));
    const plan = await db
      .insert(plans)
      .values({ name: `Bench ${crypto.randomUUID()}`, sortOrder: 99 })
      .returning({ id: plans.id })
      .get();
    await db.insert(planQuotas).values({ planId: plan.id, scope: "bench_units", limit: 1e9, windowSeconds: 3600 });
    const stamp = Date.now().toString(36);
    const ids: number[] = [];
    // D1 binds at most 100 values a statement, and Drizzle binds eleven a user row (defaults included).
    for (let i = 0; i < count; i += 8) {
      const names = Array.from({ length: Math.min(8, count - i) }, (_, j) => `bq${stamp}x${i + j}`);
      const rows = names.map((name) => ({
        username: name,
        usernameKey: name,
        email: `${name}@bench.example.com`,
        passwordHash: "!",
        planId: plan.id,
        dateJoined: new Date(),
      }));
      const created = await db.insert(users).values(rows).returning({ id: users.id });
      ids.push(...created.map((row) => row.id));
    }
    return c.json({ access: (await openSessions(c.env, ids)).map((t) => t.access) });
  })
  // A directory of `count` users (one statement: SQLite generates the rows) and `staff` made staff: what
  // the admin-search scenario searches, at the size the admin console is specified for.
  .post("/__bench/directory", async (c) => {
    const { count, staff } = await c.req.json<{ count: number; staff: string }>();
    const db = createDb(c.env.DB.withSession("first-primary"));
    await db.run(sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${count})
      insert into ${users} (username, username_key, email, password_hash, plan_id, date_joined, last_login)
      select 'dir' || i, 'dir' || i, 'person' || i || '@directory.example.com', '!', 1 + i % 4,
        ${Date.now()} - i * 1000, case when i % 3 = 0 then null else ${Date.now()} - i * 500 end
      from n`);
    await db.update(users).set({ isStaff: true }).where(eq(users.username, staff));
    return c.json({ users: count });
  });

/** A new session for each of these user ids, written in batches (few D1 calls a request), and its tokens. */
async function openSessions(env: Bindings, userIds: number[]) {
  const config = readConfig(env);
  const db = createDb(env.DB.withSession("first-primary"));
  const keys = { config, tokens: tokenKeysFor(config) };
  const grants = userIds.map((userId) => ({ userId, grant: newSessionGrant(config, new Date(), ["pwd"]) }));
  const client = { userAgent: "bench", ip: null };
  for (let i = 0; i < grants.length; i += 40) {
    const [first, ...rest] = grants
      .slice(i, i + 40)
      .map(({ userId, grant }) => recordNewSession(db, grant, userId, client));
    if (first) await db.batch([first, ...rest]);
  }
  return Promise.all(
    grants.map(({ userId, grant }) => signSessionTokens(keys, grant, { userId, plan: "Free", isStaff: false })),
  );
}

/** The variable holding the bench's key set of each algorithm (`npm run bench` generates them). */
const BENCH_KEY_VARS: Record<string, string> = { es256: "BENCH_SIGNING_KEYS_ES256", eddsa: "BENCH_SIGNING_KEYS_EDDSA" };
const keyedEnvs = new WeakMap<Bindings, Map<string, Bindings>>();

/**
 * The deployment as if JWT_SIGNING_KEYS held the bench's keys of one algorithm (`x-bench-keys: es256`
 * or `eddsa`; none: HS256), so one run measures every kind of token key. One env object per variant
 * and isolate, as a deployment has: configuration and keys are read once per env object.
 */
function withSigningKeys(env: Bindings, variant: string | null): Bindings {
  const name = variant === null ? undefined : BENCH_KEY_VARS[variant];
  if (!name) return env;
  let variants = keyedEnvs.get(env);
  if (!variants) keyedEnvs.set(env, (variants = new Map<string, Bindings>()));
  let keyed = variants.get(name);
  if (!keyed) {
    keyed = { ...env, JWT_SIGNING_KEYS: (env as unknown as Record<string, string | undefined>)[name] };
    variants.set(name, keyed);
  }
  return keyed;
}

export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname.startsWith("/__bench/")) return bench.fetch(request, env, ctx);
    return worker.fetch(request, withSigningKeys(env, request.headers.get("x-bench-keys")), ctx);
  },
} satisfies ExportedHandler<Bindings>;
