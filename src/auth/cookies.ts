import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";
import { requestVars, type Config } from "../env";
import { CsrfFailed } from "../errors";
import { randomBytes, timingSafeEqualStrings } from "../encoding";
import type { SessionTokens } from "./sessions";

/** Django's CSRF_COOKIE_AGE: one year, so a long-open tab keeps working. */
const CSRF_COOKIE_AGE = 31_449_600;
const CSRF_TOKEN = /^[A-Za-z0-9]{32}$|^[A-Za-z0-9]{64}$/;
const ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function baseOptions(config: Config): CookieOptions {
  return { path: "/", secure: config.secureCookies, sameSite: config.sameSite };
}

export function setSessionCookies(c: Context, tokens: SessionTokens) {
  const config = requestVars(c).config;
  setCookie(c, config.accessCookie, tokens.access, {
    ...baseOptions(config),
    httpOnly: true,
    expires: tokens.accessExpiration,
  });
  setCookie(c, config.refreshCookie, tokens.refresh, {
    ...baseOptions(config),
    httpOnly: true,
    expires: tokens.refreshExpiration,
  });
}

export function clearSessionCookies(c: Context) {
  const config = requestVars(c).config;
  deleteCookie(c, config.accessCookie, { ...baseOptions(config), httpOnly: true });
  deleteCookie(c, config.refreshCookie, { ...baseOptions(config), httpOnly: true });
}

/** The caller's CSRF token, issuing one (readable by scripts, as Django's) when it has none. */
export function ensureCsrfCookie(c: Context): string {
  const config = requestVars(c).config;
  const current = getCookie(c, config.csrfCookie);
  if (current && CSRF_TOKEN.test(current)) return current;
  const token = Array.from(randomBytes(32), (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join("");
  setCookie(c, config.csrfCookie, token, { ...baseOptions(config), httpOnly: false, maxAge: CSRF_COOKIE_AGE });
  return token;
}

/** Double submit: a request that authenticates with a cookie must echo the CSRF cookie in `X-CSRFToken`. */
export function requireCsrf(c: Context) {
  const cookie = getCookie(c, requestVars(c).config.csrfCookie);
  if (!cookie) throw new CsrfFailed("CSRF cookie not set.");
  const header = c.req.header("x-csrftoken");
  if (!header) throw new CsrfFailed("CSRF token missing.");
  if (!timingSafeEqualStrings(header, cookie)) throw new CsrfFailed("CSRF token incorrect.");
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isUnsafeMethod(c: Context): boolean {
  return !SAFE_METHODS.has(c.req.method);
}
