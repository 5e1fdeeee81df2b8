import { base64UrlToBytes, bytesToBase64Url, bytesToHex, randomBytes } from "../../encoding";
import { ServiceUnavailable } from "../../errors";

/**
 * The keys derived from MFA_ENCRYPTION_KEY (HKDF-SHA-256, one per use): AES-GCM for TOTP secrets at
 * rest, and HMAC-SHA-256 for recovery codes (a pepper: a stolen table of hashes cannot be guessed
 * against without the key). Derived once per secret and isolate.
 */
interface MfaKeys {
  encryption: CryptoKey;
  codes: CryptoKey;
}

const derived = new Map<string, Promise<MfaKeys>>();

async function deriveKeys(secret: string): Promise<MfaKeys> {
  const master = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), "HKDF", false, ["deriveKey"]);
  const derive = (
    info: string,
    algorithm: SubtleCryptoDeriveKeyAlgorithm | { name: string; hash?: string; length: number },
    usages: string[],
  ) =>
    crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode(info) },
      master,
      algorithm,
      false,
      usages,
    );
  const [encryption, codes] = await Promise.all([
    derive("edge-accounts totp secret", { name: "AES-GCM", length: 256 }, ["encrypt", "decrypt"]),
    derive("edge-accounts recovery code", { name: "HMAC", hash: "SHA-256", length: 256 }, ["sign"]),
  ]);
  return { encryption, codes };
}

export function mfaKeys(secret: string | undefined): Promise<MfaKeys> {
  if (!secret)
    throw new ServiceUnavailable("Two-factor authentication is not configured: MFA_ENCRYPTION_KEY is not set.");
  let keys = derived.get(secret);
  if (!keys) {
    keys = deriveKeys(secret);
    derived.set(secret, keys);
  }
  return keys;
}

const IV_BYTES = 12;

/** AES-GCM with a fresh 96-bit IV; stored as base64url(iv || ciphertext+tag). */
export async function encryptSecret(keys: MfaKeys, plaintext: string): Promise<string> {
  const iv = randomBytes(IV_BYTES);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv },
    keys.encryption,
    new TextEncoder().encode(plaintext),
  );
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), IV_BYTES);
  return bytesToBase64Url(out);
}

export async function decryptSecret(keys: MfaKeys, stored: string): Promise<string> {
  const bytes = base64UrlToBytes(stored);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.slice(0, IV_BYTES) },
    keys.encryption,
    bytes.slice(IV_BYTES),
  );
  return new TextDecoder().decode(plain);
}

/** Recovery codes: 10 characters of 32 without look-alikes (i, l, o, 1): 50 bits, shown as `xxxxx-xxxxx`. */
const CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz023456789";
export const RECOVERY_CODE_COUNT = 10;

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from(randomBytes(10), (b) => CODE_ALPHABET[b & 31]).join("");
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** A recovery code as typed (any case, with or without the dash or spaces) in the one form it is stored. */
export function normalisedRecoveryCode(typed: string): string | undefined {
  const chars = typed.toLowerCase().replace(/[\s-]/g, "");
  return /^[a-z0-9]{10}$/.test(chars) ? `${chars.slice(0, 5)}-${chars.slice(5)}` : undefined;
}

/** What is stored of a recovery code: its HMAC under the derived key. */
export async function recoveryCodeHash(keys: MfaKeys, code: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", keys.codes, new TextEncoder().encode(code));
  return bytesToHex(new Uint8Array(mac));
}
