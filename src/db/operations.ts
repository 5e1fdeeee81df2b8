import { count, desc, eq } from "drizzle-orm";
import type { Database } from "./client";
import { outbox, stripeEvents, type OutboxRow } from "./schema";

/** The newest Stripe events received, with what applying them did. */
export async function listStripeEvents(db: Database, window: { offset: number; limit: number }) {
  const [rows, [total]] = await db.batch([
    db.select().from(stripeEvents).orderBy(desc(stripeEvents.receivedAt)).limit(window.limit).offset(window.offset),
    db.select({ total: count() }).from(stripeEvents),
  ]);
  return { rows, total: total?.total ?? 0 };
}

/** The newest outbox messages, of one status or all. */
export async function listOutbox(
  db: Database,
  status: OutboxRow["status"] | undefined,
  window: { offset: number; limit: number },
) {
  const where = status === undefined ? undefined : eq(outbox.status, status);
  const [rows, [total]] = await db.batch([
    db.select().from(outbox).where(where).orderBy(desc(outbox.id)).limit(window.limit).offset(window.offset),
    db.select({ total: count() }).from(outbox).where(where),
  ]);
  return { rows, total: total?.total ?? 0 };
}
