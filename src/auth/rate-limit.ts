import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { clientIp } from "../client-info";
import { TooManyRequests } from "../errors";

type LimiterName = "LOGIN_LIMITER" | "REGISTRATION_LIMITER" | "PASSWORD_RESET_LIMITER" | "REFRESH_LIMITER";

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
 * Counts the request against a Workers Rate Limiting binding once per key; over the limit is a 429
 * with Retry-After. A missing binding (not configured) or a request with no key is not limited.
 */
export function rateLimit(
  limiter: LimiterName,
  keys: (c: Context<AppEnv>) => Promise<Array<string | undefined>> | Array<string | undefined>,
) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const binding: RateLimit | undefined = c.env[limiter];
    if (binding) {
      for (const key of await keys(c)) {
        if (key === undefined) continue;
        const { success } = await binding.limit({ key });
        if (!success) throw new TooManyRequests(c.var.config.rateLimitPeriod);
      }
    }
    await next();
  });
}

const ip = (c: Context<AppEnv>) => {
  const address = clientIp(c);
  return address === undefined ? undefined : `ip:${address}`;
};

/** Per client IP and account, so one attacker cannot lock a user out from everywhere. */
export const loginLimit = rateLimit("LOGIN_LIMITER", async (c) => {
  const address = clientIp(c);
  const account = (await bodyField(c, "username", "email")) ?? "";
  return [address === undefined ? undefined : `login:${address}:${account}`];
});
export const registrationLimit = rateLimit("REGISTRATION_LIMITER", (c) => [ip(c)]);
export const refreshLimit = rateLimit("REFRESH_LIMITER", (c) => [ip(c)]);
/** Per IP, and per address so nobody can flood one inbox from many IPs. */
export const passwordResetLimit = rateLimit("PASSWORD_RESET_LIMITER", async (c) => {
  const email = await bodyField(c, "email");
  return [ip(c), email === undefined ? undefined : `email:${email}`];
});
