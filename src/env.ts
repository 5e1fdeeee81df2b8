import type { Context } from "hono";
import type { RequestIdVariables } from "hono/request-id";
import { z } from "zod";
import type { Clock } from "./clock";
import type { Database } from "./db/client";
import type { GoogleClient } from "./auth/google/client";
import type { TokenKeys } from "./auth/keys";
import type { StripeClient } from "./billing/stripe";
import type { Logger } from "./log";
import type { Mailer } from "./mail/mailer";
import type { UsageCounter, UsageCounters } from "./quotas/counter";

const flag = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0"])
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1");

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** A cookie's `Domain` (Django's `*_COOKIE_DOMAIN`), e.g. `.example.com`; unset or empty: host-only. */
const cookieDomain = z
  .string()
  .regex(/^\.?[a-z0-9-]+(\.[a-z0-9-]+)*$/i, "must be a domain such as .example.com")
  .or(z.literal(""))
  .optional()
  .transform((v) => v || undefined);

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/);

/** A private signing key as a JWK (as `node:crypto` or Web Crypto export one), with its `kid` and `alg`. */
const signingJwk = z.discriminatedUnion("alg", [
  z.object({
    alg: z.literal("ES256"),
    kid: z.string().min(1),
    kty: z.literal("EC"),
    crv: z.literal("P-256"),
    x: base64url,
    y: base64url,
    d: base64url,
  }),
  z.object({
    alg: z.literal("EdDSA"),
    kid: z.string().min(1),
    kty: z.literal("OKP"),
    crv: z.literal("Ed25519"),
    x: base64url,
    d: base64url,
  }),
]);

export type SigningJwk = z.infer<typeof signingJwk>;

/**
 * JWT_SIGNING_KEYS: a JSON array of private JWKs; the first signs, all verify. Every message names the
 * key by position and `kid` only — never a value of a key (the log must not hold a secret).
 */
const signingKeys = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined || text.trim() === "") return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: "custom", message: "is not JSON (a JSON array of private JWKs)" });
      return z.NEVER;
    }
    if (!Array.isArray(parsed) || parsed.length === 0) {
      ctx.addIssue({ code: "custom", message: "must be a non-empty JSON array of private JWKs" });
      return z.NEVER;
    }
    const keys: SigningJwk[] = [];
    parsed.forEach((candidate: unknown, i) => {
      const key = signingJwk.safeParse(candidate);
      if (key.success) return void keys.push(key.data);
      const member = (name: string) =>
        candidate && typeof candidate === "object" && name in candidate
          ? (candidate as Record<string, unknown>)[name]
          : undefined;
      const kid = typeof member("kid") === "string" ? ` (kid "${String(member("kid")).slice(0, 64)}")` : "";
      const reason =
        member("kid") === undefined
          ? "has no kid"
          : member("alg") !== "ES256" && member("alg") !== "EdDSA"
            ? "needs an alg of ES256 or EdDSA"
            : member("d") === undefined
              ? "is a public key: a private JWK (with d) is needed to sign"
              : "is not a well-formed JWK for its alg";
      ctx.addIssue({ code: "custom", message: `key ${i + 1}${kid} ${reason}` });
    });
    const kids = keys.map((key) => key.kid);
    const duplicate = kids.find((kid, i) => kids.indexOf(kid) !== i);
    if (duplicate !== undefined) {
      ctx.addIssue({ code: "custom", message: `has the kid "${duplicate.slice(0, 64)}" twice` });
    }
    return keys;
  });

/** Every variable and secret, declared once: this schema types `Bindings` and parses `Config`. */
const varsSchema = z.object({
  JWT_SECRET: z.string({ error: "JWT_SECRET is not set" }).min(32, "JWT_SECRET must be at least 32 characters"),
  JWT_SIGNING_KEYS: signingKeys,
  JWT_ISSUER: z.string().min(1).default("edge-accounts"),
  JWT_AUDIENCE: z
    .string()
    .optional()
    .transform((v) => v || undefined),
  CORS_ALLOWED_ORIGINS: z.string().default("http://localhost:3000"),
  ACCESS_TOKEN_LIFETIME_SECONDS: seconds(15 * 60),
  REFRESH_TOKEN_LIFETIME_SECONDS: seconds(7 * 24 * 60 * 60),
  REFRESH_TOKEN_REUSE_INTERVAL_SECONDS: z.coerce.number().int().nonnegative().default(10),
  SESSION_MAX_AGE_SECONDS: seconds(30 * 24 * 60 * 60),
  JWT_AUTH_COOKIE: z.string().min(1).default("access-token"),
  JWT_AUTH_REFRESH_COOKIE: z.string().min(1).default("refresh-token"),
  JWT_AUTH_HTTPONLY: flag(true),
  JWT_AUTH_SECURE: flag(true),
  JWT_AUTH_SAMESITE: z.enum(["Lax", "Strict", "None"]).default("Lax"),
  JWT_AUTH_COOKIE_DOMAIN: cookieDomain,
  CSRF_COOKIE_NAME: z.string().min(1).default("csrftoken"),
  CSRF_COOKIE_DOMAIN: cookieDomain,
  OLD_PASSWORD_FIELD_ENABLED: flag(false),
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  STRIPE_API_HOST: z.string().min(1).default("api.stripe.com"),
  STRIPE_API_PORT: z.coerce.number().int().min(1).max(65_535).default(443),
  STRIPE_API_PROTOCOL: z.enum(["https", "http"]).default("https"),
  FRONTEND_URL: z.url().default("http://localhost:3000"),
  CHECKOUT_SUCCESS_PATH: z.string().startsWith("/").default("/payments/success?session_id={CHECKOUT_SESSION_ID}"),
  CHECKOUT_CANCEL_PATH: z.string().startsWith("/").default("/payments/cancelled"),
  BILLING_PORTAL_RETURN_PATH: z.string().startsWith("/").default("/profile"),
  MAILER: z.enum(["log", "cloudflare"]).default("log"),
  MAIL_FROM: z.email().default("no-reply@example.com"),
  PASSWORD_RESET_TIMEOUT_SECONDS: seconds(60 * 60),
  PASSWORD_RESET_CONFIRM_PATH: z.string().startsWith("/").default("/reset-password"),
  ACCOUNT_EMAIL_VERIFICATION: z.enum(["none", "optional", "mandatory"]).default("none"),
  EMAIL_VERIFICATION_PATH: z.string().startsWith("/").default("/verify-email"),
  EMAIL_VERIFICATION_EXPIRE_SECONDS: seconds(3 * 24 * 60 * 60),
  RATE_LIMIT_PERIOD_SECONDS: seconds(60),
  GOOGLE_CLIENT_IDS: z.string().optional(),
  GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  GOOGLE_REDIRECT_URI: z.url().optional(),
  GOOGLE_AUTHORIZE_URL: z.url().default("https://accounts.google.com/o/oauth2/v2/auth"),
  GOOGLE_TOKEN_URL: z.url().default("https://oauth2.googleapis.com/token"),
  GOOGLE_JWKS_URL: z.url().default("https://www.googleapis.com/oauth2/v3/certs"),
  GOOGLE_USERINFO_URL: z.url().default("https://openidconnect.googleapis.com/v1/userinfo"),
  GOOGLE_TOKENINFO_URL: z.url().default("https://oauth2.googleapis.com/tokeninfo"),
  SOCIALACCOUNT_EMAIL_AUTHENTICATION: flag(false),
  SOCIAL_LOGIN_ERROR_PATH: z.string().startsWith("/").default("/sign-in"),
  WEBAUTHN_RP_ID: z.string().min(1).default("localhost"),
  WEBAUTHN_RP_NAME: z.string().min(1).default("edge-accounts"),
  WEBAUTHN_ORIGINS: z.string().default("http://localhost:8787,http://localhost:3000"),
  MFA_ENCRYPTION_KEY: z.string().min(32, "MFA_ENCRYPTION_KEY must be at least 32 characters").optional(),
  MFA_ISSUER: z.string().min(1).default("edge-accounts"),
  ADMIN_REQUIRE_MFA: flag(false),
});

const configSchema = varsSchema.transform((v) => {
  const frontend = v.FRONTEND_URL.replace(/\/+$/, "");
  return {
    jwtSecret: v.JWT_SECRET,
    signingKeys: v.JWT_SIGNING_KEYS,
    jwtIssuer: v.JWT_ISSUER,
    jwtAudience: v.JWT_AUDIENCE,
    corsAllowedOrigins: v.CORS_ALLOWED_ORIGINS.split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
    accessTokenLifetime: v.ACCESS_TOKEN_LIFETIME_SECONDS,
    refreshTokenLifetime: v.REFRESH_TOKEN_LIFETIME_SECONDS,
    refreshReuseInterval: v.REFRESH_TOKEN_REUSE_INTERVAL_SECONDS,
    sessionMaxAge: v.SESSION_MAX_AGE_SECONDS,
    accessCookie: v.JWT_AUTH_COOKIE,
    refreshCookie: v.JWT_AUTH_REFRESH_COOKIE,
    authCookieDomain: v.JWT_AUTH_COOKIE_DOMAIN,
    refreshOnlyInCookie: v.JWT_AUTH_HTTPONLY,
    secureCookies: v.JWT_AUTH_SECURE,
    sameSite: v.JWT_AUTH_SAMESITE,
    csrfCookie: v.CSRF_COOKIE_NAME,
    csrfCookieDomain: v.CSRF_COOKIE_DOMAIN,
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
    mfa: { encryptionKey: v.MFA_ENCRYPTION_KEY, issuer: v.MFA_ISSUER, requiredForStaff: v.ADMIN_REQUIRE_MFA },
    google: {
      clientIds: (v.GOOGLE_CLIENT_IDS ?? "")
        .split(",")
        .map((id) => id.trim())
        .filter(Boolean),
      clientSecret: v.GOOGLE_CLIENT_SECRET,
      /** Unset: this API's own `/auth/social/google/callback/` (known per request). */
      redirectUri: v.GOOGLE_REDIRECT_URI,
      authorizeUrl: v.GOOGLE_AUTHORIZE_URL,
      tokenUrl: v.GOOGLE_TOKEN_URL,
      jwksUrl: v.GOOGLE_JWKS_URL,
      userinfoUrl: v.GOOGLE_USERINFO_URL,
      tokeninfoUrl: v.GOOGLE_TOKENINFO_URL,
      emailAuthentication: v.SOCIALACCOUNT_EMAIL_AUTHENTICATION,
      errorUrl: `${frontend}${v.SOCIAL_LOGIN_ERROR_PATH}`,
    },
    frontendUrl: frontend,
    webauthn: {
      rpId: v.WEBAUTHN_RP_ID,
      rpName: v.WEBAUTHN_RP_NAME,
      origins: v.WEBAUTHN_ORIGINS.split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
    },
  };
});

export type Config = z.output<typeof configSchema>;

/** The resources bound in wrangler.toml. */
interface Resources {
  DB: D1Database;
  /** One UsageCounter Durable Object per user: the exact count behind the plan quotas (src/quotas/). */
  USAGE: DurableObjectNamespace<UsageCounter>;
  /** Workers Static Assets: the docs page's files, from the installed swagger-ui-dist (see routes/docs.ts). */
  ASSETS: Fetcher;
  /** Cloudflare Email Routing's send_email binding, used when MAILER=cloudflare. */
  EMAIL?: SendEmail;
  /** Workers Rate Limiting bindings; a missing one means no limit on that route. */
  LOGIN_LIMITER?: RateLimit;
  LOGIN_IP_LIMITER?: RateLimit;
  IDENTIFIER_CHANGE_LIMITER?: RateLimit;
  REGISTRATION_LIMITER?: RateLimit;
  PASSWORD_RESET_LIMITER?: RateLimit;
  REFRESH_LIMITER?: RateLimit;
}

/** What the runtime hands the worker: the resources, and every variable as the string it was set to. */
export type Bindings = Resources & { [K in keyof z.input<typeof varsSchema>]?: string };

/**
 * What the domain functions need of a request, built once per request (`buildDeps`, in the first
 * middleware): its database session, configuration, clock and logger, and the clients of what it talks
 * to — the mailer, Stripe, Google, the users' usage counters and the token keys. No domain function takes `env`.
 */
export interface Deps {
  db: Database;
  config: Config;
  clock: Clock;
  log: Logger;
  mailer: Mailer;
  stripe: StripeClient;
  google: GoogleClient;
  usage: UsageCounters;
  tokens: TokenKeys;
}

export interface Variables extends RequestIdVariables, Deps {}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

/**
 * The request's variables, for helpers that serve every route whatever its env (a signed-in route's
 * context adds `principal`, and Hono's contexts are invariant in their env).
 */
export function requestVars(c: Context): Variables {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- every route's env extends AppEnv
  const typed: Context<AppEnv> = c;
  return typed.var;
}

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
