import { z } from "@hono/zod-openapi";
import type { LinkedIdentityRow } from "../db/schema";
import { body, optionalString } from "./fields";

const token = optionalString().openapi({ description: "one of id_token, access_token or code" });

/** dj-rest-auth's SocialLoginSerializer: an ID token, an access token (with an optional ID token), or a code. */
export const socialLoginSchema = body({ id_token: token, access_token: token, code: token }).openapi("SocialLogin");

export const socialAccountSchema = z
  .object({
    id: z.number().int(),
    provider: z.string(),
    uid: z.string(),
    last_login: z.string().nullable().openapi({ format: "date-time" }),
    date_joined: z.string().openapi({ format: "date-time", description: "when it was linked" }),
  })
  .openapi("SocialAccount");

export function serializeSocialAccount(row: LinkedIdentityRow): z.infer<typeof socialAccountSchema> {
  return {
    id: row.id,
    provider: row.provider,
    uid: row.uid,
    last_login: row.lastLogin?.toISOString() ?? null,
    date_joined: row.dateJoined.toISOString(),
  };
}

export const socialAccountParamsSchema = z.object({
  id: z.coerce
    .number({ error: "A valid integer is required." })
    .int()
    .positive()
    .openapi({ param: { name: "id", in: "path" }, type: "integer" }),
});

export const googleStartQuerySchema = z.object({
  next: z
    .string()
    .max(2000)
    .optional()
    .openapi({ description: "a path of the frontend to land on; anything else lands on /" }),
});

export const googleCallbackQuerySchema = z.object({
  code: z.string().max(2048).optional(),
  state: z.string().max(256).optional(),
  error: z.string().max(256).optional(),
});
