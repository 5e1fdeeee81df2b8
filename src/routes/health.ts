import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../app";
import { checkDatabase } from "../health";
import { json } from "../schemas/common";
import { healthSchema, serializeHealth } from "../schemas/health";

export const healthRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/health",
    operationId: "health",
    tags: ["core"],
    responses: {
      200: json(healthSchema, "Every service answers"),
      503: json(healthSchema, "The database does not answer"),
    },
  }),
  async (c) => {
    const db = await checkDatabase(c.var);
    return db === "healthy" ? c.json(serializeHealth({ db }), 200) : c.json(serializeHealth({ db }), 503);
  },
);
