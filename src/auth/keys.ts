import { sign, verify } from "hono/jwt";
import { decodeHeader } from "hono/utils/jwt/jwt";
import type { JWTPayload } from "hono/utils/jwt/types";
import type { Config, SigningJwk } from "../env";
import { bytesToBase64Url, hmacSha256Key } from "../encoding";

/**
 * What signs and verifies one kind of token. A value built from configuration, so the kind of key is
 * this module's business and no caller handles a secret.
 */
export interface TokenSigner {
  sign(claims: JWTPayload): Promise<string>;
  /** The payload of a token whose algorithm and signature check out; throws on anything else. */
  verify(token: string): Promise<unknown>;
}

/**
 * The signers of the two kinds of token. Access tokens are read by other services too: with
 * JWT_SIGNING_KEYS they are signed with the first private key (ES256 or EdDSA) and verified by `kid`
 * against every configured key, whose public halves the JWKS publishes; without it, HS256 under
 * JWT_SECRET. Refresh tokens are read by this service only: always HS256 under JWT_SECRET, so a key
 * rotation never signs anyone out.
 */
export interface TokenKeys {
  access: TokenSigner;
  refresh: TokenSigner;
}

/** A configuration key that cannot be used (bad key material): named by its kid, never by its value. */
export class SigningKeyError extends Error {
  constructor(kid: string, cause: unknown) {
    super(`Invalid configuration: JWT_SIGNING_KEYS: the key "${kid}" could not be imported`, { cause });
    this.name = "SigningKeyError";
  }
}

/**
 * A token no configured key can verify because of its `kid` (a key retired by a rotation, or an HS256
 * token from before keys were configured): refused like any bad token, but a cookie client whose
 * refresh cookie is good is refreshed instead of signed out (see `identifyCaller`).
 */
export class UnknownSigningKey extends Error {
  constructor() {
    super("no configured key has this token's kid");
    this.name = "UnknownSigningKey";
  }
}

const HS256 = "HS256";

function hs256Signer(secret: string): TokenSigner {
  return {
    async sign(claims) {
      return sign(claims, await hmacSha256Key(secret), HS256);
    },
    async verify(token) {
      // Pinned: a header naming another algorithm (or `none`) is refused before the signature is read.
      // Times are checked against the injected clock by the caller, not the runtime's.
      return verify(token, await hmacSha256Key(secret), { alg: HS256, exp: false, nbf: false, iat: false });
    },
  };
}

const WEB_CRYPTO_ALGORITHMS = {
  ES256: { sign: { name: "ECDSA", hash: "SHA-256" }, key: { name: "ECDSA", namedCurve: "P-256" } },
  EdDSA: { sign: { name: "Ed25519" }, key: { name: "Ed25519" } },
} as const;

/** The public members of a key: what the JWKS publishes and what verifies. */
export function publicJwk(key: SigningJwk) {
  const { kty, crv, x, kid, alg } = key;
  return key.alg === "ES256"
    ? { kty, crv, x, y: key.y, kid, alg, use: "sig" as const }
    : { kty, crv, x, kid, alg, use: "sig" as const };
}

interface ImportedKey {
  jwk: SigningJwk;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

async function importKey(jwk: SigningJwk): Promise<ImportedKey> {
  const algorithm = WEB_CRYPTO_ALGORITHMS[jwk.alg].key;
  const { kid: _kid, alg: _alg, d, ...members } = jwk;
  try {
    const [privateKey, publicKey] = await Promise.all([
      crypto.subtle.importKey("jwk", { ...members, d }, algorithm, false, ["sign"]),
      crypto.subtle.importKey("jwk", members, algorithm, false, ["verify"]),
    ]);
    return { jwk, privateKey, publicKey };
  } catch (error) {
    throw new SigningKeyError(jwk.kid, error);
  }
}

const encoder = new TextEncoder();
const jsonPart = (value: unknown) => bytesToBase64Url(encoder.encode(JSON.stringify(value)));

/** Signs with the first key (its `kid` in the header); verifies with the key the header's `kid` names. */
function asymmetricSigner(jwks: SigningJwk[]): TokenSigner {
  let imported: Promise<Map<string, ImportedKey>> | undefined;
  // Imported once per configuration and isolate; a failure is not cached, so a fixed secret takes effect.
  const keys = () =>
    (imported ??= Promise.all(jwks.map(importKey)).then(
      (list) => new Map(list.map((key) => [key.jwk.kid, key])),
      (error: unknown) => {
        imported = undefined;
        throw error;
      },
    ));
  return {
    async sign(claims) {
      const first = jwks[0];
      const key = first && (await keys()).get(first.kid);
      if (!key) throw new Error("no signing key");
      const input = `${jsonPart({ alg: key.jwk.alg, typ: "JWT", kid: key.jwk.kid })}.${jsonPart(claims)}`;
      const signature = await crypto.subtle.sign(
        WEB_CRYPTO_ALGORITHMS[key.jwk.alg].sign,
        key.privateKey,
        encoder.encode(input),
      );
      return `${input}.${bytesToBase64Url(new Uint8Array(signature))}`;
    },
    async verify(token) {
      const byKid = await keys();
      const header: unknown = decodeHeader(token);
      const kid = header && typeof header === "object" && "kid" in header ? header.kid : undefined;
      const key = typeof kid === "string" ? byKid.get(kid) : undefined;
      if (!key) throw new UnknownSigningKey();
      // The algorithm is the key's, never the header's: an HS256 token keyed on a public key, or `none`, fails here.
      return verify(token, key.publicKey, { alg: key.jwk.alg, exp: false, nbf: false, iat: false });
    },
  };
}

const cache = new WeakMap<Config, TokenKeys>();

/** The token keys of a configuration, built once per configuration (keys imported once per isolate). */
export function tokenKeysFor(config: Config): TokenKeys {
  let keys = cache.get(config);
  if (!keys) {
    const refresh = hs256Signer(config.jwtSecret);
    keys = { access: config.signingKeys ? asymmetricSigner(config.signingKeys) : refresh, refresh };
    cache.set(config, keys);
  }
  return keys;
}
