import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { NotAuthenticated, TokenInvalid } from "../errors";
import { findSessionUser } from "../db/users";
import { isUnsafeMethod, requireCsrf } from "./cookies";
import type { Principal } from "./principal";
import type { ClientInfo } from "../db/sessions";
import { clientIp } from "./rate-limit";
import { readToken } from "./tokens";

function presentedAccessToken(c: Context<AppEnv>): { token: string; via: Principal["via"] } | undefined {
  const header = c.req.header("authorization");
  if (header !== undefined && /^bearer\s/i.test(header)) {
    return { token: header.replace(/^bearer\s+/i, "").trim(), via: "bearer" };
  }
  const cookie = getCookie(c, c.var.config.accessCookie);
  return cookie ? { token: cookie, via: "cookie" } : undefined;
}

/**
 * Resolves the caller from `Authorization: Bearer` or the access cookie in one D1 query (user, plan
 * and a live session). A token that is presented but not valid is always a 401, never anonymous.
 */
async function resolvePrincipal(c: Context<AppEnv>): Promise<Principal | undefined> {
  const presented = await readAccessClaims(c);
  if (!presented) return undefined;
  const { claims, via } = presented;
  const found = await findSessionUser(c.var.db, claims.user_id, claims.sid);
  if (!found) throw new TokenInvalid();
  if (via === "cookie" && isUnsafeMethod(c)) requireCsrf(c);
  return { ...found, sessionId: claims.sid, via };
}

/**
 * The verified claims of the access token the caller presents (no database read), for routes that
 * check the session themselves inside their one query.
 */
export async function readAccessClaims(c: Context<AppEnv>) {
  const presented = presentedAccessToken(c);
  if (!presented) return undefined;
  return { claims: await readToken(presented.token, c.var.config.jwtSecret, "access"), via: presented.via };
}

export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const principal = await resolvePrincipal(c);
  if (!principal) throw new NotAuthenticated();
  c.set("principal", principal);
  await next();
});

export const optionalUser = createMiddleware<AppEnv>(async (c, next) => {
  c.set("principal", await resolvePrincipal(c));
  await next();
});

/** For handlers behind `requireUser`. */
export function principalOf(c: Context<AppEnv>): Principal {
  const principal = c.var.principal;
  if (!principal) throw new NotAuthenticated();
  return principal;
}

/** What sessions and security events record about the client behind a request. */
export function clientInfo(c: Context<AppEnv>): ClientInfo {
  return { userAgent: c.req.header("user-agent")?.slice(0, 512) ?? null, ip: clientIp(c) ?? null };
}

/** Work that must not delay (or shape) the answer. A failure is logged: there is no request left to fail. */
export function runAfterResponse(c: Context<AppEnv>, label: string, work: Promise<unknown>) {
  c.executionCtx.waitUntil(
    work.catch((error: unknown) => {
      console.error(JSON.stringify({ level: "error", background: label, message: String(error) }));
    }),
  );
}
