import { z } from "@hono/zod-openapi";
import type { Usage } from "../quotas/counter";
import { UPGRADE_URL, type ConsumeOutcome, type QuotaStatus, type UpgradeSuggestion } from "../quotas/usage";
import { body, integer, text } from "./fields";

/** Units per call; the ceiling keeps any sum of a day's consumes far inside a 64-bit integer. */
export const MAX_UNITS = 1_000_000;

const amount = integer().pipe(
  z
    .number()
    .min(1, "Ensure this value is greater than or equal to 1.")
    .max(MAX_UNITS, `Ensure this value is less than or equal to ${MAX_UNITS}.`),
);

export const consumeSchema = body({
  scope: text(64).openapi({ example: "ai_responses" }),
  amount: amount.optional().openapi({ description: "units to take, all or nothing (default 1)" }),
}).openapi("ConsumeRequest");

export const refundSchema = body({
  scope: text(64),
  amount: amount.optional().openapi({ description: "units to give back (default: all the consume took)" }),
  idempotency_key: text(255).openapi({ description: "the Idempotency-Key the consume was sent with" }),
}).openapi("RefundRequest");

export const idempotencyHeaderSchema = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255, "Ensure this field has no more than 255 characters.")
    .optional()
    .openapi({ description: "a retried consume with the same key counts once and answers the same" }),
});

const timestamp = z.string().openapi({ format: "date-time" });

export const usageSchema = z
  .object({
    scope: z.string(),
    limit: z.number().int().nullable().openapi({ description: "null: the plan does not limit this scope" }),
    used: z.number().int(),
    remaining: z.number().int().nullable(),
    reset_at: timestamp,
  })
  .openapi("Usage");

const suggestionSchema = z
  .object({ recommended_plan: z.string(), upgrade_url: z.string() })
  .nullable()
  .openapi("UpgradeSuggestion");

export const quotaExceededSchema = z
  .object({
    error: z.literal("rate_limit_exceeded"),
    message: z.string(),
    upgrade_suggestion: suggestionSchema,
  })
  .openapi("QuotaExceeded");

const limitStatusSchema = z.object({
  limit: z.number().int(),
  used: z.number().int(),
  remaining: z.number().int(),
  reset_at: timestamp,
  percentage_used: z.number(),
  status: z.enum(["healthy", "moderate", "warning", "critical"]),
});

export const quotaStatusSchema = z
  .object({
    user: z.object({ username: z.string(), email: z.string(), plan: z.string().nullable() }),
    rate_limits: z.record(z.string(), limitStatusSchema),
    upgrade_recommendation: z.object({
      should_upgrade: z.boolean(),
      reason: z.string().nullable(),
      recommended_plan: z.string().nullable(),
      upgrade_url: z.string(),
    }),
  })
  .openapi("RateLimitStatus");

export function serializeUsage(usage: Usage): z.infer<typeof usageSchema> {
  return {
    scope: usage.scope,
    limit: usage.limit,
    used: usage.used,
    remaining: usage.remaining,
    reset_at: new Date(usage.resetAt).toISOString(),
  };
}

export function serializeSuggestion(upgrade: UpgradeSuggestion | null): z.infer<typeof suggestionSchema> {
  return upgrade && { recommended_plan: upgrade.plan.name, upgrade_url: upgrade.url };
}

/** The X-RateLimit-* headers of a limited scope (none for an unlimited one); a refusal adds Retry-After. */
export function rateLimitHeaders(outcome: ConsumeOutcome, now: Date): Record<string, string> {
  const { usage } = outcome;
  if (usage.limit === null || usage.remaining === null) return {};
  const headers: Record<string, string> = {
    "X-RateLimit-Limit": String(usage.limit),
    "X-RateLimit-Remaining": String(usage.remaining),
    "X-RateLimit-Reset": String(Math.ceil(usage.resetAt / 1000)),
  };
  if (!outcome.allowed) headers["Retry-After"] = String(Math.max(1, Math.ceil((usage.resetAt - now.getTime()) / 1000)));
  return headers;
}

/** The Django service's thresholds: how full a quota is. */
function fullness(percentage: number): z.infer<typeof limitStatusSchema>["status"] {
  if (percentage >= 90) return "critical";
  if (percentage >= 70) return "warning";
  if (percentage >= 50) return "moderate";
  return "healthy";
}

/** Upgrading is recommended once any quota is at least this full. */
const UPGRADE_THRESHOLD = 80;

export function serializeQuotaStatus({ account, usages, upgrade }: QuotaStatus): z.infer<typeof quotaStatusSchema> {
  const rateLimits: z.infer<typeof quotaStatusSchema>["rate_limits"] = {};
  let fullest: { scope: string; percentage: number } | undefined;
  for (const usage of usages) {
    if (usage.limit === null || usage.remaining === null) continue;
    const percentage = usage.limit === 0 ? 100 : Math.round((usage.used / usage.limit) * 1000) / 10;
    rateLimits[usage.scope] = {
      limit: usage.limit,
      used: usage.used,
      remaining: usage.remaining,
      reset_at: new Date(usage.resetAt).toISOString(),
      percentage_used: percentage,
      status: fullness(percentage),
    };
    if (!fullest || percentage > fullest.percentage) fullest = { scope: usage.scope, percentage };
  }
  const shouldUpgrade = fullest !== undefined && fullest.percentage >= UPGRADE_THRESHOLD && upgrade !== null;
  return {
    user: { username: account.user.username, email: account.user.email, plan: account.plan?.name ?? null },
    rate_limits: rateLimits,
    upgrade_recommendation: {
      should_upgrade: shouldUpgrade,
      reason: shouldUpgrade && fullest ? `You have used ${fullest.percentage}% of your ${fullest.scope} limit.` : null,
      recommended_plan: shouldUpgrade ? (upgrade?.plan.name ?? null) : null,
      upgrade_url: UPGRADE_URL,
    },
  };
}
