import { COMMON_PASSWORDS } from "./common-passwords";

export const MIN_PASSWORD_LENGTH = 8;
const MAX_SIMILARITY = 0.7;

export interface UserAttributes {
  username?: string | null;
  email?: string | null;
  first_name?: string | null;
  last_name?: string | null;
}

const ATTRIBUTE_NAMES: Record<keyof UserAttributes, string> = {
  username: "username",
  email: "email address",
  first_name: "first name",
  last_name: "last name",
};

/** Python's `SequenceMatcher.quick_ratio()`: an upper bound on similarity from shared characters. */
function quickRatio(a: string, b: string): number {
  const available = new Map<string, number>();
  for (const ch of b) available.set(ch, (available.get(ch) ?? 0) + 1);
  let matches = 0;
  for (const ch of a) {
    const left = available.get(ch) ?? 0;
    if (left > 0) {
      available.set(ch, left - 1);
      matches++;
    }
  }
  const total = a.length + b.length;
  return total === 0 ? 1 : (2 * matches) / total;
}

function similarAttribute(password: string, user: UserAttributes): string | undefined {
  const lowered = password.toLowerCase();
  for (const [attribute, label] of Object.entries(ATTRIBUTE_NAMES)) {
    const value = user[attribute as keyof UserAttributes];
    if (!value) continue;
    const valueLower = value.toLowerCase();
    for (const part of [...valueLower.split(/\W+/), valueLower]) {
      // Django skips parts far shorter than the password: a long password is not "similar" to "al".
      const exceedsLengthRatio =
        lowered.length >= 10 * part.length && part.length < (MAX_SIMILARITY / 2) * lowered.length;
      if (!exceedsLengthRatio && quickRatio(lowered, part) >= MAX_SIMILARITY) return label;
    }
  }
  return undefined;
}

/** Django's four default validators, in Django's order and with its messages. Empty when acceptable. */
export function passwordProblems(password: string, user: UserAttributes): string[] {
  const problems: string[] = [];
  const similar = similarAttribute(password, user);
  if (similar) problems.push(`The password is too similar to the ${similar}.`);
  if (password.length < MIN_PASSWORD_LENGTH) {
    problems.push(`This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (COMMON_PASSWORDS.has(password.toLowerCase().trim())) problems.push("This password is too common.");
  if (/^\d+$/.test(password)) problems.push("This password is entirely numeric.");
  return problems;
}
