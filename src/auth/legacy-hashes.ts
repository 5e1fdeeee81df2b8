import { sha1 } from "@noble/hashes/legacy.js";
import { pbkdf2Async } from "@noble/hashes/pbkdf2.js";
import { sha256 } from "@noble/hashes/sha2.js";

/** Cloudflare's production runtime refuses PBKDF2 above 100,000 iterations through Web Crypto. */
export const WEB_CRYPTO_MAX_ITERATIONS = 100_000;

export type Pbkdf2Digest = "SHA-256" | "SHA-1";

const encoder = new TextEncoder();
const DIGESTS = { "SHA-256": { noble: sha256, bits: 256 }, "SHA-1": { noble: sha1, bits: 160 } } as const;

/**
 * PBKDF2-HMAC of a password: through Web Crypto up to the runtime's cap, above it (Django ≥ 4 stores
 * 600,000 to 1,000,000 iterations) through @noble/hashes — the same function, computed in JavaScript,
 * so it costs more CPU (see the README's Security section). The output is the digest's size, as Django's.
 */
export async function pbkdf2(password: string, salt: string, iterations: number, digest: Pbkdf2Digest) {
  const { noble, bits } = DIGESTS[digest];
  if (iterations > WEB_CRYPTO_MAX_ITERATIONS) {
    return pbkdf2Async(noble, encoder.encode(password), encoder.encode(salt), {
      c: iterations,
      dkLen: bits / 8,
      asyncTick: 50,
    });
  }
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const derived = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: digest, salt: encoder.encode(salt), iterations },
    key,
    bits,
  );
  return new Uint8Array(derived);
}

/** Django's PBKDF2 hashers and the digest each uses; any other hasher cannot be checked here. */
export const DJANGO_PBKDF2: Record<string, Pbkdf2Digest> = { pbkdf2_sha256: "SHA-256", pbkdf2_sha1: "SHA-1" };

/** Django 4.0's largest default (Django 5.2: 1,000,000); a stored count far beyond it is refused, not computed. */
export const MAX_LEGACY_ITERATIONS = 2_000_000;
