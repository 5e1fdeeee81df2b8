import type { ClientInfo } from "../client-info";
import type { Deps } from "../env";
import { NonFieldError, TokenInvalid, ValidationError, type FieldErrors } from "../errors";
import { invalidateOneTimeTokens } from "../db/one-time-tokens";
import { insertSecurityEvent } from "../db/security-events";
import { revokeOtherSessions, revokeSession } from "../db/sessions";
import { findSessionUser, findUserForLogin, updateUser, type UserChanges, type UserWithPlan } from "../db/users";
import type { UserUpdate } from "../schemas/user";
import { createAccount } from "../accounts/create";
import { assertIdentifiersFree, withUniqueFieldErrors } from "../accounts/identifiers";
import { newEmailProblems } from "./email-rules";
import { hashPassword, verifyPassword } from "./password";
import type { Limiter } from "./rate-limit";
import { passwordProblems } from "./password-rules";
import { reauthenticate } from "./reauthenticate";
import { attributesOf, sendEmailChangedNotice, sendEmailVerification } from "./recovery";
import type { Principal } from "./principal";
import { INVALID_REFRESH, readRefreshToken, type SessionTokens } from "./sessions";
import { beginSignIn, type SignInOutcome } from "./mfa/sign-in-step";
import { startSession, type VerifiedUser } from "./sign-in";
import { readToken } from "./tokens";

/**
 * Creates the account (on the Free plan, see `createAccount`) and, unless its address must be verified
 * first, signs it in through the one session seam.
 */
export async function registerUser(
  deps: Deps,
  input: { username: string; email: string; password1: string },
  client: ClientInfo,
): Promise<{ account: UserWithPlan; tokens?: SessionTokens }> {
  const account = await createAccount(deps, {
    username: input.username,
    email: input.email,
    password: input.password1,
  });
  if (deps.config.emailVerification === "mandatory") return { account };
  return startSession(deps, { account, amr: ["pwd"], event: null }, client);
}

const BAD_CREDENTIALS = "Unable to log in with provided credentials.";

/**
 * Finds the account a login names and checks its password: the account and `pwd`, for the session seam
 * (or, for the console, a staff check first). An unknown user costs one hash, like a wrong password,
 * and gets the same answer; so do an inactive user and an account without a usable password.
 */
export async function verifyPasswordSignIn(
  { db, clock }: Deps,
  credentials: { username?: string; email?: string; password: string },
  client: ClientInfo,
  limitAttempts: Limiter,
): Promise<VerifiedUser> {
  const found = await findUserForLogin(db, credentials);
  // Counted on the account the lookup resolved (or, for no account, on what was typed).
  const typed = (credentials.username ?? credentials.email ?? "").normalize("NFKC").toLowerCase();
  await limitAttempts(found ? `user:${found.user.id}` : `unknown:${typed}`);
  const check = await verifyPassword(credentials.password, found?.user.passwordHash);
  if (!found || !check.valid || !found.user.isActive) {
    const event = { userId: found?.user.id ?? null, type: "login_failed", client } as const;
    await insertSecurityEvent(db, event, clock.now()).run();
    throw new NonFieldError(BAD_CREDENTIALS);
  }
  const userChanges: UserChanges = check.needsRehash ? { passwordHash: await hashPassword(credentials.password) } : {};
  const account = { user: found.user, plan: found.plan };
  return { account, amr: ["pwd"], event: "login_succeeded", userChanges, secondFactor: found.secondFactor };
}

/** A password login: the credentials checked, then a session started (or, with a second factor on, its step). */
export async function logIn(
  deps: Deps,
  credentials: { username?: string; email?: string; password: string },
  client: ClientInfo,
  limitAttempts: Limiter,
): Promise<SignInOutcome> {
  return beginSignIn(deps, await verifyPasswordSignIn(deps, credentials, client, limitAttempts), client);
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
export async function verifyAnyToken({ db, tokens, clock }: Deps, token: string): Promise<void> {
  const now = clock.now();
  const claims = await readToken(token, { keys: tokens, type: "any", now }, INVALID_REFRESH);
  const live = await findSessionUser(db, { userId: claims.user_id, sessionId: claims.sid }, now);
  if (!live) throw new TokenInvalid(INVALID_REFRESH);
}

/** Django's message for a wrong `old_password`. */
const WRONG_OLD_PASSWORD = "Your old password was entered incorrectly. Please enter it again.";

export async function changePassword(
  { db, config, clock }: Deps,
  principal: Principal,
  input: { old_password?: string; new_password1: string },
  client: ClientInfo,
): Promise<void> {
  const { user } = principal;
  const problems: FieldErrors =
    input.old_password !== undefined || config.oldPasswordRequired
      ? await reauthenticate(user, { password: input.old_password }, "old_password", WRONG_OLD_PASSWORD)
      : {};
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
    return { account, followUp: sendEmailChangedNotice(deps, updated, { from: user.email, to: updated.email }) };
  }
  if (changes.pendingEmail) return { account, followUp: sendEmailVerification(deps, updated, changes.pendingEmail) };
  return { account };
}
