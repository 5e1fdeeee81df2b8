import { and, count, desc, eq, isNotNull } from "drizzle-orm";
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

/** A message written before it is handed to the transport (status `pending`). */
export function insertOutboxMessage(
  db: Database,
  message: { recipient: string; subject: string; body: string; transport: string; createdAt: Date },
) {
  return db
    .insert(outbox)
    .values({ ...message, status: "pending" })
    .returning({ id: outbox.id });
}

export function updateOutboxMessage(
  db: Database,
  id: number,
  changes: Partial<Pick<OutboxRow, "status" | "transport" | "error" | "sentAt" | "body">>,
) {
  return db.update(outbox).set(changes).where(eq(outbox.id, id));
}

/** Claims a failed message (with its body) for a re-send: compare-and-swap failed → pending. */
export function claimFailedOutboxMessage(db: Database, id: number) {
  return db
    .update(outbox)
    .set({ status: "pending", error: null })
    .where(and(eq(outbox.id, id), eq(outbox.status, "failed"), isNotNull(outbox.body)))
    .returning()
    .get();
}

export function outboxMessageExists(db: Database, id: number) {
  return db.select({ id: outbox.id }).from(outbox).where(eq(outbox.id, id)).get();
}
