import { z } from "zod";

import { epochSeconds, type Clock } from "../clock";
import type { Deps } from "../env";
import { uniqueViolationTarget, type Database } from "../db/client";
import {
  FREE_PLAN_NAME,
  selectPlanById,
  selectPlanByName,
  selectPlanByPriceId,
  updateCachedPrice,
  type CachedPrice,
} from "../db/plans";
import type { PlanRow } from "../db/schema";
import {
  insertStripeEvent,
  selectStripeEvent,
  selectSubscriber,
  updateSubscription,
  type SubscriberKeys,
  type SubscriptionChanges,
} from "../db/subscriptions";
import { InvalidWebhook, ServiceUnavailable } from "../errors";
import { isValidStripeSignature } from "./signature";
import { stripePriceSchema, type StripePrice } from "./stripe";

/** An id, or the object Stripe expanded in its place. */
const stripeId = z.union([z.string(), z.object({ id: z.string() }).transform((o) => o.id)]);
const metadata = z.record(z.string(), z.string()).nullish();

export const webhookEventSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.number().int(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEvent = z.infer<typeof webhookEventSchema>;

const checkoutSessionSchema = z.object({
  id: z.string(),
  mode: z.string().nullish(),
  client_reference_id: z.string().nullish(),
  customer: stripeId.nullish(),
  customer_email: z.string().nullish(),
  customer_details: z.object({ email: z.string().nullish() }).nullish(),
  subscription: stripeId.nullish(),
  payment_status: z.string().nullish(),
  metadata,
});

export const subscriptionSchema = z.object({
  id: z.string(),
  customer: stripeId,
  status: z.string(),
  // Before Stripe API 2025-03-31 the period was on the subscription; since, it is on each item.
  current_period_start: z.number().int().nullish(),
  current_period_end: z.number().int().nullish(),
  created: z.number().int().nullish(),
  start_date: z.number().int().nullish(),
  canceled_at: z.number().int().nullish(),
  ended_at: z.number().int().nullish(),
  items: z.object({
    data: z.array(
      z.object({
        price: z.object({ id: z.string(), recurring: z.object({ interval: z.string() }).nullish() }),
        current_period_start: z.number().int().nullish(),
        current_period_end: z.number().int().nullish(),
      }),
    ),
  }),
  metadata,
});
export type StripeSubscription = z.infer<typeof subscriptionSchema>;

/** What a plan caches for a billing cycle no price sells. */
export const NO_PRICE: CachedPrice = { unitAmount: null, currency: null, interval: null };

/** What a plan caches of a Stripe price: its amount while it sells (active, with an amount), else none. */
export function cachedPrice(price: StripePrice, exists = true): CachedPrice {
  const sells = exists && price.active !== false && price.unit_amount != null;
  if (!sells) return NO_PRICE;
  return {
    unitAmount: price.unit_amount ?? null,
    currency: price.currency.toUpperCase(),
    interval: price.recurring?.interval ?? null,
  };
}

export type EventOutcome = "applied" | "ignored" | "stale" | "unmatched" | "duplicate";

/** What an event means for our data, worked out from one round trip of reads. */
interface Resolution {
  outcome: Exclude<EventOutcome, "duplicate">;
  writes: Array<ReturnType<typeof updateSubscription> | ReturnType<typeof updateCachedPrice>[number]>;
}

const toId = (value: string | null | undefined) => (value && /^\d{1,15}$/.test(value) ? Number(value) : null);

/** A signed event whose object is not the shape we know is refused (400), not retried forever. */
function parseObject<T extends z.ZodType>(schema: T, object: unknown): z.infer<T> {
  const parsed = schema.safeParse(object);
  if (!parsed.success) throw new InvalidWebhook("Unrecognised Stripe event object.");
  return parsed.data;
}
const toDate = (seconds: number | null | undefined) => (seconds ? new Date(seconds * 1000) : null);

export function subscriptionPeriod(subscription: StripeSubscription) {
  const item = subscription.items.data[0];
  return {
    start: toDate(item?.current_period_start ?? subscription.current_period_start),
    end: toDate(item?.current_period_end ?? subscription.current_period_end),
  };
}

/**
 * The latest moment a subscription object as read from Stripe is known to reflect: the newest of its own
 * past timestamps (created, started, period started, canceled, ended). verify-session applies the object
 * as of then — never as of "now", which would make a cancellation that happened meanwhile look stale.
 */
export function subscriptionObservedAt(subscription: StripeSubscription, nowSeconds: number): number {
  const item = subscription.items.data[0];
  const moments = [
    subscription.created,
    subscription.start_date,
    subscription.current_period_start,
    item?.current_period_start,
    subscription.canceled_at,
    subscription.ended_at,
  ].filter((t): t is number => typeof t === "number" && t <= nowSeconds);
  return moments.length > 0 ? Math.max(...moments) : 0;
}

/** Stripe statuses under which the subscription's plan is being paid for. */
const PAID_STATUSES = new Set(["active", "trialing"]);

/**
 * The plan a subscription status entitles its user to: the paid plan only while `active` or `trialing`;
 * `past_due` keeps whatever the user has now (Stripe is retrying the payment); any other status
 * (`unpaid`, `canceled`, `incomplete`, `incomplete_expired`, `paused`) means Free.
 */
export function entitledPlanId(status: string, paid: PlanRow, free: PlanRow | undefined): number | undefined {
  if (PAID_STATUSES.has(status)) return paid.id;
  if (status === "past_due") return undefined;
  return free?.id;
}

/** The subscription's view of a user: the plan its status entitles to, status, period end and interval. */
export function subscriptionChanges(
  subscription: StripeSubscription,
  plan: PlanRow,
  free: PlanRow | undefined,
): SubscriptionChanges {
  const item = subscription.items.data[0];
  const planId = entitledPlanId(subscription.status, plan, free);
  return {
    ...(planId === undefined ? {} : { planId }),
    customerId: subscription.customer,
    subscriptionId: subscription.id,
    status: subscription.status,
    periodEnd: subscriptionPeriod(subscription).end,
    interval: item?.price.recurring?.interval ?? null,
  };
}

/**
 * Reads (one batch) whether the event was seen, whom it is about, which plan it names and the Free plan
 * (what a lapsed subscription leaves the user on); decides.
 */
async function resolveSubscriberEvent(
  db: Database,
  event: StripeEvent,
  keys: SubscriberKeys,
  planLookup: ReturnType<typeof selectPlanById>,
  changes: (plan: PlanRow, free: PlanRow | undefined) => SubscriptionChanges | undefined,
): Promise<Resolution | "duplicate"> {
  const [seen, [subscriber], [plan], [free]] = await db.batch([
    selectStripeEvent(db, event.id),
    selectSubscriber(db, keys),
    planLookup,
    selectPlanByName(db, FREE_PLAN_NAME),
  ]);
  if (seen.length > 0) return "duplicate";
  const update = plan ? changes(plan, free) : undefined;
  if (!subscriber || !update) return { outcome: "unmatched", writes: [] };
  if (subscriber.subscriptionEventAt !== null && subscriber.subscriptionEventAt > event.created) {
    return { outcome: "stale", writes: [] };
  }
  return { outcome: "applied", writes: [updateSubscription(db, subscriber.id, update, event.created)] };
}

async function resolve(db: Database, event: StripeEvent): Promise<Resolution | "duplicate"> {
  const object = event.data.object;
  switch (event.type) {
    case "checkout.session.completed": {
      const session = parseObject(checkoutSessionSchema, object);
      // No plan id in the metadata matches no plan: the event is recorded as unmatched.
      const planId = toId(session.metadata?.plan_id) ?? 0;
      const keys = {
        userId: toId(session.client_reference_id),
        email: session.customer_details?.email ?? session.customer_email,
      };
      const paid = session.payment_status === "paid" || session.payment_status === "no_payment_required";
      // An unpaid completion (a delayed payment method) grants nothing: the subscription's own events
      // grant the plan once it is active.
      const status = paid ? "active" : "incomplete";
      return resolveSubscriberEvent(db, event, keys, selectPlanById(db, planId), (plan, free) => {
        if (session.mode !== "subscription") return undefined;
        const entitled = entitledPlanId(status, plan, free);
        return {
          ...(entitled === undefined ? {} : { planId: entitled }),
          customerId: session.customer ?? null,
          subscriptionId: session.subscription ?? null,
          status,
        };
      });
    }
    case "customer.subscription.created":
    case "customer.subscription.updated": {
      const subscription = parseObject(subscriptionSchema, object);
      const keys = {
        subscriptionId: subscription.id,
        customerId: subscription.customer,
        userId: toId(subscription.metadata?.user_id),
      };
      const priceId = subscription.items.data[0]?.price.id ?? "";
      return resolveSubscriberEvent(db, event, keys, selectPlanByPriceId(db, priceId), (plan, free) =>
        subscriptionChanges(subscription, plan, free),
      );
    }
    case "customer.subscription.deleted": {
      const subscription = parseObject(subscriptionSchema, object);
      // Only the user who holds this very subscription goes back to Free: a user who has already
      // moved to another subscription keeps it.
      return resolveSubscriberEvent(
        db,
        event,
        { subscriptionId: subscription.id },
        selectPlanByName(db, FREE_PLAN_NAME),
        (free) => ({
          planId: free.id,
          status: "canceled",
          periodEnd: null,
          interval: null,
        }),
      );
    }
    case "price.created":
    case "price.updated":
    case "price.deleted": {
      const price = parseObject(stripePriceSchema, object);
      const [seen, planRows] = await db.batch([selectStripeEvent(db, event.id), selectPlanByPriceId(db, price.id)]);
      if (seen.length > 0) return "duplicate";
      if (planRows.length === 0) return { outcome: "unmatched", writes: [] };
      const cached = cachedPrice(price, event.type !== "price.deleted");
      return { outcome: "applied", writes: [...updateCachedPrice(db, price.id, cached)] };
    }
    default: {
      const [seen] = await db.batch([selectStripeEvent(db, event.id)]);
      return seen.length > 0 ? "duplicate" : { outcome: "ignored", writes: [] };
    }
  }
}

/** The signed event, or a 400: nothing is parsed before its signature is checked. */
export async function readStripeEvent(
  rawBody: string,
  signature: string | undefined,
  secret: string,
  clock: Clock,
): Promise<StripeEvent> {
  if (!(await isValidStripeSignature(rawBody, signature, secret, epochSeconds(clock.now())))) {
    throw new InvalidWebhook("Invalid Stripe signature.");
  }
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    throw new InvalidWebhook("Invalid payload: not JSON.");
  }
  const event = webhookEventSchema.safeParse(payload);
  if (!event.success) throw new InvalidWebhook("Invalid payload: not a Stripe event.");
  return event.data;
}

/** A webhook delivery: verified with the endpoint's secret, then applied. */
export async function receiveStripeWebhook(deps: Deps, rawBody: string, signature: string | undefined) {
  const secret = deps.config.stripe.webhookSecret;
  if (!secret) throw new ServiceUnavailable("Webhooks are not configured: STRIPE_WEBHOOK_SECRET is not set.");
  return applyStripeEvent(deps, await readStripeEvent(rawBody, signature, secret, deps.clock));
}

/**
 * Applies a verified Stripe event at most once: the event id is recorded in the same D1 batch as its
 * effects, so a redelivery is a no-op and a failure leaves neither (Stripe's retry applies it later).
 * Two round trips: the reads that decide, then the batch that writes.
 */
export async function applyStripeEvent({ db, clock, log }: Deps, event: StripeEvent): Promise<EventOutcome> {
  const resolution = await resolve(db, event);
  if (resolution === "duplicate") return "duplicate";
  const record = insertStripeEvent(db, {
    id: event.id,
    type: event.type,
    outcome: resolution.outcome,
    createdAt: event.created,
    receivedAt: clock.now(),
  });
  try {
    await db.batch([record, ...resolution.writes]);
  } catch (error) {
    // The same event delivered twice at once: the other delivery recorded and applied it.
    if (uniqueViolationTarget(error) === "stripe_events.id") return "duplicate";
    throw error;
  }
  if (resolution.outcome === "unmatched") {
    log.warn("stripe event matched no user, plan or price", { stripeEvent: event.id, type: event.type });
  }
  return resolution.outcome;
}
