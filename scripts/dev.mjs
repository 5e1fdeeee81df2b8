// `npm run dev`: local secrets, local D1 migrated and seeded, then `wrangler dev` on :8787.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const port = process.env.PORT ?? "8787";

function wrangler(args) {
  const result = spawnSync("npx", ["wrangler", ...args], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync(".dev.vars")) {
  const template = readFileSync(".dev.vars.example", "utf8");
  writeFileSync(".dev.vars", template.replaceAll("<random>", () => randomBytes(32).toString("hex")), { mode: 0o600 });
  console.log("Created .dev.vars with fresh local secrets.");
}

wrangler(["d1", "migrations", "apply", "DB", "--local"]);
wrangler(["d1", "execute", "DB", "--local", "--file", "seed/plans.sql"]);

const dev = spawn("npx", ["wrangler", "dev", "--port", port, ...process.argv.slice(2)], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
