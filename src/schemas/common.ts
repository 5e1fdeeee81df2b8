import { z } from "@hono/zod-openapi";

export const emptySchema = z.object({}).openapi("Empty");

export const detailSchema = z.object({ detail: z.string() }).openapi("Detail");

export const authErrorSchema = z
  .object({ detail: z.string(), code: z.literal("token_not_valid").optional() })
  .openapi("AuthError");

export const fieldErrorsSchema = z
  .record(z.string(), z.array(z.string()))
  .openapi("ValidationErrors", { example: { username: ["This field is required."] } });

export const rateLimitedSchema = z
  .object({ error: z.literal("rate_limit_exceeded"), message: z.string(), retry_after: z.number().int() })
  .openapi("RateLimited");

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}

/** The error answers routes share, for the OpenAPI document. */
export const errorResponses = {
  400: json(fieldErrorsSchema, "Invalid input: errors by field, or `non_field_errors`"),
  401: json(authErrorSchema, "No credentials, or a token that is not valid"),
  403: json(detailSchema, "CSRF check failed"),
  429: json(rateLimitedSchema, "Too many requests; see Retry-After"),
} as const;

export function jsonBody<T extends z.ZodType>(schema: T, required = true) {
  return { content: { "application/json": { schema } }, required };
}

/** Routes for a signed-in caller accept a Bearer access token or the access cookie. */
export const signedInSecurity: Array<Record<string, string[]>> = [{ bearer: [] }, { cookie: [] }];
