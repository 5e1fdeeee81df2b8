import { z } from "@hono/zod-openapi";
import type { MfaStatus } from "../auth/mfa/enrolment";
import type { SecondFactorRequired } from "../auth/mfa/sign-in-step";
import { body, password, text } from "./fields";
import { authenticationCredentialSchema } from "./passkeys";

const timestamp = z.string().openapi({ format: "date-time" });

export const mfaStatusSchema = z
  .object({
    totp: z.object({ enabled: z.boolean(), created: timestamp.nullable() }),
    recovery_codes: z.object({ remaining: z.number().int() }),
    passkeys: z.number().int(),
  })
  .openapi("MfaStatus");

export function serializeMfaStatus(status: MfaStatus): z.infer<typeof mfaStatusSchema> {
  return {
    totp: { enabled: status.totp.enabled, created: status.totp.created?.toISOString() ?? null },
    recovery_codes: { remaining: status.recoveryCodesRemaining },
    passkeys: status.passkeys,
  };
}

export const totpSetupSchema = body({ password: password() }).openapi("TotpSetup");

export const totpSetupResponseSchema = z
  .object({
    secret: z.string().openapi({ description: "base32, 160 bits: shown once" }),
    otpauth_url: z.string().openapi({ example: "otpauth://totp/edge-accounts:ada?secret=…&issuer=edge-accounts" }),
  })
  .openapi("TotpSetupSecret");

/** A second-factor code: 6 digits from the authenticator, or a recovery code. */
export const codeSchema = body({ code: text(32) }).openapi("SecondFactorCode");

export const recoveryCodesSchema = z
  .object({ recovery_codes: z.array(z.string()).openapi({ description: "shown once; each works once" }) })
  .openapi("RecoveryCodes");

export const mfaLoginSchema = body({
  mfa_token: text(128),
  code: text(32).optional().openapi({ description: "a TOTP or recovery code; or send `credential`" }),
  credential: authenticationCredentialSchema.optional(),
}).openapi("MfaLogin");

export const secondFactorRequiredSchema = z
  .object({
    mfa_required: z.literal(true),
    mfa_token: z.string().openapi({ description: "single use, 5 minutes: send it with a code to /auth/login/mfa/" }),
    methods: z.array(z.string()).openapi({ example: ["totp", "recovery_code"] }),
  })
  .openapi("MfaRequired");

export type SecondFactorRequiredPayload = z.infer<typeof secondFactorRequiredSchema>;

export function serializeSecondFactorRequired(step: SecondFactorRequired): SecondFactorRequiredPayload {
  return { mfa_required: true, mfa_token: step.mfaToken, methods: step.methods };
}
