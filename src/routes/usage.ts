import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../app";
import { QuotaExceeded } from "../errors";
import { consumeQuota, quotaStatus, refundQuota, signedInWithQuotas } from "../quotas/usage";
import { detailSchema, errorResponses, json, jsonBody, signedInSecurity } from "../schemas/common";
import {
  consumeSchema,
  idempotencyHeaderSchema,
  quotaExceededSchema,
  quotaStatusSchema,
  rateLimitHeaders,
  refundSchema,
  serializeQuotaStatus,
  serializeSuggestion,
  serializeUsage,
  usageSchema,
} from "../schemas/usage";

const common = { tags: ["usage"], middleware: signedInWithQuotas, security: signedInSecurity };

export const usageRoutes = createRouter()
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/usage/consume",
      operationId: "consumeUsage",
      description: "Takes units of a plan quota, all or nothing, counted exactly per user.",
      request: { body: jsonBody(consumeSchema), headers: idempotencyHeaderSchema },
      responses: {
        200: json(usageSchema, "Taken; X-RateLimit-Limit / -Remaining / -Reset say where the quota stands"),
        400: errorResponses[400],
        401: errorResponses[401],
        403: errorResponses[403],
        409: json(detailSchema, "The Idempotency-Key was used for another consume"),
        429: json(quotaExceededSchema, "Not enough left: nothing taken; Retry-After and the plan to upgrade to"),
      },
    }),
    async (c) => {
      const { scope, amount = 1 } = c.req.valid("json");
      const idempotencyKey = c.req.valid("header")["idempotency-key"];
      const outcome = await consumeQuota(c.var, c.var.principal, { scope, amount, idempotencyKey });
      const headers = rateLimitHeaders(outcome, c.var.clock.now());
      if (!outcome.allowed) throw new QuotaExceeded(serializeSuggestion(outcome.upgrade), headers);
      return c.json(serializeUsage(outcome.usage), 200, headers);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/usage/refund",
      operationId: "refundUsage",
      description: "Gives back units of a consume (named by its Idempotency-Key) whose work failed; once.",
      request: { body: jsonBody(refundSchema) },
      responses: {
        200: json(usageSchema, "Given back"),
        400: errorResponses[400],
        401: errorResponses[401],
        403: errorResponses[403],
        404: json(detailSchema, "No consume of that scope with that key"),
        409: json(detailSchema, "That consume was already refunded"),
      },
    }),
    async (c) => {
      const { scope, amount, idempotency_key } = c.req.valid("json");
      const request = { scope, amount, idempotencyKey: idempotency_key };
      return c.json(serializeUsage(await refundQuota(c.var, c.var.principal, request)), 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/rate-limits/status",
      operationId: "rateLimitStatus",
      responses: {
        200: json(quotaStatusSchema, "The caller's usage of every quota of its plan (the Django service's shape)"),
        401: errorResponses[401],
      },
    }),
    async (c) => c.json(serializeQuotaStatus(await quotaStatus(c.var, c.var.principal)), 200),
  );
