import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { AuthMethod } from "../auth/tokens";

/**
 * Plans and the Stripe prices that sell them. Amounts are cached here (kept current by `price.*`
 * webhooks) so listing plans never calls Stripe; they are in the currency's minor unit, as Stripe's.
 */
export const plans = sqliteTable("plans", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  description: text("description").notNull().default(""),
  sortOrder: integer("sort_order").notNull().default(0),
  monthlyPriceId: text("stripe_monthly_price_id").unique(),
  monthlyUnitAmount: integer("monthly_unit_amount"),
  monthlyCurrency: text("monthly_currency"),
  monthlyInterval: text("monthly_interval"),
  yearlyPriceId: text("stripe_yearly_price_id").unique(),
  yearlyUnitAmount: integer("yearly_unit_amount"),
  yearlyCurrency: text("yearly_currency"),
  yearlyInterval: text("yearly_interval"),
});

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    username: text("username").notNull().unique(),
    /**
     * The username NFKC-normalised and lower-cased (`usernameKey`): unique, so `Admin` and fullwidth
     * `ａｄｍｉｎ` cannot register beside `admin` (Django normalises, allauth compares without case).
     */
    usernameKey: text("username_key").notNull().default(""),
    // Stored lower-cased; the unique index on lower(email) also guards rows written by hand.
    email: text("email").notNull(),
    /** An address the user asked to move to, not yet confirmed (verification optional or mandatory). */
    pendingEmail: text("pending_email"),
    passwordHash: text("password_hash").notNull(),
    firstName: text("first_name").notNull().default(""),
    lastName: text("last_name").notNull().default(""),
    dateOfBirth: text("date_of_birth"),
    planId: integer("plan_id").references(() => plans.id, { onDelete: "set null" }),
    stripeCustomerId: text("stripe_customer_id"),
    stripeSubscriptionId: text("stripe_subscription_id"),
    stripeSubscriptionStatus: text("stripe_subscription_status"),
    subscriptionCurrentPeriodEnd: integer("subscription_current_period_end", { mode: "timestamp_ms" }),
    subscriptionInterval: text("subscription_interval"),
    /** Stripe `created` of the newest event applied to the subscription: older events never roll it back. */
    subscriptionEventAt: integer("subscription_event_at"),
    /** When staff last set the plan by hand (the admin console); cleared when a Stripe event sets it. */
    planSetByHandAt: integer("plan_set_by_hand_at", { mode: "timestamp_ms" }),
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
    isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
    isStaff: integer("is_staff", { mode: "boolean" }).notNull().default(false),
    dateJoined: integer("date_joined", { mode: "timestamp_ms" }).notNull(),
    lastLogin: integer("last_login", { mode: "timestamp_ms" }),
    /** Set by `npm run import:django`: a digest of the fields as imported, so a newer dump updates only
     * accounts nobody changed here since, and the hash as imported, so it never overwrites a password
     * set or upgraded here. Null for accounts made here. */
    /** The opaque handle passkeys know the user by (WebAuthn's user.id): random, made at the first passkey. */
    webauthnHandle: text("webauthn_handle").unique(),
    importDigest: text("import_digest"),
    importedPasswordHash: text("imported_password_hash"),
  },
  (t) => [
    uniqueIndex("users_email_lower_unique").on(sql`lower(${t.email})`),
    uniqueIndex("users_username_key_unique").on(t.usernameKey),
    index("users_stripe_customer_id_idx").on(t.stripeCustomerId),
    index("users_stripe_subscription_id_idx").on(t.stripeSubscriptionId),
    // The admin console's orderings and plan filter (and the "no user on this plan" check).
    index("users_date_joined_idx").on(t.dateJoined),
    index("users_last_login_idx").on(t.lastLogin),
    index("users_plan_id_idx").on(t.planId),
  ],
);

/**
 * One row per login: a refresh-token family. No token is stored: each refresh token names its session
 * and its generation (signed, so neither can be forged), and the session keeps the generation of its
 * current token. Rotating moves the generation on compare-and-swap; a well-signed token of an older
 * generation was rotated away — replayed after the reuse interval, it ends the session.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    refreshGeneration: integer("refresh_generation").notNull().default(0),
    /** When the current generation replaced the previous one (null: never rotated). */
    refreshRotatedAt: integer("refresh_rotated_at", { mode: "timestamp_ms" }),
    /** The session's end: slides with each rotation, never past `created_at` + SESSION_MAX_AGE_SECONDS. */
    refreshExpiresAt: integer("refresh_expires_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }).notNull(),
    userAgent: text("user_agent"),
    ip: text("ip"),
    /** How the session was started (RFC 8176 values, see `AuthMethod`): written at sign-in, kept by every refresh. */
    amr: text("amr", { mode: "json" }).$type<AuthMethod[]>().notNull().default(["pwd"]),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    revokedReason: text("revoked_reason"),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

/** Every Stripe event we answered 2xx for, so a redelivery is a no-op. Written in the batch of its effects. */
export const stripeEvents = sqliteTable(
  "stripe_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    /** `applied`, `ignored` (a type we do not handle), `stale` (older than the state) or `unmatched`. */
    outcome: text("outcome").notNull(),
    createdAt: integer("created_at").notNull(),
    receivedAt: integer("received_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("stripe_events_received_at_idx").on(t.receivedAt)],
);

/** Password-reset and email-verification tokens: only their SHA-256 is stored; expiring, single use. */
export const oneTimeTokens = sqliteTable(
  "one_time_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: ["password_reset", "email_verification"] }).notNull(),
    /** The address the token was mailed to: it is good only while that is still the account's (or pending) address. */
    email: text("email"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("one_time_tokens_user_purpose_idx").on(t.userId, t.purpose)],
);

/**
 * Every email, written before it is sent: a failed send leaves the row (status `failed`) instead of
 * losing the message. Bodies of messages a real transport delivered are blanked (they hold links).
 */
export const outbox = sqliteTable(
  "outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    recipient: text("recipient").notNull(),
    subject: text("subject").notNull(),
    body: text("body"),
    transport: text("transport").notNull(),
    status: text("status", { enum: ["pending", "sent", "failed"] }).notNull(),
    error: text("error"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("outbox_status_idx").on(t.status, t.id), index("outbox_recipient_idx").on(sql`lower(${t.recipient})`)],
);

/** What happened to an account, for its owner to review (`GET /auth/security-events/`). */
export const securityEvents = sqliteTable(
  "security_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("security_events_user_created_idx").on(t.userId, t.createdAt)],
);

/**
 * What a plan allows: at most `limit` units of `scope` in any `window_seconds` (a sliding window, as the
 * Django service's DRF throttles). A scope a plan does not list is unlimited on that plan; a scope no
 * plan lists does not exist. Data, not code: edit rows to change a plan's limits without a deploy.
 */
export const planQuotas = sqliteTable(
  "plan_quotas",
  {
    planId: integer("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    scope: text("scope").notNull(),
    limit: integer("limit").notNull(),
    windowSeconds: integer("window_seconds").notNull(),
  },
  (t) => [primaryKey({ columns: [t.planId, t.scope] }), index("plan_quotas_scope_idx").on(t.scope)],
);

/**
 * Identities at other providers (Google) linked to an account: kept from the Django service's allauth
 * (imported by `npm run import:django`) and linked by Google sign-in. One identity, one account.
 */
export const linkedIdentities = sqliteTable(
  "linked_identities",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(),
    uid: text("uid").notNull(),
    /** When it was linked (imported identities: when they were imported). */
    dateJoined: integer("date_joined", { mode: "timestamp_ms" })
      .notNull()
      .default(sql`(unixepoch('subsec') * 1000)`),
    /** The identity's last sign-in here. */
    lastLogin: integer("last_login", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("linked_identities_provider_uid_unique").on(t.provider, t.uid),
    index("linked_identities_user_idx").on(t.userId),
  ],
);

/**
 * Every write made through the admin API or console: who (kept by name too, so the entry outlives the
 * actor's account), what, to which object, and the changed fields before and after (JSON). Deleting a
 * user blanks the personal fields of the entries about it.
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    actorId: integer("actor_id").references(() => users.id, { onDelete: "set null" }),
    actorUsername: text("actor_username").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type", { enum: ["user", "plan", "outbox"] }).notNull(),
    targetId: integer("target_id").notNull(),
    before: text("before", { mode: "json" }).$type<Record<string, unknown>>(),
    after: text("after", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("audit_log_target_idx").on(t.targetType, t.targetId, t.id)],
);

/**
 * A user's TOTP authenticator: the secret encrypted at rest (AES-GCM under a key derived from
 * MFA_ENCRYPTION_KEY), pending until a first code confirms it. The last time step a code was accepted
 * at is kept, so every code works once (confirm's included).
 */
export const totpAuthenticators = sqliteTable("mfa_totp", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  encryptedSecret: text("encrypted_secret").notNull(),
  /** When a first code confirmed it: two-factor sign-in is on from then. Null while the setup is pending. */
  confirmedAt: integer("confirmed_at", { mode: "timestamp_ms" }),
  lastUsedStep: integer("last_used_step"),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

/** Single-use recovery codes: only their HMAC (keyed from MFA_ENCRYPTION_KEY) is stored. */
export const recoveryCodes = sqliteTable(
  "mfa_recovery_codes",
  {
    codeHash: text("code_hash").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("mfa_recovery_codes_user_idx").on(t.userId)],
);

/**
 * A sign-in waiting for its second factor (the `mfa_token` of the login step): only the token's SHA-256
 * is stored; it is bound to its user, carries how the first step was made (`amr`), lives minutes, counts
 * wrong codes and is used once.
 */
export const pendingSignIns = sqliteTable(
  "pending_sign_ins",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    amr: text("amr", { mode: "json" }).$type<AuthMethod[]>().notNull(),
    failedAttempts: integer("failed_attempts").notNull().default(0),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("pending_sign_ins_user_idx").on(t.userId)],
);

/**
 * A user's passkeys (WebAuthn credentials): the public key (COSE, as the authenticator gave it), its
 * signature counter, and what the user calls it. `id` is ours and opaque; `credentialId` is the
 * authenticator's, unique across all users.
 */
export const passkeys = sqliteTable(
  "passkeys",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    credentialId: text("credential_id").notNull().unique(),
    publicKey: text("public_key").notNull(),
    counter: integer("counter").notNull().default(0),
    transports: text("transports", { mode: "json" }).$type<string[]>().notNull(),
    backedUp: integer("backed_up", { mode: "boolean" }).notNull().default(false),
    name: text("name").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("passkeys_user_idx").on(t.userId)],
);

/**
 * WebAuthn challenges this server issued: only their SHA-256 is stored, bound to a purpose (register,
 * login, the MFA step) and, where known, to the user (and the pending sign-in); 5 minutes, used once.
 */
export const webauthnChallenges = sqliteTable(
  "webauthn_challenges",
  {
    challengeHash: text("challenge_hash").primaryKey(),
    purpose: text("purpose", { enum: ["register", "login", "mfa"] }).notNull(),
    userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
    /** For the MFA step: the pending sign-in (its token's hash) the challenge belongs to. */
    pendingSignIn: text("pending_sign_in"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("webauthn_challenges_expires_idx").on(t.expiresAt)],
);

export type UserRow = typeof users.$inferSelect;
export type PlanQuotaRow = typeof planQuotas.$inferSelect;
export type PlanRow = typeof plans.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type SecurityEventRow = typeof securityEvents.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type StripeEventRow = typeof stripeEvents.$inferSelect;
export type PasskeyRow = typeof passkeys.$inferSelect;
export type LinkedIdentityRow = typeof linkedIdentities.$inferSelect;
export type TotpAuthenticatorRow = typeof totpAuthenticators.$inferSelect;
export type PendingSignInRow = typeof pendingSignIns.$inferSelect;
