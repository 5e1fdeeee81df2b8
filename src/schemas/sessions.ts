import { z } from "@hono/zod-openapi";
import type { SessionListing } from "../auth/sessions";
import type { SecurityEventRow } from "../db/schema";
import { pageSchema } from "./pages";

const timestamp = z.string().openapi({ format: "date-time" });

export const sessionSchema = z
  .object({
    id: z.string(),
    created: timestamp,
    last_used: timestamp,
    user_agent: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean(),
  })
  .openapi("Session");

export const sessionParamsSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const securityEventSchema = z
  .object({
    id: z.number().int(),
    type: z.string(),
    created: timestamp,
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
  })
  .openapi("SecurityEvent");

export const securityEventPageSchema = pageSchema(securityEventSchema, "PaginatedSecurityEvents");

export function serializeSessions({ sessions, currentId }: SessionListing): Array<z.infer<typeof sessionSchema>> {
  return sessions.map((s) => ({
    id: s.id,
    created: s.createdAt.toISOString(),
    last_used: s.lastUsedAt.toISOString(),
    user_agent: s.userAgent,
    ip: s.ip,
    current: s.id === currentId,
  }));
}

export function serializeSecurityEvent(e: SecurityEventRow): z.infer<typeof securityEventSchema> {
  return { id: e.id, type: e.type, created: e.createdAt.toISOString(), ip: e.ip, user_agent: e.userAgent };
}
