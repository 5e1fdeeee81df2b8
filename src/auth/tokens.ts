import { sign, verify } from "hono/jwt";
import { z } from "zod";
import { epochSeconds } from "../clock";
import { hmacSha256Key } from "../encoding";
import { TokenInvalid } from "../errors";

/** Pinned: a token whose header names another algorithm (or `none`) is refused before its signature is read. */
const ALGORITHM = "HS256";

export type TokenType = "access" | "refresh";

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
});

export type TokenClaims = z.infer<typeof claimsSchema>;

export async function signToken(claims: TokenClaims, secret: string): Promise<string> {
  return sign(claims, await hmacSha256Key(secret), ALGORITHM);
}

interface Expected {
  secret: string;
  type: TokenType | "any";
  now: Date;
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
    payload = await verify(token, await hmacSha256Key(expected.secret), {
      alg: ALGORITHM,
      exp: false,
      nbf: false,
      iat: false,
    });
  } catch {
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
