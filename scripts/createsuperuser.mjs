// `npm run createsuperuser -- --username <name> --email <address> [--remote] [--persist-to <dir>]`
// Creates a staff account (or promotes an existing one, keeping its password), as Django's command does,
// in the local D1 `npm run dev` uses — or with --remote the deployed one — through wrangler. The password
// comes from SUPERUSER_PASSWORD, else a prompt; it is checked by the same rules and hashed by the same
// code as a registration (src/admin/superuser.ts, bundled for Node with esbuild on the fly).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const WRANGLER = "node_modules/.bin/wrangler";
const { values: flags } = parseArgs({
  options: {
    username: { type: "string" },
    email: { type: "string" },
    remote: { type: "boolean", default: false },
    "persist-to": { type: "string" },
  },
});

function fail(message) {
  console.error(`createsuperuser: ${message}`);
  process.exit(1);
}

if (!flags.username || !flags.email) {
  fail("usage: npm run createsuperuser -- --username <name> --email <address> [--remote] [--persist-to <dir>]");
}

/** The worker's own rules and hashing, as a module Node can run. */
async function workerCode() {
  const bundle = await build({
    entryPoints: ["src/admin/superuser.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    logLevel: "silent",
  });
  const source = bundle.outputFiles[0].text;
  return import(`data:text/javascript,${encodeURIComponent(source)}`);
}

function d1(args) {
  const where = flags.remote
    ? ["--remote"]
    : ["--local", ...(flags["persist-to"] ? ["--persist-to", flags["persist-to"]] : [])];
  const result = spawnSync(WRANGLER, ["d1", "execute", "DB", ...where, "--yes", "--json", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.status !== 0) fail(`wrangler d1 execute failed:\n${result.stderr}\n${result.stdout}`);
  return JSON.parse(result.stdout.toString());
}

/** A SQL string literal (the values are validated first; quotes are doubled all the same). */
const literal = (value) => `'${String(value).replaceAll("'", "''")}'`;

function runSql(statements) {
  const dir = mkdtempSync(join(tmpdir(), "createsuperuser-"));
  try {
    const file = join(dir, "superuser.sql");
    writeFileSync(file, statements.join(";\n"));
    return d1(["--file", file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The password without echoing it: SUPERUSER_PASSWORD, else asked twice on the terminal. */
async function readPassword() {
  if (process.env.SUPERUSER_PASSWORD) return process.env.SUPERUSER_PASSWORD;
  if (!process.stdin.isTTY) fail("no terminal to ask for the password on: set SUPERUSER_PASSWORD");
  const ask = (question) =>
    new Promise((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
      rl._writeToOutput = (text) => {
        if (text.includes(question)) process.stdout.write(text);
      };
      rl.question(question, (answer) => {
        rl.close();
        process.stdout.write("\n");
        resolve(answer);
      });
    });
  const first = await ask("Password: ");
  const second = await ask("Password (again): ");
  if (first !== second) fail("the passwords did not match");
  return first;
}

const { checkIdentity, hashNewPassword } = await workerCode();
const identity = checkIdentity({ username: flags.username, email: flags.email });
if (identity.problems) fail(identity.problems.join("\n"));

const [found] = d1([
  "--command",
  `select id, username, email, is_staff from users where username_key = ${literal(identity.usernameKey)} or lower(email) = ${literal(identity.email)}`,
]);
const matches = found.results;
const byUsername = matches.find((row) => row.username.normalize("NFKC").toLowerCase() === identity.usernameKey);
const byEmail = matches.find((row) => row.email.toLowerCase() === identity.email);
if (byEmail && byEmail.id !== byUsername?.id)
  fail(`${identity.email} is the address of another account (${byEmail.username})`);

const audit = (action, after) =>
  `insert into audit_log (actor_id, actor_username, action, target_type, target_id, before, after, created_at)
   select null, 'npm run createsuperuser', ${literal(action)}, 'user', id, null, ${literal(JSON.stringify(after))}, ${Date.now()}
   from users where username_key = ${literal(identity.usernameKey)}`;

if (byUsername) {
  runSql([
    `update users set is_staff = 1, is_active = 1 where id = ${Number(byUsername.id)}`,
    audit("user.updated", { is_staff: true, is_active: true }),
  ]);
  console.log(`${byUsername.username} is staff now (the password is unchanged). Sign in at /admin/.`);
  process.exit(0);
}

const hashed = await hashNewPassword(await readPassword(), { username: identity.username, email: identity.email });
if (hashed.problems) fail(hashed.problems.join("\n"));
runSql([
  `insert into users (username, username_key, email, password_hash, plan_id, email_verified, is_active, is_staff, date_joined)
   values (${literal(identity.username)}, ${literal(identity.usernameKey)}, ${literal(identity.email)}, ${literal(hashed.passwordHash)},
     (select id from plans where name = 'Free'), 1, 1, 1, ${Date.now()})`,
  audit("user.created", { username: identity.username, email: identity.email, is_staff: true }),
]);
console.log(`Superuser ${identity.username} created. Sign in at /admin/.`);
