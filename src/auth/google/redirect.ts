import type { ClientInfo } from "../../client-info";
import { epochSeconds } from "../../clock";
import type { Deps } from "../../env";
import {
  ApiError,
  NonFieldError,
  ServiceUnavailable,
  SocialProviderUnavailable,
  SocialTokenRefused,
} from "../../errors";
import { bytesToBase64Url, randomBytes, randomToken, timingSafeEqualStrings } from "../../encoding";
import { derivedKey, seal, unseal } from "../sealing";
import type { SignInOutcome } from "../mfa/sign-in-step";
import { ACCOUNT_DISABLED } from "../sign-in";
import { EMAIL_TAKEN, signInWithGoogle } from "./sign-in";

/** The cookie that carries a redirect flow's state, PKCE verifier and nonce from /start to /callback. */
export const FLOW_COOKIE = "google-signin";
export const FLOW_COOKIE_PATH = "/auth/social/google/";
/** The flow must come back from Google within this (the cookie's own life too). */
export const FLOW_LIFETIME_SECONDS = 600;

/** A refused redirect flow: the frontend is sent to SOCIAL_LOGIN_ERROR_PATH with `?error=<code>`. */
export class GoogleFlowRefused extends Error {
  constructor(readonly code: string) {
    super(`Google sign-in refused: ${code}`);
  }
}

interface Flow {
  state: string;
  verifier: string;
  nonce: string;
  next: string;
  exp: number;
}

/**
 * Sealed (AES-GCM under a key derived from JWT_SECRET): nobody can read the PKCE verifier or nonce out
 * of it, nor plant a flow of their own making.
 */
const flowKey = (secret: string) =>
  derivedKey(secret, "edge-accounts google sign-in flow", { name: "AES-GCM", length: 256 });

async function sealFlow(secret: string, flow: Flow): Promise<string> {
  return seal(await flowKey(secret), JSON.stringify(flow));
}

async function openFlow(secret: string, sealed: string | undefined, now: Date): Promise<Flow> {
  let flow: Flow;
  try {
    flow = JSON.parse(await unseal(await flowKey(secret), sealed ?? "")) as Flow;
  } catch {
    throw new GoogleFlowRefused("invalid_state");
  }
  if (flow.exp <= epochSeconds(now)) throw new GoogleFlowRefused("expired");
  return flow;
}

/**
 * Where a sign-in may send the browser back to on the frontend: a path of it only. An absolute URL,
 * `//host`, `/\\host` or anything else is the frontend's home — no open redirect.
 */
export function safeFrontendPath(next: string | undefined): string {
  return next && /^\/(?![/\\])[^\s\\]*$/.test(next) ? next : "/";
}

const sha256Base64Url = async (text: string) =>
  bytesToBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));

/**
 * Starts the redirect flow: Google's authorize URL for the code flow (`openid email profile`), with a
 * fresh `state`, a PKCE S256 challenge and a `nonce`, all three kept in a signed, short-lived cookie.
 */
export async function startGoogleRedirect(deps: Deps, next: string | undefined, redirectUri: string) {
  const { config, google, clock } = deps;
  google.ensureConfigured();
  const flow: Flow = {
    state: randomToken(),
    verifier: bytesToBase64Url(randomBytes(32)),
    nonce: randomToken(),
    next: safeFrontendPath(next),
    exp: epochSeconds(clock.now()) + FLOW_LIFETIME_SECONDS,
  };
  const authorize = new URL(config.google.authorizeUrl);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: google.clientIds[0] ?? "",
    redirect_uri: redirectUri,
    scope: "openid email profile",
    state: flow.state,
    code_challenge: await sha256Base64Url(flow.verifier),
    code_challenge_method: "S256",
    nonce: flow.nonce,
  }).toString();
  return { location: authorize.toString(), cookie: await sealFlow(config.jwtSecret, flow) };
}

/**
 * Finishes the redirect flow: the signed cookie's state must be the one Google sent back, the code is
 * exchanged with the PKCE verifier, the ID token's `nonce` must be the cookie's (a missing one is a
 * mismatch), then the usual Google sign-in. Every refusal is a `GoogleFlowRefused` with a code for the
 * frontend's error page.
 */
export async function finishGoogleRedirect(
  deps: Deps,
  sealed: string | undefined,
  query: { code?: string; state?: string; error?: string },
  redirectUri: string,
  client: ClientInfo,
): Promise<{ outcome: SignInOutcome; next: string }> {
  const { config, google, clock } = deps;
  try {
    google.ensureConfigured();
    const flow = await openFlow(config.jwtSecret, sealed, clock.now());
    if (query.error) throw new GoogleFlowRefused("access_denied");
    if (!query.code || !query.state || !timingSafeEqualStrings(query.state, flow.state)) {
      throw new GoogleFlowRefused("invalid_state");
    }
    const identity = await google.verifyIdToken(
      await google.exchangeCode(query.code, redirectUri, flow.verifier),
      clock.now(),
    );
    if (!identity.nonce || !timingSafeEqualStrings(identity.nonce, flow.nonce))
      throw new GoogleFlowRefused("invalid_nonce");
    return { outcome: await signInWithGoogle(deps, identity, client), next: flow.next };
  } catch (error) {
    throw asFlowRefusal(error);
  }
}

/** The refusal code the frontend gets for what went wrong (anything unexpected stays an error: a 500). */
function asFlowRefusal(error: unknown): unknown {
  if (error instanceof GoogleFlowRefused) return error;
  if (error instanceof SocialTokenRefused) return new GoogleFlowRefused("invalid_token");
  if (error instanceof SocialProviderUnavailable) return new GoogleFlowRefused("google_unavailable");
  if (error instanceof ServiceUnavailable) return new GoogleFlowRefused("not_configured");
  if (error instanceof NonFieldError) {
    const message = error.fields.non_field_errors?.[0];
    if (message === EMAIL_TAKEN) return new GoogleFlowRefused("email_taken");
    if (message === ACCOUNT_DISABLED) return new GoogleFlowRefused("account_disabled");
    return new GoogleFlowRefused("refused");
  }
  if (error instanceof ApiError) return new GoogleFlowRefused("refused");
  return error;
}
