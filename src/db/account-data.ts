import { asc, eq } from "drizzle-orm";
import type { Database } from "./client";
import { selectAuditEntries } from "./audit";
import { quotaAccountOf, quotaAccountReads } from "./quotas";
import { linkedIdentities, securityEvents } from "./schema";
import { listLiveSessions } from "./sessions";

/**
 * Everything D1 holds on one account, uncapped, in one batch of single-table reads: the user, its plan
 * and quotas, its live sessions, every security event (oldest first), its linked identities and the
 * audit entries about it.
 */
export async function readAccountRows(db: Database, userId: number, now: Date) {
  const [user, plan, quotas, scopes, sessions, events, identities, audit] = await db.batch([
    ...quotaAccountReads(db, userId),
    listLiveSessions(db, userId, now),
    db
      .select()
      .from(securityEvents)
      .where(eq(securityEvents.userId, userId))
      .orderBy(asc(securityEvents.createdAt), asc(securityEvents.id)),
    db.select().from(linkedIdentities).where(eq(linkedIdentities.userId, userId)),
    selectAuditEntries(db, { type: "user", id: userId }),
  ]);
  const account = quotaAccountOf(user, plan, quotas, scopes);
  return account && { ...account, sessions, securityEvents: events, identities, audit };
}
