// Starts the worker under `wrangler dev` (local workerd + local D1) on a fresh, migrated and seeded
// database with fresh secrets, loopback only: for the benchmark and the soak test (the `bench` environment
// of wrangler.toml: the bench entry, bench/worker.ts, and no rate limits), and for the browser tests
// (the worker as deployed).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";

const WRANGLER = "node_modules/.bin/wrangler";
const BENCH = { env: "bench", state: "bench/.state" };

/** wrangler with the environment (none: the deployed worker) and the local state directory. */
function wrangler(args, { env, state }) {
  const where = [...(env ? ["--env", env] : []), "--persist-to", state];
  const result = spawnSync(WRANGLER, [...args, ...where], { stdio: "pipe" });
  if (result.status !== 0) {
    throw new Error(`wrangler ${args.join(" ")} failed:\n${result.stderr}\n${result.stdout}`);
  }
  return result.stdout.toString();
}

/** Runs a query on the bench database (the server must be stopped, or at least idle). */
export function queryBenchDb(sql) {
  const out = wrangler(["d1", "execute", "DB", "--local", "--json", "--command", sql], BENCH);
  return JSON.parse(out)[0].results;
}

async function waitUntilReady(baseUrl, child, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${baseUrl}/core/health/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("wrangler dev did not become ready");
}

export function startBenchServer({ port = 8799, vars = {} } = {}) {
  return startLocalServer({ port, vars, ...BENCH });
}

/** The worker of `env` (undefined: the deployed one) on `port`, its state in `state`, with extra `vars`. */
export async function startLocalServer({ port, env, state, vars = {} }) {
  const where = { env, state };
  rmSync(state, { recursive: true, force: true });
  wrangler(["d1", "migrations", "apply", "DB", "--local"], where);
  wrangler(["d1", "execute", "DB", "--local", "--file", "seed/plans.sql"], where);
  const secrets = {
    JWT_SECRET: randomBytes(32).toString("hex"),
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString("hex")}`,
    MFA_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
  };
  const varArgs = Object.entries({ ...secrets, ...vars }).flatMap(([key, value]) => ["--var", `${key}:${value}`]);
  const child = spawn(
    WRANGLER,
    [
      "dev",
      ...(env ? ["--env", env] : []),
      "--persist-to",
      state,
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      ...varArgs,
    ],
    { stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let log = "";
  child.stdout.on("data", (chunk) => (log += chunk));
  child.stderr.on("data", (chunk) => (log += chunk));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      process.kill(-child.pid, "SIGTERM");
    });
  process.once("SIGINT", () => stop().then(() => process.exit(130)));
  try {
    await waitUntilReady(baseUrl, child);
    // wrangler dev may still swap the worker once right after it first answers; a POST caught in that
    // swap gets a 503 ("restarted mid-request"). Let it settle, then check again.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await waitUntilReady(baseUrl, child);
  } catch (error) {
    await stop();
    throw new Error(`${error.message}\n${log}`, { cause: error });
  }
  return { baseUrl, secrets, stop, log: () => log };
}
