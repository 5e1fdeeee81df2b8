import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createRouter } from "../app";
import type { AppEnv } from "../env";
import { TokenInvalid } from "../errors";
import { changePassword, logIn, logOut, registerUser, verifyAnyToken, type SignedIn } from "../auth/accounts";
import { clearSessionCookies, ensureCsrfCookie, requireCsrf, setSessionCookies } from "../auth/cookies";
import { clientInfo, principalOf, requireUser } from "../auth/middleware";
import { rotateRefreshToken } from "../auth/sessions";
import {
  csrfResponseSchema,
  loginResponseSchema,
  loginSchema,
  logoutSchema,
  passwordChangeSchema,
  refreshRequestSchema,
  refreshResponseSchema,
  registrationSchema,
  verifySchema,
} from "../schemas/auth";
import { detailSchema, emptySchema, errorResponses, json, jsonBody, signedInSecurity } from "../schemas/common";
import { serializeUser } from "../schemas/user";

const tags = ["auth"];

/** The login payload of dj-rest-auth, with the tokens also set as cookies. */
function signedInResponse(c: Context<AppEnv>, { account, tokens }: SignedIn) {
  setSessionCookies(c, tokens);
  ensureCsrfCookie(c);
  return {
    access: tokens.access,
    refresh: c.var.config.refreshOnlyInCookie ? "" : tokens.refresh,
    user: serializeUser(account),
    access_expiration: tokens.accessExpiration.toISOString(),
    refresh_expiration: tokens.refreshExpiration.toISOString(),
  };
}

/** The refresh token from the body, else from its cookie; a cookie is a credential, so it needs CSRF. */
function presentedRefreshToken(c: Context<AppEnv>, fromBody: string | undefined) {
  if (fromBody) return { token: fromBody, via: "body" as const };
  const cookie = getCookie(c, c.var.config.refreshCookie);
  if (!cookie) return undefined;
  requireCsrf(c);
  return { token: cookie, via: "cookie" as const };
}

export const authRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/registration",
      operationId: "register",
      tags,
      request: { body: jsonBody(registrationSchema) },
      responses: { 201: json(loginResponseSchema, "Registered and signed in"), 400: errorResponses[400] },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const signedIn = await registerUser(c.var.db, c.var.config, input, clientInfo(c));
      return c.json(signedInResponse(c, signedIn), 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/login",
      operationId: "login",
      tags,
      request: { body: jsonBody(loginSchema) },
      responses: { 200: json(loginResponseSchema, "Signed in"), 400: errorResponses[400] },
    }),
    async (c) => {
      const signedIn = await logIn(c.var.db, c.var.config, c.req.valid("json"), clientInfo(c));
      return c.json(signedInResponse(c, signedIn), 200);
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
      const presented = presentedRefreshToken(c, c.req.valid("json").refresh);
      clearSessionCookies(c);
      if (!presented) return c.json({ detail: "Refresh token was not included in cookie data." }, 401);
      await logOut(c.var.db, c.var.config, presented.token);
      return c.json({ detail: "Successfully logged out." }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/token/refresh",
      operationId: "refreshToken",
      tags,
      request: { body: jsonBody(refreshRequestSchema, false) },
      responses: {
        200: json(refreshResponseSchema, "A new pair; the refresh token answered in the channel it came in"),
        401: errorResponses[401],
        403: errorResponses[403],
      },
    }),
    async (c) => {
      const presented = presentedRefreshToken(c, c.req.valid("json").refresh);
      if (!presented) throw new TokenInvalid("No valid refresh token found.");
      const tokens = await rotateRefreshToken(c.var.db, c.var.config, presented.token);
      const access = { access: tokens.access, access_expiration: tokens.accessExpiration.toISOString() };
      if (presented.via === "cookie") {
        setSessionCookies(c, tokens);
        return c.json(access, 200);
      }
      return c.json(
        { ...access, refresh: tokens.refresh, refresh_expiration: tokens.refreshExpiration.toISOString() },
        200,
      );
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
      await verifyAnyToken(c.var.db, c.var.config, c.req.valid("json").token);
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
      middleware: [requireUser],
      security: signedInSecurity,
      request: { body: jsonBody(passwordChangeSchema) },
      responses: { 200: json(detailSchema, "Password changed; other sessions ended"), ...errorResponses },
    }),
    async (c) => {
      await changePassword(c.var.db, c.var.config, principalOf(c), c.req.valid("json"));
      return c.json({ detail: "New password has been saved." }, 200);
    },
  );
