import { bytesToBase64, bytesToBase64Url, randomBytes, timingSafeEqualStrings } from "../encoding";
import { DJANGO_PBKDF2, MAX_LEGACY_ITERATIONS, pbkdf2, WEB_CRYPTO_MAX_ITERATIONS } from "./legacy-hashes";

/** Cloudflare's production runtime refuses PBKDF2 above 100,000 iterations (local workerd does not). */
export const PBKDF2_ITERATIONS = WEB_CRYPTO_MAX_ITERATIONS;
const ALGORITHM = "pbkdf2_sha256";

/** A hash of a random secret nobody knows: checked when the user does not exist, so both cost the same. */
const UNKNOWN_USER_HASH = "pbkdf2_sha256$100000$dMXod303MmMg7GgFOH1Trw$7hsyvwu/hQR708VDWMl8xxFikXKgtaTitor4NOWhbA8=";

/** Django's format, `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`, so hashes move between the systems. */
export async function hashPassword(password: string): Promise<string> {
  const salt = bytesToBase64Url(randomBytes(16));
  const hash = await pbkdf2(password, salt, PBKDF2_ITERATIONS, "SHA-256");
  return `${ALGORITHM}$${PBKDF2_ITERATIONS}$${salt}$${bytesToBase64(hash)}`;
}

/** Django's UNUSABLE_PASSWORD_PREFIX: the hash of an account that has no password (social sign-up). */
const UNUSABLE_PASSWORD_PREFIX = "!";

/** Django's `make_password(None)`: marks an account as having no password, unlike any hash a password makes. */
export function unusablePasswordHash(): string {
  return `${UNUSABLE_PASSWORD_PREFIX}${bytesToBase64Url(randomBytes(30))}`;
}

export interface PasswordCheck {
  valid: boolean;
  /** Not our current format (another hasher or iteration count): re-hash while we hold the password. */
  needsRehash: boolean;
  /** False when the account has no password this runtime can check (unusable `!…`, argon2, bcrypt). */
  usable: boolean;
}

/** The parts of a Django PBKDF2 hash this runtime can check, or undefined (argon2, bcrypt, unusable `!…`). */
function parseDjangoPbkdf2(encoded: string) {
  const parts = encoded.split("$");
  const [algorithm = "", iterationsText, salt, expected] = parts;
  const digest = DJANGO_PBKDF2[algorithm];
  const iterations = Number(iterationsText);
  const sane = Number.isInteger(iterations) && iterations >= 1 && iterations <= MAX_LEGACY_ITERATIONS;
  if (parts.length !== 4 || !digest || !sane || !salt || !expected) return undefined;
  return { algorithm, digest, iterations, salt, expected };
}

/**
 * Whether a password can sign in to the account here: false for an account without a password (Django's
 * unusable `!…`, a social sign-up) and for a hash this runtime cannot check (argon2, bcrypt) — such
 * accounts sign in another way, or set a password through a reset.
 */
export function hasUsablePassword(encoded: string): boolean {
  return parseDjangoPbkdf2(encoded) !== undefined;
}

/**
 * Checks `password` against a stored hash: ours, or any PBKDF2 hash Django made (SHA-256 or SHA-1, at
 * any iteration count it has used). With no user it checks a decoy, so an unknown username costs what a
 * wrong password does; a hash that cannot be checked here (argon2, bcrypt, an unusable password) costs
 * the same work and never matches.
 */
export async function verifyPassword(password: string, encoded: string | undefined): Promise<PasswordCheck> {
  const parsed = parseDjangoPbkdf2(encoded ?? UNKNOWN_USER_HASH);
  if (!parsed) {
    await pbkdf2(password, "unusable", PBKDF2_ITERATIONS, "SHA-256");
    return { valid: false, needsRehash: false, usable: false };
  }
  const actual = bytesToBase64(await pbkdf2(password, parsed.salt, parsed.iterations, parsed.digest));
  const valid = timingSafeEqualStrings(actual, parsed.expected) && encoded !== undefined;
  const current = parsed.algorithm === ALGORITHM && parsed.iterations === PBKDF2_ITERATIONS;
  return { valid, needsRehash: valid && !current, usable: encoded !== undefined };
}
