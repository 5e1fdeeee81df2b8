import { z } from "@hono/zod-openapi";
import type { ServiceHealth } from "../health";

const status = z.enum(["healthy", "unhealthy"]);

export const healthSchema = z.object({ overall: status, services: z.object({ db: status }) }).openapi("Health");

export function serializeHealth(services: { db: ServiceHealth }): z.infer<typeof healthSchema> {
  return { overall: services.db, services };
}
