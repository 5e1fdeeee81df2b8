import { bytesToBase64, bytesToBase64Url, randomBytes, timingSafeEqualStrings } from "../encoding";

/** Cloudflare's production runtime refuses PBKDF2 above 100,000 iterations (local workerd does not). */
export const PBKDF2_ITERATIONS = 100_000;
const ALGORITHM = "pbkdf2_sha256";
const encoder = new TextEncoder();

/** A hash of a random secret nobody knows: checked when the user does not exist, so both cost the same. */
const UNKNOWN_USER_HASH = "pbkdf2_sha256$100000$dMXod303MmMg7GgFOH1Trw$7hsyvwu/hQR708VDWMl8xxFikXKgtaTitor4NOWhbA8=";

async function pbkdf2(password: string, salt: string, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: encoder.encode(salt), iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/** Django's format, `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`, so hashes move between the systems. */
export async function hashPassword(password: string): Promise<string> {
  const salt = bytesToBase64Url(randomBytes(16));
  const hash = await pbkdf2(password, salt, PBKDF2_ITERATIONS);
  return `${ALGORITHM}$${PBKDF2_ITERATIONS}$${salt}$${bytesToBase64(hash)}`;
}

export interface PasswordCheck {
  valid: boolean;
  /** Stored with fewer iterations than we use now: worth re-hashing while we hold the password. */
  needsRehash: boolean;
}

/**
 * Checks `password` against a stored hash, or against a decoy when there is no user, so that an
 * unknown username costs the same hashing work as a wrong password.
 */
export async function verifyPassword(password: string, encoded: string | undefined): Promise<PasswordCheck> {
  const parts = (encoded ?? UNKNOWN_USER_HASH).split("$");
  const [algorithm, iterationsText, salt, expected] = parts;
  const iterations = Number(iterationsText);
  if (
    parts.length !== 4 ||
    algorithm !== ALGORITHM ||
    salt === undefined ||
    expected === undefined ||
    !Number.isInteger(iterations) ||
    iterations < 1 ||
    iterations > PBKDF2_ITERATIONS
  ) {
    // Hashes above the runtime's cap (e.g. Django's 600,000+) cannot be checked on Workers: the user
    // must reset the password. Spend the usual work anyway so the answer's timing says nothing.
    await pbkdf2(password, "unusable", PBKDF2_ITERATIONS);
    return { valid: false, needsRehash: false };
  }
  const actual = bytesToBase64(await pbkdf2(password, salt, iterations));
  const valid = timingSafeEqualStrings(actual, expected) && encoded !== undefined;
  return { valid, needsRehash: valid && iterations < PBKDF2_ITERATIONS };
}
