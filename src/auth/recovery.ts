import { and, eq, exists, isNull, sql } from "drizzle-orm";
import type { ClientInfo } from "../client-info";
import { secondsAfter } from "../clock";
import type { Bindings, Deps } from "../env";
import { NotFound, ValidationError } from "../errors";
import type { Database } from "../db/client";
import {
  consumeOneTimeToken,
  insertOneTimeToken,
  invalidateOneTimeTokens,
  selectUsableToken,
  type TokenPurpose,
} from "../db/one-time-tokens";
import { oneTimeTokens, sessions, users, type UserRow } from "../db/schema";
import { insertSecurityEvent } from "../db/security-events";
import { sendMail } from "../mail/mailer";
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
  token: { userId: number; purpose: TokenPurpose; lifetimeSeconds: number },
) {
  const secret = bytesToBase64Url(randomBytes(32));
  const insert = insertOneTimeToken(db, {
    tokenHash: await sha256Hex(secret),
    userId: token.userId,
    purpose: token.purpose,
    createdAt: now,
    expiresAt: secondsAfter(now, token.lifetimeSeconds),
  });
  return { token: secret, insert };
}

function findActiveUserByEmail(db: Database, email: string) {
  return db
    .select()
    .from(users)
    .where(and(eq(sql`lower(${users.email})`, email.toLowerCase()), eq(users.isActive, true)))
    .get();
}

/**
 * Mails a reset link to an active user with that address. Unknown addresses get no mail and no
 * error: the caller answers the same either way (and does this after answering, so timing agrees).
 */
export async function requestPasswordReset(
  deps: Deps,
  env: Bindings,
  email: string,
  client: ClientInfo,
): Promise<void> {
  const { db, config, clock } = deps;
  const user = await findActiveUserByEmail(db, email);
  if (!user) return;
  const now = clock.now();
  const { token, insert } = await newOneTimeToken(db, now, {
    userId: user.id,
    purpose: "password_reset",
    lifetimeSeconds: config.passwordResetLifetime,
  });
  await db.batch([insert, insertSecurityEvent(db, { userId: user.id, type: "password_reset_requested", client }, now)]);
  const link = `${config.frontend.passwordResetUrl}?uid=${uidFor(user.id)}&token=${token}`;
  await sendMail(deps, env, {
    to: user.email,
    subject: "Reset your password",
    text: [
      `Hello ${user.username},`,
      "",
      "Someone asked to reset the password of your account. To choose a new one, open:",
      link,
      "",
      `The link works once, for ${Math.round(config.passwordResetLifetime / 60)} minutes. If you did not ask, ignore this email.`,
    ].join("\n"),
  });
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
    db
      .select()
      .from(users)
      .where(and(eq(users.id, userId), eq(users.isActive, true))),
    selectUsableToken(db, tokenHash, "password_reset", now),
  ]);
  if (!user) throw new ValidationError({ uid: INVALID_VALUE });
  if (token?.userId !== user.id) throw new ValidationError({ token: INVALID_VALUE });
  const problems = passwordProblems(input.new_password1, attributesOf(user));
  if (problems.length > 0) throw new ValidationError({ new_password2: problems });
  const passwordHash = await hashPassword(input.new_password1);
  const consumedHere = exists(
    db
      .select({ one: sql`1` })
      .from(oneTimeTokens)
      .where(and(eq(oneTimeTokens.tokenHash, tokenHash), eq(oneTimeTokens.usedAt, now))),
  );
  const [consumed] = await db.batch([
    consumeOneTimeToken(db, tokenHash, "password_reset", now),
    db
      .update(users)
      .set({ passwordHash })
      .where(and(eq(users.id, user.id), consumedHere)),
    db
      .update(sessions)
      .set({ revokedAt: now, revokedReason: "password_reset" })
      .where(and(eq(sessions.userId, user.id), isNull(sessions.revokedAt), consumedHere)),
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

/** Mails a link that confirms the user owns the address. */
export async function sendEmailVerification(deps: Deps, env: Bindings, user: UserRow): Promise<void> {
  const { token, insert } = await newOneTimeToken(deps.db, deps.clock.now(), {
    userId: user.id,
    purpose: "email_verification",
    lifetimeSeconds: deps.config.emailVerificationLifetime,
  });
  await insert.run();
  await sendMail(deps, env, {
    to: user.email,
    subject: "Confirm your e-mail address",
    text: [
      `Hello ${user.username},`,
      "",
      "Please confirm this is your e-mail address by opening:",
      `${deps.config.frontend.emailVerificationUrl}?key=${token}`,
    ].join("\n"),
  });
}

/** dj-rest-auth's resend: always the same answer; only an unverified, active user gets mail. */
export async function resendEmailVerification(deps: Deps, env: Bindings, email: string) {
  const user = await findActiveUserByEmail(deps.db, email);
  if (user && !user.emailVerified) await sendEmailVerification(deps, env, user);
}

/** Consumes a verification key; an unknown, used or expired key is a 404, as in dj-rest-auth. */
export async function verifyEmail({ db, clock }: Deps, key: string, client: ClientInfo): Promise<void> {
  const now = clock.now();
  const tokenHash = await sha256Hex(key);
  const ownerOfKey = db
    .select({ userId: oneTimeTokens.userId })
    .from(oneTimeTokens)
    .where(and(eq(oneTimeTokens.tokenHash, tokenHash), eq(oneTimeTokens.usedAt, now)));
  const [consumed, verified] = await db.batch([
    consumeOneTimeToken(db, tokenHash, "email_verification", now),
    db
      .update(users)
      .set({ emailVerified: true })
      .where(eq(users.id, sql`(${ownerOfKey})`))
      .returning({ id: users.id }),
  ]);
  const user = verified[0];
  if (consumed.meta.changes === 0 || !user) throw new NotFound();
  await insertSecurityEvent(db, { userId: user.id, type: "email_verified", client }, now).run();
}
