import { z } from "@hono/zod-openapi";
import type { SecurityEventPage, SessionListing } from "../auth/sessions";
import { integer } from "./fields";

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

export const MAX_PAGE_SIZE = 100;

export const pageQuerySchema = z.object({
  page: integer().pipe(z.number().min(1, "Invalid page.")).optional(),
  page_size: integer()
    .pipe(z.number().min(1).max(MAX_PAGE_SIZE, `Ensure this value is less than or equal to ${MAX_PAGE_SIZE}.`))
    .optional(),
});

export const securityEventPageSchema = z
  .object({
    count: z.number().int(),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(securityEventSchema),
  })
  .openapi("PaginatedSecurityEvents");

export const DEFAULT_PAGE_SIZE = 20;

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

/** DRF's page-number pagination: `next` and `previous` are the request's URL with another `page`. */
export function serializeSecurityEventPage(
  page: SecurityEventPage,
  requestUrl: string,
): z.infer<typeof securityEventPageSchema> {
  const pageUrl = (n: number) => {
    const url = new URL(requestUrl);
    url.searchParams.set("page", String(n));
    return url.href;
  };
  return {
    count: page.total,
    next: page.number * page.size < page.total ? pageUrl(page.number + 1) : null,
    previous: page.number > 1 ? pageUrl(page.number - 1) : null,
    results: page.rows.map((e) => ({
      id: e.id,
      type: e.type,
      created: e.createdAt.toISOString(),
      ip: e.ip,
      user_agent: e.userAgent,
    })),
  };
}
