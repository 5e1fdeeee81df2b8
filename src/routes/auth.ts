import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createRouter, runAfterResponse } from "../app";
import { clientInfo } from "../client-info";
import type { AppEnv } from "../env";
import { NotAuthenticated, TokenInvalid } from "../errors";
import { changePassword, logIn, logOut, registerUser, verifyAnyToken } from "../auth/accounts";
import { clearSessionCookies, ensureCsrfCookie, requireCsrf, setSessionCookies } from "../auth/cookies";
import { answerSignedIn } from "../auth/sign-in";
import { answerSignInOutcome, completeSignIn } from "../auth/mfa/sign-in-step";
import { mfaLoginSchema, secondFactorRequiredSchema } from "../schemas/mfa";
import { signedInOnly } from "../auth/middleware";
import {
  loginAttemptLimiter,
  loginIpLimit,
  passwordResetLimit,
  refreshLimit,
  registrationLimit,
  resendEmailLimit,
} from "../auth/rate-limit";
import {
  confirmPasswordReset,
  requestPasswordReset,
  resendEmailVerification,
  sendEmailVerification,
  verifyEmail,
} from "../auth/recovery";
import { rotateRefreshToken } from "../auth/sessions";
import {
  csrfResponseSchema,
  loginResponseSchema,
  loginSchema,
  logoutSchema,
  passwordChangeSchema,
  passwordResetConfirmSchema,
  passwordResetSchema,
  refreshRequestSchema,
  refreshResponseSchema,
  registrationSchema,
  serializeRefreshed,
  resendEmailSchema,
  verifyEmailSchema,
  verifySchema,
} from "../schemas/auth";
import {
  detailSchema,
  emptySchema,
  errorResponses,
  fieldErrorsSchema,
  json,
  jsonBody,
  signedInSecurity,
} from "../schemas/common";

const tags = ["auth"];

/** The refresh token from the body, else from its cookie; a cookie is a credential, so it needs CSRF. */
async function presentedRefreshToken(c: Context<AppEnv>, fromBody: string | undefined) {
  if (fromBody) return { token: fromBody, via: "body" as const };
  const cookie = getCookie(c, c.var.config.refreshCookie);
  if (!cookie) return undefined;
  await requireCsrf(c);
  return { token: cookie, via: "cookie" as const };
}

export const authRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/registration",
      operationId: "register",
      tags,
      middleware: [registrationLimit],
      request: { body: jsonBody(registrationSchema) },
      responses: {
        201: json(
          z.union([loginResponseSchema, detailSchema]),
          "Registered and signed in; with mandatory e-mail verification, only `detail` and no tokens",
        ),
        400: errorResponses[400],
        429: errorResponses[429],
      },
    }),
    async (c) => {
      const { account, tokens } = await registerUser(c.var, c.req.valid("json"), clientInfo(c));
      if (c.var.config.emailVerification !== "none") await sendEmailVerification(c.var, account.user);
      if (!tokens) return c.json({ detail: "Verification e-mail sent." }, 201);
      return c.json(answerSignedIn(c, { account, tokens }), 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/login",
      operationId: "login",
      tags,
      middleware: [loginIpLimit],
      request: { body: jsonBody(loginSchema) },
      responses: {
        200: json(
          z.union([loginResponseSchema, secondFactorRequiredSchema]),
          "Signed in; or, with two-factor authentication on, the second step to take (no token, no cookie)",
        ),
        400: errorResponses[400],
        429: errorResponses[429],
      },
    }),
    async (c) => {
      const outcome = await logIn(c.var, c.req.valid("json"), clientInfo(c), loginAttemptLimiter(c));
      return c.json(answerSignInOutcome(c, outcome), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/login/mfa",
      operationId: "loginSecondFactor",
      tags,
      summary: "The second step of a login: the mfa_token and a TOTP or recovery code",
      middleware: [loginIpLimit],
      request: { body: jsonBody(mfaLoginSchema) },
      responses: {
        200: json(loginResponseSchema, "Signed in"),
        400: json(fieldErrorsSchema, "A wrong code (`code`), or an expired, used or dead `mfa_token`"),
        429: errorResponses[429],
      },
    }),
    async (c) => {
      const signedIn = await completeSignIn(c.var, c.req.valid("json"), clientInfo(c), loginAttemptLimiter(c));
      return c.json(answerSignedIn(c, signedIn), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/logout",
      operationId: "logout",
      tags,
      request: { body: jsonBody(logoutSchema, false) },
      responses: {
        200: json(detailSchema, "Signed out: the session is revoked and the cookies cleared"),
        401: errorResponses[401],
        403: errorResponses[403],
      },
    }),
    async (c) => {
      const presented = await presentedRefreshToken(c, c.req.valid("json").refresh);
      clearSessionCookies(c);
      if (!presented) throw new NotAuthenticated("Refresh token was not included in cookie data.");
      await logOut(c.var, presented.token, clientInfo(c));
      return c.json({ detail: "Successfully logged out." }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/token/refresh",
      operationId: "refreshToken",
      tags,
      middleware: [refreshLimit],
      request: { body: jsonBody(refreshRequestSchema, false) },
      responses: {
        200: json(
          refreshResponseSchema,
          "A new access token; the cookies are set, and the refresh token is in the body unless JWT_AUTH_HTTPONLY",
        ),
        401: errorResponses[401],
        403: errorResponses[403],
        429: errorResponses[429],
      },
    }),
    async (c) => {
      const presented = await presentedRefreshToken(c, c.req.valid("json").refresh);
      if (!presented) throw new TokenInvalid("No valid refresh token found.");
      const { tokens } = await rotateRefreshToken(c.var, presented.token, clientInfo(c));
      // As dj-rest-auth: the cookies are set whichever channel the token came in.
      setSessionCookies(c, tokens);
      return c.json(serializeRefreshed(tokens, c.var.config.refreshOnlyInCookie), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/token/verify",
      operationId: "verifyToken",
      tags,
      request: { body: jsonBody(verifySchema) },
      responses: { 200: json(emptySchema, "The token is valid"), 400: errorResponses[400], 401: errorResponses[401] },
    }),
    async (c) => {
      await verifyAnyToken(c.var, c.req.valid("json").token);
      return c.json({}, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/csrf-token",
      operationId: "csrfToken",
      tags,
      responses: { 200: json(csrfResponseSchema, "The CSRF token, also set as the readable `csrftoken` cookie") },
    }),
    (c) => c.json({ csrfToken: ensureCsrfCookie(c) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/password/change",
      operationId: "changePassword",
      tags,
      middleware: signedInOnly,
      security: signedInSecurity,
      request: { body: jsonBody(passwordChangeSchema) },
      responses: { 200: json(detailSchema, "Password changed; other sessions ended"), ...errorResponses },
    }),
    async (c) => {
      await changePassword(c.var, c.var.principal, c.req.valid("json"), clientInfo(c));
      return c.json({ detail: "New password has been saved." }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/password/reset",
      operationId: "requestPasswordReset",
      tags,
      middleware: [passwordResetLimit],
      request: { body: jsonBody(passwordResetSchema) },
      responses: {
        200: json(detailSchema, "The same answer whether or not the address belongs to an account"),
        400: errorResponses[400],
        429: errorResponses[429],
      },
    }),
    (c) => {
      // Looked up and mailed after the answer, so known and unknown addresses answer alike in time too.
      const work = requestPasswordReset(c.var, c.req.valid("json").email, clientInfo(c));
      runAfterResponse(c, "password reset", work);
      return c.json({ detail: "Password reset e-mail has been sent." }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/password/reset/confirm",
      operationId: "confirmPasswordReset",
      tags,
      request: { body: jsonBody(passwordResetConfirmSchema) },
      responses: {
        200: json(detailSchema, "Password set; every session of the user ended"),
        400: errorResponses[400],
      },
    }),
    async (c) => {
      await confirmPasswordReset(c.var, c.req.valid("json"), clientInfo(c));
      return c.json({ detail: "Password has been reset with the new password." }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/registration/verify-email",
      operationId: "verifyEmail",
      tags,
      request: { body: jsonBody(verifyEmailSchema) },
      responses: {
        200: json(detailSchema, "The address is verified"),
        400: errorResponses[400],
        404: json(detailSchema, "Unknown, used or expired key"),
      },
    }),
    async (c) => {
      await verifyEmail(c.var, c.req.valid("json").key, clientInfo(c));
      return c.json({ detail: "ok" }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/registration/resend-email",
      operationId: "resendEmailVerification",
      tags,
      middleware: [resendEmailLimit],
      request: { body: jsonBody(resendEmailSchema) },
      responses: {
        200: json(detailSchema, "The same answer whatever the address"),
        400: errorResponses[400],
        429: errorResponses[429],
      },
    }),
    (c) => {
      // Looked up and mailed after the answer, so known and unknown addresses answer alike in time too.
      runAfterResponse(c, "resend verification", resendEmailVerification(c.var, c.req.valid("json").email));
      return c.json({ detail: "ok" }, 200);
    },
  );
