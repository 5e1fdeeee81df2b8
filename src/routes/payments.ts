import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../app";
import { ApiError, ServiceUnavailable } from "../errors";
import { principalOf, requireUser } from "../auth/middleware";
import { openBillingPortal, startCheckout, verifyCheckout } from "../billing/checkout";
import { applyStripeEvent, stripeEventSchema } from "../billing/events";
import { isValidStripeSignature } from "../billing/signature";
import {
  billingErrorSchema,
  checkoutSchema,
  urlSchema,
  verifiedSubscriptionSchema,
  verifySessionQuerySchema,
  webhookReceivedSchema,
} from "../schemas/billing";
import { detailSchema, errorResponses, json, jsonBody, signedInSecurity } from "../schemas/common";

const tags = ["payments"];
const unavailable = json(detailSchema, "Payments are not configured (no STRIPE_SECRET_KEY)");
const providerFailed = json(detailSchema, "Stripe failed to answer");

/** The signed event, or a 400: nothing is parsed before its signature is checked. */
async function verifiedEvent(rawBody: string, signature: string | undefined, secret: string) {
  if (!(await isValidStripeSignature(rawBody, signature, secret))) {
    throw new ApiError(400, { detail: "Invalid Stripe signature." });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    throw new ApiError(400, { detail: "Invalid payload: not JSON." });
  }
  const event = stripeEventSchema.safeParse(payload);
  if (!event.success) throw new ApiError(400, { detail: "Invalid payload: not a Stripe event." });
  return event.data;
}

export const paymentRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/payments/webhook/stripe",
      operationId: "stripeWebhook",
      tags,
      description: "Stripe-signed events (`Stripe-Signature`), each applied at most once.",
      responses: {
        200: json(webhookReceivedSchema, "Received (applied, or recorded as ignored, stale, unmatched or duplicate)"),
        400: json(detailSchema, "Bad signature, stale timestamp or unparsable body: nothing changed"),
        500: json(detailSchema, "Applying failed: nothing recorded, so Stripe's retry applies it"),
        503: json(detailSchema, "No STRIPE_WEBHOOK_SECRET configured"),
      },
    }),
    async (c) => {
      const secret = c.var.config.stripe.webhookSecret;
      if (!secret) throw new ServiceUnavailable("Webhooks are not configured: STRIPE_WEBHOOK_SECRET is not set.");
      const event = await verifiedEvent(await c.req.text(), c.req.header("stripe-signature"), secret);
      const outcome = await applyStripeEvent(c.var.db, event);
      return c.json({ received: true as const, outcome }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/payments/create-checkout-session",
      operationId: "createCheckoutSession",
      tags,
      middleware: [requireUser],
      security: signedInSecurity,
      request: { body: jsonBody(checkoutSchema) },
      responses: {
        200: json(urlSchema, "The Stripe Checkout page to send the user to"),
        ...errorResponses,
        404: json(detailSchema, "No such plan"),
        502: providerFailed,
        503: unavailable,
      },
    }),
    async (c) => {
      const url = await startCheckout(c.var.db, c.var.config, principalOf(c), c.req.valid("json"));
      return c.json({ url }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/payments/verify-session",
      operationId: "verifyCheckoutSession",
      tags,
      middleware: [requireUser],
      security: signedInSecurity,
      request: { query: verifySessionQuerySchema },
      responses: {
        200: json(verifiedSubscriptionSchema, "The caller's completed checkout, now applied"),
        400: errorResponses[400],
        401: errorResponses[401],
        404: json(detailSchema, "No such session, or not the caller's"),
        502: providerFailed,
        503: unavailable,
      },
    }),
    async (c) => {
      const { session_id } = c.req.valid("query");
      const subscription = await verifyCheckout(c.var.db, c.var.config, principalOf(c), session_id);
      return c.json({ success: true as const, subscription }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/billing/portal",
      operationId: "createBillingPortalSession",
      tags,
      middleware: [requireUser],
      security: signedInSecurity,
      responses: {
        200: json(urlSchema, "The Stripe billing portal to send the user to"),
        400: json(billingErrorSchema, "The user has no Stripe customer yet"),
        401: errorResponses[401],
        403: errorResponses[403],
        502: providerFailed,
        503: unavailable,
      },
    }),
    async (c) => c.json({ url: await openBillingPortal(c.var.config, principalOf(c)) }, 200),
  );
