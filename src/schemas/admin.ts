import { z } from "@hono/zod-openapi";
import type { StaffUserDetail, UserListRow } from "../db/admin-users";
import type { StaffPlanView } from "../db/plans";
import type { AuditRow, OutboxRow, StripeEventRow } from "../db/schema";
import { planPrice } from "../billing/prices";
import { body, date, email, integer, optionalText, text } from "./fields";
import { pageQuerySchema, pageSchema } from "./pages";
import { securityEventSchema, serializeSecurityEvent, sessionSchema } from "./sessions";
import { priceSchema } from "./user";
import { passkeySchema, serializePasskey } from "./passkeys";
import { serializeSocialAccount, socialAccountSchema } from "./social";
import { serializeUsage, usageSchema } from "./usage";

export type UserOrdering = "date_joined" | "-date_joined" | "last_login" | "-last_login";

/** What the users list asks for (the API's query and the console's filters, as the domain reads them). */
export interface UserSearch {
  /** A prefix of the username or the e-mail, in any case. */
  search?: string;
  planId?: number;
  active?: boolean;
  staff?: boolean;
  /** A Stripe subscription status, or `none` for users with no subscription. */
  subscriptionStatus?: string;
  ordering: UserOrdering;
}

/** What staff may change on an account (fields left out stay as they are). */
export interface StaffUserEdit {
  email?: string;
  firstName?: string;
  lastName?: string;
  dateOfBirth?: string | null;
  planId?: number;
  isActive?: boolean;
  isStaff?: boolean;
}

const timestamp = z.string().openapi({ format: "date-time" });
const iso = (d: Date | null) => d?.toISOString() ?? null;

/** A query flag: DRF's BooleanFilter spellings. */
const flag = z
  .enum(["true", "false", "1", "0", "True", "False"], { error: "Select a valid choice." })
  .transform((v) => v.toLowerCase() === "true" || v === "1");

const ORDERINGS = ["date_joined", "-date_joined", "last_login", "-last_login"] as const satisfies UserOrdering[];

export const socialAccountOfUserParamsSchema = z.object({
  id: z.coerce
    .number({ error: "A valid integer is required." })
    .int()
    .positive()
    .openapi({ param: { name: "id", in: "path" }, type: "integer" }),
  account: z.coerce
    .number({ error: "A valid integer is required." })
    .int()
    .positive()
    .openapi({ param: { name: "account", in: "path" }, type: "integer" }),
});

export const passkeyOfUserParamsSchema = z.object({
  id: z.coerce
    .number({ error: "A valid integer is required." })
    .int()
    .positive()
    .openapi({ param: { name: "id", in: "path" }, type: "integer" }),
  passkey: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "passkey", in: "path" } }),
});

export const idParamsSchema = z.object({
  id: integer()
    .pipe(z.number().min(1))
    .openapi({ param: { name: "id", in: "path" }, type: "integer" }),
});

export const userListQuerySchema = pageQuerySchema.extend({
  search: z
    .string()
    .trim()
    .max(254)
    .optional()
    .openapi({ description: "a prefix of the username or e-mail, any case" }),
  plan: integer().optional().openapi({ description: "plan id", type: "integer" }),
  is_active: flag.optional().openapi({ type: "boolean" }),
  is_staff: flag.optional().openapi({ type: "boolean" }),
  subscription_status: z
    .string()
    .regex(/^[a-z_]{1,32}$/, "Select a valid choice.")
    .optional()
    .openapi({ description: "a Stripe status (active, past_due, canceled…), or `none`" }),
  ordering: z
    .enum(ORDERINGS, { error: `Select a valid choice: ${ORDERINGS.join(", ")}.` })
    .optional()
    .openapi({ description: "default -date_joined (newest first)" }),
});

export const adminUserSummarySchema = z
  .object({
    id: z.number().int(),
    username: z.string(),
    email: z.string(),
    plan: z.string().nullable(),
    is_active: z.boolean(),
    is_staff: z.boolean(),
    subscription_status: z.string().nullable(),
    date_joined: timestamp,
    last_login: timestamp.nullable(),
  })
  .openapi("AdminUserSummary");

export const adminUserPageSchema = pageSchema(adminUserSummarySchema, "PaginatedAdminUsers");

export function serializeUserSummary(row: UserListRow): z.infer<typeof adminUserSummarySchema> {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    plan: row.planName,
    is_active: row.isActive,
    is_staff: row.isStaff,
    subscription_status: row.subscriptionStatus,
    date_joined: row.dateJoined.toISOString(),
    last_login: iso(row.lastLogin),
  };
}

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    actor: z.string(),
    action: z.string().openapi({ example: "user.updated" }),
    target_type: z.enum(["user", "plan", "outbox"]),
    target_id: z.number().int(),
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
    created: timestamp,
  })
  .openapi("AuditEntry");

export const auditPageSchema = pageSchema(auditEntrySchema, "PaginatedAuditEntries");

export function serializeAuditEntry(row: AuditRow): z.infer<typeof auditEntrySchema> {
  return {
    id: row.id,
    actor: row.actorUsername,
    action: row.action,
    target_type: row.targetType,
    target_id: row.targetId,
    before: row.before,
    after: row.after,
    created: row.createdAt.toISOString(),
  };
}

export const adminUserSchema = z
  .object({
    id: z.number().int(),
    username: z.string(),
    email: z.string(),
    pending_email: z.string().nullable(),
    email_verified: z.boolean(),
    first_name: z.string(),
    last_name: z.string(),
    date_of_birth: z.string().nullable().openapi({ format: "date" }),
    is_active: z.boolean(),
    is_staff: z.boolean(),
    date_joined: timestamp,
    last_login: timestamp.nullable(),
    plan: z.object({ id: z.number().int(), name: z.string() }).nullable(),
    plan_set_by_hand_at: timestamp
      .nullable()
      .openapi({ description: "set when staff chose the plan, until Stripe sets it" }),
    stripe_customer_id: z.string().nullable(),
    stripe_subscription_id: z.string().nullable(),
    stripe_subscription_status: z.string().nullable(),
    subscription_renewal_date: timestamp.nullable(),
    subscription_interval: z.string().nullable(),
    usage: z.array(usageSchema),
    mfa: z.object({ totp: z.boolean(), recovery_codes_remaining: z.number().int() }),
    social_accounts: z.array(socialAccountSchema),
    passkeys: z.array(passkeySchema),
    sessions: z.array(sessionSchema.omit({ current: true })),
    security_events: z.array(securityEventSchema).openapi({ description: "the newest 20" }),
    audit_log: z.array(auditEntrySchema).openapi({ description: "the newest 20 about this user" }),
  })
  .openapi("AdminUser");

export function serializeAdminUser(detail: StaffUserDetail): z.infer<typeof adminUserSchema> {
  const { user, plan } = detail;
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    pending_email: user.pendingEmail,
    email_verified: user.emailVerified,
    first_name: user.firstName,
    last_name: user.lastName,
    date_of_birth: user.dateOfBirth,
    is_active: user.isActive,
    is_staff: user.isStaff,
    date_joined: user.dateJoined.toISOString(),
    last_login: iso(user.lastLogin),
    plan: plan ? { id: plan.id, name: plan.name } : null,
    plan_set_by_hand_at: iso(user.planSetByHandAt),
    stripe_customer_id: user.stripeCustomerId,
    stripe_subscription_id: user.stripeSubscriptionId,
    stripe_subscription_status: user.stripeSubscriptionStatus,
    subscription_renewal_date: iso(user.subscriptionCurrentPeriodEnd),
    subscription_interval: user.subscriptionInterval,
    usage: detail.usages.map(serializeUsage),
    mfa: { totp: detail.mfa.totp, recovery_codes_remaining: detail.mfa.recoveryCodesRemaining },
    social_accounts: detail.identities.map(serializeSocialAccount),
    passkeys: detail.passkeys.map(serializePasskey),
    sessions: detail.sessions.map((s) => ({
      id: s.id,
      created: s.createdAt.toISOString(),
      last_used: s.lastUsedAt.toISOString(),
      user_agent: s.userAgent,
      ip: s.ip,
    })),
    security_events: detail.events.map(serializeSecurityEvent),
    audit_log: detail.audit.map(serializeAuditEntry),
  };
}

export const adminUserUpdateSchema = body({
  email: email().optional(),
  first_name: optionalText(150).optional(),
  last_name: optionalText(150).optional(),
  date_of_birth: date().nullable().optional(),
  plan: integer().optional().openapi({ description: "plan id: set by hand, and recorded as such", type: "integer" }),
  is_active: z
    .boolean({ error: "Must be a valid boolean." })
    .optional()
    .openapi({ description: "false ends every session at once" }),
  is_staff: z.boolean({ error: "Must be a valid boolean." }).optional(),
}).openapi("AdminUserUpdate");

export type AdminUserUpdate = z.infer<typeof adminUserUpdateSchema>;

export const deleteUserQuerySchema = z.object({
  cancel_subscription: flag
    .optional()
    .openapi({ type: "boolean", description: "cancel a billing Stripe subscription first" }),
});

const scope = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, "Enter a scope: lower-case letters, digits and _, at most 64.");

export const quotaSchema = z
  .object({
    scope,
    limit: integer().pipe(z.number().min(0, "Ensure this value is greater than or equal to 0.")),
    window_seconds: integer().pipe(
      z.number().min(1, "Ensure this value is greater than or equal to 1.").max(31_622_400, "At most a year."),
    ),
  })
  .openapi("PlanQuota");

const priceId = z
  .string()
  .trim()
  .regex(/^price_[A-Za-z0-9_]{1,250}$/, "Enter a Stripe price id (price_…).")
  .nullable();

const planFields = {
  description: optionalText(1000).optional(),
  sort_order: integer().optional(),
  stripe_monthly_price_id: priceId.optional(),
  stripe_yearly_price_id: priceId.optional(),
  quotas: z
    .array(quotaSchema)
    .max(50)
    .refine((list) => new Set(list.map((q) => q.scope)).size === list.length, "Each scope may be listed once.")
    .optional()
    .openapi({ description: "replaces every quota of the plan" }),
};

export const planCreateSchema = body({ name: text(100), ...planFields }).openapi("AdminPlanCreate");
export const planUpdateSchema = body({ name: text(100).optional(), ...planFields }).openapi("AdminPlanUpdate");

export type PlanInput = z.infer<typeof planUpdateSchema>;

/** Every field a plan is written with (its form's fields, and what a refusal can name). */
export const PLAN_FIELDS = Object.keys(planUpdateSchema.shape);

/** The API's snake_case plan fields as the domain's. */
export function planEditOf(input: PlanInput) {
  return {
    name: input.name,
    description: input.description,
    sortOrder: input.sort_order,
    monthlyPriceId: input.stripe_monthly_price_id,
    yearlyPriceId: input.stripe_yearly_price_id,
    quotas: input.quotas?.map((q) => ({ scope: q.scope, limit: q.limit, windowSeconds: q.window_seconds })),
  };
}

export const adminPlanSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string(),
    sort_order: z.number().int(),
    stripe_monthly_price_id: z.string().nullable(),
    stripe_yearly_price_id: z.string().nullable(),
    monthly_price: priceSchema.nullable(),
    yearly_price: priceSchema.nullable(),
    quotas: z.array(quotaSchema),
    users: z.number().int().openapi({ description: "how many users are on the plan" }),
  })
  .openapi("AdminPlan");

export function serializeAdminPlan({ plan, quotas, users }: StaffPlanView): z.infer<typeof adminPlanSchema> {
  return {
    id: plan.id,
    name: plan.name,
    description: plan.description,
    sort_order: plan.sortOrder,
    stripe_monthly_price_id: plan.monthlyPriceId,
    stripe_yearly_price_id: plan.yearlyPriceId,
    monthly_price: planPrice(plan, "monthly"),
    yearly_price: planPrice(plan, "yearly"),
    quotas: quotas.map((q) => ({ scope: q.scope, limit: q.limit, window_seconds: q.windowSeconds })),
    users,
  };
}

export const stripeEventRecordSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    outcome: z.string().openapi({ description: "applied, ignored, stale or unmatched" }),
    created: timestamp.openapi({ description: "when Stripe created the event" }),
    received: timestamp,
  })
  .openapi("AdminStripeEvent");

export const stripeEventPageSchema = pageSchema(stripeEventRecordSchema, "PaginatedStripeEvents");

export function serializeStripeEvent(row: StripeEventRow): z.infer<typeof stripeEventRecordSchema> {
  return {
    id: row.id,
    type: row.type,
    outcome: row.outcome,
    created: new Date(row.createdAt * 1000).toISOString(),
    received: row.receivedAt.toISOString(),
  };
}

export const outboxQuerySchema = pageQuerySchema.extend({
  status: z.enum(["pending", "sent", "failed"], { error: "Select a valid choice." }).optional(),
});

/** An outbox message without its body: bodies hold reset and verification links. */
export const outboxMessageSchema = z
  .object({
    id: z.number().int(),
    recipient: z.string(),
    subject: z.string(),
    status: z.enum(["pending", "sent", "failed"]),
    transport: z.string(),
    error: z.string().nullable(),
    created: timestamp,
    sent: timestamp.nullable(),
    resendable: z.boolean(),
  })
  .openapi("AdminOutboxMessage");

export const outboxPageSchema = pageSchema(outboxMessageSchema, "PaginatedOutbox");

export function serializeOutboxMessage(row: OutboxRow): z.infer<typeof outboxMessageSchema> {
  return {
    id: row.id,
    recipient: row.recipient,
    subject: row.subject,
    status: row.status,
    transport: row.transport,
    error: row.error,
    created: row.createdAt.toISOString(),
    sent: iso(row.sentAt),
    resendable: row.status === "failed" && row.body !== null,
  };
}

/** The list query as the domain's search. */
export function userSearchOf(query: z.infer<typeof userListQuerySchema>): UserSearch {
  return {
    search: query.search || undefined,
    planId: query.plan,
    active: query.is_active,
    staff: query.is_staff,
    subscriptionStatus: query.subscription_status,
    ordering: query.ordering ?? "-date_joined",
  };
}

/** The API's snake_case user fields as the domain's edit. */
export function staffEditOf(input: AdminUserUpdate): StaffUserEdit {
  return {
    email: input.email,
    firstName: input.first_name,
    lastName: input.last_name,
    dateOfBirth: input.date_of_birth,
    planId: input.plan,
    isActive: input.is_active,
    isStaff: input.is_staff,
  };
}
