import { and, asc, desc, eq, gte, isNull, lt, or, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Usage } from "../quotas/counter";
import type { UserSearch } from "../schemas/admin";
import type { Database } from "./client";
import { selectAuditEntries } from "./audit";
import { plans, users, type UserRow } from "./schema";
import { quotaAccountOf, quotaAccountReads } from "./quotas";
import { listIdentities } from "./identities";
import { listPasskeys } from "./passkeys";
import { countUnusedRecoveryCodes, selectTotp } from "./mfa";
import { selectSecurityEvents } from "./security-events";
import { listLiveSessions } from "./sessions";
import { lowerEmail, usernameKey } from "./users";

/** `value` starts with `prefix`, as a range: the index on `value` serves it, where LIKE on an expression would scan. */
function startsWith(value: SQLWrapper, prefix: string): SQL | undefined {
  return and(gte(value, prefix), lt(value, `${prefix}\u{10FFFF}`));
}

function userSearchCondition(q: UserSearch): SQL | undefined {
  const status = q.subscriptionStatus;
  return and(
    q.search
      ? or(startsWith(users.usernameKey, usernameKey(q.search)), startsWith(lowerEmail, q.search.toLowerCase()))
      : undefined,
    q.planId === undefined ? undefined : eq(users.planId, q.planId),
    q.active === undefined ? undefined : eq(users.isActive, q.active),
    q.staff === undefined ? undefined : eq(users.isStaff, q.staff),
    status === undefined
      ? undefined
      : status === "none"
        ? isNull(users.stripeSubscriptionStatus)
        : eq(users.stripeSubscriptionStatus, status),
  );
}

/**
 * One page of users matching the search, with their plan's name and the number of matches — all in one
 * statement (the count is a subquery over the same condition), so a page costs one D1 round trip.
 */
export function searchUsersQuery(db: Database, q: UserSearch, page: { offset: number; limit: number }) {
  const where = userSearchCondition(q);
  const column = q.ordering.endsWith("last_login") ? users.lastLogin : users.dateJoined;
  const direction = q.ordering.startsWith("-") ? desc : asc;
  return db
    .select({
      id: users.id,
      username: users.username,
      email: users.email,
      isActive: users.isActive,
      isStaff: users.isStaff,
      dateJoined: users.dateJoined,
      lastLogin: users.lastLogin,
      subscriptionStatus: users.stripeSubscriptionStatus,
      planName: plans.name,
      total: sql<number>`(select count(*) from ${users} where ${where ?? sql`1`})`,
    })
    .from(users)
    .leftJoin(plans, eq(plans.id, users.planId))
    .where(where)
    .orderBy(direction(column), direction(users.id))
    .limit(page.limit)
    .offset(page.offset);
}

export type UserListRow = Awaited<ReturnType<typeof searchUsersQuery>>[number];

export const RECENT_ROWS = 20;

/**
 * Everything the user page shows, in one batch of single-table reads (inside a batch Drizzle maps rows
 * by column name, so joins would come back scrambled): the user, plan, quotas, every known scope, live
 * sessions, and the newest security events and audit entries.
 */
export async function readUserForStaff(db: Database, userId: number, now: Date) {
  const [user, plan, quotas, scopes, sessions, events, audit, [totp], [codes], identities, keys] = await db.batch([
    ...quotaAccountReads(db, userId),
    listLiveSessions(db, userId, now),
    selectSecurityEvents(db, userId).limit(RECENT_ROWS),
    selectAuditEntries(db, { type: "user", id: userId }).limit(RECENT_ROWS),
    selectTotp(db, userId),
    countUnusedRecoveryCodes(db, userId),
    listIdentities(db, userId),
    listPasskeys(db, userId),
  ]);
  const account = quotaAccountOf(user, plan, quotas, scopes);
  const mfa = { totp: Boolean(totp?.confirmedAt), recoveryCodesRemaining: codes?.remaining ?? 0 };
  return account && { ...account, sessions, events, audit, mfa, identities, passkeys: keys };
}

export type StaffUserView = NonNullable<Awaited<ReturnType<typeof readUserForStaff>>>;

/** The user page: the staff view and the usage of each quota. */
export interface StaffUserDetail extends StaffUserView {
  usages: Usage[];
}

export type StaffUserChanges = Partial<
  Pick<
    UserRow,
    | "email"
    | "emailVerified"
    | "pendingEmail"
    | "firstName"
    | "lastName"
    | "dateOfBirth"
    | "planId"
    | "planSetByHandAt"
    | "subscriptionEventAt"
    | "isActive"
    | "isStaff"
  >
>;

export function updateUserAsStaff(db: Database, userId: number, changes: StaffUserChanges) {
  return db.update(users).set(changes).where(eq(users.id, userId));
}
