import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { createRouter } from "../app";
import { json } from "../schemas/common";

const healthSchema = z
  .object({
    overall: z.enum(["healthy", "unhealthy"]),
    services: z.object({ db: z.enum(["healthy", "unhealthy"]) }),
  })
  .openapi("Health");

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
    try {
      await c.var.db.run(sql`select 1`);
    } catch (error) {
      // Reported in the answer (that is this route's job) and logged with the cause.
      console.error(JSON.stringify({ level: "error", check: "db", message: String(error) }));
      return c.json({ overall: "unhealthy" as const, services: { db: "unhealthy" as const } }, 503);
    }
    return c.json({ overall: "healthy" as const, services: { db: "healthy" as const } }, 200);
  },
);
