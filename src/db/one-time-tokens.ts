import { and, eq, gt, isNull } from "drizzle-orm";
import type { Database } from "./client";
import { oneTimeTokens } from "./schema";

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
