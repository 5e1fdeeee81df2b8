import { z } from "zod";
import type { Config } from "../../env";
import { ServiceUnavailable, SocialProviderUnavailable, SocialTokenRefused } from "../../errors";
import type { Logger } from "../../log";
import { createOutboundClient, OutboundError } from "../../outbound";
import { base64UrlToBytes } from "../../encoding";

const TIMEOUT_MS = 10_000;
/** Google's ID tokens name either spelling of its issuer. */
const ISSUERS = new Set(["https://accounts.google.com", "accounts.google.com"]);
/** Clocks disagree: a token's `exp` and `iat` are taken with this much slack, both ways. */
const SKEW_SECONDS = 60;
/** A token naming an unknown `kid` refetches the key set (Google rotates keys) at most this often. */
const REFETCH_UNKNOWN_KID_MS = 60_000;
/** When Google sends no max-age, the key set is kept this long. */
const DEFAULT_JWKS_MAX_AGE_MS = 3_600_000;

/** Who Google says the user is. */
export interface GoogleIdentity {
  sub: string;
  email: string | null;
  emailVerified: boolean;
  givenName: string;
  familyName: string;
  /** The `nonce` of an ID token (the redirect flow checks it). */
  nonce?: string;
}

const idTokenClaims = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.string().min(1).max(255),
  exp: z.number(),
  iat: z.number(),
  email: z.string().optional(),
  email_verified: z.union([z.boolean(), z.enum(["true", "false"])]).optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  nonce: z.string().optional(),
});

/** tokeninfo answers numbers and booleans as strings (`"exp": "1700000000"`, `"email_verified": "true"`). */
const tokeninfoSchema = z.object({
  aud: z.string().optional(),
  azp: z.string().optional(),
  sub: z.string().optional(),
  expires_in: z.coerce.number().optional(),
});

const userinfoSchema = z.object({
  sub: z.string().min(1).max(255),
  email: z.string().optional(),
  email_verified: z.union([z.boolean(), z.enum(["true", "false"])]).optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
});

const tokenResponseSchema = z.object({ id_token: z.string(), access_token: z.string().optional() });

const rsaJwk = z.object({
  kid: z.string(),
  kty: z.literal("RSA"),
  n: z.string(),
  e: z.string(),
  alg: z.string().optional(),
});
const jwksSchema = z.object({ keys: z.array(z.unknown()) });

interface CachedKeySet {
  keys: Map<string, Promise<CryptoKey>>;
  expiresAt: number;
  fetchedAt: number;
}

/** Google's signing keys, per JWKS URL and isolate, kept as long as Google's Cache-Control says. */
const keySets = new Map<string, CachedKeySet>();

function maxAgeMs(cacheControl: string | null): number {
  const match = /max-age=(\d+)/.exec(cacheControl ?? "");
  return match ? Number(match[1]) * 1000 : DEFAULT_JWKS_MAX_AGE_MS;
}

const asBoolean = (value: boolean | "true" | "false" | undefined) => value === true || value === "true";

export interface GoogleClient {
  /** The client ids (web, iOS, Android); the first is the code flows' own. */
  clientIds: string[];
  /** Throws the 503 of a deployment without GOOGLE_CLIENT_IDS, before any other work. */
  ensureConfigured(): void;
  /** An ID token Google signed (RS256) for one of our client ids, unexpired and not issued in the future. */
  verifyIdToken(idToken: string, now: Date): Promise<GoogleIdentity>;
  /** An access token tokeninfo says Google issued to one of our client ids; then who userinfo says it is. */
  identityFromAccessToken(accessToken: string): Promise<GoogleIdentity>;
  /** An authorization code exchanged (with the redirect URI and, for PKCE, the verifier) for its ID token. */
  exchangeCode(code: string, redirectUri: string, codeVerifier?: string): Promise<string>;
}

/** Built once per request from config (see `buildDeps`); every URL is settable, so tests and dev use a fake. */
export function createGoogleClient(settings: Config["google"], log: Logger): GoogleClient {
  const http = createOutboundClient({ service: "google", baseUrl: "", timeoutMs: TIMEOUT_MS, log });
  const ensureConfigured = () => {
    if (settings.clientIds.length === 0) throw new ServiceUnavailable("Google sign-in is not configured.");
  };

  /** Google's answer: a 4xx is about the token (refused), anything else is Google failing (502). */
  async function call(url: string, init: RequestInit = {}) {
    let answer;
    try {
      answer = await http.fetch(url, init);
    } catch (error) {
      if (error instanceof OutboundError) {
        log.error("google call failed", { url: new URL(url).pathname, status: error.status, cause: error.message });
        throw new SocialProviderUnavailable();
      }
      throw error;
    }
    if (answer.status >= 400 && answer.status < 500) throw new SocialTokenRefused();
    if (answer.status < 200 || answer.status >= 300) {
      log.error("google call failed", { url: new URL(url).pathname, status: answer.status });
      throw new SocialProviderUnavailable();
    }
    return answer;
  }

  async function fetchKeySet(now: number): Promise<CachedKeySet> {
    const answer = await call(settings.jwksUrl);
    const set = jwksSchema.safeParse(answer.body);
    if (!set.success) throw new SocialProviderUnavailable();
    const keys = new Map<string, Promise<CryptoKey>>();
    for (const candidate of set.data.keys) {
      const key = rsaJwk.safeParse(candidate);
      if (!key.success) continue;
      const { kid, n, e } = key.data;
      keys.set(
        kid,
        crypto.subtle.importKey("jwk", { kty: "RSA", n, e }, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, [
          "verify",
        ]),
      );
    }
    const cached = { keys, expiresAt: now + maxAgeMs(answer.headers.get("cache-control")), fetchedAt: now };
    keySets.set(settings.jwksUrl, cached);
    return cached;
  }

  /** The key of `kid`: from the cache while fresh; an unknown kid refetches, at most once a minute (`now`: the clock's). */
  async function signingKey(kid: string, now: number): Promise<CryptoKey | undefined> {
    let set = keySets.get(settings.jwksUrl);
    if (!set || set.expiresAt <= now) set = await fetchKeySet(now);
    else if (!set.keys.has(kid) && now - set.fetchedAt >= REFETCH_UNKNOWN_KID_MS) set = await fetchKeySet(now);
    return set.keys.get(kid);
  }

  return {
    clientIds: settings.clientIds,
    ensureConfigured,
    async verifyIdToken(idToken, now) {
      ensureConfigured();
      const [headerPart, payloadPart, signaturePart, extra] = idToken.split(".");
      if (!headerPart || !payloadPart || !signaturePart || extra !== undefined) throw new SocialTokenRefused();
      let header: unknown;
      let payload: unknown;
      let signature: Uint8Array;
      try {
        header = JSON.parse(new TextDecoder().decode(base64UrlToBytes(headerPart)));
        payload = JSON.parse(new TextDecoder().decode(base64UrlToBytes(payloadPart)));
        signature = base64UrlToBytes(signaturePart);
      } catch {
        throw new SocialTokenRefused();
      }
      const { alg, kid } = (header ?? {}) as { alg?: unknown; kid?: unknown };
      // Pinned: Google signs RS256; `none`, HS256 (keyed by anything public) and RS384 are refused.
      if (alg !== "RS256" || typeof kid !== "string") throw new SocialTokenRefused();
      const key = await signingKey(kid, now.getTime());
      if (!key) throw new SocialTokenRefused();
      const signed = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
      if (!(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, signed))) throw new SocialTokenRefused();
      const claims = idTokenClaims.safeParse(payload);
      if (!claims.success) throw new SocialTokenRefused();
      const c = claims.data;
      const audiences = Array.isArray(c.aud) ? c.aud : [c.aud];
      const seconds = now.getTime() / 1000;
      const valid =
        ISSUERS.has(c.iss) &&
        audiences.some((aud) => settings.clientIds.includes(aud)) &&
        c.exp > seconds - SKEW_SECONDS &&
        c.iat <= seconds + SKEW_SECONDS;
      if (!valid) throw new SocialTokenRefused();
      return {
        sub: c.sub,
        email: c.email?.toLowerCase() ?? null,
        emailVerified: asBoolean(c.email_verified),
        givenName: c.given_name ?? "",
        familyName: c.family_name ?? "",
        nonce: c.nonce,
      };
    },
    async identityFromAccessToken(accessToken) {
      ensureConfigured();
      const info = tokeninfoSchema.safeParse(
        (await call(`${settings.tokeninfoUrl}?${new URLSearchParams({ access_token: accessToken }).toString()}`)).body,
      );
      // Issued to one of our clients, or it is another app's token being replayed at us.
      const ours = info.success && [info.data.aud, info.data.azp].some((id) => id && settings.clientIds.includes(id));
      if (!ours || (info.data.expires_in !== undefined && info.data.expires_in <= 0)) throw new SocialTokenRefused();
      const user = userinfoSchema.safeParse(
        (await call(settings.userinfoUrl, { headers: { authorization: `Bearer ${accessToken}` } })).body,
      );
      if (!user.success || (info.data.sub !== undefined && info.data.sub !== user.data.sub)) {
        throw new SocialTokenRefused();
      }
      return {
        sub: user.data.sub,
        email: user.data.email?.toLowerCase() ?? null,
        emailVerified: asBoolean(user.data.email_verified),
        givenName: user.data.given_name ?? "",
        familyName: user.data.family_name ?? "",
      };
    },
    async exchangeCode(code, redirectUri, codeVerifier) {
      ensureConfigured();
      const form = new URLSearchParams({
        code,
        client_id: settings.clientIds[0] ?? "",
        client_secret: settings.clientSecret ?? "",
        redirect_uri: redirectUri,
        grant_type: "authorization_code",
        ...(codeVerifier ? { code_verifier: codeVerifier } : {}),
      });
      const answer = await call(settings.tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
      });
      const tokens = tokenResponseSchema.safeParse(answer.body);
      if (!tokens.success) throw new SocialTokenRefused();
      return tokens.data.id_token;
    },
  };
}
