import { and, asc, count, eq, gt, min, sql } from "drizzle-orm";
import type { ClientInfo } from "../client-info";
import type { Database } from "./client";
import { selectAuditEntries } from "./audit";
import { countUnusedRecoveryCodes, selectTotp } from "./mfa";
import { listPasskeys } from "./passkeys";
import { quotaAccountOf, quotaAccountReads } from "./quotas";
import {
  linkedIdentities,
  securityEvents,
  users,
  type AuditRow,
  type PasskeyRow,
  type PlanQuotaRow,
  type PlanRow,
  type SecurityEventRow,
  type TotpAuthenticatorRow,
  type UserRow,
} from "./schema";
import { listLiveSessions, type LiveSession } from "./sessions";

/**
 * Everything D1 holds on one account, uncapped, as single-table reads for one batch: the user, its plan
 * and quotas, its live sessions, every security event (oldest first), its linked identities, the
 * audit entries about it, its two-factor state and passkeys. Read the results with `accountOf`.
 */
function accountReads(db: Database, userId: number, now: Date) {
  return [
    ...quotaAccountReads(db, userId),
    listLiveSessions(db, userId, now),
    db
      .select()
      .from(securityEvents)
      .where(eq(securityEvents.userId, userId))
      .orderBy(asc(securityEvents.createdAt), asc(securityEvents.id)),
    db.select().from(linkedIdentities).where(eq(linkedIdentities.userId, userId)),
    selectAuditEntries(db, { type: "user", id: userId }),
    selectTotp(db, userId),
    countUnusedRecoveryCodes(db, userId),
    listPasskeys(db, userId),
  ] as const;
}

type AccountResults = readonly [
  UserRow[],
  PlanRow[],
  PlanQuotaRow[],
  Array<{ scope: string }>,
  LiveSession[],
  SecurityEventRow[],
  Array<typeof linkedIdentities.$inferSelect>,
  AuditRow[],
  TotpAuthenticatorRow[],
  Array<{ remaining: number }>,
  PasskeyRow[],
];

function accountOf([
  user,
  plan,
  quotas,
  scopes,
  sessions,
  events,
  identities,
  audit,
  [totp],
  [codes],
  keys,
]: AccountResults) {
  const account = quotaAccountOf(user, plan, quotas, scopes);
  const mfa = {
    totp: totp?.confirmedAt ? { created: totp.confirmedAt } : null,
    recoveryCodesRemaining: codes?.remaining ?? 0,
  };
  return account && { ...account, sessions, securityEvents: events, identities, audit, mfa, passkeys: keys };
}

export type AccountRows = NonNullable<ReturnType<typeof accountOf>>;

/** The whole account in one round trip (see `accountReads`). */
export async function readAccountRows(db: Database, userId: number, now: Date): Promise<AccountRows | undefined> {
  return accountOf(await db.batch(accountReads(db, userId, now)));
}

export const DATA_EXPORTED = "data_exported";

/**
 * An export, in one round trip: its `data_exported` event is written only while the user has made fewer
 * than `limit` exports since `since` (the count and the write in one statement, so concurrent exports
 * cannot both slip under it), then the whole account is read — the new event included. Says whether it
 * was recorded, and when the oldest export still counted was made.
 */
export async function recordExportAndReadAccount(
  db: Database,
  who: { userId: number; client: ClientInfo },
  window: { since: Date; now: Date; limit: number },
) {
  const { userId, client } = who;
  const recent = and(
    eq(securityEvents.userId, userId),
    eq(securityEvents.type, DATA_EXPORTED),
    gt(securityEvents.createdAt, window.since),
  );
  const recentCount = db.select({ n: count() }).from(securityEvents).where(recent);
  // Drizzle's INSERT … SELECT names every column in table order: id (null: the next one) first.
  const record = db.insert(securityEvents).select(
    sql`select null, ${userId}, ${DATA_EXPORTED}, ${client.ip}, ${client.userAgent}, ${window.now.getTime()}
        where exists (select 1 from ${users} where ${users.id} = ${userId}) and (${recentCount}) < ${window.limit}`,
  );
  const [recorded, [oldest], ...results] = await db.batch([
    record,
    db
      .select({ at: min(securityEvents.createdAt) })
      .from(securityEvents)
      .where(recent),
    ...accountReads(db, userId, window.now),
  ]);
  return { recorded: recorded.meta.changes > 0, oldestCounted: oldest?.at ?? null, account: accountOf(results) };
}
