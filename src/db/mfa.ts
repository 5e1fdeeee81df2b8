import { and, count, eq, gt, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { AuthMethod } from "../auth/tokens";
import type { Database } from "./client";
import { passkeys, pendingSignIns, recoveryCodes, totpAuthenticators, users } from "./schema";

/** A wrong code more than this many times kills the sign-in waiting for it. */
export const MAX_SECOND_FACTOR_ATTEMPTS = 5;

export function selectTotp(db: Database, userId: number) {
  return db.select().from(totpAuthenticators).where(eq(totpAuthenticators.userId, userId));
}

/**
 * Whether a second sign-in step is on for the user (a confirmed authenticator, or a passkey): an
 * expression for a query on users, so the login's own lookup says it (no extra round trip).
 */
export const hasSecondFactor =
  sql<number>`(exists (select 1 from ${totpAuthenticators} where ${totpAuthenticators.userId} = ${users.id} and ${totpAuthenticators.confirmedAt} is not null) or exists (select 1 from ${passkeys} where ${passkeys.userId} = ${users.id}))`.mapWith(
    Boolean,
  );

export function countUnusedRecoveryCodes(db: Database, userId: number) {
  return db
    .select({ remaining: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
}

/** What the account page and `GET /auth/mfa/` show, in one batch: the authenticator, codes left, passkeys. */
export async function readMfaState(db: Database, userId: number) {
  const [[totp], [codes], [keys]] = await db.batch([
    selectTotp(db, userId),
    countUnusedRecoveryCodes(db, userId),
    db.select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId)),
  ]);
  return { totp, remainingRecoveryCodes: codes?.remaining ?? 0, passkeys: keys?.n ?? 0 };
}

/** A new pending secret, replacing a pending one; a confirmed authenticator is left alone (no row changes). */
export function savePendingTotp(db: Database, userId: number, encryptedSecret: string, now: Date) {
  return db
    .insert(totpAuthenticators)
    .values({ userId, encryptedSecret, createdAt: now })
    .onConflictDoUpdate({
      target: totpAuthenticators.userId,
      set: { encryptedSecret, createdAt: now, lastUsedStep: null },
      setWhere: isNull(totpAuthenticators.confirmedAt),
    });
}

/**
 * Accepts a code's time step once: compare-and-swap on the last used step, so a replay (or an older
 * code, or a concurrent use of the same one) changes no row. With `confirm`, it also turns the pending
 * authenticator on; without, it applies to a confirmed one only.
 */
export function useTotpStep(db: Database, userId: number, step: number, confirm?: Date) {
  return db
    .update(totpAuthenticators)
    .set(confirm ? { lastUsedStep: step, confirmedAt: confirm } : { lastUsedStep: step })
    .where(
      and(
        eq(totpAuthenticators.userId, userId),
        confirm ? isNull(totpAuthenticators.confirmedAt) : isNotNull(totpAuthenticators.confirmedAt),
        or(isNull(totpAuthenticators.lastUsedStep), lt(totpAuthenticators.lastUsedStep, step)),
      ),
    );
}

/** Uses a recovery code of the user, once: compare-and-swap on `used_at`. */
export function useRecoveryCode(db: Database, userId: number, codeHash: string, now: Date) {
  return db
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(recoveryCodes.codeHash, codeHash), eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
}

/** True once the pending authenticator was confirmed at `now` (earlier in the batch): the condition of what follows. */
export function totpConfirmedAt(db: Database, userId: number, now: Date) {
  return sql`exists (select 1 from ${totpAuthenticators} where ${totpAuthenticators.userId} = ${userId} and ${totpAuthenticators.confirmedAt} = ${now.getTime()})`;
}

/** Deletes the user's recovery codes if the statement just before changed no row (a confirmation that failed). */
export function deleteRecoveryCodesIfNothingChanged(db: Database, userId: number) {
  return db.delete(recoveryCodes).where(and(eq(recoveryCodes.userId, userId), sql`changes() = 0`));
}

/** The user's recovery codes replaced by these (for the caller's batch). */
export function replaceRecoveryCodes(db: Database, userId: number, codeHashes: string[], now: Date) {
  return [
    db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
    db.insert(recoveryCodes).values(codeHashes.map((codeHash) => ({ codeHash, userId, createdAt: now }))),
  ] as const;
}

/** Two-factor sign-in off: the authenticator and every recovery code deleted (for the caller's batch). */
export function deleteSecondFactors(db: Database, userId: number) {
  return [
    db.delete(totpAuthenticators).where(eq(totpAuthenticators.userId, userId)),
    db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
  ] as const;
}

export function insertPendingSignIn(
  db: Database,
  pending: { tokenHash: string; userId: number; amr: AuthMethod[]; now: Date; expiresAt: Date },
) {
  const { now, ...fields } = pending;
  return db.insert(pendingSignIns).values({ ...fields, createdAt: now });
}

const usablePending = (tokenHash: string, now: Date) =>
  and(
    eq(pendingSignIns.tokenHash, tokenHash),
    isNull(pendingSignIns.usedAt),
    gt(pendingSignIns.expiresAt, now),
    lt(pendingSignIns.failedAttempts, MAX_SECOND_FACTOR_ATTEMPTS),
  );

/** A sign-in waiting for its second factor, while unused, unexpired and under the attempt limit. */
export function selectPendingSignIn(db: Database, tokenHash: string, now: Date) {
  return db.select().from(pendingSignIns).where(usablePending(tokenHash, now)).get();
}

/** A wrong code counted against the pending sign-in (the fifth kills it). */
export function countFailedAttempt(db: Database, tokenHash: string, now: Date) {
  return db
    .update(pendingSignIns)
    .set({ failedAttempts: sql`${pendingSignIns.failedAttempts} + 1` })
    .where(usablePending(tokenHash, now));
}

/** The pending sign-in used, once (compare-and-swap): two racing completions cannot both start a session. */
export function consumePendingSignIn(db: Database, tokenHash: string, now: Date) {
  return db.update(pendingSignIns).set({ usedAt: now }).where(usablePending(tokenHash, now));
}
