import { bytesToHex, hmacSha256Key, timingSafeEqualStrings } from "../encoding";

/** Stripe's default: a signature more than five minutes from now is refused (replays). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const key = await hmacSha256Key(secret);
  return bytesToHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message))));
}

/**
 * Checks a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`) against the raw body: HMAC-SHA256 of
 * `t.body` with the endpoint secret, any `v1` may match (several during a secret roll), compared in
 * constant time, and `t` within the tolerance.
 */
export async function isValidStripeSignature(
  rawBody: string,
  header: string | undefined,
  secret: string,
  nowSeconds: number,
): Promise<boolean> {
  if (!header) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const [key, value] = part.split("=", 2).map((s) => s.trim());
    if (key === "t" && value && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === "v1" && value) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  if (Math.abs(nowSeconds - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = await hmacSha256Hex(secret, `${timestamp}.${rawBody}`);
  let matched = false;
  // Compare against every candidate (no early exit), so timing says nothing about which matched.
  for (const signature of signatures) matched = timingSafeEqualStrings(signature, expected) || matched;
  return matched;
}
