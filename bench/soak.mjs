// `npm run soak [-- --users 2000 --concurrency 50]`: registrations, logins and profile reads against
// `wrangler dev` on loopback. Passes when no answer is a 5xx (or lost), and afterwards the users in D1
// are exactly the 201s — nothing lost, nothing doubled. Exits non-zero otherwise.
import { parseArgs } from "node:util";
import { queryBenchDb, startBenchServer } from "./server.mjs";

const { values: flags } = parseArgs({
  options: {
    users: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "50" },
  },
});
const total = Number(flags.users);
const concurrency = Number(flags.concurrency);

const statuses = new Map();
const count = (step, status) => {
  const key = `${step} ${status}`;
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
};

/** The first few unexpected answers, shown whole when the run fails. */
const samples = [];

/**
 * wrangler dev's proxy answers this (never the worker) when its own loopback connection to the worker
 * is reset under load, and asks for the request to be sent again: the request did not reach the
 * worker. Such requests are resent and counted apart; if one had reached it after all, the final
 * check (users in D1 = 201s) fails the run.
 */
const DEV_PROXY_RESET = "Your worker restarted mid-request";

async function request(baseUrl, step, path, init, attempt = 1) {
  let response;
  try {
    response = await fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    count(step, `error (${error.name})`);
    return undefined;
  }
  if (response.status === 503 && attempt < 4 && (await response.clone().text()).startsWith(DEV_PROXY_RESET)) {
    count(step, "resent after a wrangler dev proxy reset");
    return request(baseUrl, step, path, init, attempt + 1);
  }
  count(step, response.status);
  if (response.status >= 500 && samples.length < 5) {
    samples.push(
      `${step} ${response.status} at ${((Date.now() - started) / 1000).toFixed(1)}s: ${await response.clone().text()}`,
    );
  }
  return response;
}

/** One user's visit: register, log in, read the profile with the token login gave. */
async function visit(baseUrl, i, runId) {
  const username = `soak${runId}n${i}`;
  const password = "soak-Pa55word-long";
  const json = { "content-type": "application/json" };
  const registered = await request(baseUrl, "register", "/auth/registration/", {
    method: "POST",
    headers: json,
    body: JSON.stringify({ username, email: `${username}@example.com`, password1: password, password2: password }),
  });
  if (registered?.status !== 201) return;
  const login = await request(baseUrl, "login", "/auth/login/", {
    method: "POST",
    headers: json,
    body: JSON.stringify({ username, password }),
  });
  if (login?.status !== 200) return;
  const { access } = await login.json();
  await request(baseUrl, "profile", "/auth/user/", { headers: { authorization: `Bearer ${access}` } });
}

const server = await startBenchServer({ port: 8798 });
const started = Date.now();
try {
  const runId = Date.now().toString(36);
  let next = 0;
  const worker = async () => {
    while (next < total) await visit(server.baseUrl, next++, runId);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
} finally {
  await server.stop();
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
const created = statuses.get("register 201") ?? 0;
const [{ users }] = queryBenchDb("select count(*) as users from users");
const failures = [...statuses].filter(([key]) => !/ (200|201|resent after a wrangler dev proxy reset)$/.test(key));
console.log(`soak: ${total} visits at concurrency ${concurrency} in ${seconds}s`);
for (const [key, n] of [...statuses].sort()) console.log(`  ${key}: ${n}`);
console.log(`  users in D1: ${users}, registrations answered 201: ${created}`);
for (const sample of samples) console.log(`  unexpected: ${sample.slice(0, 500)}`);
if (samples.length > 0) {
  const notRequests = server
    .log()
    .split("\n")
    .filter((line) => !/\] (GET|POST) \//.test(line));
  console.log(`wrangler dev said (request lines left out):\n${notRequests.join("\n").slice(-4000)}`);
}
const passed = failures.length === 0 && users === created && created === total;
console.log(passed ? "soak: PASS" : "soak: FAIL");
process.exit(passed ? 0 : 1);
