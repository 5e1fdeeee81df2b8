// `npm run bench [-- --duration 10 --connections 10 --rounds 3]`: every scenario against one `wrangler dev`
// in one run, so the ratios between them hold on a noisy machine. Scenarios take turns (round-robin,
// `rounds` times), so a slow spell of the machine is shared by all of them instead of skewing one.
// Prints a table and writes bench/results.json.
import { spawnSync } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import autocannon from "autocannon";
import { fakeGoogleVars, startFakeGoogle } from "../scripts/fake-google.mjs";
import { generateSigningJwk } from "../scripts/signing-keys.mjs";
import { startBenchServer } from "./server.mjs";

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: "9" },
    connections: { type: "string", default: "10" },
    warmup: { type: "string", default: "1" },
    rounds: { type: "string", default: "3" },
  },
});
const duration = Number(flags.duration);
const connections = Number(flags.connections);
const warmup = Number(flags.warmup);
const rounds = Math.max(1, Number(flags.rounds));

// 150 until the legacy PBKDF2 verifier (@noble/hashes, ≈ 4 KiB) that moving Django's users requires;
// 160 until the admin console (its pages, stylesheet, hono/jsx and the admin API: ≈ 22 KiB); 180 until
// passkeys (@simplewebauthn/server brings its attestation stack, @peculiar/* and asn1js: ≈ 90 KiB) with
// two-factor, Google sign-in, asymmetric keys and the account page (≈ 35 KiB).
const BUNDLE_BUDGET_KIB = 320;
const TARGETS = [
  ["baseline-db", "baseline-bare", 0.95],
  ["user", "baseline-db", 0.8],
  ["user-es256", "baseline-db", null],
  ["user-eddsa", "baseline-db", null],
  ["plans", "baseline-db", 0.8],
  ["webhook", "baseline-db", 0.5],
  ["refresh", "baseline-db", null],
  ["silent-refresh", "baseline-db", 0.8],
  ["consume", "baseline-db", 0.7],
  ["consume-hot", "baseline-db", null],
  ["admin-search", "baseline-db", 0.5],
  ["login", "pbkdf2", 0.85],
  ["login-es256", "pbkdf2", null],
  ["login-eddsa", "pbkdf2", null],
  ["google-login", "login", null],
  ["passkey-login", "baseline-db", null],
  ["login-floor", "pbkdf2", null],
];

/** The deployable bundle as `wrangler deploy` would upload it, gzipped; and who imports the zod stub. */
function measureBundle() {
  rmSync("bench/out", { recursive: true, force: true });
  mkdirSync("bench/out", { recursive: true });
  const build = spawnSync(
    "node_modules/.bin/wrangler",
    ["deploy", "--dry-run", "--outdir", "bench/out", "--metafile", "bench/out/meta.json"],
    { stdio: "pipe" },
  );
  if (build.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${build.stderr}`);
  // The worker and the modules uploaded beside it (the console's stylesheet and script, bundled as text).
  const modules = readdirSync("bench/out").filter(
    (name) => !name.endsWith(".map") && !name.endsWith(".md") && name !== "meta.json",
  );
  const files = modules.map((name) => readFileSync(`bench/out/${name}`));
  const meta = JSON.parse(readFileSync("bench/out/meta.json", "utf8"));
  const stubImporters = Object.entries(meta.inputs)
    .filter(([, input]) => input.imports.some((i) => i.path === "build/no-zod-locales.js"))
    .map(([path]) => path);
  const strays = stubImporters.filter((path) => !path.startsWith("node_modules/zod/"));
  if (strays.length > 0) throw new Error(`the zod-locales alias caught other modules: ${strays.join(", ")}`);
  const sum = (sizes) => sizes.reduce((total, size) => total + size, 0);
  return { bytes: sum(files.map((file) => file.length)), gzipBytes: sum(files.map((file) => gzipSync(file).length)) };
}

function signStripe(secret, payload) {
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", secret).update(`${t}.${payload}`).digest("hex");
  return `t=${t},v1=${v1}`;
}

async function postJson(url, body, headers = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

function run(options, seconds) {
  return autocannon({ connections, duration: seconds, timeout: 30, ...options });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Round-robin over the scenarios; each one's rate is its requests over its share of the time. */
async function measureAll(scenarios) {
  const byScenario = Object.fromEntries(Object.keys(scenarios).map((name) => [name, []]));
  const seconds = duration / rounds;
  for (let round = 1; round <= rounds; round++) {
    for (const [name, options] of Object.entries(scenarios)) {
      byScenario[name].push(await run(options(), seconds));
    }
    console.error(`  round ${round}/${rounds} done`);
  }
  return Object.entries(byScenario).map(([name, results]) => {
    const requests = results.reduce((sum, r) => sum + r.requests.total, 0);
    return {
      scenario: name,
      requestsPerSecond: Math.round((requests / (seconds * rounds)) * 10) / 10,
      p50Ms: median(results.map((r) => r.latency.p50)),
      p99Ms: Math.max(...results.map((r) => r.latency.p99)),
      requests,
      non2xx: results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
    };
  });
}

const bundle = measureBundle();
// Access tokens under each kind of key in the same run: HS256 (no keys), and one generated key of each
// asymmetric algorithm, chosen per request by the bench entry (`x-bench-keys`).
const google = await startFakeGoogle(0);
const GOOGLE_CLIENT = "bench.apps.googleusercontent.com";
const server = await startBenchServer({
  vars: {
    GOOGLE_CLIENT_IDS: GOOGLE_CLIENT,
    WEBAUTHN_ORIGINS: "http://localhost:8799",
    ...fakeGoogleVars(google.base),
    BENCH_SIGNING_KEYS_ES256: JSON.stringify([generateSigningJwk("ES256")]),
    BENCH_SIGNING_KEYS_EDDSA: JSON.stringify([generateSigningJwk("EdDSA")]),
  },
});
const { baseUrl, secrets } = server;
try {
  const user = {
    username: `bench${Date.now()}`,
    email: `bench${Date.now()}@example.com`,
    password: "bench-Pa55word-long",
  };
  const registered = await postJson(`${baseUrl}/auth/registration/`, {
    username: user.username,
    email: user.email,
    password1: user.password,
    password2: user.password,
  });
  const auth = { authorization: `Bearer ${registered.access}` };
  // A second user for passkeys (a passkey turns on the second step of password logins: not the login scenario's).
  const passkeyUser = { username: `benchpk${Date.now()}`, email: `benchpk${Date.now()}@example.com` };
  await postJson(`${baseUrl}/auth/registration/`, {
    ...passkeyUser,
    password1: user.password,
    password2: user.password,
  });
  /** A Bearer token of the user signed under the bench's key of `variant`, and the header that selects that key. */
  const keyed = async (variant) => {
    const { access } = await postJson(`${baseUrl}/__bench/sessions`, {
      username: user.username,
      count: 1,
      keys: variant,
    });
    return { authorization: `Bearer ${access[0]}`, "x-bench-keys": variant };
  };
  const { id_token: googleIdToken } = await postJson(`${google.base}/__fake/id-token`, { client_id: GOOGLE_CLIENT });
  const userEs256 = await keyed("es256");
  const userEddsa = await keyed("eddsa");
  const subscriptionId = `sub_bench_${Date.now()}`;
  const checkout = JSON.stringify({
    id: `evt_${randomUUID()}`,
    type: "checkout.session.completed",
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: "cs_bench",
        mode: "subscription",
        payment_status: "paid",
        client_reference_id: String(registered.user.pk),
        customer: "cus_bench",
        subscription: subscriptionId,
        metadata: { plan_id: "2" },
      },
    },
  });
  await postJson(`${baseUrl}/core/payments/webhook/stripe/`, JSON.parse(checkout), {
    "stripe-signature": signStripe(secrets.STRIPE_WEBHOOK_SECRET, checkout),
  });

  console.error(
    `bench: ${duration}s per scenario in ${rounds} rounds (+${warmup}s warm-up), ${connections} connections`,
  );
  const pool = [];
  const passkeyAnswers = [];
  const { access: quotaUsers } = await postJson(`${baseUrl}/__bench/quota-users`, { count: 500 });
  await postJson(`${baseUrl}/__bench/directory`, { count: 100_000, staff: user.username });
  let quotaTurn = 0;
  const webhookEvent = () => {
    const now = Math.floor(Date.now() / 1000);
    return JSON.stringify({
      id: `evt_${randomUUID()}`,
      type: "customer.subscription.updated",
      created: now,
      data: {
        object: {
          id: subscriptionId,
          customer: "cus_bench",
          status: "active",
          items: {
            data: [
              {
                price: { id: "price_pro_monthly", recurring: { interval: "month" } },
                current_period_end: now + 2_592_000,
              },
            ],
          },
        },
      },
    });
  };
  const scenarios = {
    "baseline-bare": () => ({ url: `${baseUrl}/__bench/bare-db` }),
    "baseline-db": () => ({ url: `${baseUrl}/core/health/` }),
    user: () => ({ url: `${baseUrl}/auth/user/`, headers: auth }),
    "user-es256": () => ({ url: `${baseUrl}/auth/user/`, headers: userEs256 }),
    "user-eddsa": () => ({ url: `${baseUrl}/auth/user/`, headers: userEddsa }),
    plans: () => ({ url: `${baseUrl}/core/plans/`, headers: auth }),
    webhook: () => ({
      url: `${baseUrl}/core/payments/webhook/stripe/`,
      method: "POST",
      requests: [
        {
          setupRequest: (request) => {
            const body = webhookEvent();
            const signature = signStripe(secrets.STRIPE_WEBHOOK_SECRET, body);
            return { ...request, body, headers: { "content-type": "application/json", "stripe-signature": signature } };
          },
        },
      ],
    }),
    refresh: () => ({
      url: `${baseUrl}/auth/token/refresh/`,
      method: "POST",
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ refresh: pool.pop() ?? "the pool of fresh refresh tokens ran out" }),
          }),
        },
      ],
    }),
    // The web frontend after its access cookie expired: only the refresh cookie, one of its own per request.
    "silent-refresh": () => ({
      url: `${baseUrl}/auth/user/`,
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            headers: { cookie: `refresh-token=${pool.pop() ?? "the pool of fresh refresh tokens ran out"}` },
          }),
        },
      ],
    }),
    // Quota consumes spread over many users (so many Durable Objects), and all on one user's object.
    consume: () => ({
      url: `${baseUrl}/core/usage/consume/`,
      method: "POST",
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            headers: {
              "content-type": "application/json",
              authorization: `Bearer ${quotaUsers[quotaTurn++ % quotaUsers.length]}`,
            },
            body: JSON.stringify({ scope: "bench_units" }),
          }),
        },
      ],
    }),
    // Staff searching 100,000 users by a random e-mail prefix: the session, then one query (page and count).
    "admin-search": () => ({
      url: `${baseUrl}/admin/api/users/`,
      headers: auth,
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            path: `/admin/api/users/?search=person${1 + Math.floor(Math.random() * 9999)}`,
          }),
        },
      ],
    }),
    "consume-hot": () => ({
      url: `${baseUrl}/core/usage/consume/`,
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${quotaUsers[0]}` },
      body: JSON.stringify({ scope: "bench_units" }),
    }),
    pbkdf2: () => ({ url: `${baseUrl}/__bench/pbkdf2` }),
    "login-floor": () => ({ url: `${baseUrl}/__bench/login-floor` }),
    login: () => ({
      url: `${baseUrl}/auth/login/`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: user.username, password: user.password }),
    }),
    // Passkey sign-in: a pre-registered credential's answer to a fresh challenge, one of its own per request.
    "passkey-login": () => ({
      url: `${baseUrl}/auth/passkeys/login/`,
      method: "POST",
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ credential: passkeyAnswers.pop() ?? "the pool of passkey answers ran out" }),
          }),
        },
      ],
    }),
    // Google sign-in with an ID token (the key set cached after the first): RS256 verification, no hash.
    "google-login": () => ({
      url: `${baseUrl}/auth/social/login/google/`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id_token: googleIdToken }),
    }),
    "login-es256": () => ({
      url: `${baseUrl}/auth/login/`,
      method: "POST",
      headers: { "content-type": "application/json", "x-bench-keys": "es256" },
      body: JSON.stringify({ username: user.username, password: user.password }),
    }),
    "login-eddsa": () => ({
      url: `${baseUrl}/auth/login/`,
      method: "POST",
      headers: { "content-type": "application/json", "x-bench-keys": "eddsa" },
      body: JSON.stringify({ username: user.username, password: user.password }),
    }),
  };
  // Warm-up; the baseline's rate sizes the pool of fresh refresh tokens (each timed refresh and silent
  // refresh spends one, and either may run as fast as the baseline: its rate, over warm-up and every
  // round, for two scenarios, with a margin).
  const probe = await run(scenarios["baseline-db"](), Math.max(warmup, 1));
  const needed = Math.ceil(probe.requests.average * (duration + warmup + 1) * 3) + 200;
  // A passkey sign-in costs about what a refresh does: its pool is sized the same way, for one scenario.
  while (passkeyAnswers.length < needed / 2) {
    const count = Math.min(500, Math.ceil(needed / 2) - passkeyAnswers.length);
    const { assertions } = await postJson(`${baseUrl}/__bench/passkey-assertions`, {
      username: passkeyUser.username,
      count,
    });
    passkeyAnswers.push(...assertions);
  }
  while (pool.length < needed) {
    const count = Math.min(2000, needed - pool.length);
    const { refresh } = await postJson(`${baseUrl}/__bench/sessions`, { username: user.username, count });
    pool.push(...refresh);
  }
  for (const [name, options] of Object.entries(scenarios))
    if (name !== "baseline-db" && warmup > 0) await run(options(), warmup);
  const results = await measureAll(scenarios);

  const rate = Object.fromEntries(results.map((r) => [r.scenario, r.requestsPerSecond]));
  for (const line of results) {
    const target = TARGETS.find(([name]) => name === line.scenario);
    if (target) {
      line.ratio = Math.round((rate[line.scenario] / rate[target[1]]) * 100) / 100;
      line.ratioTo = target[1];
      line.target = target[2];
    }
  }
  const bundleKiB = Math.round((bundle.gzipBytes / 1024) * 10) / 10;
  const checks = [
    ...results
      .filter((r) => r.target != null)
      .map((r) => ({ check: `${r.scenario} ≥ ${r.target} × ${r.ratioTo}`, ok: r.ratio >= r.target })),
    { check: "zero non-2xx", ok: results.every((r) => r.non2xx === 0) },
    { check: `bundle ≤ ${BUNDLE_BUDGET_KIB} KiB gzipped`, ok: bundleKiB <= BUNDLE_BUDGET_KIB },
  ];

  const pad = (value, width) => String(value).padStart(width);
  console.log(
    `\n${"scenario".padEnd(15)}${pad("req/s", 10)}${pad("p50 ms", 9)}${pad("p99 ms", 9)}${pad("non-2xx", 9)}   ratio`,
  );
  for (const r of results) {
    const ratio =
      r.ratio === undefined ? "" : `${r.ratio} × ${r.ratioTo}${r.target == null ? "" : ` (target ${r.target})`}`;
    console.log(
      `${r.scenario.padEnd(15)}${pad(r.requestsPerSecond, 10)}${pad(r.p50Ms, 9)}${pad(r.p99Ms, 9)}${pad(r.non2xx, 9)}   ${ratio}`,
    );
  }
  console.log(
    `\nbundle: ${Math.round(bundle.bytes / 1024)} KiB minified, ${bundleKiB} KiB gzipped (budget ${BUNDLE_BUDGET_KIB})`,
  );
  for (const { check, ok } of checks) console.log(`${ok ? "PASS" : "FAIL"}  ${check}`);

  writeFileSync(
    "bench/results.json",
    `${JSON.stringify({ date: new Date().toISOString(), duration, connections, rounds, warmup, results, bundle: { ...bundle, gzipKiB: bundleKiB }, checks }, null, 2)}\n`,
  );
  console.log("\nwritten: bench/results.json");
} finally {
  await server.stop();
  await google.close();
}
