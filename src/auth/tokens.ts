import { z } from "zod";
import { epochSeconds } from "../clock";
import { TokenInvalid } from "../errors";
import { SigningKeyError, UnknownSigningKey, type TokenKeys } from "./keys";

/** The 401 of a token signed under a key that is not configured (any more): see `UnknownSigningKey`. */
export class TokenOfUnknownKey extends TokenInvalid {}

export type TokenType = "access" | "refresh";

/**
 * How a session was started (RFC 8176's Authentication Method Reference values; a social provider's
 * sign-in is named by the provider). Written on the session at sign-in, carried by its access tokens.
 */
export const AUTH_METHODS = ["pwd", "otp", "webauthn", "google"] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

const claimsSchema = z.object({
  token_type: z.enum(["access", "refresh"]),
  user_id: z.number().int().positive(),
  sid: z.string().min(1),
  jti: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
  nbf: z.number().int().optional(),
  /** Refresh tokens only: which generation of its session's refresh token this is. */
  gen: z.number().int().nonnegative().optional(),
  /** Access tokens: how the session was started (tokens from before sessions recorded it carry none). */
  amr: z.array(z.enum(AUTH_METHODS)).optional(),
  /** Access tokens, for other services: the user id as a string, the issuer, the audience when configured. */
  sub: z.string().optional(),
  iss: z.string().optional(),
  aud: z.string().optional(),
  /** Access tokens: the user's plan (its name) and staff flag when the token was issued. */
  plan: z.string().nullable().optional(),
  is_staff: z.boolean().optional(),
});

export type TokenClaims = z.infer<typeof claimsSchema>;

export function signToken(claims: TokenClaims, keys: TokenKeys): Promise<string> {
  return keys[claims.token_type].sign(claims);
}

interface Expected {
  keys: TokenKeys;
  type: TokenType | "any";
  now: Date;
}

async function verifiedPayload(token: string, expected: Expected): Promise<unknown> {
  const { keys, type } = expected;
  if (type !== "any") return keys[type].verify(token);
  // Either kind will do: the access keys first (the usual case), then the refresh keys.
  return keys.access.verify(token).catch((error: unknown) => {
    if (error instanceof SigningKeyError) throw error;
    return keys.refresh.verify(token);
  });
}

/**
 * Verifies signature, algorithm, type and issue time; reports expiry (against the injected clock, not
 * the runtime's) instead of refusing it, for the one caller that treats an expired access cookie as
 * "refresh the session". Any other failure is the same 401 as simplejwt's.
 */
export async function inspectToken(
  token: string,
  expected: Expected,
  detail?: string,
): Promise<{ claims: TokenClaims; expired: boolean }> {
  let payload: unknown;
  try {
    payload = await verifiedPayload(token, expected);
  } catch (error) {
    // A key that cannot be imported is the deployment's fault (a 500 naming it), not the token's.
    if (error instanceof SigningKeyError) throw error;
    if (error instanceof UnknownSigningKey) throw new TokenOfUnknownKey(detail);
    throw new TokenInvalid(detail);
  }
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) throw new TokenInvalid(detail);
  const claims = parsed.data;
  const now = epochSeconds(expected.now);
  const issued = claims.iat <= now && (claims.nbf === undefined || claims.nbf <= now);
  const typed = expected.type === "any" || claims.token_type === expected.type;
  if (!issued || !typed || (claims.token_type === "refresh" && claims.gen === undefined)) {
    throw new TokenInvalid(detail);
  }
  return { claims, expired: claims.exp <= now };
}

/** A valid, unexpired token of the expected type; every failure is simplejwt's 401, saying nothing of why. */
export async function readToken(token: string, expected: Expected, detail?: string): Promise<TokenClaims> {
  const { claims, expired } = await inspectToken(token, expected, detail);
  if (expired) throw new TokenInvalid(detail);
  return claims;
}
