import { z } from "@hono/zod-openapi";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { PasskeyRow } from "../db/schema";
import { body, text } from "./fields";

const base64url = z
  .string()
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]*$/, "Not base64url.");

/** A WebAuthn Level 3 JSON credential (`PublicKeyCredential.toJSON()`), checked for shape only: the library checks the rest. */
const credentialBase = {
  id: base64url.min(1),
  rawId: base64url.min(1),
  type: z.literal("public-key", { error: 'Must be "public-key".' }),
  clientExtensionResults: z.record(z.string(), z.unknown()).optional().default({}),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).nullish(),
};

export const registrationCredentialSchema = z
  .object({
    ...credentialBase,
    response: z.object({
      clientDataJSON: base64url,
      attestationObject: base64url,
      transports: z.array(z.string().max(32)).max(10).optional(),
      authenticatorData: base64url.optional(),
      publicKey: base64url.optional(),
      publicKeyAlgorithm: z.number().int().optional(),
    }),
  })
  .transform((credential) => credential as unknown as RegistrationResponseJSON)
  .openapi({ description: "RegistrationResponseJSON (WebAuthn Level 3)", type: "object" });

export const authenticationCredentialSchema = z
  .object({
    ...credentialBase,
    response: z.object({
      clientDataJSON: base64url,
      authenticatorData: base64url,
      signature: base64url,
      userHandle: base64url.nullish(),
    }),
  })
  .transform((credential) => credential as unknown as AuthenticationResponseJSON)
  .openapi({ description: "AuthenticationResponseJSON (WebAuthn Level 3)", type: "object" });

const name = z.string().trim().max(64, "Ensure this field has no more than 64 characters.");

export const passkeyRegistrationSchema = body({
  name: name.optional(),
  credential: registrationCredentialSchema,
}).openapi("PasskeyRegistration");

export const passkeyRenameSchema = body({ name: name.min(1, "This field may not be blank.") }).openapi("PasskeyRename");
export const passkeySignInSchema = body({ credential: authenticationCredentialSchema }).openapi("PasskeySignIn");
export const mfaTokenSchema = body({ mfa_token: text(128) }).openapi("MfaToken");

export const passkeyParamsSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const passkeySchema = z
  .object({
    id: z.string().openapi({ description: "opaque" }),
    name: z.string(),
    created: z.string().openapi({ format: "date-time" }),
    last_used: z.string().nullable().openapi({ format: "date-time" }),
    backed_up: z.boolean(),
  })
  .openapi("Passkey");

export function serializePasskey(row: PasskeyRow): z.infer<typeof passkeySchema> {
  return {
    id: row.id,
    name: row.name,
    created: row.createdAt.toISOString(),
    last_used: row.lastUsedAt?.toISOString() ?? null,
    backed_up: row.backedUp,
  };
}

/** The options JSON `PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON` take. */
export const optionsSchema = z.record(z.string(), z.unknown()).openapi("PublicKeyCredentialOptionsJSON");
