import { and, eq, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import { stripeEvents, users } from "./schema";
import { lowerEmail } from "./users";

export interface SubscriberKeys {
  subscriptionId?: string | null;
  userId?: number | null;
  customerId?: string | null;
  email?: string | null;
}

/** The user an event is about: by subscription, then our own id, then customer, then email. */
export function selectSubscriber(db: Database, keys: SubscriberKeys) {
  const matches: Array<[SQL, SQL]> = [];
  if (keys.subscriptionId) matches.push([eq(users.stripeSubscriptionId, keys.subscriptionId), sql`0`]);
  if (keys.userId) matches.push([eq(users.id, keys.userId), sql`1`]);
  if (keys.customerId) matches.push([eq(users.stripeCustomerId, keys.customerId), sql`2`]);
  if (keys.email) matches.push([eq(lowerEmail, keys.email.toLowerCase()), sql`3`]);
  const rank = sql.join(
    [sql`case`, ...matches.map(([when, then]) => sql`when ${when} then ${then}`), sql`end`],
    sql` `,
  );
  return db
    .select({ id: users.id, subscriptionEventAt: users.subscriptionEventAt })
    .from(users)
    .where(matches.length > 0 ? or(...matches.map(([when]) => when)) : sql`0`)
    .orderBy(rank)
    .limit(1);
}

export function selectStripeEvent(db: Database, eventId: string) {
  return db.select({ id: stripeEvents.id }).from(stripeEvents).where(eq(stripeEvents.id, eventId));
}

export function insertStripeEvent(db: Database, event: typeof stripeEvents.$inferInsert) {
  return db.insert(stripeEvents).values(event);
}

export interface SubscriptionChanges {
  planId?: number;
  customerId?: string | null;
  subscriptionId?: string | null;
  status?: string | null;
  periodEnd?: Date | null;
  interval?: string | null;
}

/**
 * Applies an event's view of the subscription unless the user already holds a newer one: the guard
 * is in the statement, so two deliveries racing cannot roll the state back.
 */
export function updateSubscription(db: Database, userId: number, changes: SubscriptionChanges, eventAt: number) {
  const set: Partial<typeof users.$inferInsert> = { subscriptionEventAt: eventAt };
  // A plan Stripe sets is no longer one set by hand.
  if (changes.planId !== undefined) Object.assign(set, { planId: changes.planId, planSetByHandAt: null });
  if (changes.customerId !== undefined) set.stripeCustomerId = changes.customerId;
  if (changes.subscriptionId !== undefined) set.stripeSubscriptionId = changes.subscriptionId;
  if (changes.status !== undefined) set.stripeSubscriptionStatus = changes.status;
  if (changes.periodEnd !== undefined) set.subscriptionCurrentPeriodEnd = changes.periodEnd;
  if (changes.interval !== undefined) set.subscriptionInterval = changes.interval;
  return db
    .update(users)
    .set(set)
    .where(and(eq(users.id, userId), or(isNull(users.subscriptionEventAt), lte(users.subscriptionEventAt, eventAt))));
}
