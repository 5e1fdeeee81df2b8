import { sql } from "drizzle-orm";
import type { ClientInfo } from "../client-info";
import type { Bindings, Deps } from "../env";
import { NonFieldError, PermissionDenied, TokenInvalid, ValidationError, type FieldErrors } from "../errors";
import { uniqueViolationTarget, type Database } from "../db/client";
import { users } from "../db/schema";
import { invalidateOneTimeTokens } from "../db/one-time-tokens";
import { insertSecurityEvent } from "../db/security-events";
import { revokeOtherSessions, revokeSession } from "../db/sessions";
import {
  findSessionUser,
  findTakenIdentifiers,
  findUserForLogin,
  insertUser,
  selectPlanOfUsername,
  updateUser,
  type UserChanges,
  type UserWithPlan,
} from "../db/users";
import type { UserUpdate } from "../schemas/user";
import { newEmailProblems } from "./email-rules";
import { hashPassword, verifyPassword } from "./password";
import type { Limiter } from "./rate-limit";
import { passwordProblems } from "./password-rules";
import { attributesOf, sendEmailChangedNotice, sendEmailVerification } from "./recovery";
import type { Principal } from "./principal";
import {
  INVALID_REFRESH,
  newSessionGrant,
  readRefreshToken,
  recordNewSession,
  signSessionTokens,
  type SessionTokens,
} from "./sessions";
import { readToken } from "./tokens";

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

export interface SignedIn {
  account: UserWithPlan;
  tokens: SessionTokens;
}

/**
 * Creates the user on the Free plan and, unless the address must be verified first, signs it in:
 * the user, its first session and the row we answer with land in one batch, or not at all.
 */
export async function registerUser(
  { db, config, clock }: Deps,
  input: { username: string; email: string; password1: string },
  client: ClientInfo,
): Promise<{ account: UserWithPlan; tokens?: SessionTokens }> {
  await assertIdentifiersFree(db, input);
  const passwordHash = await hashPassword(input.password1);
  const grant = newSessionGrant(config, clock.now());
  const signIn = config.emailVerification !== "mandatory";
  const newUser = insertUser(db, {
    username: input.username,
    email: input.email,
    passwordHash,
    dateJoined: grant.now,
    lastLogin: signIn ? grant.now : null,
  });
  const planOfNewUser = selectPlanOfUsername(db, input.username);
  const newUserId = sql`(select ${users.id} from ${users} where ${users.username} = ${input.username})`;
  const [[user], [plan]] = await withUniqueFieldErrors(async () => {
    if (!signIn) return db.batch([newUser, planOfNewUser]);
    const [inserted, , planRows] = await db.batch([
      newUser,
      recordNewSession(db, grant, newUserId, client),
      planOfNewUser,
    ]);
    return [inserted, planRows] as const;
  });
  if (!user) throw new Error("the inserted user was not returned");
  const account = { user, plan: plan ?? null };
  return signIn ? { account, tokens: await signSessionTokens(config, grant, user.id) } : { account };
}

const BAD_CREDENTIALS = "Unable to log in with provided credentials.";

export async function logIn(
  { db, config, clock }: Deps,
  credentials: { username?: string; email?: string; password: string },
  client: ClientInfo,
  limitAttempts: Limiter,
  options: { staffOnly?: boolean } = {},
): Promise<SignedIn> {
  const found = await findUserForLogin(db, credentials);
  // Counted on the account the lookup resolved (or, for no account, on what was typed).
  const typed = (credentials.username ?? credentials.email ?? "").normalize("NFKC").toLowerCase();
  await limitAttempts(found ? `user:${found.user.id}` : `unknown:${typed}`);
  // Always one hash: an unknown user costs what a wrong password costs, and gets the same answer.
  const check = await verifyPassword(credentials.password, found?.user.passwordHash);
  if (!found || !check.valid || !found.user.isActive) {
    const event = { userId: found?.user.id ?? null, type: "login_failed", client } as const;
    await insertSecurityEvent(db, event, clock.now()).run();
    throw new NonFieldError(BAD_CREDENTIALS);
  }
  // Said only to whoever knows the password, so it reveals nothing about which accounts exist.
  if (config.emailVerification === "mandatory" && !found.user.emailVerified) {
    throw new NonFieldError("E-mail is not verified.");
  }
  // The admin console signs in staff only: anyone else gets no session, and the refusal is recorded.
  if (options.staffOnly && !found.user.isStaff) {
    const event = { userId: found.user.id, type: "console_access_refused", client } as const;
    await insertSecurityEvent(db, event, clock.now()).run();
    throw new PermissionDenied("This account is not staff: it cannot use the admin console.");
  }
  const grant = newSessionGrant(config, clock.now());
  const changes: UserChanges = { lastLogin: grant.now };
  if (check.needsRehash) changes.passwordHash = await hashPassword(credentials.password);
  await db.batch([
    recordNewSession(db, grant, found.user.id, client),
    updateUser(db, found.user.id, changes),
    insertSecurityEvent(db, { userId: found.user.id, type: "login_succeeded", client }, grant.now),
  ]);
  return {
    account: { ...found, user: { ...found.user, ...changes } },
    tokens: await signSessionTokens(config, grant, found.user.id),
  };
}

/** Ends the session the refresh token belongs to: its refresh and access tokens stop working. */
export async function logOut(deps: Deps, refreshToken: string, client: ClientInfo): Promise<void> {
  const { db, clock } = deps;
  const claims = await readRefreshToken(deps, refreshToken);
  const now = clock.now();
  const ended = await revokeSession(db, { id: claims.sid, userId: claims.user_id }, "logout", now);
  if (!ended) throw new TokenInvalid("Token is blacklisted");
  await insertSecurityEvent(db, { userId: claims.user_id, type: "logged_out", client }, now).run();
}

/** simplejwt's verify: a well-signed, unexpired token of either type whose session is still live. */
export async function verifyAnyToken({ db, config, clock }: Deps, token: string): Promise<void> {
  const now = clock.now();
  const claims = await readToken(token, { secret: config.jwtSecret, type: "any", now }, INVALID_REFRESH);
  const live = await findSessionUser(db, { userId: claims.user_id, sessionId: claims.sid }, now);
  if (!live) throw new TokenInvalid(INVALID_REFRESH);
}

export async function changePassword(
  { db, config, clock }: Deps,
  principal: Principal,
  input: { old_password?: string; new_password1: string },
  client: ClientInfo,
): Promise<void> {
  const { user } = principal;
  const problems: FieldErrors = {};
  if (input.old_password === undefined && config.oldPasswordRequired) {
    problems.old_password = ["This field is required."];
  } else if (input.old_password !== undefined) {
    const check = await verifyPassword(input.old_password, user.passwordHash);
    if (!check.valid) problems.old_password = ["Your old password was entered incorrectly. Please enter it again."];
  }
  const rules = passwordProblems(input.new_password1, attributesOf(user));
  if (rules.length > 0) problems.new_password2 = rules;
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);
  const passwordHash = await hashPassword(input.new_password1);
  const now = clock.now();
  // The caller's own session survives; every other login of this user and every reset link end now.
  await db.batch([
    updateUser(db, user.id, { passwordHash }),
    revokeOtherSessions(db, user.id, principal.sessionId, "password_changed", now),
    invalidateOneTimeTokens(db, user.id, "password_reset", now),
    insertSecurityEvent(db, { userId: user.id, type: "password_changed", client }, now),
  ]);
}

export interface ProfileUpdate {
  account: UserWithPlan;
  /** Mail the change calls for (the old address told, or the new one asked to confirm), for after the answer. */
  followUp?: Promise<void>;
}

/**
 * Applies a profile edit. A new e-mail is a *pending* change while verification is optional or
 * mandatory: the account keeps its address until a link mailed to the new one is used, and the answer
 * never says whether the new one is taken. Without verification the address changes at once, the old
 * one is told, and every outstanding reset or verification link dies. Changes of username or e-mail
 * (each probes whether the value is taken) are limited per user.
 */
export async function updateProfile(
  deps: Deps,
  env: Bindings,
  principal: Principal,
  input: UserUpdate,
  client: ClientInfo,
  limitIdentifierChanges: Limiter,
): Promise<ProfileUpdate> {
  const { db, config, clock } = deps;
  const { user } = principal;
  const changes: UserChanges = {};
  if (input.username !== undefined && input.username !== user.username) changes.username = input.username;
  if (input.email !== undefined && input.email !== user.email) {
    const problems = newEmailProblems(input.email);
    if (problems.length > 0) throw new ValidationError({ email: problems });
    if (config.emailVerification === "none") {
      changes.email = input.email;
      changes.emailVerified = false;
    } else if (input.email !== user.pendingEmail) {
      changes.pendingEmail = input.email;
    }
  }
  if (input.first_name !== undefined) changes.firstName = input.first_name ?? "";
  if (input.last_name !== undefined) changes.lastName = input.last_name ?? "";
  if (input.date_of_birth !== undefined) changes.dateOfBirth = input.date_of_birth;
  if (Object.keys(changes).length === 0) return { account: principal };
  if (changes.username !== undefined || changes.email !== undefined || changes.pendingEmail !== undefined) {
    await limitIdentifierChanges(String(user.id));
  }
  if (changes.username !== undefined || changes.email !== undefined) {
    await assertIdentifiersFree(db, { username: changes.username, email: changes.email }, user.id);
  }
  const now = clock.now();
  const addressChange =
    changes.email === undefined
      ? []
      : [
          invalidateOneTimeTokens(db, user.id, "all", now),
          insertSecurityEvent(db, { userId: user.id, type: "email_changed", client }, now),
        ];
  const pending =
    changes.pendingEmail === undefined ? [] : [invalidateOneTimeTokens(db, user.id, "email_verification", now)];
  const [[updated]] = await withUniqueFieldErrors(() =>
    db.batch([updateUser(db, user.id, changes).returning(), ...addressChange, ...pending]),
  );
  if (!updated) throw new TokenInvalid();
  const account = { user: updated, plan: principal.plan };
  if (changes.email !== undefined) {
    return { account, followUp: sendEmailChangedNotice(deps, env, updated, { from: user.email, to: updated.email }) };
  }
  if (changes.pendingEmail)
    return { account, followUp: sendEmailVerification(deps, env, updated, changes.pendingEmail) };
  return { account };
}
