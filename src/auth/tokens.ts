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
});

export type TokenClaims = z.infer<typeof claimsSchema>;

export async function signToken(claims: TokenClaims, secret: string): Promise<string> {
  return sign(claims, await hmacSha256Key(secret), ALGORITHM);
}

/**
 * Verifies signature, algorithm, type and — against the injected clock, not the runtime's — expiry and
 * issue time. Every failure is the same 401 as simplejwt's, so a caller learns nothing about why a
 * token was refused.
 */
export async function readToken(
  token: string,
  expected: { secret: string; type: TokenType | "any"; now: Date },
  detail?: string,
): Promise<TokenClaims> {
  let payload: unknown;
  try {
    payload = await verify(token, await hmacSha256Key(expected.secret), { alg: ALGORITHM, exp: false, nbf: false, iat: false });
  } catch {
    throw new TokenInvalid(detail);
  }
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) throw new TokenInvalid(detail);
  const claims = parsed.data;
  const now = epochSeconds(expected.now);
  const timely = claims.exp > now && claims.iat <= now && (claims.nbf === undefined || claims.nbf <= now);
  if (!timely || (expected.type !== "any" && claims.token_type !== expected.type)) throw new TokenInvalid(detail);
  return claims;
}
