import { z } from "@hono/zod-openapi";
import type { AccountExport } from "../accounts/self-service";
import { auditEntrySchema, serializeAuditEntry } from "./admin";
import { body, optionalString } from "./fields";
import { securityEventSchema, serializeSecurityEvent, serializeSessions, sessionSchema } from "./sessions";
import { rateLimitsSchema, serializeRateLimits } from "./usage";
import { serializeUser, userSchema } from "./user";

const timestamp = z.string().openapi({ format: "date-time" });
const iso = (date: Date | null) => date?.toISOString() ?? null;

export const accountExportSchema = z
  .object({
    exported_at: timestamp,
    user: userSchema.extend({
      date_joined: timestamp,
      last_login: timestamp.nullable(),
      is_active: z.boolean(),
      email_verified: z.boolean(),
    }),
    subscription: z.object({
      plan: z.string().nullable(),
      stripe_customer_id: z.string().nullable(),
      stripe_subscription_id: z.string().nullable(),
      status: z.string().nullable(),
      current_period_end: timestamp.nullable(),
      interval: z.string().nullable(),
    }),
    sessions: z.array(sessionSchema),
    security_events: z.array(securityEventSchema).openapi({ description: "all of them, oldest first" }),
    usage: rateLimitsSchema,
    social_accounts: z.array(z.object({ provider: z.string(), uid: z.string(), date_joined: timestamp })),
    mfa: z.object({
      totp: z.object({ enabled: z.boolean(), created: timestamp.nullable() }),
      recovery_codes: z.object({ remaining: z.number().int() }),
    }),
    passkeys: z.array(z.object({ name: z.string(), created: timestamp, last_used: timestamp.nullable() })),
    audit: z.array(auditEntrySchema).openapi({ description: "what staff changed on the account, as staff see it" }),
  })
  .openapi("AccountExport", {
    description: "Everything held on the account — never a password hash, a token or a secret",
  });

/** The export: what each of the account's rows says, as the API shows it elsewhere; nothing secret. */
export function serializeAccountExport(
  data: AccountExport,
  currentSessionId: string,
): z.infer<typeof accountExportSchema> {
  const { user, plan } = data;
  return {
    exported_at: data.exportedAt.toISOString(),
    user: {
      ...serializeUser(data),
      date_joined: user.dateJoined.toISOString(),
      last_login: iso(user.lastLogin),
      is_active: user.isActive,
      email_verified: user.emailVerified,
    },
    subscription: {
      plan: plan?.name ?? null,
      stripe_customer_id: user.stripeCustomerId,
      stripe_subscription_id: user.stripeSubscriptionId,
      status: user.stripeSubscriptionStatus,
      current_period_end: iso(user.subscriptionCurrentPeriodEnd),
      interval: user.subscriptionInterval,
    },
    sessions: serializeSessions({ sessions: data.sessions, currentId: currentSessionId }),
    security_events: data.securityEvents.map(serializeSecurityEvent),
    usage: serializeRateLimits(data.usages),
    social_accounts: data.identities.map((identity) => ({
      provider: identity.provider,
      uid: identity.uid,
      date_joined: identity.dateJoined.toISOString(),
    })),
    mfa: {
      totp: { enabled: data.mfa.totp !== null, created: iso(data.mfa.totp?.created ?? null) },
      recovery_codes: { remaining: data.mfa.recoveryCodesRemaining },
    },
    passkeys: data.passkeys.map((passkey) => ({
      name: passkey.name,
      created: passkey.createdAt.toISOString(),
      last_used: iso(passkey.lastUsedAt),
    })),
    audit: data.audit.map(serializeAuditEntry),
  };
}

/** `attachment; filename="account-<username>-<YYYY-MM-DD>.json"` (the name made safe for a header). */
export function exportFileName(username: string, at: Date): string {
  const name = `account-${username}-${at.toISOString().slice(0, 10)}.json`;
  const ascii = name.replace(/[^A-Za-z0-9._@+-]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export const accountDeletionSchema = body({
  password: optionalString().openapi({ description: "the account's password (re-authentication)" }),
  confirm: optionalString().openapi({ description: "an account without a password: its username" }),
  code: optionalString().openapi({
    description: "an account without a password but with two-factor on: a current code",
  }),
}).openapi("AccountDeletion");
