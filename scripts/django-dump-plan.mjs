// The planning half of `npm run import:django`: reads a Django `dumpdata` file and, given what the
// database already holds, decides every write as SQL. Pure (no files, no processes), so the tests run
// it inside workerd against the real local D1, and the command runs the same SQL through wrangler.

import { usernameKey } from "../src/identifiers.mjs";

/** The models a dump of the old service holds; any other model is listed and ignored. */
const MODELS = ["core.plan", "core.user", "account.emailaddress", "socialaccount.socialaccount"];
/** Django's hashes this service can check (src/auth/legacy-hashes.ts); others need a password reset. */
const CHECKABLE_HASH = /^pbkdf2_(sha256|sha1)\$\d+\$/;
/** Rows a multi-row INSERT carries: D1 binds no values here (literals), but keeps statements modest. */
const ROWS_PER_INSERT = 200;

export class DumpError extends Error {}

/** The dump's objects by model; throws DumpError for anything that is not `dumpdata` JSON. */
export function readDump(text) {
  let entries;
  try {
    entries = JSON.parse(text);
  } catch (error) {
    throw new DumpError(`not JSON: ${error.message}`);
  }
  const isEntry = (e) => e && typeof e === "object" && typeof e.model === "string" && "pk" in e && e.fields;
  if (!Array.isArray(entries) || !entries.every(isEntry)) {
    throw new DumpError("not a Django dump: expected the list of {model, pk, fields} that dumpdata writes");
  }
  const byModel = Object.fromEntries(MODELS.map((model) => [model, []]));
  const unknownModels = {};
  for (const entry of entries) {
    const model = entry.model.toLowerCase();
    if (byModel[model]) byModel[model].push(entry);
    else unknownModels[model] = (unknownModels[model] ?? 0) + 1;
  }
  if (byModel["core.user"].length === 0 && byModel["core.plan"].length === 0) {
    throw new DumpError("no core.User or core.Plan objects: not a dump of the Django service");
  }
  return {
    plans: byModel["core.plan"],
    users: byModel["core.user"],
    emailAddresses: byModel["account.emailaddress"],
    socialAccounts: byModel["socialaccount.socialaccount"],
    unknownModels,
  };
}

/** A SQL literal: strings quoted (quotes doubled), null as NULL, booleans as 0/1. */
function literal(value) {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "NULL";
  return `'${String(value).replaceAll("'", "''")}'`;
}

const ms = (iso) => (iso ? Date.parse(iso) : null);

/** The columns an imported user gets, from its dump entry (the plan as a subquery by name). */
function userColumns(entry, planName, verified) {
  const f = entry.fields;
  const username = String(f.username).normalize("NFKC");
  return {
    id: entry.pk,
    username,
    username_key: usernameKey(username),
    email: String(f.email ?? "").toLowerCase(),
    password_hash: f.password,
    first_name: f.first_name ?? "",
    last_name: f.last_name ?? "",
    date_of_birth: f.date_of_birth ?? null,
    plan: planName,
    stripe_customer_id: f.stripe_customer_id || null,
    stripe_subscription_id: f.stripe_subscription_id || null,
    stripe_subscription_status: f.stripe_subscription_status || null,
    email_verified: verified,
    is_active: Boolean(f.is_active),
    is_staff: Boolean(f.is_staff || f.is_superuser),
    date_joined: ms(f.date_joined),
    last_login: ms(f.last_login),
  };
}

/**
 * The fields whose import a digest records: all but the password (it has its own rule) and the last
 * login (every login here moves it; an import never moves it back).
 */
const DIGESTED = [
  "username",
  "email",
  "first_name",
  "last_name",
  "date_of_birth",
  "plan_id",
  "stripe_customer_id",
  "stripe_subscription_id",
  "stripe_subscription_status",
  "email_verified",
  "is_active",
  "is_staff",
  "date_joined",
];

/** A digest of a user's importable fields, comparable between a planned row and a row read back. */
export async function digestOf(row) {
  // Booleans as SQLite stores them, so a planned row and the row read back digest alike.
  const value = (v) => (typeof v === "boolean" ? Number(v) : (v ?? null));
  const canonical = JSON.stringify(DIGESTED.map((column) => value(row[column])));
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The SQL that reads what `planImport` needs to know about the database. */
export const EXISTING_QUERIES = {
  plans: "SELECT id, name, stripe_monthly_price_id, stripe_yearly_price_id FROM plans",
  users: `SELECT id, username_key, ${DIGESTED.join(", ")}, password_hash, import_digest, imported_password_hash FROM users`,
};

/**
 * Every write the dump calls for, given the database's current `plans` and `users` (rows of
 * EXISTING_QUERIES), and the report of what happens to each object. Never merges: a conflict skips the
 * object and says why.
 */
export async function planImport(dump, existing) {
  const statements = [];
  const report = {
    plans: { created: [], updated: [], keptPrices: [] },
    users: { created: 0, updated: 0, unchanged: 0, passwordsUpdated: 0, skipped: [] },
    needPasswordReset: [],
    linkedIdentities: 0,
    unknownModels: dump.unknownModels,
  };

  // Plans match by name: the dump's description, order and price ids update ours; a new name is created.
  // A price the dump lacks never blanks one we have: ours is kept, and the report says so. The cached
  // amounts stay as they are (the plan is sellable at once); Stripe's price.* events keep them current.
  const ourPlans = new Map(existing.plans.map((p) => [p.name, p]));
  const planNameByPk = new Map();
  for (const { pk, fields } of dump.plans) {
    planNameByPk.set(pk, fields.name);
    const ours = ourPlans.get(fields.name);
    const values = { description: fields.description ?? "", sort_order: fields.order ?? 0 };
    for (const [billing, theirs, column] of [
      ["monthly", fields.stripe_price_id_monthly, "stripe_monthly_price_id"],
      ["yearly", fields.stripe_price_id_yearly, "stripe_yearly_price_id"],
    ]) {
      const kept = ours?.[column] ?? null;
      if (!theirs && kept) report.plans.keptPrices.push({ plan: fields.name, billing, price: kept });
      else values[column] = theirs || null;
    }
    if (ours) {
      const set = Object.entries(values).map(([column, value]) => `${column} = ${literal(value)}`);
      statements.push(`UPDATE plans SET ${set.join(", ")} WHERE name = ${literal(fields.name)}`);
      report.plans.updated.push(fields.name);
    } else {
      const columns = ["name", ...Object.keys(values)];
      const row = [fields.name, ...Object.values(values)].map(literal);
      statements.push(`INSERT INTO plans (${columns.join(", ")}) VALUES (${row.join(", ")})`);
      report.plans.created.push(fields.name);
    }
  }
  const planId = (name) => `(SELECT id FROM plans WHERE name = ${literal(name)})`;

  // allauth: an account's address is verified when its primary EmailAddress for it is.
  const verified = new Set(
    dump.emailAddresses
      .filter((e) => e.fields.verified && e.fields.primary)
      .map((e) => `${e.fields.user}:${String(e.fields.email).toLowerCase()}`),
  );

  const byId = new Map(existing.users.map((u) => [u.id, u]));
  const idOfEmail = new Map(existing.users.map((u) => [String(u.email).toLowerCase(), u.id]));
  const idOfKey = new Map(existing.users.map((u) => [u.username_key, u.id]));
  const seenEmails = new Map();
  const seenKeys = new Map();
  const inserts = [];
  const skip = (entry, reason) => report.users.skipped.push({ pk: entry.pk, username: entry.fields.username, reason });

  for (const entry of [...dump.users].sort((a, b) => a.pk - b.pk)) {
    const email = String(entry.fields.email ?? "").toLowerCase();
    const planName = planNameByPk.get(entry.fields.plan) ?? "Free";
    const columns = userColumns(entry, planName, verified.has(`${entry.pk}:${email}`));
    const key = columns.username_key;
    if (seenEmails.has(email)) {
      skip(entry, `e-mail ${email} equals that of dump user ${seenEmails.get(email)} after lower-casing`);
      continue;
    }
    if (seenKeys.has(key)) {
      skip(entry, `username equals that of dump user ${seenKeys.get(key)} after normalisation`);
      continue;
    }
    seenEmails.set(email, entry.pk);
    seenKeys.set(key, entry.pk);
    const here = byId.get(entry.pk);
    if (here && (here.import_digest === null || here.username_key !== key)) {
      skip(entry, `id ${entry.pk} belongs to another account here`);
      continue;
    }
    if (idOfEmail.has(email) && idOfEmail.get(email) !== entry.pk) {
      skip(entry, `e-mail ${email} belongs to another account here`);
      continue;
    }
    if (idOfKey.has(key) && idOfKey.get(key) !== entry.pk) {
      skip(entry, `username belongs to another account here`);
      continue;
    }
    const planned = { ...columns, plan_id: planName };
    const digest = await digestOf(planned);
    if (!CHECKABLE_HASH.test(columns.password_hash)) {
      report.needPasswordReset.push({ pk: entry.pk, username: columns.username });
    }
    if (!here) {
      inserts.push({ ...columns, digest });
      continue;
    }
    // Imported before: update only what nobody changed here since, and never a password set here.
    const changedHere =
      (await digestOf({ ...here, plan_id: planNameOfId(existing, here.plan_id) })) !== here.import_digest;
    const sets = [];
    if (!changedHere && digest !== here.import_digest) {
      sets.push(...assignments(columns, planId(planName)), `import_digest = ${literal(digest)}`);
      report.users.updated += 1;
    } else if (changedHere) {
      skip(entry, "changed here since its last import: left as it is");
    } else {
      report.users.unchanged += 1;
    }
    const passwordUntouchedHere = here.password_hash === here.imported_password_hash;
    if (passwordUntouchedHere && columns.password_hash !== here.imported_password_hash) {
      sets.push(
        `password_hash = ${literal(columns.password_hash)}`,
        `imported_password_hash = ${literal(columns.password_hash)}`,
      );
      report.users.passwordsUpdated += 1;
    }
    if (sets.length > 0) statements.push(`UPDATE users SET ${sets.join(", ")} WHERE id = ${entry.pk}`);
  }

  const insertColumns = [
    "id",
    "username_key",
    "password_hash",
    ...DIGESTED,
    "last_login",
    "import_digest",
    "imported_password_hash",
  ];
  for (let i = 0; i < inserts.length; i += ROWS_PER_INSERT) {
    const rows = inserts.slice(i, i + ROWS_PER_INSERT).map((u) => {
      const values = insertColumns.map((column) => {
        if (column === "plan_id") return planId(u.plan);
        if (column === "import_digest") return literal(u.digest);
        if (column === "imported_password_hash") return literal(u.password_hash);
        return literal(u[column]);
      });
      return `(${values.join(", ")})`;
    });
    statements.push(`INSERT INTO users (${insertColumns.join(", ")}) VALUES ${rows.join(", ")}`);
  }
  report.users.created = inserts.length;

  const importedIds = new Set([
    ...inserts.map((u) => u.id),
    ...existing.users.filter((u) => u.import_digest).map((u) => u.id),
  ]);
  for (const { fields } of dump.socialAccounts) {
    if (!importedIds.has(fields.user)) continue;
    statements.push(
      `INSERT INTO linked_identities (user_id, provider, uid) VALUES (${fields.user}, ${literal(fields.provider)}, ${literal(fields.uid)}) ON CONFLICT DO NOTHING`,
    );
    report.linkedIdentities += 1;
  }
  return { statements, report };
}

/** SET clauses for an imported user's fields (not the password, not the id). */
function assignments(columns, planSubquery) {
  return DIGESTED.map((column) =>
    column === "plan_id" ? `plan_id = ${planSubquery}` : `${column} = ${literal(columns[column])}`,
  ).concat(`username_key = ${literal(columns.username_key)}`);
}

function planNameOfId(existing, id) {
  return existing.plans.find((p) => p.id === id)?.name ?? null;
}

/** How many accounts still have a Django PBKDF2 hash (moved to ours at their next login), and how many
 * have one this service cannot check (unusable, argon2, bcrypt: those users reset their password). */
export const LEGACY_HASH_QUERY = `SELECT
  sum(CASE WHEN password_hash LIKE 'pbkdf2_sha256$100000$%' THEN 0
           WHEN password_hash LIKE 'pbkdf2_sha256$%' OR password_hash LIKE 'pbkdf2_sha1$%' THEN 1 ELSE 0 END) AS legacy,
  sum(CASE WHEN password_hash LIKE 'pbkdf2_%' THEN 0 ELSE 1 END) AS unusable,
  count(*) AS users
FROM users`;
