import { epochSeconds } from "../clock";
import type { Deps } from "../env";
import { CheckoutIncomplete, Conflict, NoStripeCustomer, NotFound, ValidationError } from "../errors";
import type { PlanRow } from "../db/schema";
import { FREE_PLAN_NAME, selectPlanById, selectPlanByName, selectPlanByPriceId } from "../db/plans";
import { updateSubscription } from "../db/subscriptions";
import type { Principal } from "../auth/principal";
import {
  subscriptionChanges,
  subscriptionObservedAt,
  subscriptionPeriod,
  subscriptionSchema,
  type StripeSubscription,
} from "./events";
import { planPriceId, type Billing } from "./prices";
import { createBillingPortalSession, createCheckoutSession, retrieveCheckoutSession } from "./stripe";

/** A Stripe Checkout page for the plan on that billing cycle, for the signed-in user. */
export async function startCheckout(
  { db, config, stripe }: Deps,
  { user }: Principal,
  input: { plan_id: number; billing: Billing },
): Promise<string> {
  stripe.ensureConfigured();
  const plan = await selectPlanById(db, input.plan_id).get();
  if (!plan) throw new NotFound();
  const priceId = planPriceId(plan, input.billing);
  if (!priceId) throw new ValidationError({ billing: [`The ${plan.name} plan has no ${input.billing} price.`] });
  return createCheckoutSession(stripe, config, user, plan, priceId);
}

/** A completed checkout's subscription, as applied to the caller. */
export interface VerifiedSubscription {
  subscription: StripeSubscription;
  plan: PlanRow;
  period: { start: Date | null; end: Date | null };
}

/**
 * Reads a finished checkout back from Stripe and applies it as the webhook would — but only the
 * caller's own session: anybody else's is a 404, as if it did not exist.
 */
export async function verifyCheckout(
  { db, clock, stripe }: Deps,
  { user }: Principal,
  sessionId: string,
): Promise<VerifiedSubscription> {
  const session = await retrieveCheckoutSession(stripe, sessionId);
  if (session.client_reference_id !== String(user.id)) throw new NotFound();
  const expanded = subscriptionSchema.safeParse(session.subscription);
  if (session.status !== "complete" || !expanded.success) {
    throw new CheckoutIncomplete();
  }
  const subscription = expanded.data;
  const priceId = subscription.items.data[0]?.price.id ?? "";
  const [[plan], [free]] = await db.batch([selectPlanByPriceId(db, priceId), selectPlanByName(db, FREE_PLAN_NAME)]);
  if (!plan) throw new Conflict("The subscription's price is not sold by any plan.");
  const changes = {
    ...subscriptionChanges(subscription, plan, free),
    customerId: session.customer ?? subscription.customer,
  };
  // Applied as of the subscription's own latest moment, so a newer webhook still wins and an older one
  // cannot roll this back (the guard in updateSubscription).
  await updateSubscription(db, user.id, changes, subscriptionObservedAt(subscription, epochSeconds(clock.now()))).run();
  return { subscription, plan, period: subscriptionPeriod(subscription) };
}

export async function openBillingPortal({ config, stripe }: Deps, { user }: Principal): Promise<string> {
  stripe.ensureConfigured();
  if (!user.stripeCustomerId) throw new NoStripeCustomer();
  return createBillingPortalSession(stripe, config, user.stripeCustomerId);
}
