import type { Deps } from "../env";
import { insertAuditEntry } from "../db/audit";
import { listOutbox, listStripeEvents } from "../db/operations";
import type { OutboxRow } from "../db/schema";
import { readPage, type PageRequest } from "../pagination";
import type { Actor } from "./staff";

export function stripeEventPage({ db }: Deps, page: PageRequest) {
  return readPage(page, (window) => listStripeEvents(db, window));
}

export function outboxPage({ db }: Deps, status: OutboxRow["status"] | undefined, page: PageRequest) {
  return readPage(page, (window) => listOutbox(db, status, window));
}

/** Sends a failed message again and records who did; the answer says whether it went this time. */
export async function resendMessage(deps: Deps, actor: Actor, id: number) {
  const outcome = await deps.mailer.resend(id);
  const entry = { actor, action: "outbox.resent", target: { type: "outbox", id }, after: { status: outcome } } as const;
  await insertAuditEntry(deps.db, entry, deps.clock.now()).run();
  return outcome;
}
