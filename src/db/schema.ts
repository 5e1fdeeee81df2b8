import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
    // Stored lower-cased; the unique index on lower(email) also guards rows written by hand.
    email: text("email").notNull(),
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
    isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
    isStaff: integer("is_staff", { mode: "boolean" }).notNull().default(false),
    dateJoined: integer("date_joined", { mode: "timestamp_ms" }).notNull(),
    lastLogin: integer("last_login", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("users_email_lower_unique").on(sql`lower(${t.email})`),
    index("users_stripe_customer_id_idx").on(t.stripeCustomerId),
    index("users_stripe_subscription_id_idx").on(t.stripeSubscriptionId),
  ],
);

/** One row per login: the family of refresh tokens that descend from it. Revoking it ends the session. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }).notNull(),
    userAgent: text("user_agent"),
    ip: text("ip"),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    revokedReason: text("revoked_reason"),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

/** Refresh tokens are JWTs; only a SHA-256 of their `jti` is stored. `usedAt` set = rotated away. */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    jtiHash: text("jti_hash").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("refresh_tokens_session_id_idx").on(t.sessionId)],
);

/** Every Stripe event we answered 2xx for, so a redelivery is a no-op. Written in the batch of its effects. */
export const stripeEvents = sqliteTable("stripe_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  /** `applied`, `ignored` (a type we do not handle), `stale` (older than the state) or `unmatched`. */
  outcome: text("outcome").notNull(),
  createdAt: integer("created_at").notNull(),
  receivedAt: integer("received_at", { mode: "timestamp_ms" }).notNull(),
});

export type UserRow = typeof users.$inferSelect;
export type PlanRow = typeof plans.$inferSelect;
