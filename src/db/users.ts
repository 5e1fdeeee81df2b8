import { and, desc, eq, inArray, ne, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import { outbox, plans, sessions, users, type PlanRow, type UserRow } from "./schema";
import { FREE_PLAN_NAME } from "./plans";
import { sessionIsLive } from "./sessions";
import { hasSecondFactor } from "./mfa";
import { usernameKey } from "../identifiers.mjs";

export { usernameKey };

export interface UserWithPlan {
  user: UserRow;
  plan: PlanRow | null;
}

/** The expression `users_email_lower_unique` indexes: e-mail lookups use it to hit the index. */
export const lowerEmail = sql`lower(${users.email})`;

/** The user behind a token, in one query: its session live (see `sessionIsLive`). */
export async function findSessionUser(
  db: Database,
  token: { userId: number; sessionId: string },
  now: Date,
): Promise<UserWithPlan | undefined> {
  const { userId, sessionId } = token;
  return db
    .select({ user: users, plan: plans })
    .from(users)
    .innerJoin(sessions, and(eq(sessions.id, sessionId), eq(sessions.userId, users.id), sessionIsLive(now)))
    .leftJoin(plans, eq(plans.id, users.planId))
    .where(and(eq(users.id, userId), eq(users.isActive, true)))
    .get();
}

/**
 * Login by username, or by email (also when typed into the username field). An identifier with an `@`
 * is first an e-mail: a username spelled like someone's address (`victim@example.com`) can never
 * shadow that account; such a username still logs in while no account has it as its address.
 */
export async function findUserForLogin(
  db: Database,
  by: { username?: string; email?: string },
): Promise<(UserWithPlan & { secondFactor: boolean }) | undefined> {
  const email = by.email || (by.username?.includes("@") ? by.username : undefined);
  const byUsername = by.username ? eq(users.usernameKey, usernameKey(by.username)) : undefined;
  const byEmail = email ? eq(lowerEmail, email.toLowerCase()) : undefined;
  // Whether a second step follows the password is read in the same query: no extra round trip.
  const query = db
    .select({ user: users, plan: plans, secondFactor: hasSecondFactor })
    .from(users)
    .leftJoin(plans, eq(plans.id, users.planId));
  // The common case (a plain username) is one indexed lookup; only an ambiguous identifier needs ranking.
  if (!byUsername || !byEmail) return query.where(byUsername ?? byEmail).get();
  return query.where(or(byUsername, byEmail)).orderBy(desc(byEmail)).limit(1).get();
}

/** An active user whose unverified address, or whose pending new address, this is. */
export function findUserAwaitingVerification(db: Database, email: string) {
  const address = email.toLowerCase();
  const unverified = and(eq(lowerEmail, address), eq(users.emailVerified, false));
  return db
    .select()
    .from(users)
    .where(and(eq(users.isActive, true), or(unverified, eq(sql`lower(${users.pendingEmail})`, address))))
    .get();
}

/** Which of `username` / `email` another user already holds. */
export async function findTakenIdentifiers(
  db: Database,
  candidate: { username?: string; email?: string },
  exceptUserId?: number,
): Promise<{ username: boolean; email: boolean }> {
  const key = candidate.username === undefined ? undefined : usernameKey(candidate.username);
  const email = candidate.email?.toLowerCase();
  const conditions: SQL[] = [];
  if (key !== undefined) conditions.push(eq(users.usernameKey, key));
  // An address that is another account's username (one with an `@`) would shadow its login.
  if (email !== undefined) conditions.push(eq(lowerEmail, email), eq(users.usernameKey, email));
  if (conditions.length === 0) return { username: false, email: false };
  const rows = await db
    .select({ usernameKey: users.usernameKey, email: users.email })
    .from(users)
    .where(and(or(...conditions), exceptUserId === undefined ? undefined : ne(users.id, exceptUserId)))
    .all();
  return {
    username: rows.some((r) => r.usernameKey === key),
    email: rows.some((r) => r.email.toLowerCase() === email || r.usernameKey === email),
  };
}

export interface NewUser {
  username: string;
  email: string;
  passwordHash: string;
  firstName: string;
  lastName: string;
  emailVerified: boolean;
  dateJoined: Date;
}

/** New users start on the Free plan (null if the plans were never seeded). */
export function insertUser(db: Database, user: NewUser) {
  return db
    .insert(users)
    .values({
      ...user,
      usernameKey: usernameKey(user.username),
      planId: sql`(select ${plans.id} from ${plans} where ${plans.name} = ${FREE_PLAN_NAME})`,
    })
    .returning();
}

/**
 * The plan of the user with this username. Single-table on purpose: inside a D1 batch Drizzle maps
 * rows by column name, so a join whose tables share names (`id`) would come back scrambled.
 */
export function selectPlanOfUsername(db: Database, username: string) {
  return db
    .select()
    .from(plans)
    .where(eq(plans.id, sql`(select ${users.planId} from ${users} where ${users.username} = ${username})`));
}

export type UserChanges = Partial<
  Pick<
    UserRow,
    | "username"
    | "email"
    | "pendingEmail"
    | "emailVerified"
    | "firstName"
    | "lastName"
    | "dateOfBirth"
    | "passwordHash"
    | "lastLogin"
  >
>;

/** Changes the user's row; with `condition`, only if it holds when the statement runs (in a batch). */
export function updateUser(db: Database, userId: number, changes: UserChanges, condition?: SQL) {
  const keyed = changes.username === undefined ? changes : { ...changes, usernameKey: usernameKey(changes.username) };
  return db
    .update(users)
    .set(keyed)
    .where(and(eq(users.id, userId), condition));
}

/** The user with this id while active (single-table, for a batch). */
export function selectActiveUser(db: Database, userId: number) {
  return db
    .select()
    .from(users)
    .where(and(eq(users.id, userId), eq(users.isActive, true)));
}

export function selectUserById(db: Database, userId: number) {
  return db.select().from(users).where(eq(users.id, userId));
}

/** The plan of the user with this id (single-table, for a batch). */
export function selectPlanOfUser(db: Database, userId: number) {
  return db
    .select()
    .from(plans)
    .where(eq(plans.id, sql`(select ${users.planId} from ${users} where ${users.id} = ${userId})`));
}

/** An active user with this address (any case). */
export function findActiveUserByEmail(db: Database, email: string) {
  return db
    .select()
    .from(users)
    .where(and(eq(lowerEmail, email.toLowerCase()), eq(users.isActive, true)))
    .get();
}

/**
 * Deleting a user: its row (sessions, tokens, security events, identities go with it, by cascade) and
 * the mail kept for its addresses — statements for the caller's batch.
 */
export function deleteUserRows(db: Database, user: UserRow) {
  const addresses = [user.email, user.pendingEmail].filter((a): a is string => a !== null).map((a) => a.toLowerCase());
  return [
    db.delete(outbox).where(inArray(sql`lower(${outbox.recipient})`, addresses)),
    db.delete(users).where(eq(users.id, user.id)),
  ] as const;
}

/** Marks the address verified while it is still the account's (and `condition` holds). */
export function markEmailVerified(db: Database, userId: number, email: string, condition: SQL) {
  return db
    .update(users)
    .set({ emailVerified: true })
    .where(and(eq(users.id, userId), eq(users.email, email), condition));
}

/** Makes the address the account asked to move to its (verified) address, while it is still the pending one. */
export function moveToPendingEmail(db: Database, userId: number, to: string, condition: SQL) {
  return db
    .update(users)
    .set({ email: to, pendingEmail: null, emailVerified: true })
    .where(and(eq(users.id, userId), eq(users.pendingEmail, to), condition));
}

/** How many active staff accounts there are besides this one (the last one may not delete itself). */
export async function countOtherActiveStaff(db: Database, userId: number): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(users)
    .where(and(eq(users.isStaff, true), eq(users.isActive, true), ne(users.id, userId)))
    .get();
  return row?.n ?? 0;
}

/** The user and its plan, by id (one query), with whether a second sign-in step is on for it. */
export function findUserWithPlan(db: Database, userId: number) {
  return db
    .select({ user: users, plan: plans, secondFactor: hasSecondFactor })
    .from(users)
    .leftJoin(plans, eq(plans.id, users.planId))
    .where(eq(users.id, userId))
    .get();
}
