import { sign, verify } from "hono/jwt";
import type { JWTPayload } from "hono/utils/jwt/types";
import type { Config } from "../env";
import { hmacSha256Key } from "../encoding";

/**
 * What signs and verifies one kind of token. A value built from configuration, so the kind of key
 * (HS256 under JWT_SECRET today) is this module's business and no caller handles a secret.
 */
export interface TokenSigner {
  sign(claims: JWTPayload): Promise<string>;
  /** The payload of a token whose algorithm and signature check out; throws on anything else. */
  verify(token: string): Promise<unknown>;
}

/** The signers of the two kinds of token: access tokens (read by anyone holding the key) and refresh tokens (ours only). */
export interface TokenKeys {
  access: TokenSigner;
  refresh: TokenSigner;
}

/** Pinned: a token whose header names another algorithm (or `none`) is refused before its signature is read. */
const HS256 = "HS256";

function hs256Signer(secret: string): TokenSigner {
  return {
    async sign(claims) {
      return sign(claims, await hmacSha256Key(secret), HS256);
    },
    async verify(token) {
      // Times are checked against the injected clock by the caller, not the runtime's.
      return verify(token, await hmacSha256Key(secret), { alg: HS256, exp: false, nbf: false, iat: false });
    },
  };
}

const cache = new WeakMap<Config, TokenKeys>();

/** The token keys of a configuration, built once per configuration (the HMAC key once per secret and isolate). */
export function tokenKeysFor(config: Config): TokenKeys {
  let keys = cache.get(config);
  if (!keys) {
    const signer = hs256Signer(config.jwtSecret);
    keys = { access: signer, refresh: signer };
    cache.set(config, keys);
  }
  return keys;
}
