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
/** The hidden field Django's forms carry the CSRF token in. */
export const CSRF_FORM_FIELD = "csrfmiddlewaretoken";
const ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Attributes of the auth cookies; `Domain` only when configured (JWT_AUTH_COOKIE_DOMAIN), as in Django. */
function authCookieOptions(config: Config): CookieOptions {
  const options: CookieOptions = { path: "/", secure: config.secureCookies, sameSite: config.sameSite, httpOnly: true };
  if (config.authCookieDomain) options.domain = config.authCookieDomain;
  return options;
}

/** The CSRF cookie is readable by the frontend's scripts, on the frontend's host too with CSRF_COOKIE_DOMAIN. */
function csrfCookieOptions(config: Config): CookieOptions {
  const options: CookieOptions = {
    path: "/",
    secure: config.secureCookies,
    sameSite: config.sameSite,
    httpOnly: false,
  };
  if (config.csrfCookieDomain) options.domain = config.csrfCookieDomain;
  return options;
}

export function setSessionCookies(c: Context, tokens: SessionTokens) {
  const config = requestVars(c).config;
  setCookie(c, config.accessCookie, tokens.access, {
    ...authCookieOptions(config),
    expires: tokens.accessExpiration,
  });
  setCookie(c, config.refreshCookie, tokens.refresh, {
    ...authCookieOptions(config),
    expires: tokens.refreshExpiration,
  });
}

export function clearSessionCookies(c: Context) {
  const config = requestVars(c).config;
  deleteCookie(c, config.accessCookie, authCookieOptions(config));
  deleteCookie(c, config.refreshCookie, authCookieOptions(config));
}

/** After an account is deleted nothing of it stays in the browser: the CSRF cookie goes too. */
export function clearAllCookies(c: Context) {
  const config = requestVars(c).config;
  clearSessionCookies(c);
  deleteCookie(c, config.csrfCookie, csrfCookieOptions(config));
}

/** The caller's CSRF token, issuing one (readable by scripts, as Django's) when it has none. */
export function ensureCsrfCookie(c: Context): string {
  const config = requestVars(c).config;
  const current = getCookie(c, config.csrfCookie);
  if (current && CSRF_TOKEN.test(current)) return current;
  const token = Array.from(randomBytes(32), (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join("");
  setCookie(c, config.csrfCookie, token, { ...csrfCookieOptions(config), maxAge: CSRF_COOKIE_AGE });
  return token;
}

/**
 * Django's CSRF check for a request whose credential is a cookie. First the origin: browsers send
 * `Origin` on every unsafe request, and one that is neither a trusted origin (CORS_ALLOWED_ORIGINS) nor
 * the API's own is refused — a sibling subdomain can plant cookies, but not forge `Origin`. Clients
 * that send none (curl, servers) are checked by the double submit alone: the token — the `X-CSRFToken`
 * header, or an HTML form's `csrfmiddlewaretoken` field, as in Django — must equal the CSRF cookie.
 */
export async function requireCsrf(c: Context) {
  const config = requestVars(c).config;
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== new URL(c.req.url).origin && !config.corsAllowedOrigins.includes(origin)) {
    throw new CsrfFailed(`Origin checking failed - ${origin} does not match any trusted origins.`);
  }
  const cookie = getCookie(c, config.csrfCookie);
  if (!cookie) throw new CsrfFailed("CSRF cookie not set.");
  const submitted = c.req.header("x-csrftoken") ?? (await formCsrfToken(c));
  if (!submitted) throw new CsrfFailed("CSRF token missing.");
  if (!timingSafeEqualStrings(submitted, cookie)) throw new CsrfFailed("CSRF token incorrect.");
}

const FORM_MEDIA_TYPES = new Set(["application/x-www-form-urlencoded", "multipart/form-data"]);

/** The token an HTML form posts; the parsed form stays cached on the request for the handler. */
async function formCsrfToken(c: Context): Promise<string | undefined> {
  const mediaType = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase() ?? "";
  if (!FORM_MEDIA_TYPES.has(mediaType)) return undefined;
  const token = (await c.req.parseBody())[CSRF_FORM_FIELD];
  return typeof token === "string" ? token : undefined;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isUnsafeMethod(c: Context): boolean {
  return !SAFE_METHODS.has(c.req.method);
}
