import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { requestVars, type AppEnv } from "../env";
import { clientIp } from "../client-info";
import { TooManyRequests } from "../errors";

type LimiterName =
  | "LOGIN_LIMITER"
  | "LOGIN_IP_LIMITER"
  | "REGISTRATION_LIMITER"
  | "PASSWORD_RESET_LIMITER"
  | "REFRESH_LIMITER"
  | "IDENTIFIER_CHANGE_LIMITER";

/** Counts one attempt under `key`; over the limit it throws the 429. */
export type Limiter = (key: string) => Promise<void>;

/** A Workers Rate Limiting binding as a `Limiter`; a missing binding (not configured) limits nothing. */
export function limiterOf(c: Context, name: LimiterName): Limiter {
  const env = c.env as AppEnv["Bindings"];
  const binding: RateLimit | undefined = env[name];
  const period = requestVars(c).config.rateLimitPeriod;
  return async (key) => {
    if (!binding) return;
    const { success } = await binding.limit({ key });
    if (!success) throw new TooManyRequests(period);
  };
}

/**
 * The first of these JSON body fields that holds a string, normalised, for limits keyed on what is
 * being attacked (an account, an address). The body is parsed once, whatever the number of fields.
 */
export async function bodyField(c: Context<AppEnv>, ...fields: string[]): Promise<string | undefined> {
  const body: unknown = await c.req.json().catch(() => undefined);
  if (!body || typeof body !== "object") return undefined;
  const value = fields.map((field) => (body as Record<string, unknown>)[field]).find((v) => typeof v === "string");
  return typeof value === "string" ? value.trim().toLowerCase() : undefined;
}

/**
 * Middleware counting the request once per key (a request with no key is not limited); over the limit
 * is a 429 with Retry-After.
 */
export function rateLimit(
  limiter: LimiterName,
  keys: (c: Context<AppEnv>) => Promise<Array<string | undefined>> | Array<string | undefined>,
) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const limit = limiterOf(c, limiter);
    for (const key of await keys(c)) if (key !== undefined) await limit(key);
    await next();
  });
}

const ip = (c: Context<AppEnv>) => {
  const address = clientIp(c);
  return address === undefined ? undefined : `ip:${address}`;
};

/** A ceiling on login attempts per client IP, whatever accounts they name. */
export const loginIpLimit = rateLimit("LOGIN_IP_LIMITER", (c) => [ip(c)]);

/**
 * Login attempts per client IP and *account* — the account the lookup resolved, not the field the
 * client typed it in, so splitting one account over `username` and `email` counts once. Per IP, so an
 * attacker elsewhere cannot lock the user out.
 */
export function loginAttemptLimiter(c: Context): Limiter {
  const address = clientIp(c);
  const limit = limiterOf(c, "LOGIN_LIMITER");
  return (account) => (address === undefined ? Promise.resolve() : limit(`login:${address}:${account}`));
}

/** Changes of username or e-mail, per user: each one probes whether the new value is taken. */
export function identifierChangeLimiter(c: Context): Limiter {
  const limit = limiterOf(c, "IDENTIFIER_CHANGE_LIMITER");
  return (userId) => limit(`user:${userId}`);
}

/**
 * Per IP, and per address named in the body, so nobody can flood one inbox from many IPs. `namespace`
 * keeps the keys of one endpoint apart from another's on a shared binding: each endpoint counts only
 * its own requests.
 */
function perIpAndAddress(limiter: LimiterName, namespace: string) {
  return rateLimit(limiter, async (c) => {
    const email = await bodyField(c, "email");
    const address = ip(c);
    return [
      address === undefined ? undefined : `${namespace}${address}`,
      email === undefined ? undefined : `${namespace}email:${email}`,
    ];
  });
}

export const registrationLimit = rateLimit("REGISTRATION_LIMITER", (c) => [ip(c)]);
/**
 * Resend shares the registration binding but not its keys: were a registration counted here, an address
 * with an account just registered from this IP would meet its 429 one request before an unknown address.
 */
export const resendEmailLimit = perIpAndAddress("REGISTRATION_LIMITER", "resend:");
export const passwordResetLimit = perIpAndAddress("PASSWORD_RESET_LIMITER", "");
export const refreshLimit = rateLimit("REFRESH_LIMITER", (c) => [ip(c)]);
