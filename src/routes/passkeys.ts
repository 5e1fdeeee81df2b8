import { createRoute, z } from "@hono/zod-openapi";
import { createRouter, runAfterResponse } from "../app";
import { clientInfo } from "../client-info";
import { signedInOnly } from "../auth/middleware";
import { secondFactorPasskeyOptions } from "../auth/mfa/sign-in-step";
import {
  passkeyRegistrationOptions,
  passkeysOf,
  passkeySignInOptions,
  registerPasskey,
  removePasskey,
  renamePasskeyOf,
  signInWithPasskey,
} from "../auth/passkeys";
import { loginIpLimit } from "../auth/rate-limit";
import { answerSignedIn } from "../auth/sign-in";
import { loginResponseSchema } from "../schemas/auth";
import { detailSchema, errorResponses, json, jsonBody, signedInSecurity } from "../schemas/common";
import {
  mfaTokenSchema,
  optionsSchema,
  passkeyParamsSchema,
  passkeyRegistrationSchema,
  passkeyRenameSchema,
  passkeySchema,
  passkeySignInSchema,
  serializePasskey,
} from "../schemas/passkeys";

const tags = ["passkeys"];
const signedIn = { tags, middleware: signedInOnly, security: signedInSecurity };
const notFound = { 404: json(detailSchema, "Not one of the caller's passkeys") } as const;

/** Passkeys (WebAuthn): registration, the caller's list, and signing in with one (`/auth/passkeys/…`). */
export const passkeyRoutes = createRouter()
  .openapi(
    createRoute({
      ...signedIn,
      method: "post",
      path: "/passkeys/register/options",
      operationId: "passkeyRegistrationOptions",
      summary: "Creation options for navigator.credentials.create() (PublicKeyCredentialCreationOptionsJSON)",
      responses: {
        200: json(optionsSchema, "The options, with a fresh challenge"),
        401: errorResponses[401],
        403: errorResponses[403],
      },
    }),
    async (c) => c.json(await passkeyRegistrationOptions(c.var, c.var.principal), 200),
  )
  .openapi(
    createRoute({
      ...signedIn,
      method: "post",
      path: "/passkeys/register",
      operationId: "passkeyRegister",
      request: { body: jsonBody(passkeyRegistrationSchema) },
      responses: { 201: json(passkeySchema, "Registered"), ...errorResponses },
    }),
    async (c) => {
      const { passkey, followUp } = await registerPasskey(c.var, c.var.principal, c.req.valid("json"), clientInfo(c));
      runAfterResponse(c, "passkey added mail", followUp);
      return c.json(serializePasskey(passkey), 201);
    },
  )
  .openapi(
    createRoute({
      ...signedIn,
      method: "get",
      path: "/passkeys",
      operationId: "passkeyList",
      responses: { 200: json(z.array(passkeySchema), "The caller's passkeys"), 401: errorResponses[401] },
    }),
    async (c) => c.json((await passkeysOf(c.var, c.var.principal.user.id)).map(serializePasskey), 200),
  )
  .openapi(
    createRoute({
      ...signedIn,
      method: "patch",
      path: "/passkeys/{id}",
      operationId: "passkeyRename",
      request: { params: passkeyParamsSchema, body: jsonBody(passkeyRenameSchema) },
      responses: { 200: json(passkeySchema, "Renamed"), ...errorResponses, ...notFound },
    }),
    async (c) => {
      const row = await renamePasskeyOf(
        c.var,
        c.var.principal.user.id,
        c.req.valid("param").id,
        c.req.valid("json").name,
      );
      return c.json(serializePasskey(row), 200);
    },
  )
  .openapi(
    createRoute({
      ...signedIn,
      method: "delete",
      path: "/passkeys/{id}",
      operationId: "passkeyRemove",
      request: { params: passkeyParamsSchema },
      responses: { 200: json(detailSchema, "Removed"), ...errorResponses, ...notFound },
    }),
    async (c) => {
      const { followUp } = await removePasskey(c.var, c.var.principal.user, c.req.valid("param").id, clientInfo(c));
      runAfterResponse(c, "passkey removed mail", followUp);
      return c.json({ detail: "Passkey removed." }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/passkeys/login/options",
      operationId: "passkeySignInOptions",
      tags,
      summary: "Request options for navigator.credentials.get() (discoverable: no credential named)",
      middleware: [loginIpLimit],
      responses: { 200: json(optionsSchema, "The options, with a fresh challenge"), 429: errorResponses[429] },
    }),
    async (c) => c.json(await passkeySignInOptions(c.var), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/passkeys/login",
      operationId: "passkeySignIn",
      tags,
      summary: "Sign in with a passkey: no password, no second step",
      middleware: [loginIpLimit],
      request: { body: jsonBody(passkeySignInSchema) },
      responses: {
        200: json(loginResponseSchema, "Signed in"),
        400: json(
          errorResponses[400].content["application/json"].schema,
          "Passkey sign-in failed (one answer for every reason)",
        ),
        429: errorResponses[429],
      },
    }),
    async (c) => {
      const signedIn = await signInWithPasskey(c.var, c.req.valid("json").credential, clientInfo(c));
      return c.json(answerSignedIn(c, signedIn), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/login/mfa/passkey/options",
      operationId: "passkeySecondFactorOptions",
      tags,
      summary: "Request options for the two-factor step with a passkey: the pending sign-in's user's passkeys",
      middleware: [loginIpLimit],
      request: { body: jsonBody(mfaTokenSchema) },
      responses: { 200: json(optionsSchema, "The options"), 400: errorResponses[400], 429: errorResponses[429] },
    }),
    async (c) => c.json(await secondFactorPasskeyOptions(c.var, c.req.valid("json").mfa_token), 200),
  );
