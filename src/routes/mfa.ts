import { createRoute } from "@hono/zod-openapi";
import { createRouter, runAfterResponse } from "../app";
import { clientInfo } from "../client-info";
import { signedInOnly } from "../auth/middleware";
import { confirmTotp, disableTotp, mfaStatus, regenerateRecoveryCodes, setUpTotp } from "../auth/mfa/enrolment";
import { detailSchema, errorResponses, json, jsonBody, signedInSecurity } from "../schemas/common";
import {
  codeSchema,
  mfaStatusSchema,
  recoveryCodesSchema,
  serializeMfaStatus,
  totpSetupResponseSchema,
  totpSetupSchema,
} from "../schemas/mfa";

const common = { tags: ["mfa"], middleware: signedInOnly, security: signedInSecurity };
const unavailable = { 503: json(detailSchema, "MFA_ENCRYPTION_KEY is not set") } as const;

/** Two-factor authentication of the signed-in user: TOTP and recovery codes (`/auth/mfa/…`). */
export const mfaRoutes = createRouter()
  .openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/mfa",
      operationId: "mfaStatus",
      responses: { 200: json(mfaStatusSchema, "What second factors the account has"), 401: errorResponses[401] },
    }),
    async (c) => c.json(serializeMfaStatus(await mfaStatus(c.var, c.var.principal.user.id)), 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/mfa/totp/setup",
      operationId: "totpSetup",
      summary: "A new TOTP secret, pending until confirmed (re-authenticated by the password)",
      request: { body: jsonBody(totpSetupSchema) },
      responses: { 200: json(totpSetupResponseSchema, "The secret, shown once"), ...errorResponses, ...unavailable },
    }),
    async (c) => {
      const { secret, otpauthUrl } = await setUpTotp(c.var, c.var.principal, c.req.valid("json"));
      return c.json({ secret, otpauth_url: otpauthUrl }, 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/mfa/totp/confirm",
      operationId: "totpConfirm",
      summary: "Turn two-factor sign-in on with a first code; other sessions end",
      request: { body: jsonBody(codeSchema) },
      responses: {
        200: json(recoveryCodesSchema, "On: the recovery codes, shown once"),
        ...errorResponses,
        ...unavailable,
      },
    }),
    async (c) => {
      const { recoveryCodes, followUp } = await confirmTotp(
        c.var,
        c.var.principal,
        c.req.valid("json").code,
        clientInfo(c),
      );
      runAfterResponse(c, "two-factor on mail", followUp);
      return c.json({ recovery_codes: recoveryCodes }, 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/mfa/totp/disable",
      operationId: "totpDisable",
      summary: "Turn two-factor sign-in off with a current code; other sessions end",
      request: { body: jsonBody(codeSchema) },
      responses: { 200: json(detailSchema, "Off"), ...errorResponses, ...unavailable },
    }),
    async (c) => {
      const { followUp } = await disableTotp(c.var, c.var.principal, c.req.valid("json").code, clientInfo(c));
      runAfterResponse(c, "two-factor off mail", followUp);
      return c.json({ detail: "Two-factor authentication is off." }, 200);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/mfa/recovery-codes",
      operationId: "recoveryCodesRegenerate",
      summary: "Ten new recovery codes for a current code; the old ones die",
      request: { body: jsonBody(codeSchema) },
      responses: { 200: json(recoveryCodesSchema, "The new codes, shown once"), ...errorResponses, ...unavailable },
    }),
    async (c) => {
      const codes = await regenerateRecoveryCodes(c.var, c.var.principal, c.req.valid("json").code, clientInfo(c));
      return c.json({ recovery_codes: codes }, 200);
    },
  );
