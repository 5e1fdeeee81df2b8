import type { Config } from "../env";
import { ApiError, NotFound, ValidationError } from "../errors";
import type { Database } from "../db/client";
import { selectPlanById, selectPlanByPriceId, updateSubscription } from "../db/subscriptions";
import type { Principal } from "../auth/principal";
import { subscriptionChanges, subscriptionPeriod, subscriptionSchema } from "./events";
import { planPriceId, type Billing } from "./prices";
import {
  createBillingPortalSession,
  createCheckoutSession,
  createStripeClient,
  retrieveCheckoutSession,
} from "./stripe";

/** A Stripe Checkout page for the plan on that billing cycle, for the signed-in user. */
export async function startCheckout(
  db: Database,
  config: Config,
  { user }: Principal,
  input: { plan_id: number; billing: Billing },
): Promise<string> {
  const stripe = createStripeClient(config);
  const plan = await selectPlanById(db, input.plan_id).get();
  if (!plan) throw new NotFound();
  const priceId = planPriceId(plan, input.billing);
  if (!priceId) throw new ValidationError({ billing: [`The ${plan.name} plan has no ${input.billing} price.`] });
  return createCheckoutSession(stripe, config, user, plan, priceId);
}

export interface VerifiedSubscription {
  id: string;
  plan_name: string;
  status: string;
  current_period_start: string | null;
  current_period_end: string | null;
}

/**
 * Reads a finished checkout back from Stripe and applies it as the webhook would — but only the
 * caller's own session: anybody else's is a 404, as if it did not exist.
 */
export async function verifyCheckout(
  db: Database,
  config: Config,
  { user }: Principal,
  sessionId: string,
): Promise<VerifiedSubscription> {
  const stripe = createStripeClient(config);
  const session = await retrieveCheckoutSession(stripe, sessionId);
  if (session.client_reference_id !== String(user.id)) throw new NotFound();
  const expanded = subscriptionSchema.safeParse(session.subscription);
  if (session.status !== "complete" || !expanded.success) {
    throw new ApiError(400, { detail: "The checkout session is not complete." });
  }
  const subscription = expanded.data;
  const priceId = subscription.items.data[0]?.price.id ?? "";
  const plan = await selectPlanByPriceId(db, priceId).get();
  if (!plan) throw new ApiError(409, { detail: "The subscription's price is not sold by any plan." });
  const changes = { ...subscriptionChanges(subscription, plan), customerId: session.customer ?? subscription.customer };
  await updateSubscription(db, user.id, changes, Math.floor(Date.now() / 1000)).run();
  const period = subscriptionPeriod(subscription);
  return {
    id: subscription.id,
    plan_name: plan.name,
    status: subscription.status,
    current_period_start: period.start?.toISOString() ?? null,
    current_period_end: period.end?.toISOString() ?? null,
  };
}

export async function openBillingPortal(config: Config, { user }: Principal): Promise<string> {
  const stripe = createStripeClient(config);
  if (!user.stripeCustomerId) throw new ApiError(400, { error: "No Stripe customer ID found." });
  return createBillingPortalSession(stripe, config, user.stripeCustomerId);
}
