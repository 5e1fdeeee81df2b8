import { and, count, eq, gt, isNull, ne, sql } from "drizzle-orm";
import type { Database } from "./client";
import { passkeys, plans, users, webauthnChallenges, type PasskeyRow } from "./schema";

export type ChallengePurpose = (typeof webauthnChallenges.$inferSelect)["purpose"];

export function insertChallenge(db: Database, challenge: typeof webauthnChallenges.$inferInsert) {
  return db.insert(webauthnChallenges).values(challenge);
}

/**
 * Uses an issued challenge, once: compare-and-swap on `used_at`, only for its purpose, its user (or none,
 * for a sign-in) and its pending sign-in, while unexpired. A row comes back when this statement used it.
 */
export function useChallenge(
  db: Database,
  challenge: { hash: string; purpose: ChallengePurpose; userId: number | null; pendingSignIn?: string },
  now: Date,
) {
  return db
    .update(webauthnChallenges)
    .set({ usedAt: now })
    .where(
      and(
        eq(webauthnChallenges.challengeHash, challenge.hash),
        eq(webauthnChallenges.purpose, challenge.purpose),
        challenge.userId === null ? isNull(webauthnChallenges.userId) : eq(webauthnChallenges.userId, challenge.userId),
        challenge.pendingSignIn === undefined
          ? isNull(webauthnChallenges.pendingSignIn)
          : eq(webauthnChallenges.pendingSignIn, challenge.pendingSignIn),
        isNull(webauthnChallenges.usedAt),
        gt(webauthnChallenges.expiresAt, now),
      ),
    )
    .returning({ hash: webauthnChallenges.challengeHash });
}

export function listPasskeys(db: Database, userId: number) {
  return db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(passkeys.createdAt);
}

export function insertPasskey(db: Database, passkey: typeof passkeys.$inferInsert) {
  return db.insert(passkeys).values(passkey).returning();
}

export function selectPasskey(db: Database, userId: number, id: string) {
  return db
    .select()
    .from(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .get();
}

export function renamePasskey(db: Database, userId: number, id: string, name: string) {
  return db
    .update(passkeys)
    .set({ name })
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .returning()
    .get();
}

export function deletePasskey(db: Database, userId: number, id: string) {
  return db
    .delete(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .returning()
    .get();
}

export async function countOtherPasskeys(db: Database, userId: number, exceptId: string) {
  const row = await db
    .select({ n: count() })
    .from(passkeys)
    .where(and(eq(passkeys.userId, userId), ne(passkeys.id, exceptId)))
    .get();
  return row?.n ?? 0;
}

/**
 * The passkey of a credential id, its user and the user's plan, as single-table
 * reads for the batch that uses the challenge too (inside a batch Drizzle maps rows by column name, so a
 * join would come back scrambled).
 */
export function passkeyAccountReads(db: Database, credentialId: string) {
  const owner = sql`(select ${passkeys.userId} from ${passkeys} where ${passkeys.credentialId} = ${credentialId})`;
  const planOfOwner = sql`(select ${users.planId} from ${users} where ${users.id} = ${owner})`;
  return [
    db.select().from(passkeys).where(eq(passkeys.credentialId, credentialId)),
    db.select().from(users).where(eq(users.id, owner)),
    db.select().from(plans).where(eq(plans.id, planOfOwner)),
  ] as const;
}

/** After a sign-in with it: the counter the authenticator reported, and when. */
export function recordPasskeyUse(db: Database, passkey: PasskeyRow, counter: number, backedUp: boolean, now: Date) {
  return db.update(passkeys).set({ counter, backedUp, lastUsedAt: now }).where(eq(passkeys.id, passkey.id));
}

/** The user's passkey handle, made (random) at the first passkey; a concurrent first one keeps the first. */
export function setWebauthnHandle(db: Database, userId: number, handle: string) {
  return db
    .update(users)
    .set({ webauthnHandle: handle })
    .where(and(eq(users.id, userId), isNull(users.webauthnHandle)));
}

export function selectWebauthnHandle(db: Database, userId: number) {
  return db.select({ handle: users.webauthnHandle }).from(users).where(eq(users.id, userId)).get();
}
