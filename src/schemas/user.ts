import { z } from "@hono/zod-openapi";
import type { UserWithPlan } from "../db/users";
import type { PlanRow } from "../db/schema";
import type { PlanOffer } from "../billing/plans";
import { planPrice } from "../billing/prices";
import { body, date, email, optionalText, username } from "./fields";

export const priceSchema = z
  .object({
    amount: z.number().openapi({ example: 5 }),
    currency: z.string().openapi({ example: "USD" }),
    interval: z.string().openapi({ example: "month" }),
  })
  .openapi("Price");

export const planSchema = z
  .object({
    id: z.number().int(),
    name: z.string().openapi({ example: "Free" }),
    description: z.string(),
    monthly_price: priceSchema.nullable(),
    yearly_price: priceSchema.nullable(),
    is_current: z.boolean(),
  })
  .openapi("Plan");

export const userSchema = z
  .object({
    pk: z.number().int(),
    username: z.string().openapi({ example: "ada" }),
    email: z.string().openapi({ example: "ada@example.com" }),
    pending_email: z.string().nullable().openapi({
      description: "read-only: an address the user asked to move to, until the link mailed to it is used",
    }),
    first_name: z.string(),
    last_name: z.string(),
    date_of_birth: z.string().nullable().openapi({ format: "date" }),
    plan: planSchema.nullable(),
    stripe_customer_id: z.string().nullable(),
    stripe_subscription_id: z.string().nullable(),
    stripe_subscription_status: z.string().nullable(),
    subscription_renewal_date: z.string().nullable().openapi({ format: "date-time" }),
    subscription_interval: z.string().nullable(),
  })
  .openapi("User");

export type PlanBody = z.infer<typeof planSchema>;
export type UserBody = z.infer<typeof userSchema>;

export function serializePlan(plan: PlanRow, isCurrent: boolean): PlanBody {
  return {
    id: plan.id,
    name: plan.name,
    description: plan.description,
    monthly_price: planPrice(plan, "monthly"),
    yearly_price: planPrice(plan, "yearly"),
    is_current: isCurrent,
  };
}

export function serializePlans(offer: PlanOffer): PlanBody[] {
  return offer.plans.map((plan) => serializePlan(plan, plan.id === offer.currentPlanId));
}

/** The user object of the contract: fields picked one by one, so nothing internal can leak. */
export function serializeUser({ user, plan }: UserWithPlan): UserBody {
  return {
    pk: user.id,
    username: user.username,
    email: user.email,
    pending_email: user.pendingEmail,
    first_name: user.firstName,
    last_name: user.lastName,
    date_of_birth: user.dateOfBirth,
    plan: plan ? serializePlan(plan, true) : null,
    stripe_customer_id: user.stripeCustomerId,
    stripe_subscription_id: user.stripeSubscriptionId,
    stripe_subscription_status: user.stripeSubscriptionStatus,
    subscription_renewal_date: user.subscriptionCurrentPeriodEnd?.toISOString() ?? null,
    subscription_interval: user.subscriptionInterval,
  };
}

/** Writable profile fields. Everything else a client sends back (plan, stripe_*, pk…) is ignored. */
const writableFields = {
  username: username(),
  email: email(),
  first_name: optionalText(150).nullable(),
  last_name: optionalText(150).nullable(),
  date_of_birth: date().nullable(),
};

export const userPatchSchema = body(writableFields).partial().openapi("PatchedUserUpdate");

export const userPutSchema = body({
  ...writableFields,
  email: writableFields.email.optional(),
  first_name: writableFields.first_name.optional(),
  last_name: writableFields.last_name.optional(),
  date_of_birth: writableFields.date_of_birth.optional(),
}).openapi("UserUpdate");

export type UserUpdate = z.infer<typeof userPatchSchema>;
