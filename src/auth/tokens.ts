import { sign, verify } from "hono/jwt";
import { z } from "zod";
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
});

export type TokenClaims = z.infer<typeof claimsSchema>;

export async function signToken(claims: TokenClaims, secret: string): Promise<string> {
  return sign(claims, secret, ALGORITHM);
}

/**
 * Verifies signature, algorithm, expiry and type. Every failure is the same 401 as simplejwt's, so a
 * caller learns nothing about why a token was refused.
 */
export async function readToken(
  token: string,
  secret: string,
  type: TokenType | "any",
  detail?: string,
): Promise<TokenClaims> {
  let payload: unknown;
  try {
    payload = await verify(token, secret, { alg: ALGORITHM });
  } catch {
    throw new TokenInvalid(detail);
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success || (type !== "any" && claims.data.token_type !== type)) throw new TokenInvalid(detail);
  return claims.data;
}
