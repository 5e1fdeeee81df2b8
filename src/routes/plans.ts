import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../app";
import { TokenInvalid } from "../errors";
import { readAccessClaims } from "../auth/middleware";
import { planPrice } from "../billing/prices";
import { listPlans } from "../db/plans";
import { plansQuerySchema } from "../schemas/billing";
import { errorResponses, json } from "../schemas/common";
import { planSchema, serializePlan } from "../schemas/user";

export const planRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/plans",
    operationId: "listPlans",
    tags: ["core"],
    description: "Public. With credentials, `is_current` marks the caller's plan; bad credentials are a 401.",
    request: { query: plansQuerySchema },
    responses: {
      200: json(z.array(planSchema), "Plans in display order"),
      400: errorResponses[400],
      401: errorResponses[401],
    },
  }),
  async (c) => {
    const { billing } = c.req.valid("query");
    const caller = (await readAccessClaims(c))?.claims;
    const listing = await listPlans(c.var.db, caller && { userId: caller.user_id, sessionId: caller.sid });
    if (!listing.callerLive) throw new TokenInvalid();
    const offered = billing ? listing.plans.filter((plan) => planPrice(plan, billing) !== null) : listing.plans;
    return c.json(
      offered.map((plan) => serializePlan(plan, plan.id === listing.callerPlanId)),
      200,
    );
  },
);
