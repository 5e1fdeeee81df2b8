import { z } from "@hono/zod-openapi";
import type { Usage } from "../quotas/counter";
import { FREE_PLAN_NAME } from "../db/plans";
import { type ConsumeOutcome, type QuotaStatus, type UpgradeSuggestion } from "../quotas/usage";
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

export const rateLimitsSchema = z.record(z.string(), limitStatusSchema);

/** Where the Django service's status answer sends a user who should upgrade (its plans endpoint). */
const STATUS_UPGRADE_URL = "/core/plans/";

const upgradeRecommendationSchema = z.union([
  z.object({
    should_upgrade: z.literal(true),
    reason: z.string().openapi({ example: "You are approaching limits on: ai_responses" }),
    recommended_plan: z.string(),
    upgrade_url: z.literal(STATUS_UPGRADE_URL),
    high_usage_scopes: z.array(z.string()),
  }),
  z.object({
    should_upgrade: z.literal(false),
    reason: z.string().openapi({ example: "Your usage is within comfortable limits" }),
    recommended_plan: z.null(),
    upgrade_url: z.null(),
  }),
]);

export const quotaStatusSchema = z
  .object({
    user: z.object({ username: z.string(), email: z.string(), plan: z.string() }),
    rate_limits: rateLimitsSchema,
    upgrade_recommendation: upgradeRecommendationSchema,
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

/** The Django service listed its scopes in this order (any other scope follows, by name). */
const DJANGO_SCOPE_ORDER = ["ai_responses", "questionnaires", "api_calls"];
const scopeRank = (scope: string) => {
  const rank = DJANGO_SCOPE_ORDER.indexOf(scope);
  return rank === -1 ? DJANGO_SCOPE_ORDER.length : rank;
};

/** The Django service's `round(used / limit * 100, 2)` (0 for a limit of 0, as it answered). */
function percentageUsed(used: number, limit: number): number {
  return limit > 0 ? Math.round((used / limit) * 100 * 100) / 100 : 0;
}

function upgradeRecommendation(
  highUsageScopes: string[],
  upgrade: UpgradeSuggestion | null,
): z.infer<typeof upgradeRecommendationSchema> {
  if (highUsageScopes.length === 0) {
    return {
      should_upgrade: false,
      reason: "Your usage is within comfortable limits",
      recommended_plan: null,
      upgrade_url: null,
    };
  }
  if (!upgrade) {
    return { should_upgrade: false, reason: "You are on the highest plan", recommended_plan: null, upgrade_url: null };
  }
  return {
    should_upgrade: true,
    reason: `You are approaching limits on: ${highUsageScopes.join(", ")}`,
    recommended_plan: upgrade.plan.name,
    upgrade_url: STATUS_UPGRADE_URL,
    high_usage_scopes: highUsageScopes,
  };
}

/** The `rate_limits` of the status answer: each limited scope's usage, in the Django service's scope order. */
export function serializeRateLimits(usages: Usage[]): z.infer<typeof rateLimitsSchema> {
  const rateLimits: z.infer<typeof rateLimitsSchema> = {};
  const ordered = [...usages].sort((a, b) => scopeRank(a.scope) - scopeRank(b.scope) || a.scope.localeCompare(b.scope));
  for (const usage of ordered) {
    if (usage.limit === null || usage.remaining === null) continue;
    const percentage = percentageUsed(usage.used, usage.limit);
    rateLimits[usage.scope] = {
      limit: usage.limit,
      used: usage.used,
      remaining: usage.remaining,
      reset_at: new Date(usage.resetAt).toISOString(),
      percentage_used: percentage,
      status: fullness(percentage),
    };
  }
  return rateLimits;
}

/** cvimprover-api's `RateLimitStatusView` answer, field for field. */
export function serializeQuotaStatus({ account, usages, upgrade }: QuotaStatus): z.infer<typeof quotaStatusSchema> {
  const rateLimits = serializeRateLimits(usages);
  const highUsageScopes = Object.entries(rateLimits)
    .filter(([, limit]) => limit.percentage_used >= UPGRADE_THRESHOLD)
    .map(([scope]) => scope);
  return {
    user: {
      username: account.user.username,
      email: account.user.email,
      plan: account.plan?.name ?? FREE_PLAN_NAME,
    },
    rate_limits: rateLimits,
    upgrade_recommendation: upgradeRecommendation(highUsageScopes, upgrade),
  };
}
