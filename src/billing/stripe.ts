import Stripe from "stripe";
import type { Config } from "../env";
import { ApiError, NotFound, ServiceUnavailable } from "../errors";
import type { PlanRow, UserRow } from "../db/schema";

export class PaymentProviderError extends ApiError {
  constructor(action: string) {
    super(502, { detail: `The payment provider did not answer: could not ${action}. Please try again.` });
  }
}

/** Built per request from config; host, port and protocol are settable so tests and dev use a fake. */
export function createStripeClient(config: Config): Stripe {
  const { secretKey, host, port, protocol } = config.stripe;
  if (!secretKey) throw new ServiceUnavailable("Payments are not configured: STRIPE_SECRET_KEY is not set.");
  return new Stripe(secretKey, {
    httpClient: Stripe.createFetchHttpClient(),
    host,
    port,
    protocol,
    maxNetworkRetries: 1,
    timeout: 10_000,
  });
}

/** Stripe's failures become a 502 that names what failed (and a 404 where Stripe says "no such …"). */
async function callStripe<T>(action: string, call: () => Promise<T>, missingIsNotFound = false): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    if (missingIsNotFound && error.statusCode === 404) throw new NotFound();
    console.error(JSON.stringify({ level: "error", stripe: action, type: error.type, status: error.statusCode }));
    throw new PaymentProviderError(action);
  }
}

export async function createCheckoutSession(
  stripe: Stripe,
  config: Config,
  user: UserRow,
  plan: PlanRow,
  priceId: string,
): Promise<string> {
  const metadata = { user_id: String(user.id), plan_id: String(plan.id) };
  const session = await callStripe("create the checkout session", () =>
    stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: priceId, quantity: 1 }],
      client_reference_id: String(user.id),
      metadata,
      subscription_data: { metadata },
      ...(user.stripeCustomerId ? { customer: user.stripeCustomerId } : { customer_email: user.email }),
      success_url: config.frontend.checkoutSuccessUrl,
      cancel_url: config.frontend.checkoutCancelUrl,
    }),
  );
  if (!session.url) throw new PaymentProviderError("create the checkout session");
  return session.url;
}

export function retrieveCheckoutSession(stripe: Stripe, sessionId: string) {
  return callStripe(
    "read the checkout session",
    () => stripe.checkout.sessions.retrieve(sessionId, { expand: ["subscription"] }),
    true,
  );
}

export async function createBillingPortalSession(stripe: Stripe, config: Config, customerId: string): Promise<string> {
  const session = await callStripe("open the billing portal", () =>
    stripe.billingPortal.sessions.create({ customer: customerId, return_url: config.frontend.billingPortalReturnUrl }),
  );
  return session.url;
}
