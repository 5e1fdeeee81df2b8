import type { ClientInfo } from "../client-info";
import { secondsAfter } from "../clock";
import type { Deps } from "../env";
import { NotFound, ValidationError } from "../errors";
import { uniqueViolationTarget, type Database } from "../db/client";
import {
  consumedInThisBatch,
  consumeOneTimeToken,
  insertOneTimeToken,
  invalidateOneTimeTokens,
  selectActiveTokenOwner,
  selectUsableToken,
  type TokenPurpose,
} from "../db/one-time-tokens";
import type { UserRow } from "../db/schema";
import { revokeAllSessions } from "../db/sessions";
import {
  findActiveUserByEmail,
  findUserAwaitingVerification,
  markEmailVerified,
  moveToPendingEmail,
  selectActiveUser,
  updateUser,
} from "../db/users";
import { insertSecurityEvent } from "../db/security-events";
import { bytesToBase64Url, randomBytes, sha256Hex } from "../encoding";
import { hashPassword } from "./password";
import { passwordProblems } from "./password-rules";

const INVALID_VALUE = ["Invalid value"];

/** Django's `urlsafe_base64_encode(force_bytes(pk))`: the id's digits, base64url without padding. */
export function uidFor(userId: number): string {
  return bytesToBase64Url(new TextEncoder().encode(String(userId)));
}

export function userIdFromUid(uid: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,24}$/.test(uid)) return undefined;
  try {
    const decoded = atob(uid.replace(/-/g, "+").replace(/_/g, "/"));
    return /^[1-9]\d{0,15}$/.test(decoded) ? Number(decoded) : undefined;
  } catch {
    return undefined;
  }
}

/** A fresh random token: the caller gets it once (in an email); only its hash is stored. */
async function newOneTimeToken(
  db: Database,
  now: Date,
  token: { userId: number; purpose: TokenPurpose; email: string; lifetimeSeconds: number },
) {
  const secret = bytesToBase64Url(randomBytes(32));
  const insert = insertOneTimeToken(db, {
    tokenHash: await sha256Hex(secret),
    userId: token.userId,
    purpose: token.purpose,
    email: token.email,
    createdAt: now,
    expiresAt: secondsAfter(now, token.lifetimeSeconds),
  });
  return { token: secret, insert };
}

/** A message to `user` at `to`: the greeting, then `lines`. */
export function mailUser({ mailer }: Deps, user: UserRow, to: string, subject: string, lines: string[]) {
  return mailer.send({ to, subject, text: [`Hello ${user.username},`, "", ...lines].join("\n") });
}

/** Tokens name the address they were mailed to; they are good only while it is still that user's. */
function sameAddress(a: string | null | undefined, b: string | null | undefined): boolean {
  return typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();
}

/**
 * Mails a reset link to an active user with that address. Unknown addresses get no mail and no
 * error: the caller answers the same either way (and does this after answering, so timing agrees).
 */
export async function requestPasswordReset(deps: Deps, email: string, client: ClientInfo): Promise<void> {
  const user = await findActiveUserByEmail(deps.db, email);
  if (user) await mailPasswordReset(deps, user, client);
}

/** Mails `user` a one-time link to choose a new password (and records that one was asked for). */
export async function mailPasswordReset(deps: Deps, user: UserRow, client: ClientInfo): Promise<void> {
  const { db, config, clock } = deps;
  const now = clock.now();
  const { token, insert } = await newOneTimeToken(db, now, {
    userId: user.id,
    purpose: "password_reset",
    email: user.email,
    lifetimeSeconds: config.passwordResetLifetime,
  });
  await db.batch([insert, insertSecurityEvent(db, { userId: user.id, type: "password_reset_requested", client }, now)]);
  const link = `${config.frontend.passwordResetUrl}?uid=${uidFor(user.id)}&token=${token}`;
  await mailUser(deps, user, user.email, "Reset your password", [
    "Someone asked to reset the password of your account. To choose a new one, open:",
    link,
    "",
    `The link works once, for ${Math.round(config.passwordResetLifetime / 60)} minutes. If you did not ask, ignore this email.`,
  ]);
}

/**
 * Sets the new password if the uid/token pair is good: the token is consumed, every session of the
 * user ends and every other reset link dies — all in one batch, each write conditioned on this
 * request having consumed the token, so a race or a failure changes nothing.
 */
export async function confirmPasswordReset(
  { db, clock }: Deps,
  input: { uid: string; token: string; new_password1: string },
  client: ClientInfo,
): Promise<void> {
  const userId = userIdFromUid(input.uid);
  if (userId === undefined) throw new ValidationError({ uid: INVALID_VALUE });
  const now = clock.now();
  const tokenHash = await sha256Hex(input.token);
  const [[user], [token]] = await db.batch([
    selectActiveUser(db, userId),
    selectUsableToken(db, tokenHash, "password_reset", now),
  ]);
  if (!user) throw new ValidationError({ uid: INVALID_VALUE });
  // A link mailed to an address the account no longer has is dead (Django ties reset tokens to the e-mail).
  if (token?.userId !== user.id || !sameAddress(token.email, user.email)) {
    throw new ValidationError({ token: INVALID_VALUE });
  }
  const problems = passwordProblems(input.new_password1, attributesOf(user));
  if (problems.length > 0) throw new ValidationError({ new_password2: problems });
  const passwordHash = await hashPassword(input.new_password1);
  const consumedHere = consumedInThisBatch(db, tokenHash, now);
  const [consumed] = await db.batch([
    consumeOneTimeToken(db, tokenHash, "password_reset", now),
    updateUser(db, user.id, { passwordHash }, consumedHere),
    revokeAllSessions(db, user.id, "password_reset", now, consumedHere),
  ]);
  if (consumed.meta.changes === 0) throw new ValidationError({ token: INVALID_VALUE });
  await db.batch([
    invalidateOneTimeTokens(db, user.id, "password_reset", now),
    insertSecurityEvent(db, { userId: user.id, type: "password_reset_completed", client }, now),
  ]);
}

export function attributesOf(user: UserRow) {
  return { username: user.username, email: user.email, first_name: user.firstName, last_name: user.lastName };
}

/** Mails a link that confirms the user owns `address` (the account's, or the one it asked to move to). */
export async function sendEmailVerification(deps: Deps, user: UserRow, address: string = user.email): Promise<void> {
  const { token, insert } = await newOneTimeToken(deps.db, deps.clock.now(), {
    userId: user.id,
    purpose: "email_verification",
    email: address,
    lifetimeSeconds: deps.config.emailVerificationLifetime,
  });
  await insert.run();
  await mailUser(deps, user, address, "Confirm your e-mail address", [
    "Please confirm this is your e-mail address by opening:",
    `${deps.config.frontend.emailVerificationUrl}?key=${token}`,
  ]);
}

/** Tells the address an account had that it has another one now. */
export async function sendEmailChangedNotice(deps: Deps, user: UserRow, change: EmailChange) {
  await mailUser(deps, user, change.from, "Your e-mail address was changed", [
    `The e-mail address of your account was changed from ${change.from} to ${change.to}.`,
    "If you did not do this, reset your password at once and contact us.",
  ]);
}

export interface EmailChange {
  from: string;
  to: string;
}

/**
 * dj-rest-auth's resend: always the same answer (given before this runs); an unverified address of an
 * active user, or an address a user asked to move to, gets a fresh link.
 */
export async function resendEmailVerification(deps: Deps, email: string) {
  const user = await findUserAwaitingVerification(deps.db, email);
  if (user) await sendEmailVerification(deps, user, sameAddress(user.pendingEmail, email) ? email : user.email);
}

/**
 * Consumes a verification key. It verifies exactly the address it was mailed to: the account's own
 * (now verified), or the one the account asked to move to (now its address: every other link of the
 * account dies, and the old address is told). A key for any other address — one the account has
 * since left — is a 404, like an unknown, used or expired key (dj-rest-auth).
 */
export async function verifyEmail(deps: Deps, key: string, client: ClientInfo): Promise<EmailChange | undefined> {
  const { db, clock } = deps;
  const now = clock.now();
  const tokenHash = await sha256Hex(key);
  // The key and its (active) owner in one round trip; a deactivated account verifies nothing.
  const [[token], [user]] = await db.batch([
    selectUsableToken(db, tokenHash, "email_verification", now),
    selectActiveTokenOwner(db, tokenHash),
  ]);
  if (!token || !user) throw new NotFound();
  const consumedHere = consumedInThisBatch(db, tokenHash, now);
  if (sameAddress(token.email, user.email)) {
    const [consumed] = await db.batch([
      consumeOneTimeToken(db, tokenHash, "email_verification", now),
      markEmailVerified(db, user.id, user.email, consumedHere),
      insertSecurityEvent(db, { userId: user.id, type: "email_verified", client }, now),
    ]);
    if (consumed.meta.changes === 0) throw new NotFound();
    return undefined;
  }
  if (!sameAddress(token.email, user.pendingEmail) || !user.pendingEmail) throw new NotFound();
  const to = user.pendingEmail;
  const [consumed] = await moveToAddress(() =>
    db.batch([
      consumeOneTimeToken(db, tokenHash, "email_verification", now),
      moveToPendingEmail(db, user.id, to, consumedHere),
      invalidateOneTimeTokens(db, user.id, "all", now),
      insertSecurityEvent(db, { userId: user.id, type: "email_changed", client }, now),
    ]),
  );
  if (consumed.meta.changes === 0) throw new NotFound();
  const change = { from: user.email, to };
  await sendEmailChangedNotice(deps, { ...user, email: to, pendingEmail: null }, change);
  return change;
}

/** The address may have been taken by another account since the change was asked for. */
async function moveToAddress<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (uniqueViolationTarget(error) === undefined) throw error;
    throw new ValidationError({ key: ["A user is already registered with this e-mail address."] });
  }
}
