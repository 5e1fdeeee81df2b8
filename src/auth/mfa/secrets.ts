import { bytesToHex, randomBytes } from "../../encoding";
import { derivedKey, seal, unseal } from "../sealing";
import { ServiceUnavailable } from "../../errors";

/**
 * The keys derived from MFA_ENCRYPTION_KEY (HKDF-SHA-256, one per use): AES-GCM for TOTP secrets at
 * rest, and HMAC-SHA-256 for recovery codes (a pepper: a stolen table of hashes cannot be guessed
 * against without the key).
 */
export interface MfaKeys {
  encryption: CryptoKey;
  codes: CryptoKey;
}

export async function mfaKeys(secret: string | undefined): Promise<MfaKeys> {
  if (!secret)
    throw new ServiceUnavailable("Two-factor authentication is not configured: MFA_ENCRYPTION_KEY is not set.");
  const [encryption, codes] = await Promise.all([
    derivedKey(secret, "edge-accounts totp secret", { name: "AES-GCM", length: 256 }),
    derivedKey(secret, "edge-accounts recovery code", { name: "HMAC", hash: "SHA-256", length: 256 }),
  ]);
  return { encryption, codes };
}

/** A TOTP secret as stored: encrypted and authenticated. */
export function encryptSecret(keys: MfaKeys, plaintext: string): Promise<string> {
  return seal(keys.encryption, plaintext);
}

export function decryptSecret(keys: MfaKeys, stored: string): Promise<string> {
  return unseal(keys.encryption, stored);
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
