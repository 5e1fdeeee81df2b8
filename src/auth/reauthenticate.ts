import type { FieldErrors } from "../errors";
import type { UserRow } from "../db/schema";
import { verifyPassword } from "./password";

export const NO_USABLE_PASSWORD = "This account has no password: set one with a password reset first.";

/** What a signed-in user offers to prove, again, that they hold the account. */
export interface Proof {
  password?: string;
}

/**
 * Checks that the caller holds the account now, before a change that needs more than a session (a new
 * password, a second factor, deletion). Returns the problems by field, for the caller to report with
 * its own (empty: proven); `field` names the password field as the endpoint calls it. An account
 * without a usable password cannot prove itself with one.
 */
export async function reauthenticate(
  user: UserRow,
  proof: Proof,
  field = "password",
  wrong = "Your password was entered incorrectly. Please enter it again.",
): Promise<FieldErrors> {
  if (proof.password === undefined) return { [field]: ["This field is required."] };
  const check = await verifyPassword(proof.password, user.passwordHash);
  if (!check.usable) return { [field]: [NO_USABLE_PASSWORD] };
  return check.valid ? {} : { [field]: [wrong] };
}
