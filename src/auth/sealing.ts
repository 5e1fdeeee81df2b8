import { base64UrlToBytes, bytesToBase64Url, randomBytes } from "../encoding";

type DerivedAlgorithm = { name: "AES-GCM"; length: 256 } | { name: "HMAC"; hash: "SHA-256"; length: 256 };

const derived = new Map<string, Promise<CryptoKey>>();

/**
 * A key for one use (`info`) derived from a configured secret by HKDF-SHA-256 — so one secret serves
 * several purposes without their keys ever being the same. Derived once per secret, use and isolate.
 */
export function derivedKey(secret: string, info: string, algorithm: DerivedAlgorithm): Promise<CryptoKey> {
  const id = `${info}\u0000${secret}`;
  let key = derived.get(id);
  if (!key) {
    const usages = algorithm.name === "AES-GCM" ? ["encrypt", "decrypt"] : ["sign"];
    key = crypto.subtle
      .importKey("raw", new TextEncoder().encode(secret), "HKDF", false, ["deriveKey"])
      .then((master) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode(info) },
          master,
          algorithm,
          false,
          usages,
        ),
      );
    derived.set(id, key);
  }
  return key;
}

const IV_BYTES = 12;

/** AES-GCM with a fresh 96-bit IV: encrypted and authenticated, as base64url(iv || ciphertext+tag). */
export async function seal(key: CryptoKey, plaintext: string): Promise<string> {
  const iv = randomBytes(IV_BYTES);
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(plaintext));
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), IV_BYTES);
  return bytesToBase64Url(out);
}

/** What `seal` sealed; throws when it was not sealed under this key or was changed. */
export async function unseal(key: CryptoKey, sealed: string): Promise<string> {
  const bytes = base64UrlToBytes(sealed);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.slice(0, IV_BYTES) },
    key,
    bytes.slice(IV_BYTES),
  );
  return new TextDecoder().decode(plain);
}
