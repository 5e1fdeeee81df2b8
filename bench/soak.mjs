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

async function request(baseUrl, step, path, init) {
  try {
    const response = await fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(60_000) });
    count(step, response.status);
    return response;
  } catch (error) {
    count(step, `error (${error.name})`);
    return undefined;
  }
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
const failures = [...statuses].filter(([key]) => !/ (200|201)$/.test(key));
console.log(`soak: ${total} visits at concurrency ${concurrency} in ${seconds}s`);
for (const [key, n] of [...statuses].sort()) console.log(`  ${key}: ${n}`);
console.log(`  users in D1: ${users}, registrations answered 201: ${created}`);
const passed = failures.length === 0 && users === created && created === total;
console.log(passed ? "soak: PASS" : "soak: FAIL");
process.exit(passed ? 0 : 1);
