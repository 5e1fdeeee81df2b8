import { z } from "@hono/zod-openapi";
import type { VerifiedSubscription } from "../billing/checkout";
import { body, integer } from "./fields";

const billing = z.enum(["monthly", "yearly"]);

export const plansQuerySchema = z.object({
  billing: billing.optional().openapi({ description: "only plans sold on this billing cycle" }),
});

export const checkoutSchema = body({
  plan_id: integer(),
  billing,
}).openapi("CheckoutRequest");

export const verifySessionQuerySchema = z.object({
  session_id: z
    .string({ error: "This field is required." })
    .min(1, "This field may not be blank.")
    .max(255, "Ensure this field has no more than 255 characters."),
});

export const urlSchema = z.object({ url: z.url() }).openapi("RedirectUrl");

export const verifiedSubscriptionSchema = z
  .object({
    success: z.literal(true),
    subscription: z.object({
      id: z.string(),
      plan_name: z.string(),
      status: z.string(),
      current_period_start: z.string().nullable(),
      current_period_end: z.string().nullable(),
    }),
  })
  .openapi("VerifiedSession");

export const webhookReceivedSchema = z
  .object({ received: z.literal(true), outcome: z.enum(["applied", "ignored", "stale", "unmatched", "duplicate"]) })
  .openapi("WebhookReceived");

export const billingErrorSchema = z.object({ error: z.string() }).openapi("BillingError");

export function serializeVerifiedSubscription({
  subscription,
  plan,
  period,
}: VerifiedSubscription): z.infer<typeof verifiedSubscriptionSchema> {
  return {
    success: true,
    subscription: {
      id: subscription.id,
      plan_name: plan.name,
      status: subscription.status,
      current_period_start: period.start?.toISOString() ?? null,
      current_period_end: period.end?.toISOString() ?? null,
    },
  };
}
