import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../app";
import { signedInOnly } from "../auth/middleware";
import { openBillingPortal, startCheckout, verifyCheckout } from "../billing/checkout";
import { receiveStripeWebhook } from "../billing/events";
import {
  billingErrorSchema,
  checkoutSchema,
  serializeVerifiedSubscription,
  urlSchema,
  verifiedSubscriptionSchema,
  verifySessionQuerySchema,
  webhookReceivedSchema,
} from "../schemas/billing";
import { detailSchema, errorResponses, json, jsonBody, signedInSecurity } from "../schemas/common";

const tags = ["payments"];
const signedIn = { tags, middleware: signedInOnly, security: signedInSecurity };
const unavailable = json(detailSchema, "Payments are not configured (no STRIPE_SECRET_KEY)");
const providerFailed = json(detailSchema, "Stripe failed to answer");

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
      const outcome = await receiveStripeWebhook(c.var, await c.req.text(), c.req.header("stripe-signature"));
      return c.json({ received: true as const, outcome }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/payments/create-checkout-session",
      operationId: "createCheckoutSession",
      ...signedIn,
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
      const url = await startCheckout(c.var, c.var.principal, c.req.valid("json"));
      return c.json({ url }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/payments/verify-session",
      operationId: "verifyCheckoutSession",
      ...signedIn,
      request: { query: verifySessionQuerySchema },
      responses: {
        200: json(verifiedSubscriptionSchema, "The caller's completed checkout, now applied"),
        400: errorResponses[400],
        401: errorResponses[401],
        404: json(detailSchema, "No such session, or not the caller's"),
        409: json(detailSchema, "The subscription's price is not sold by any plan"),
        502: providerFailed,
        503: unavailable,
      },
    }),
    async (c) => {
      const verified = await verifyCheckout(c.var, c.var.principal, c.req.valid("query").session_id);
      return c.json(serializeVerifiedSubscription(verified), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/billing/portal",
      operationId: "createBillingPortalSession",
      ...signedIn,
      responses: {
        200: json(urlSchema, "The Stripe billing portal to send the user to"),
        400: json(billingErrorSchema, "The user has no Stripe customer yet"),
        401: errorResponses[401],
        403: errorResponses[403],
        502: providerFailed,
        503: unavailable,
      },
    }),
    async (c) => c.json({ url: await openBillingPortal(c.var, c.var.principal) }, 200),
  );
