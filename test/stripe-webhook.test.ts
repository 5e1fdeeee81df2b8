import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { bearer, call, register } from "./kit";
import { insertPlanRow, planIdByName, stripeEventRows, subscriptionRow } from "./db";
import { d1FailingAtBatch } from "./d1";
import { checkoutSession, deliver, price, signatureFor, stripeEvent, subscription } from "./stripe";

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function eventRow(id: string) {
  return (await stripeEventRows(id)).results[0] ?? null;
}

/** A user who checked out Basic monthly: plan, customer and subscription stored. */
async function subscriber() {
  const session = await register();
  const basic = await planIdByName("Basic");
  const checkout = checkoutSession({ userId: session.body.user.pk, planId: basic });
  expect((await deliver(stripeEvent("checkout.session.completed", checkout))).status).toBe(200);
  return {
    ...session,
    userId: session.body.user.pk,
    customer: checkout.customer as string,
    subscriptionId: checkout.subscription as string,
  };
}

describe("POST /core/payments/webhook/stripe/ — signature", () => {
  it("accepts an event signed by Stripe's own helper", async () => {
    const response = await deliver(stripeEvent("invoice.paid", { id: "in_1" }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, outcome: "ignored" });
  });

  it("refuses a wrong secret, a tampered body, a stale timestamp and a missing header, changing nothing", async () => {
    const { userId } = await subscriber();
    const before = await subscriptionRow(userId);
    const event = stripeEvent("customer.subscription.deleted", subscription({ priceId: "price_basic_monthly" }));
    const body = JSON.stringify(event);
    const signed = await deliver(event, { secret: "whsec_wrong" });
    const tampered = await deliver(event, {
      header: await signatureFor(body),
      rawBody: body.replace('"status":"active"', '"status":"past_due"'),
    });
    const stale = await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    const future = await deliver(event, { timestamp: Math.floor(Date.now() / 1000) + 301 });
    const missing = await deliver(event, { header: "" });
    const garbage = await deliver(event, { header: "t=abc,v1=zz" });
    for (const response of [signed, tampered, stale, future, missing, garbage]) {
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ detail: "Invalid Stripe signature." });
    }
    expect(await subscriptionRow(userId)).toEqual(before);
    expect(await eventRow(event.id)).toBeNull();
  });

  it("accepts a header with several v1 signatures when one of them matches (secret roll)", async () => {
    const event = stripeEvent("invoice.paid", { id: "in_2" });
    const [t, v1] = (await signatureFor(JSON.stringify(event))).split(",");
    const header = `${t},v1=${"0".repeat(64)},${v1},v0=${"1".repeat(64)}`;
    expect((await deliver(event, { header })).status).toBe(200);
  });

  it("accepts events far larger than a client body (up to 1 MiB), refuses larger ones with 413", async () => {
    const lines = Array.from({ length: 2_000 }, (_, i) => ({ id: `il_${i}`, description: "x".repeat(100) }));
    const big = await deliver(stripeEvent("invoice.paid", { id: "in_big", lines: { data: lines } }));
    expect(big.status).toBe(200);
    const huge = await deliver(stripeEvent("invoice.paid", { id: "in_huge", blob: "x".repeat(1_100_000) }));
    expect(huge.status).toBe(413);
  });

  it("refuses a signed body that is not JSON or not an event", async () => {
    const notJson = await deliver(null, { rawBody: "{not json" });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ detail: "Invalid payload: not JSON." });
    const notEvent = await deliver({ hello: "world" });
    expect(notEvent.status).toBe(400);
    expect(await notEvent.json()).toEqual({ detail: "Invalid payload: not a Stripe event." });
    const badObject = await deliver(stripeEvent("customer.subscription.updated", { id: "sub_x" }));
    expect(badObject.status).toBe(400);
  });
});

describe("POST /core/payments/webhook/stripe/ — a paid plan only while it is paid for", () => {
  async function subscribed(status: string) {
    const { body } = await register();
    const sub = { ...subscription({ priceId: "price_pro_monthly", userId: body.user.pk }), status };
    expect((await deliver(stripeEvent("customer.subscription.created", sub))).status).toBe(200);
    return { userId: body.user.pk, sub };
  }

  it("grants the plan to active and trialing subscriptions", async () => {
    const pro = await planIdByName("Pro");
    for (const status of ["active", "trialing"]) {
      const { userId } = await subscribed(status);
      expect(await subscriptionRow(userId), status).toMatchObject({ plan_id: pro, stripe_subscription_status: status });
    }
  });

  it("puts every other status on Free", async () => {
    const free = await planIdByName("Free");
    for (const status of ["unpaid", "canceled", "incomplete", "incomplete_expired", "paused"]) {
      const { userId } = await subscribed(status);
      expect(await subscriptionRow(userId), status).toMatchObject({
        plan_id: free,
        stripe_subscription_status: status,
      });
    }
  });

  it("keeps the current plan while past_due (Stripe retries the payment), then Free once unpaid", async () => {
    const { userId, sub } = await subscribed("active");
    const created = Math.floor(Date.now() / 1000);
    await deliver(stripeEvent("customer.subscription.updated", { ...sub, status: "past_due" }, created + 1));
    expect(await subscriptionRow(userId)).toMatchObject({
      plan_id: await planIdByName("Pro"),
      stripe_subscription_status: "past_due",
    });
    await deliver(stripeEvent("customer.subscription.updated", { ...sub, status: "unpaid" }, created + 2));
    expect(await subscriptionRow(userId)).toMatchObject({
      plan_id: await planIdByName("Free"),
      stripe_subscription_status: "unpaid",
    });
  });

  it("grants nothing for a checkout completed without payment", async () => {
    const { body } = await register();
    const unpaid = checkoutSession({
      userId: body.user.pk,
      planId: await planIdByName("Basic"),
      paymentStatus: "unpaid",
    });
    expect((await deliver(stripeEvent("checkout.session.completed", unpaid))).status).toBe(200);
    expect(await subscriptionRow(body.user.pk)).toMatchObject({
      plan_id: await planIdByName("Free"),
      stripe_subscription_status: "incomplete",
    });
  });
});

describe("POST /core/payments/webhook/stripe/ — events", () => {
  it("checkout.session.completed sets the plan, customer, subscription and status of the user it names", async () => {
    const { body } = await register();
    const pro = await planIdByName("Pro");
    const checkout = checkoutSession({ userId: body.user.pk, planId: pro });
    const event = stripeEvent("checkout.session.completed", checkout);
    const response = await deliver(event);
    expect(await response.json()).toEqual({ received: true, outcome: "applied" });
    expect(await subscriptionRow(body.user.pk)).toMatchObject({
      plan_id: pro,
      stripe_customer_id: checkout.customer,
      stripe_subscription_id: checkout.subscription,
      stripe_subscription_status: "active",
    });
    expect((await eventRow(event.id))?.outcome).toBe("applied");
  });

  it("checkout.session.completed falls back to the customer's email", async () => {
    const { body, user } = await register();
    const pro = await planIdByName("Pro");
    const event = stripeEvent(
      "checkout.session.completed",
      checkoutSession({ email: user.email.toUpperCase(), planId: pro }),
    );
    expect(await (await deliver(event)).json()).toMatchObject({ outcome: "applied" });
    expect((await subscriptionRow(body.user.pk))?.plan_id).toBe(pro);
  });

  it("customer.subscription.updated sets plan by price, status, period end and interval", async () => {
    const { userId, customer, subscriptionId, access } = await subscriber();
    const premium = await planIdByName("Premium");
    const periodEnd = Math.floor(Date.now() / 1000) + 365 * 86_400;
    const event = stripeEvent(
      "customer.subscription.updated",
      subscription({
        id: subscriptionId,
        customer,
        priceId: "price_premium_yearly",
        interval: "year",
        periodEnd,
        status: "active",
      }),
    );
    expect(await (await deliver(event)).json()).toMatchObject({ outcome: "applied" });
    const me = await (await call("/auth/user/", { headers: bearer(access) })).json<Record<string, unknown>>();
    expect(me).toMatchObject({
      plan: {
        id: premium,
        name: "Premium",
        is_current: true,
        yearly_price: { amount: 300, currency: "USD", interval: "year" },
      },
      stripe_subscription_status: "active",
      subscription_interval: "year",
      subscription_renewal_date: new Date(periodEnd * 1000).toISOString(),
    });
    expect((await subscriptionRow(userId))?.plan_id).toBe(premium);
  });

  it("customer.subscription.created finds a new subscriber by the user id in the subscription metadata", async () => {
    const { body } = await register();
    const basic = await planIdByName("Basic");
    const event = stripeEvent(
      "customer.subscription.created",
      subscription({ priceId: "price_basic_monthly", userId: body.user.pk }),
    );
    expect(await (await deliver(event)).json()).toMatchObject({ outcome: "applied" });
    expect(await subscriptionRow(body.user.pk)).toMatchObject({
      plan_id: basic,
      stripe_subscription_status: "active",
      subscription_interval: "month",
    });
  });

  it("customer.subscription.deleted puts the user back on Free with status canceled", async () => {
    const { userId, subscriptionId, customer } = await subscriber();
    const event = stripeEvent(
      "customer.subscription.deleted",
      subscription({ id: subscriptionId, customer, priceId: "price_basic_monthly", status: "canceled" }),
    );
    expect(await (await deliver(event)).json()).toMatchObject({ outcome: "applied" });
    expect(await subscriptionRow(userId)).toMatchObject({
      plan_id: await planIdByName("Free"),
      stripe_subscription_status: "canceled",
      subscription_current_period_end: null,
      subscription_interval: null,
    });
  });

  it("customer.subscription.deleted of a subscription the user no longer holds changes nothing", async () => {
    const { userId, customer } = await subscriber();
    const before = await subscriptionRow(userId);
    const old = stripeEvent(
      "customer.subscription.deleted",
      subscription({ id: "sub_replaced_long_ago", customer, priceId: "price_basic_monthly" }),
    );
    expect(await (await deliver(old)).json()).toMatchObject({ outcome: "unmatched" });
    expect(await subscriptionRow(userId)).toEqual(before);
  });

  it("applies a redelivered event once, answering 200 both times", async () => {
    const { userId, subscriptionId, customer } = await subscriber();
    const event = stripeEvent(
      "customer.subscription.updated",
      subscription({ id: subscriptionId, customer, priceId: "price_pro_monthly" }),
    );
    expect(await (await deliver(event)).json()).toMatchObject({ outcome: "applied" });
    // The user changes plan again in between; the redelivery must not undo that.
    const later = stripeEvent(
      "customer.subscription.updated",
      subscription({ id: subscriptionId, customer, priceId: "price_premium_monthly" }),
      event.created + 1,
    );
    await deliver(later);
    const redelivered = await deliver(event);
    expect(redelivered.status).toBe(200);
    expect(await redelivered.json()).toMatchObject({ outcome: "duplicate" });
    expect((await subscriptionRow(userId))?.plan_id).toBe(await planIdByName("Premium"));
    expect((await stripeEventRows(event.id)).results).toHaveLength(1);
  });

  it("applies an event delivered twice at the same moment exactly once", async () => {
    const { subscriptionId, customer } = await subscriber();
    const event = stripeEvent(
      "customer.subscription.updated",
      subscription({ id: subscriptionId, customer, priceId: "price_pro_monthly" }),
    );
    const outcomes = await Promise.all([deliver(event), deliver(event), deliver(event)]);
    const bodies = await Promise.all(outcomes.map((r) => r.json<{ outcome: string }>()));
    expect(outcomes.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(bodies.filter((b) => b.outcome === "applied")).toHaveLength(1);
  });

  it("does not let an older event overwrite newer state (out-of-order delivery)", async () => {
    const { userId, subscriptionId, customer } = await subscriber();
    const now = Math.floor(Date.now() / 1000);
    const newer = stripeEvent(
      "customer.subscription.updated",
      subscription({ id: subscriptionId, customer, priceId: "price_premium_monthly" }),
      now + 60,
    );
    const older = stripeEvent(
      "customer.subscription.updated",
      subscription({ id: subscriptionId, customer, priceId: "price_pro_monthly", status: "incomplete" }),
      now + 30,
    );
    await deliver(newer);
    const response = await deliver(older);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outcome: "stale" });
    expect(await subscriptionRow(userId)).toMatchObject({
      plan_id: await planIdByName("Premium"),
      stripe_subscription_status: "active",
    });
  });

  it("records an event for an unknown user or an unknown price as unmatched, with a 200", async () => {
    const { subscriptionId, customer, userId } = await subscriber();
    const before = await subscriptionRow(userId);
    const unknownUser = stripeEvent("customer.subscription.updated", subscription({ priceId: "price_pro_monthly" }));
    const unknownPrice = stripeEvent(
      "customer.subscription.updated",
      subscription({ id: subscriptionId, customer, priceId: "price_nobody_sells" }),
    );
    const unknownPlan = stripeEvent("checkout.session.completed", checkoutSession({ userId, planId: 999_999 }));
    for (const event of [unknownUser, unknownPrice, unknownPlan]) {
      const response = await deliver(event);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ outcome: "unmatched" });
      expect((await eventRow(event.id))?.outcome).toBe("unmatched");
    }
    expect(await subscriptionRow(userId)).toEqual(before);
    expect(warn).toHaveBeenCalled();
  });

  it("price.created / updated / deleted keep the plan's cached price current", async () => {
    const suffix = Date.now().toString(36);
    await insertPlanRow({
      name: `Team ${suffix}`,
      sort_order: 9,
      stripe_monthly_price_id: `price_team_m_${suffix}`,
      stripe_yearly_price_id: `price_team_y_${suffix}`,
    });
    const listed = async () => {
      const plans = await (await call("/core/plans/")).json<Array<Record<string, unknown>>>();
      return plans.find((p) => p.name === `Team ${suffix}`);
    };
    expect(await listed()).toMatchObject({ monthly_price: null, yearly_price: null });
    await deliver(stripeEvent("price.created", price({ id: `price_team_m_${suffix}`, unitAmount: 1999 })));
    await deliver(
      stripeEvent(
        "price.updated",
        price({ id: `price_team_y_${suffix}`, unitAmount: 5550, currency: "eur", interval: "year" }),
      ),
    );
    expect(await listed()).toMatchObject({
      monthly_price: { amount: 19.99, currency: "USD", interval: "month" },
      yearly_price: { amount: 55.5, currency: "EUR", interval: "year" },
    });
    await deliver(
      stripeEvent("price.deleted", price({ id: `price_team_m_${suffix}`, unitAmount: 1999, active: false })),
    );
    expect(await listed()).toMatchObject({ monthly_price: null, yearly_price: { amount: 55.5 } });
    const unknown = await deliver(stripeEvent("price.updated", price({ id: "price_of_nothing", unitAmount: 100 })));
    expect(await unknown.json()).toMatchObject({ outcome: "unmatched" });
  });

  it("answers 500 and records nothing when applying fails, so Stripe's retry applies it", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { userId, subscriptionId, customer } = await subscriber();
    const event = stripeEvent(
      "customer.subscription.updated",
      subscription({ id: subscriptionId, customer, priceId: "price_pro_monthly" }),
    );
    const payload = JSON.stringify(event);
    const header = await signatureFor(payload);
    // D1 answers the reads (first batch) but fails the write batch, as during an outage.
    const failingDb = d1FailingAtBatch(env.DB, 2);
    const failed = await call(
      "/core/payments/webhook/stripe",
      {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": header },
        body: payload,
      },
      { DB: failingDb },
    );
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ detail: "A server error occurred." });
    expect(await eventRow(event.id)).toBeNull();
    expect((await subscriptionRow(userId))?.plan_id).toBe(await planIdByName("Basic"));
    const retried = await deliver(event);
    expect(await retried.json()).toMatchObject({ outcome: "applied" });
    expect((await subscriptionRow(userId))?.plan_id).toBe(await planIdByName("Pro"));
  });
});
