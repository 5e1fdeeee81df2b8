import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { clientInfo } from "../client-info";
import { requestVars, type AppEnv, type Variables } from "../env";
import { NotAuthenticated, TokenInvalid } from "../errors";
import { findSessionUser, type UserWithPlan } from "../db/users";
import { clearSessionCookies, isUnsafeMethod, requireCsrf, setSessionCookies } from "./cookies";
import type { Principal } from "./principal";
import { rotateRefreshToken } from "./sessions";
import { inspectToken, TokenOfUnknownKey, type AuthMethod } from "./tokens";

/** Who the credentials name; `account` is already loaded when a silent refresh had to read it anyway. */
export interface Caller {
  userId: number;
  sessionId: string;
  via: Principal["via"];
  amr: AuthMethod[];
  account?: UserWithPlan;
}

/**
 * The caller of this request, from `Authorization: Bearer` or the access cookie, with no database
 * read — except a silent refresh: a cookie client (the web frontend never refreshes by itself) whose
 * access cookie is missing or expired but whose refresh cookie is valid is served as signed in, and the
 * answer carries a fresh access cookie and the rotated refresh cookie. An unsafe request must pass the
 * CSRF check before anything rotates. A token that is presented but not valid is a 401, never anonymous.
 */
export async function identifyCaller(c: Context): Promise<Caller | undefined> {
  const vars = requestVars(c);
  const { config, clock, tokens } = vars;
  const expected = { keys: tokens, type: "access" as const, now: clock.now() };
  const header = c.req.header("authorization");
  if (header !== undefined && /^bearer\s/i.test(header)) {
    const { claims, expired } = await inspectToken(header.replace(/^bearer\s+/i, "").trim(), expected);
    if (expired) throw new TokenInvalid();
    return { userId: claims.user_id, sessionId: claims.sid, via: "bearer", amr: claims.amr ?? [] };
  }
  const access = getCookie(c, config.accessCookie);
  const inspected = access ? await inspectAccessCookie(access, expected) : undefined;
  if (inspected?.claims && !inspected.expired) {
    if (isUnsafeMethod(c)) await requireCsrf(c);
    const { claims } = inspected;
    return { userId: claims.user_id, sessionId: claims.sid, via: "cookie", amr: claims.amr ?? [] };
  }
  const refresh = getCookie(c, config.refreshCookie);
  if (!refresh) {
    if (inspected) throw new TokenInvalid();
    return undefined;
  }
  if (isUnsafeMethod(c)) await requireCsrf(c);
  const refreshed = await rotateRefreshToken(vars, refresh, clientInfo(c)).catch((error: unknown) => {
    // The refresh cookie is as dead as the access cookie: the browser drops both, and signs in again.
    if (!(error instanceof TokenInvalid)) throw error;
    clearSessionCookies(c);
    throw new TokenInvalid();
  });
  setSessionCookies(c, refreshed.tokens);
  return {
    userId: refreshed.account.user.id,
    sessionId: refreshed.sessionId,
    via: "cookie",
    amr: refreshed.amr,
    account: refreshed.account,
  };
}

/**
 * The access cookie's claims, or "expired" — also for a cookie signed under a key a rotation has
 * retired (its tokens are all expired by then), so the refresh cookie keeps the browser signed in.
 */
function inspectAccessCookie(token: string, expected: Parameters<typeof inspectToken>[1]) {
  return inspectToken(token, expected).catch((error: unknown) => {
    if (error instanceof TokenOfUnknownKey) return { claims: undefined, expired: true };
    throw error;
  });
}

export interface SignedInEnv<Extra extends object = object> {
  Bindings: AppEnv["Bindings"];
  Variables: Variables & { principal: Principal & Extra };
}

/**
 * Middleware that resolves the caller (see `identifyCaller`), loads its account with `load` — which
 * must check that the session is live — and hands it to the handler as `c.var.principal`. No
 * credentials are a 401, and so is a token whose session or user is gone.
 */
export function requireUserWith<Account extends UserWithPlan>(
  load: (vars: Variables, caller: Caller) => Promise<Account | undefined>,
) {
  return createMiddleware<SignedInEnv<Omit<Account, keyof UserWithPlan>>>(async (c, next) => {
    const caller = await identifyCaller(c);
    if (!caller) throw new NotAuthenticated();
    const account = await load(c.var, caller);
    if (!account) throw new TokenInvalid();
    c.set("principal", { ...account, sessionId: caller.sessionId, via: caller.via, amr: caller.amr });
    await next();
  });
}

/** The user, plan and live session in one D1 query — none when a silent refresh already read them. */
export const requireUser = requireUserWith(
  async ({ db, clock }, caller) => caller.account ?? findSessionUser(db, caller, clock.now()),
);

/** A route's `middleware` for signed-in callers: a tuple, so the handler sees `c.var.principal` as set. */
export const signedInOnly: [typeof requireUser] = [requireUser];
