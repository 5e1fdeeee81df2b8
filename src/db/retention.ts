import { and, isNotNull, lt, or } from "drizzle-orm";
import type { Database } from "./client";
import { oneTimeTokens, outbox, securityEvents, sessions, stripeEvents } from "./schema";

const DAY = 24 * 60 * 60 * 1000;

/** How long rows stay once they are of no further use (an ended session is still shown in audits). */
export const RETENTION = {
  endedSessionsDays: 30,
  spentTokensDays: 7,
  sentMailDays: 30,
  // Stripe retries an event for up to three days; a record far older cannot meet a redelivery.
  stripeEventsDays: 90,
  securityEventsDays: 365,
} as const;

/** Deletes what the retention periods allow, in one batch. Returns the rows deleted per table. */
export async function purgeExpiredRows(db: Database, now: Date) {
  const before = (days: number) => new Date(now.getTime() - days * DAY);
  const ended = before(RETENTION.endedSessionsDays);
  const spent = before(RETENTION.spentTokensDays);
  const results = await db.batch([
    db.delete(sessions).where(or(lt(sessions.revokedAt, ended), lt(sessions.refreshExpiresAt, ended))),
    db
      .delete(oneTimeTokens)
      .where(
        or(and(isNotNull(oneTimeTokens.usedAt), lt(oneTimeTokens.usedAt, spent)), lt(oneTimeTokens.expiresAt, spent)),
      ),
    db.delete(outbox).where(and(isNotNull(outbox.sentAt), lt(outbox.sentAt, before(RETENTION.sentMailDays)))),
    db.delete(stripeEvents).where(lt(stripeEvents.receivedAt, before(RETENTION.stripeEventsDays))),
    db.delete(securityEvents).where(lt(securityEvents.createdAt, before(RETENTION.securityEventsDays))),
  ]);
  const [sessionRows, tokenRows, mailRows, eventRows, auditRows] = results.map((r) => r.meta.changes);
  return {
    sessions: sessionRows,
    oneTimeTokens: tokenRows,
    outbox: mailRows,
    stripeEvents: eventRows,
    securityEvents: auditRows,
  };
}
