import { and, count, eq, ne } from "drizzle-orm";
import type { Database } from "./client";
import { hasSecondFactor } from "./mfa";
import { linkedIdentities, plans, users } from "./schema";

/** The account an identity at a provider is linked to, with its plan and whether a second step is on. */
export function findLinkedAccount(db: Database, provider: string, uid: string) {
  return db
    .select({ identity: linkedIdentities, user: users, plan: plans, secondFactor: hasSecondFactor })
    .from(linkedIdentities)
    .innerJoin(users, eq(users.id, linkedIdentities.userId))
    .leftJoin(plans, eq(plans.id, users.planId))
    .where(and(eq(linkedIdentities.provider, provider), eq(linkedIdentities.uid, uid)))
    .get();
}

export function insertIdentity(db: Database, identity: { userId: number; provider: string; uid: string; now: Date }) {
  const { now, ...fields } = identity;
  return db
    .insert(linkedIdentities)
    .values({ ...fields, dateJoined: now, lastLogin: null })
    .returning();
}

/** The identity's last sign-in here (for the caller's batch). */
export function touchIdentity(db: Database, id: number, now: Date) {
  return db.update(linkedIdentities).set({ lastLogin: now }).where(eq(linkedIdentities.id, id));
}

export function listIdentities(db: Database, userId: number) {
  return db.select().from(linkedIdentities).where(eq(linkedIdentities.userId, userId)).orderBy(linkedIdentities.id);
}

/** How many identities the user has besides this one. */
export async function countOtherIdentities(db: Database, userId: number, exceptId: number) {
  const row = await db
    .select({ n: count() })
    .from(linkedIdentities)
    .where(and(eq(linkedIdentities.userId, userId), ne(linkedIdentities.id, exceptId)))
    .get();
  return row?.n ?? 0;
}

/** Unlinks one identity of the user; the removed row, or none when it is not the user's. */
export function deleteIdentity(db: Database, userId: number, id: number) {
  return db
    .delete(linkedIdentities)
    .where(and(eq(linkedIdentities.id, id), eq(linkedIdentities.userId, userId)))
    .returning()
    .get();
}

export function selectIdentity(db: Database, userId: number, id: number) {
  return db
    .select()
    .from(linkedIdentities)
    .where(and(eq(linkedIdentities.id, id), eq(linkedIdentities.userId, userId)))
    .get();
}

/** How many identities the user has linked (the other ways it signs in, for a passkey's removal). */
export async function countOtherIdentitiesOfUser(db: Database, userId: number) {
  const row = await db.select({ n: count() }).from(linkedIdentities).where(eq(linkedIdentities.userId, userId)).get();
  return row?.n ?? 0;
}
