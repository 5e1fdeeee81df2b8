import type { Database } from "../db/client";
import { uniqueViolationTarget } from "../db/client";
import { findTakenIdentifiers } from "../db/users";
import { ValidationError } from "../errors";

const TAKEN_MESSAGES = {
  username: "A user with that username already exists.",
  email: "A user is already registered with this e-mail address.",
} as const;

function takenError(fields: Array<keyof typeof TAKEN_MESSAGES>): ValidationError {
  return new ValidationError(Object.fromEntries(fields.map((field) => [field, [TAKEN_MESSAGES[field]]])));
}

/** Checked first for a clear answer naming every taken field; the unique indexes settle races. */
export async function assertIdentifiersFree(
  db: Database,
  candidate: { username?: string; email?: string },
  userId?: number,
) {
  const taken = await findTakenIdentifiers(db, candidate, userId);
  const fields = (["username", "email"] as const).filter((field) => taken[field]);
  if (fields.length > 0) throw takenError(fields);
}

function takenField(target: string | undefined): keyof typeof TAKEN_MESSAGES | undefined {
  if (target === "users.username" || target === "users.username_key") return "username";
  if (target === "users.email" || target === "index 'users_email_lower_unique'") return "email";
  return undefined;
}

/** Runs a write; a UNIQUE violation from a concurrent request becomes the same 400 as the pre-check. */
export async function withUniqueFieldErrors<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const field = takenField(uniqueViolationTarget(error));
    if (field) throw takenError([field]);
    throw error;
  }
}
