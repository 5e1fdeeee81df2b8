import { and, eq, exists, gt, isNull, sql, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import { oneTimeTokens, users } from "./schema";

export type TokenPurpose = (typeof oneTimeTokens.$inferSelect)["purpose"];

export function insertOneTimeToken(db: Database, token: typeof oneTimeTokens.$inferInsert) {
  return db.insert(oneTimeTokens).values(token);
}

const usable = (tokenHash: string, purpose: TokenPurpose, now: Date) =>
  and(
    eq(oneTimeTokens.tokenHash, tokenHash),
    eq(oneTimeTokens.purpose, purpose),
    isNull(oneTimeTokens.usedAt),
    gt(oneTimeTokens.expiresAt, now),
  );

/**
 * The user a token was issued to and the address it was mailed to, if it is unused and unexpired (a
 * read; see `consumeOneTimeToken`).
 */
export function selectUsableToken(db: Database, tokenHash: string, purpose: TokenPurpose, now: Date) {
  return db
    .select({ userId: oneTimeTokens.userId, email: oneTimeTokens.email })
    .from(oneTimeTokens)
    .where(usable(tokenHash, purpose, now));
}

/** Compare-and-swap: marks the token used only if it still was usable; `changes` says who won. */
export function consumeOneTimeToken(db: Database, tokenHash: string, purpose: TokenPurpose, now: Date) {
  return db
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(usable(tokenHash, purpose, now));
}

/**
 * Every outstanding token of that purpose (or of every purpose) stops working: reset links after a
 * password change, every link once the account's address changes.
 */
export function invalidateOneTimeTokens(db: Database, userId: number, purpose: TokenPurpose | "all", now: Date) {
  const ofPurpose = purpose === "all" ? undefined : eq(oneTimeTokens.purpose, purpose);
  return db
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(and(eq(oneTimeTokens.userId, userId), ofPurpose, isNull(oneTimeTokens.usedAt)));
}

/**
 * True once this very request consumed the token (`consumeOneTimeToken` with the same `now` ran earlier
 * in the batch): the condition of the writes that go with consuming it, so a lost race writes nothing.
 */
export function consumedInThisBatch(db: Database, tokenHash: string, now: Date): SQL {
  return exists(
    db
      .select({ one: sql`1` })
      .from(oneTimeTokens)
      .where(and(eq(oneTimeTokens.tokenHash, tokenHash), eq(oneTimeTokens.usedAt, now))),
  );
}

/** The active user a token was issued to (single-table, for the batch that reads the token too). */
export function selectActiveTokenOwner(db: Database, tokenHash: string) {
  const owner = sql`(select ${oneTimeTokens.userId} from ${oneTimeTokens} where ${oneTimeTokens.tokenHash} = ${tokenHash})`;
  return db
    .select()
    .from(users)
    .where(and(eq(users.id, owner), eq(users.isActive, true)));
}
