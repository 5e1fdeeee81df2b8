import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { requestVars, type AppEnv, type Variables } from "../env";
import { NotAuthenticated, TokenInvalid } from "../errors";
import { findSessionUser } from "../db/users";
import { isUnsafeMethod, requireCsrf } from "./cookies";
import type { Principal } from "./principal";
import { readToken } from "./tokens";

function presentedAccessToken(c: Context): { token: string; via: Principal["via"] } | undefined {
  const header = c.req.header("authorization");
  if (header !== undefined && /^bearer\s/i.test(header)) {
    return { token: header.replace(/^bearer\s+/i, "").trim(), via: "bearer" };
  }
  const cookie = getCookie(c, requestVars(c).config.accessCookie);
  return cookie ? { token: cookie, via: "cookie" } : undefined;
}

/**
 * The verified claims of the access token the caller presents (no database read), for routes that
 * check the session themselves inside their one query.
 */
export async function readAccessClaims(c: Context) {
  const presented = presentedAccessToken(c);
  if (!presented) return undefined;
  const config = requestVars(c).config;
  const clock = requestVars(c).clock;
  const claims = await readToken(presented.token, { secret: config.jwtSecret, type: "access", now: clock.now() });
  return { claims, via: presented.via };
}

export interface SignedInEnv {
  Bindings: AppEnv["Bindings"];
  Variables: Variables & { principal: Principal };
}

/**
 * Resolves the caller from `Authorization: Bearer` or the access cookie in one D1 query (user, plan
 * and a live session) and hands it to the handler as `c.var.principal`. No credentials are a 401; a
 * token that is presented but not valid is always a 401 too, never anonymous.
 */
export const requireUser = createMiddleware<SignedInEnv>(async (c, next) => {
  const presented = await readAccessClaims(c);
  if (!presented) throw new NotAuthenticated();
  const { claims, via } = presented;
  const found = await findSessionUser(c.var.db, { userId: claims.user_id, sessionId: claims.sid }, c.var.clock.now());
  if (!found) throw new TokenInvalid();
  if (via === "cookie" && isUnsafeMethod(c)) requireCsrf(c);
  c.set("principal", { ...found, sessionId: claims.sid, via });
  await next();
});

/** A route's `middleware` for signed-in callers: a tuple, so the handler sees `c.var.principal` as set. */
export const signedInOnly: [typeof requireUser] = [requireUser];
