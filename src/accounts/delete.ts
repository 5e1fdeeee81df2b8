import type { Deps } from "../env";
import { Conflict, NotFound } from "../errors";
import { insertAuditEntry, redactUserAuditEntries, type AuditEntry } from "../db/audit";
import type { PlanRow, UserRow } from "../db/schema";
import { deleteUserRows, selectPlanOfUser, selectUserById } from "../db/users";
import { cancelSubscription } from "../billing/stripe";

/** Who deletes an account: its owner, or a staff member (named in the audit log). */
export type AccountActor = { kind: "self" } | { kind: "staff"; id: number; username: string };

/** Stripe statuses under which a subscription still bills (or may again): deleting its user would orphan it. */
const BILLING_STATUSES = new Set(["active", "trialing", "past_due", "unpaid", "incomplete", "paused"]);

export function subscriptionStillBills(user: UserRow): boolean {
  return user.stripeSubscriptionId !== null && BILLING_STATUSES.has(user.stripeSubscriptionStatus ?? "");
}

/** The audit entry of a deletion: staff are named; an owner's own deletion records no personal data, the id only. */
function deletionEntry(actor: AccountActor, user: UserRow, plan: PlanRow | null, cancelled: boolean): AuditEntry {
  const target = { type: "user", id: user.id } as const;
  if (actor.kind === "self") {
    return {
      actor: { id: user.id, username: "" },
      action: "user_deleted_self",
      target,
      after: { subscription_cancelled: cancelled },
    };
  }
  return {
    actor,
    action: "user.deleted",
    target,
    before: {
      plan: plan?.name ?? null,
      stripe_customer_id: user.stripeCustomerId,
      stripe_subscription_id: user.stripeSubscriptionId,
      stripe_subscription_status: user.stripeSubscriptionStatus,
    },
    after: { subscription_cancelled: cancelled },
  };
}

/**
 * Deletes an account and its personal data, all or nothing. A Stripe subscription that still bills is
 * cancelled through Stripe first (refused with 409 unless `cancelSubscription`; a Stripe failure is a
 * 502 and deletes nothing). Then one D1 batch: the audit entry of the deletion, the personal fields of
 * the entries about the user blanked, the user row (sessions, one-time tokens, security events, linked
 * identities go with it) and the mail kept for its addresses. Last, its usage counter is emptied.
 * Returns the deleted row (its address, for a last mail).
 */
export async function deleteAccount(
  deps: Deps,
  actor: AccountActor,
  userId: number,
  options: { cancelSubscription: boolean },
): Promise<UserRow> {
  const { db, clock, stripe, usage } = deps;
  const [[user], [plan]] = await db.batch([selectUserById(db, userId), selectPlanOfUser(db, userId)]);
  if (!user) throw new NotFound();
  const billing = subscriptionStillBills(user);
  if (billing && !options.cancelSubscription) {
    throw new Conflict(
      "This user has a Stripe subscription that still bills: cancel it with the deletion (cancel_subscription) or in Stripe first.",
    );
  }
  if (billing && user.stripeSubscriptionId) await cancelSubscription(stripe, user.stripeSubscriptionId);
  const entry = deletionEntry(actor, user, plan ?? null, billing);
  await db.batch([
    insertAuditEntry(db, entry, clock.now()),
    redactUserAuditEntries(db, user.id),
    ...deleteUserRows(db, user),
  ]);
  await usage(user.id).clear();
  return user;
}
