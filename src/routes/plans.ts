import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../app";
import { identifyCaller } from "../auth/middleware";
import { offeredPlans } from "../billing/plans";
import { plansQuerySchema } from "../schemas/billing";
import { errorResponses, json } from "../schemas/common";
import { planSchema, serializePlans } from "../schemas/user";

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
    const caller = await identifyCaller(c);
    return c.json(serializePlans(await offeredPlans(c.var, caller, c.req.valid("query").billing)), 200);
  },
);
