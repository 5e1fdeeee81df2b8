import { z } from "zod";
import type { Config } from "../env";
import { NotFound, PaymentProviderError, ServiceUnavailable } from "../errors";
import type { Logger } from "../log";
import type { PlanRow, UserRow } from "../db/schema";
import { randomToken } from "../encoding";
import { createOutboundClient, OutboundError } from "../outbound";

/**
 * The Stripe API calls edge-accounts makes, over `fetch` (the shared outbound client: base URL from
 * configuration, a timeout). Stripe's official SDK did this job first; it was replaced because it is
 * 250 KiB of the bundle (every Stripe resource) for five calls — see the README's Performance section.
 * Requests follow Stripe's REST conventions: form-encoded bodies, a pinned API version, an
 * Idempotency-Key on POSTs so the one retry can never act twice.
 */
const STRIPE_API_VERSION = "2025-03-31.basil";
const TIMEOUT_MS = 10_000;

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
  /** Throws the 503 of a deployment without STRIPE_SECRET_KEY, before any other work of a payments route. */
  ensureConfigured(): void;
  request(method: "GET" | "POST" | "DELETE", path: string, params?: Record<string, FormValue>): Promise<unknown>;
  /** The request's logger: a failed call is logged with its cause, the client is told only that it failed. */
  log: Logger;
}

const stripeErrorType = z.object({ error: z.object({ type: z.string() }) });

/** Built once per request (see `buildDeps`); host, port and protocol are settable so tests and dev use a fake. */
export function createStripeClient(settings: Config["stripe"], log: Logger): StripeClient {
  const { secretKey, host, port, protocol } = settings;
  const http = createOutboundClient({
    service: "stripe",
    baseUrl: `${protocol}://${host}:${port}`,
    timeoutMs: TIMEOUT_MS,
    log,
  });
  const ensureConfigured = () => {
    if (!secretKey) throw new ServiceUnavailable("Payments are not configured: STRIPE_SECRET_KEY is not set.");
  };
  const send = async (method: string, path: string, body: string | undefined, idempotencyKey: string | undefined) => {
    const answer = await http.fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${secretKey}`,
        "stripe-version": STRIPE_API_VERSION,
        ...(body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
        ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
      },
      body,
    });
    if (answer.status < 200 || answer.status >= 300) {
      const type = stripeErrorType.safeParse(answer.body);
      throw new OutboundError("stripe", answer.status, type.success ? type.data.error.type : "unknown");
    }
    return answer.body;
  };
  return {
    log,
    ensureConfigured,
    async request(method, path, params = {}) {
      ensureConfigured();
      const encoded = formEncode(params).toString();
      const target = method === "GET" && encoded ? `${path}?${encoded}` : path;
      const body = method === "POST" ? encoded : undefined;
      const idempotencyKey = method === "POST" ? randomToken() : undefined;
      try {
        return await send(method, target, body, idempotencyKey);
      } catch (error) {
        // One retry for what may be passing (no answer, 429, 5xx); the idempotency key makes it safe.
        const passing =
          error instanceof OutboundError && (error.status === 0 || error.status === 429 || error.status >= 500);
        if (!passing) throw error;
        return send(method, target, body, idempotencyKey);
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
    if (error instanceof ServiceUnavailable) throw error;
    const status = error instanceof OutboundError ? error.status : 0;
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
