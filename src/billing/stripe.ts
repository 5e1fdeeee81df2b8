import { z } from "zod";
import type { Config } from "../env";
import { NotFound, PaymentProviderError, ServiceUnavailable } from "../errors";
import type { Logger } from "../log";
import type { PlanRow, UserRow } from "../db/schema";
import { randomToken } from "../encoding";

/**
 * The Stripe API calls edge-accounts makes, over `fetch`. Stripe's official SDK did this job
 * first; it was replaced because it is 250 KiB of the bundle (every Stripe resource) for five calls —
 * see the README's Performance section. Requests follow Stripe's REST conventions: form-encoded
 * bodies, a pinned API version, an Idempotency-Key on POSTs so the one retry can never act twice.
 */
const STRIPE_API_VERSION = "2025-03-31.basil";
const TIMEOUT_MS = 10_000;

/** An error answer from Stripe (or no answer at all: status 0). */
class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
  ) {
    super(`Stripe answered ${status} (${type})`);
  }
}

type FormValue = string | number | boolean | null | undefined | FormValue[] | { [key: string]: FormValue };

/** Stripe's form encoding: `metadata[plan_id]=3`, `line_items[0][price]=price_…`. */
export function formEncode(params: Record<string, FormValue>): URLSearchParams {
  const out = new URLSearchParams();
  const add = (key: string, value: FormValue) => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) value.forEach((item, i) => add(`${key}[${i}]`, item));
    else if (typeof value === "object") for (const [k, v] of Object.entries(value)) add(`${key}[${k}]`, v);
    else out.append(key, String(value));
  };
  for (const [key, value] of Object.entries(params)) add(key, value);
  return out;
}

export interface StripeClient {
  request(method: "GET" | "POST" | "DELETE", path: string, params?: Record<string, FormValue>): Promise<unknown>;
  /** The request's logger: a failed call is logged with its cause, the client is told only that it failed. */
  log: Logger;
}

/** Built per request from config; host, port and protocol are settable so tests and dev use a fake. */
export function createStripeClient(config: Config, log: Logger): StripeClient {
  const { secretKey, host, port, protocol } = config.stripe;
  if (!secretKey) throw new ServiceUnavailable("Payments are not configured: STRIPE_SECRET_KEY is not set.");
  const base = `${protocol}://${host}:${port}`;
  const send = async (method: string, url: string, body: string | undefined, idempotencyKey: string | undefined) => {
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${secretKey}`,
        "stripe-version": STRIPE_API_VERSION,
        ...(body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
        ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
      },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const payload: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const type = z.object({ error: z.object({ type: z.string() }) }).safeParse(payload);
      throw new StripeApiError(response.status, type.success ? type.data.error.type : "unknown");
    }
    return payload;
  };
  return {
    log,
    async request(method, path, params = {}) {
      const encoded = formEncode(params).toString();
      const url = method === "GET" && encoded ? `${base}${path}?${encoded}` : `${base}${path}`;
      const body = method === "POST" ? encoded : undefined;
      const idempotencyKey = method === "POST" ? randomToken() : undefined;
      try {
        return await send(method, url, body, idempotencyKey);
      } catch (error) {
        // One retry for what may be passing (network, 429, 5xx); the idempotency key makes it safe.
        const passing = !(error instanceof StripeApiError) || error.status === 429 || error.status >= 500;
        if (!passing) throw error;
        return send(method, url, body, idempotencyKey);
      }
    },
  };
}

/** Stripe's failures become a 502 that names what failed (and a 404 where Stripe says "no such …"). */
async function callStripe<T extends z.ZodType>(
  { log }: StripeClient,
  action: string,
  schema: T,
  call: () => Promise<unknown>,
  missingIsNotFound = false,
): Promise<z.infer<T>> {
  let payload: unknown;
  try {
    payload = await call();
  } catch (error) {
    const status = error instanceof StripeApiError ? error.status : 0;
    if (missingIsNotFound && status === 404) throw new NotFound();
    log.error("stripe call failed", { action, status, cause: String(error) });
    throw new PaymentProviderError(action);
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new PaymentProviderError(action);
  return parsed.data;
}

const urlResponse = z.object({ url: z.string() });

export async function createCheckoutSession(
  stripe: StripeClient,
  config: Config,
  user: UserRow,
  plan: PlanRow,
  priceId: string,
): Promise<string> {
  const metadata = { user_id: String(user.id), plan_id: String(plan.id) };
  const session = await callStripe(stripe, "create the checkout session", urlResponse, () =>
    stripe.request("POST", "/v1/checkout/sessions", {
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
  return session.url;
}

const checkoutSessionResponse = z.object({
  id: z.string(),
  status: z.string().nullish(),
  client_reference_id: z.string().nullish(),
  customer: z.union([z.string(), z.object({ id: z.string() }).transform((c) => c.id)]).nullish(),
  subscription: z.unknown(),
});

export function retrieveCheckoutSession(stripe: StripeClient, sessionId: string) {
  return callStripe(
    stripe,
    "read the checkout session",
    checkoutSessionResponse,
    () => stripe.request("GET", `/v1/checkout/sessions/${encodeURIComponent(sessionId)}`, { expand: ["subscription"] }),
    true,
  );
}

export async function createBillingPortalSession(
  stripe: StripeClient,
  config: Config,
  customerId: string,
): Promise<string> {
  const session = await callStripe(stripe, "open the billing portal", urlResponse, () =>
    stripe.request("POST", "/v1/billing_portal/sessions", {
      customer: customerId,
      return_url: config.frontend.billingPortalReturnUrl,
    }),
  );
  return session.url;
}

/** A Stripe price, as the API returns it and as `price.*` events carry it. */
export const stripePriceSchema = z.object({
  id: z.string(),
  unit_amount: z.number().int().nullish(),
  currency: z.string(),
  active: z.boolean().nullish(),
  recurring: z.object({ interval: z.string() }).nullish(),
});

export type StripePrice = z.infer<typeof stripePriceSchema>;

/** A price, to check that a plan's new price id exists (an unknown one is a 404) and cache its amount. */
export function retrievePrice(stripe: StripeClient, priceId: string): Promise<StripePrice> {
  return callStripe(
    stripe,
    "read the price",
    stripePriceSchema,
    () => stripe.request("GET", `/v1/prices/${encodeURIComponent(priceId)}`),
    true,
  );
}

/**
 * Cancels a subscription now (not at the period's end): what deleting its user requires. One Stripe no
 * longer has (deleted there, our status not told yet) is as cancelled as it gets.
 */
export async function cancelSubscription(stripe: StripeClient, subscriptionId: string): Promise<void> {
  try {
    await callStripe(
      stripe,
      "cancel the subscription",
      z.object({ id: z.string() }),
      () => stripe.request("DELETE", `/v1/subscriptions/${encodeURIComponent(subscriptionId)}`),
      true,
    );
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
  }
}
