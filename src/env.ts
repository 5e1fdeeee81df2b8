import { z } from "zod";
import type { Database } from "./db/client";
import type { Principal } from "./auth/principal";

/** Bindings, vars and secrets declared in wrangler.toml / .dev.vars. Vars arrive as strings. */
export interface Bindings {
  DB: D1Database;
  /** Cloudflare Email Routing's send_email binding, used when MAILER=cloudflare. */
  EMAIL?: SendEmail;
  /** Workers Rate Limiting bindings; a missing one means no limit on that route. */
  LOGIN_LIMITER?: RateLimit;
  REGISTRATION_LIMITER?: RateLimit;
  PASSWORD_RESET_LIMITER?: RateLimit;
  REFRESH_LIMITER?: RateLimit;
  JWT_SECRET?: string;
  CORS_ALLOWED_ORIGINS?: string;
  ACCESS_TOKEN_LIFETIME_SECONDS?: string;
  REFRESH_TOKEN_LIFETIME_SECONDS?: string;
  JWT_AUTH_COOKIE?: string;
  JWT_AUTH_REFRESH_COOKIE?: string;
  JWT_AUTH_HTTPONLY?: string;
  JWT_AUTH_SECURE?: string;
  JWT_AUTH_SAMESITE?: string;
  CSRF_COOKIE_NAME?: string;
  OLD_PASSWORD_FIELD_ENABLED?: string;
  STRIPE_SECRET_KEY?: string;
  STRIPE_WEBHOOK_SECRET?: string;
  STRIPE_API_HOST?: string;
  STRIPE_API_PORT?: string;
  STRIPE_API_PROTOCOL?: string;
  FRONTEND_URL?: string;
  CHECKOUT_SUCCESS_PATH?: string;
  CHECKOUT_CANCEL_PATH?: string;
  BILLING_PORTAL_RETURN_PATH?: string;
  MAILER?: string;
  MAIL_FROM?: string;
  PASSWORD_RESET_TIMEOUT_SECONDS?: string;
  PASSWORD_RESET_CONFIRM_PATH?: string;
  ACCOUNT_EMAIL_VERIFICATION?: string;
  EMAIL_VERIFICATION_PATH?: string;
  EMAIL_VERIFICATION_EXPIRE_SECONDS?: string;
  RATE_LIMIT_PERIOD_SECONDS?: string;
}

export interface Variables {
  config: Config;
  db: Database;
  /** Set by the auth middleware on routes that need (or accept) a signed-in caller. */
  principal: Principal | undefined;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

const flag = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0"])
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1");

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const configSchema = z
  .object({
    JWT_SECRET: z.string({ error: "JWT_SECRET is not set" }).min(32, "JWT_SECRET must be at least 32 characters"),
    CORS_ALLOWED_ORIGINS: z.string().default("http://localhost:3000"),
    ACCESS_TOKEN_LIFETIME_SECONDS: seconds(15 * 60),
    REFRESH_TOKEN_LIFETIME_SECONDS: seconds(7 * 24 * 60 * 60),
    JWT_AUTH_COOKIE: z.string().min(1).default("access-token"),
    JWT_AUTH_REFRESH_COOKIE: z.string().min(1).default("refresh-token"),
    JWT_AUTH_HTTPONLY: flag(true),
    JWT_AUTH_SECURE: flag(true),
    JWT_AUTH_SAMESITE: z.enum(["Lax", "Strict", "None"]).default("Lax"),
    CSRF_COOKIE_NAME: z.string().min(1).default("csrftoken"),
    OLD_PASSWORD_FIELD_ENABLED: flag(false),
    STRIPE_SECRET_KEY: z.string().min(1).optional(),
    STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
    STRIPE_API_HOST: z.string().min(1).default("api.stripe.com"),
    STRIPE_API_PORT: z.coerce.number().int().min(1).max(65_535).default(443),
    STRIPE_API_PROTOCOL: z.enum(["https", "http"]).default("https"),
    FRONTEND_URL: z.url().default("http://localhost:3000"),
    CHECKOUT_SUCCESS_PATH: z.string().startsWith("/").default("/payment/success?session_id={CHECKOUT_SESSION_ID}"),
    CHECKOUT_CANCEL_PATH: z.string().startsWith("/").default("/pricing"),
    BILLING_PORTAL_RETURN_PATH: z.string().startsWith("/").default("/account"),
    MAILER: z.enum(["log", "cloudflare"]).default("log"),
    MAIL_FROM: z.email().default("no-reply@example.com"),
    PASSWORD_RESET_TIMEOUT_SECONDS: seconds(60 * 60),
    PASSWORD_RESET_CONFIRM_PATH: z.string().startsWith("/").default("/reset-password"),
    ACCOUNT_EMAIL_VERIFICATION: z.enum(["none", "optional", "mandatory"]).default("none"),
    EMAIL_VERIFICATION_PATH: z.string().startsWith("/").default("/verify-email"),
    EMAIL_VERIFICATION_EXPIRE_SECONDS: seconds(3 * 24 * 60 * 60),
    RATE_LIMIT_PERIOD_SECONDS: seconds(60),
  })
  .transform((v) => {
    const frontend = v.FRONTEND_URL.replace(/\/+$/, "");
    return {
      jwtSecret: v.JWT_SECRET,
      corsAllowedOrigins: v.CORS_ALLOWED_ORIGINS.split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
      accessTokenLifetime: v.ACCESS_TOKEN_LIFETIME_SECONDS,
      refreshTokenLifetime: v.REFRESH_TOKEN_LIFETIME_SECONDS,
      accessCookie: v.JWT_AUTH_COOKIE,
      refreshCookie: v.JWT_AUTH_REFRESH_COOKIE,
      refreshOnlyInCookie: v.JWT_AUTH_HTTPONLY,
      secureCookies: v.JWT_AUTH_SECURE,
      sameSite: v.JWT_AUTH_SAMESITE,
      csrfCookie: v.CSRF_COOKIE_NAME,
      oldPasswordRequired: v.OLD_PASSWORD_FIELD_ENABLED,
      stripe: {
        secretKey: v.STRIPE_SECRET_KEY,
        webhookSecret: v.STRIPE_WEBHOOK_SECRET,
        host: v.STRIPE_API_HOST,
        port: v.STRIPE_API_PORT,
        protocol: v.STRIPE_API_PROTOCOL,
      },
      frontend: {
        checkoutSuccessUrl: `${frontend}${v.CHECKOUT_SUCCESS_PATH}`,
        checkoutCancelUrl: `${frontend}${v.CHECKOUT_CANCEL_PATH}`,
        billingPortalReturnUrl: `${frontend}${v.BILLING_PORTAL_RETURN_PATH}`,
        passwordResetUrl: `${frontend}${v.PASSWORD_RESET_CONFIRM_PATH}`,
        emailVerificationUrl: `${frontend}${v.EMAIL_VERIFICATION_PATH}`,
      },
      mail: { transport: v.MAILER, from: v.MAIL_FROM },
      passwordResetLifetime: v.PASSWORD_RESET_TIMEOUT_SECONDS,
      emailVerification: v.ACCOUNT_EMAIL_VERIFICATION,
      emailVerificationLifetime: v.EMAIL_VERIFICATION_EXPIRE_SECONDS,
      rateLimitPeriod: v.RATE_LIMIT_PERIOD_SECONDS,
    };
  });

export type Config = z.output<typeof configSchema>;

const cache = new WeakMap<Bindings, Config>();

/** Reads and checks configuration once per `env` object; a bad value fails loudly, naming the var. */
export function readConfig(env: Bindings): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid configuration: ${problems}`);
  }
  cache.set(env, parsed.data);
  return parsed.data;
}
