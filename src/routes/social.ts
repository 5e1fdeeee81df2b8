import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createRouter } from "../app";
import { clientInfo } from "../client-info";
import { requestVars } from "../env";
import { signedInOnly } from "../auth/middleware";
import { loginIpLimit } from "../auth/rate-limit";
import { answerSignedIn } from "../auth/sign-in";
import { answerSignInOutcome } from "../auth/mfa/sign-in-step";
import {
  connectGoogle,
  disconnectSocialAccount,
  googleIdentityOf,
  listSocialAccounts,
  signInWithGoogle,
} from "../auth/google/sign-in";
import {
  finishGoogleRedirect,
  FLOW_COOKIE,
  FLOW_COOKIE_PATH,
  FLOW_LIFETIME_SECONDS,
  GoogleFlowRefused,
  startGoogleRedirect,
} from "../auth/google/redirect";
import { detailSchema, errorResponses, json, jsonBody, signedInSecurity } from "../schemas/common";
import { loginResponseSchema } from "../schemas/auth";
import { secondFactorRequiredSchema } from "../schemas/mfa";
import {
  googleCallbackQuerySchema,
  googleStartQuerySchema,
  serializeSocialAccount,
  socialAccountParamsSchema,
  socialAccountSchema,
  socialLoginSchema,
} from "../schemas/social";

const tags = ["social"];
const googleErrors = {
  400: errorResponses[400],
  429: errorResponses[429],
  502: json(detailSchema, "Google did not answer"),
  503: json(detailSchema, "Google sign-in is not configured"),
} as const;

/** The callback URL registered with Google: GOOGLE_REDIRECT_URI, else this API's own. */
function redirectUri(c: Context): string {
  return requestVars(c).config.google.redirectUri ?? `${new URL(c.req.url).origin}/auth/social/google/callback/`;
}

/** Sign in with Google (`/auth/social/…`): dj-rest-auth's endpoints, and a redirect flow for any frontend. */
export const socialRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/social/login/google",
      operationId: "googleLogin",
      tags,
      summary: "Sign in with a Google ID token, access token or authorization code",
      middleware: [loginIpLimit],
      request: { body: jsonBody(socialLoginSchema) },
      responses: {
        200: json(z.union([loginResponseSchema, secondFactorRequiredSchema]), "Signed in (or the two-factor step)"),
        ...googleErrors,
      },
    }),
    async (c) => {
      const identity = await googleIdentityOf(c.var, c.req.valid("json"), redirectUri(c));
      const outcome = await signInWithGoogle(c.var, identity, clientInfo(c));
      return c.json(answerSignInOutcome(c, outcome), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/social/connect/google",
      operationId: "googleConnect",
      tags,
      summary: "Link a Google identity to the signed-in account",
      middleware: signedInOnly,
      security: signedInSecurity,
      request: { body: jsonBody(socialLoginSchema) },
      responses: {
        200: json(socialAccountSchema, "The linked account"),
        ...googleErrors,
        401: errorResponses[401],
        403: errorResponses[403],
      },
    }),
    async (c) => {
      const identity = await googleIdentityOf(c.var, c.req.valid("json"), redirectUri(c));
      return c.json(serializeSocialAccount(await connectGoogle(c.var, c.var.principal, identity, clientInfo(c))), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/social/accounts",
      operationId: "socialAccounts",
      tags,
      middleware: signedInOnly,
      security: signedInSecurity,
      responses: { 200: json(z.array(socialAccountSchema), "The caller's linked accounts"), 401: errorResponses[401] },
    }),
    async (c) => c.json((await listSocialAccounts(c.var, c.var.principal.user.id)).map(serializeSocialAccount), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/social/accounts/{id}/disconnect",
      operationId: "socialAccountDisconnect",
      tags,
      middleware: signedInOnly,
      security: signedInSecurity,
      request: { params: socialAccountParamsSchema },
      responses: {
        200: json(socialAccountSchema, "The removed link"),
        400: json(errorResponses[400].content["application/json"].schema, "The last way to sign in"),
        401: errorResponses[401],
        403: errorResponses[403],
        404: json(detailSchema, "Not one of the caller's linked accounts"),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const removed = await disconnectSocialAccount(c.var, c.var.principal.user, id, clientInfo(c));
      return c.json(serializeSocialAccount(removed), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/social/google/start",
      operationId: "googleStart",
      tags,
      summary: "The redirect flow: to Google's consent page (state, PKCE S256, nonce)",
      request: { query: googleStartQuerySchema },
      responses: { 302: { description: "To Google" }, 503: json(detailSchema, "Google sign-in is not configured") },
    }),
    async (c) => {
      const { location, cookie } = await startGoogleRedirect(c.var, c.req.valid("query").next, redirectUri(c));
      // Lax, not Strict: Strict would drop the cookie on the way back from Google.
      setCookie(c, FLOW_COOKIE, cookie, {
        path: FLOW_COOKIE_PATH,
        httpOnly: true,
        secure: c.var.config.secureCookies,
        sameSite: "Lax",
        maxAge: FLOW_LIFETIME_SECONDS,
      });
      return c.redirect(location, 302);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/social/google/callback",
      operationId: "googleCallback",
      tags,
      summary: "Where Google sends the browser back: signs in and lands on FRONTEND_URL + next",
      request: { query: googleCallbackQuerySchema },
      responses: { 302: { description: "To the frontend: signed in, or its error page with ?error=<code>" } },
    }),
    async (c) => {
      const { config } = c.var;
      const sealed = getCookie(c, FLOW_COOKIE);
      deleteCookie(c, FLOW_COOKIE, { path: FLOW_COOKIE_PATH, secure: config.secureCookies, httpOnly: true });
      const result = await finishGoogleRedirect(
        c.var,
        sealed,
        c.req.valid("query"),
        redirectUri(c),
        clientInfo(c),
      ).catch((error: unknown) => {
        // Not swallowed: every refusal is the frontend's error page, with its code.
        if (error instanceof GoogleFlowRefused) return error;
        throw error;
      });
      const errorPage = new URL(config.google.errorUrl);
      if (result instanceof GoogleFlowRefused) {
        errorPage.searchParams.set("error", result.code);
        return c.redirect(errorPage.toString(), 302);
      }
      if ("secondFactorRequired" in result.outcome) {
        // The frontend's sign-in page finishes it: POST /auth/login/mfa/ with the token and a code.
        errorPage.searchParams.set("error", "mfa_required");
        errorPage.searchParams.set("mfa_token", result.outcome.secondFactorRequired.mfaToken);
        return c.redirect(errorPage.toString(), 302);
      }
      answerSignedIn(c, result.outcome.signedIn);
      return c.redirect(`${config.frontendUrl}${result.next}`, 302);
    },
  );
