// `npm run dev`: local secrets, local D1 migrated and seeded, then `wrangler dev` on :8787.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { startFakeGoogle } from "./fake-google.mjs";
import { startFakeStripe } from "./fake-stripe.mjs";
import { generateSigningJwk } from "./signing-keys.mjs";

const port = process.env.PORT ?? "8787";
const fakeGooglePort = Number(process.env.FAKE_GOOGLE_PORT ?? 12112);
const WRANGLER = "node_modules/.bin/wrangler";

function wrangler(args) {
  const result = spawnSync(WRANGLER, args, { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// Adds to .dev.vars (creating it) every variable of the example it lacks, with fresh random secrets
// (<random>), a fresh ES256 signing key set (<es256-key>) and the fake Google's address (<fake-google>).
const current = existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "";
const have = new Set(current.split("\n").map((line) => line.split("=")[0]?.trim()));
const missing = readFileSync(".dev.vars.example", "utf8")
  .split("\n")
  .filter((line) => /^[A-Z_]+=/.test(line) && !have.has(line.split("=")[0]))
  .map((line) =>
    line
      .replace("<random>", () => randomBytes(32).toString("hex"))
      .replace("<es256-key>", () => `'${JSON.stringify([generateSigningJwk("ES256")])}'`)
      .replace("<fake-google>", `http://127.0.0.1:${fakeGooglePort}`),
  );
if (missing.length > 0) {
  const prefix = current === "" || current.endsWith("\n") ? current : `${current}\n`;
  writeFileSync(".dev.vars", `${prefix}${missing.join("\n")}\n`, { mode: 0o600 });
  console.log(`.dev.vars: added ${missing.map((line) => line.split("=")[0]).join(", ")}`);
}

wrangler(["d1", "migrations", "apply", "DB", "--local"]);
wrangler(["d1", "execute", "DB", "--local", "--file", "seed/plans.sql"]);

// The local stand-ins of the services the worker calls, which .dev.vars points it at (see .dev.vars.example).
const fakes = [
  ["Stripe API", startFakeStripe, Number(process.env.FAKE_STRIPE_PORT ?? 12111), "checkout calls"],
  ["Google", startFakeGoogle, fakeGooglePort, "Google sign-in (/auth/social/google/start/)"],
];
for (const [name, start, fakePort, uses] of fakes) {
  try {
    const fake = await start(fakePort);
    console.log(`Fake ${name} on http://127.0.0.1:${fake.port}: ${uses} go there`);
  } catch (error) {
    console.warn(`Fake ${name} not started (${error.code ?? error.message}); ${uses} will fail locally.`);
  }
}

// `npm run dev -- --var KEY:VALUE` must win over .dev.vars, which wrangler would otherwise let override
// --var: the pairs also go into an env file read after .dev.vars (later files win).
const args = process.argv.slice(2);
const overrides = args.flatMap((arg, i) => (args[i - 1] === "--var" ? [arg.replace(":", "=")] : []));
const overridesFile = ".wrangler/dev-var-overrides.env";
mkdirSync(".wrangler", { recursive: true });
writeFileSync(overridesFile, overrides.map((line) => `${line}\n`).join(""), { mode: 0o600 });
const envFiles = ["--env-file", ".dev.vars", "--env-file", overridesFile];
const dev = spawn(WRANGLER, ["dev", "--port", port, ...envFiles, ...args], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
