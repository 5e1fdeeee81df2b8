import { env } from "cloudflare:workers";
import Stripe from "stripe";
import { call, clock } from "./kit";

export const WEBHOOK_PATH = "/core/payments/webhook/stripe/";
/** Stripe's clock is the test clock: events and signatures are "now" for the worker under test. */
const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
let sequence = 0;
const uniqueId = (prefix: string) => `${prefix}_test_${Date.now().toString(36)}${(++sequence).toString(36)}`;

export interface StripeEventBody {
  id: string;
  object: "event";
  type: string;
  created: number;
  api_version: string;
  livemode: false;
  data: { object: Record<string, unknown> };
}

/** A Stripe event envelope as Stripe sends it. */
export function stripeEvent(type: string, object: Record<string, unknown>, created = nowSeconds()): StripeEventBody {
  return {
    id: uniqueId("evt"),
    object: "event",
    type,
    created,
    api_version: "2025-03-31.basil",
    livemode: false,
    data: { object },
  };
}

export function checkoutSession(fields: {
  userId?: number | string;
  email?: string;
  planId?: number | string;
  customer?: string;
  subscription?: string;
  paymentStatus?: string;
}): Record<string, unknown> {
  return {
    id: uniqueId("cs"),
    object: "checkout.session",
    mode: "subscription",
    status: "complete",
    payment_status: fields.paymentStatus ?? "paid",
    client_reference_id: fields.userId === undefined ? null : String(fields.userId),
    customer: fields.customer ?? uniqueId("cus"),
    customer_details: { email: fields.email ?? null },
    subscription: fields.subscription ?? uniqueId("sub"),
    metadata: fields.planId === undefined ? {} : { plan_id: String(fields.planId) },
  };
}

/** A subscription in the current API shape: the period lives on the item. */
export function subscription(fields: {
  id?: string;
  customer?: string;
  status?: string;
  priceId: string;
  interval?: "month" | "year";
  periodStart?: number;
  periodEnd?: number;
  userId?: number;
}): Record<string, unknown> & { id: string } {
  const start = fields.periodStart ?? nowSeconds();
  return {
    id: fields.id ?? uniqueId("sub"),
    object: "subscription",
    customer: fields.customer ?? uniqueId("cus"),
    status: fields.status ?? "active",
    items: {
      object: "list",
      data: [
        {
          id: uniqueId("si"),
          price: { id: fields.priceId, recurring: { interval: fields.interval ?? "month" } },
          current_period_start: start,
          current_period_end: fields.periodEnd ?? start + 30 * 86_400,
        },
      ],
    },
    metadata: fields.userId === undefined ? {} : { user_id: String(fields.userId) },
  };
}

export function price(fields: {
  id: string;
  unitAmount: number | null;
  currency?: string;
  interval?: string;
  active?: boolean;
}) {
  return {
    id: fields.id,
    object: "price",
    active: fields.active ?? true,
    currency: fields.currency ?? "usd",
    unit_amount: fields.unitAmount,
    recurring: { interval: fields.interval ?? "month" },
  };
}

/** A `Stripe-Signature` header made by Stripe's own test helper. */
export function signatureFor(payload: string, options: { secret?: string; timestamp?: number } = {}) {
  return Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? env.STRIPE_WEBHOOK_SECRET ?? "",
    timestamp: options.timestamp ?? nowSeconds(),
  });
}

/** Posts an event signed as Stripe would deliver it (or with the header / raw body given). */
export async function deliver(
  event: unknown,
  options: { secret?: string; timestamp?: number; rawBody?: string; header?: string } = {},
) {
  const payload = options.rawBody ?? JSON.stringify(event);
  const header = options.header ?? (await signatureFor(payload, options));
  return call(WEBHOOK_PATH, {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": header },
    body: payload,
  });
}

/** The fake Stripe API's control endpoints (see scripts/fake-stripe.mjs). */
export const fakeStripe = {
  url: (path: string) => `http://127.0.0.1:${env.STRIPE_API_PORT}${path}`,
  async requests(): Promise<
    Array<{
      method: string;
      path: string;
      params: Record<string, string>;
      idempotencyKey: string | null;
      stripeVersion: string | null;
    }>
  > {
    return (await fetch(this.url("/__fake/requests"))).json();
  },
  async failNext(count: number) {
    await fetch(this.url("/__fake/fail"), { method: "POST", body: JSON.stringify({ count }) });
  },
  async complete(sessionId: string, fields: Record<string, unknown>) {
    const response = await fetch(this.url(`/__fake/sessions/${sessionId}/complete`), {
      method: "POST",
      body: JSON.stringify(fields),
    });
    if (!response.ok) throw new Error(`fake Stripe: ${await response.text()}`);
  },
};
