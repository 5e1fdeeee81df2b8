// `npm run import:django -- <dump.json> [--remote] [--dry-run] [--report <file.json>]`
// `npm run import:django -- --status [--remote]`
// Moves the Django service's plans, users (ids, password hashes, plans, Stripe links, staff, allauth
// verification) and Google identities into D1: the local database `npm run dev` uses, or with
// --remote the deployed one, through wrangler. See scripts/django-dump-plan.mjs for the rules.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DumpError, EXISTING_QUERIES, LEGACY_HASH_QUERY, planImport, readDump } from "./django-dump-plan.mjs";

const WRANGLER = "node_modules/.bin/wrangler";
const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    remote: { type: "boolean", default: false },
    "dry-run": { type: "boolean", default: false },
    report: { type: "string" },
    status: { type: "boolean", default: false },
  },
});
const where = flags.remote ? "--remote" : "--local";

function fail(message) {
  console.error(`import:django: ${message}`);
  process.exit(1);
}

function wrangler(args) {
  const result = spawnSync(WRANGLER, ["d1", "execute", "DB", where, "--yes", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (result.status !== 0) fail(`wrangler d1 execute failed:\n${result.stderr}\n${result.stdout}`);
  return result.stdout.toString();
}

function query(sql) {
  return JSON.parse(wrangler(["--json", "--command", sql]))[0].results;
}

if (flags.status) {
  const [counts] = query(LEGACY_HASH_QUERY);
  console.log(
    `users: ${counts.users ?? 0}; still on a Django hash (moved to ours at their next login): ${counts.legacy ?? 0}; ` +
      `a hash this service cannot check (reset needed): ${counts.unusable ?? 0}`,
  );
  process.exit(0);
}

const [file] = positionals;
if (!file) fail("usage: npm run import:django -- <dump.json> [--remote] [--dry-run] [--report <file.json>]");
let text;
try {
  text = readFileSync(file, "utf8");
} catch (error) {
  fail(`cannot read ${file}: ${error.message}`);
}
let dump;
try {
  dump = readDump(text);
} catch (error) {
  if (error instanceof DumpError) fail(`${file} is ${error.message}; nothing was written`);
  throw error;
}

const started = Date.now();
const existing = { plans: query(EXISTING_QUERIES.plans), users: query(EXISTING_QUERIES.users) };
const { statements, report } = await planImport(dump, existing);

const summary = [
  `plans: ${report.plans.created.length} created, ${report.plans.updated.length} updated`,
  `users: ${report.users.created} created, ${report.users.updated} updated, ${report.users.unchanged} unchanged, ` +
    `${report.users.passwordsUpdated} passwords updated, ${report.users.skipped.length} skipped`,
  `Google identities linked: ${report.linkedIdentities}`,
  `need a password reset (hash this service cannot check): ${report.needPasswordReset.length}`,
  ...Object.entries(report.unknownModels).map(([model, n]) => `ignored: ${n} × ${model}`),
  ...report.plans.keptPrices.map(
    (k) => `kept plan ${k.plan}'s ${k.billing} price ${k.price}: the dump has none (an import never blanks a price)`,
  ),
  ...report.users.skipped.map((s) => `skipped user ${s.pk} (${s.username}): ${s.reason}`),
];
console.log(summary.join("\n"));
if (flags.report) writeFileSync(flags.report, `${JSON.stringify(report, null, 2)}\n`);

if (flags["dry-run"]) {
  console.log(`dry run: ${statements.length} statements planned, nothing written`);
  process.exit(0);
}
if (statements.length > 0) {
  const dir = mkdtempSync(join(tmpdir(), "import-django-"));
  try {
    const sqlFile = join(dir, "import.sql");
    writeFileSync(sqlFile, `${statements.join(";\n")};\n`);
    wrangler(["--file", sqlFile]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`written: ${statements.length} statements in ${((Date.now() - started) / 1000).toFixed(1)} s`);
