import { z } from "zod";
import { hashPassword } from "../auth/password";
import { passwordProblems } from "../auth/password-rules";
import { usernameKey } from "../db/users";
import { email, username } from "../schemas/fields";

/**
 * What `npm run createsuperuser` (scripts/createsuperuser.mjs, in Node) needs from the worker's own
 * code, so a staff account is checked and hashed exactly as a registration would be: the username and
 * e-mail rules, the password rules, and the password hash.
 */
const identitySchema = z.object({ username: username(), email: email() });

export function checkIdentity(input: { username: string; email: string }) {
  const parsed = identitySchema.safeParse(input);
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`) };
  return { username: parsed.data.username, usernameKey: usernameKey(parsed.data.username), email: parsed.data.email };
}

export async function hashNewPassword(password: string, user: { username: string; email: string }) {
  const problems = passwordProblems(password, user);
  if (problems.length > 0) return { problems };
  return { passwordHash: await hashPassword(password) };
}
