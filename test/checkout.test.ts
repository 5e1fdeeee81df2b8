import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { bearer, call, post, register } from "./kit";
import { planIdByName, subscriptionRow, updateUserRow } from "./db";
import { checkoutSession, deliver, fakeStripe, stripeEvent, subscription } from "./stripe";

beforeEach(() => {
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const CHECKOUT = "/core/payments/create-checkout-session/";

async function lastRequest(path: string) {
  const requests = await fakeStripe.requests();
  return requests.filter((r) => r.path === path).at(-1);
}

describe("POST /core/payments/create-checkout-session/", () => {
  it("creates a subscription checkout for the plan's price and answers its url", async () => {
    const { access, body, user } = await register();
    const pro = await planIdByName("Pro");
    const response = await post(CHECKOUT, { plan_id: pro, billing: "yearly" }, bearer(access));
    expect(response.status).toBe(200);
    const { url } = await response.json<{ url: string }>();
    expect(url).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/);
    const sent = await lastRequest("/v1/checkout/sessions");
    expect(sent?.params).toMatchObject({
      mode: "subscription",
      "line_items[0][price]": "price_pro_yearly",
      "line_items[0][quantity]": "1",
      client_reference_id: String(body.user.pk),
      "metadata[plan_id]": String(pro),
      "subscription_data[metadata][user_id]": String(body.user.pk),
      customer_email: user.email,
      success_url: "https://app.example.com/payments/success?session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "https://app.example.com/payments/cancelled",
    });
  });

  it("reuses the Stripe customer the user already has", async () => {
    const { access, body } = await register();
    await updateUserRow({ id: body.user.pk }, { stripe_customer_id: "cus_existing" });
    await post(CHECKOUT, { plan_id: await planIdByName("Basic"), billing: "monthly" }, bearer(access));
    const sent = await lastRequest("/v1/checkout/sessions");
    expect(sent?.params.customer).toBe("cus_existing");
    expect(sent?.params.customer_email).toBeUndefined();
  });

  it("answers 400 for missing fields or a plan without that billing cycle, 404 for an unknown plan", async () => {
    const { access } = await register();
    const missing = await post(CHECKOUT, {}, bearer(access));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      plan_id: ["This field is required."],
      billing: ["This field is required."],
    });
    const badBilling = await post(CHECKOUT, { plan_id: "x", billing: "weekly" }, bearer(access));
    expect(await badBilling.json()).toEqual({
      plan_id: ["A valid integer is required."],
      billing: ['"weekly" is not a valid choice.'],
    });
    const free = await post(CHECKOUT, { plan_id: await planIdByName("Free"), billing: "monthly" }, bearer(access));
    expect(free.status).toBe(400);
    expect(await free.json()).toEqual({ billing: ["The Free plan has no monthly price."] });
    const unknown = await post(CHECKOUT, { plan_id: 987_654, billing: "monthly" }, bearer(access));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ detail: "Not found." });
  });

  it("retries a failed call once with the same Idempotency-Key, so Stripe cannot act twice", async () => {
    const { access } = await register();
    const before = (await fakeStripe.requests()).length;
    await fakeStripe.failNext(1);
    const response = await post(CHECKOUT, { plan_id: await planIdByName("Basic"), billing: "monthly" }, bearer(access));
    expect(response.status).toBe(200);
    const attempts = (await fakeStripe.requests()).slice(before);
    expect(attempts).toHaveLength(2);
    expect(attempts[0]?.idempotencyKey).toBeTruthy();
    expect(attempts[1]?.idempotencyKey).toBe(attempts[0]?.idempotencyKey);
    expect(attempts[0]?.stripeVersion).toBe("2025-03-31.basil");
  });

  it("answers 502 with a clear message when Stripe fails", async () => {
    const { access } = await register();
    await fakeStripe.failNext(5);
    const response = await post(CHECKOUT, { plan_id: await planIdByName("Pro"), billing: "monthly" }, bearer(access));
    await fakeStripe.failNext(0);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      detail: "The payment provider did not answer: could not create the checkout session. Please try again.",
    });
  });

  it("answers 503 when STRIPE_SECRET_KEY is not set, while the rest of the API works", async () => {
    const { access } = await register();
    const unconfigured = { STRIPE_SECRET_KEY: undefined };
    const response = await call(
      "/core/payments/create-checkout-session",
      {
        method: "POST",
        headers: { ...bearer(access), "content-type": "application/json" },
        body: JSON.stringify({ plan_id: 2, billing: "monthly" }),
      },
      unconfigured,
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ detail: "Payments are not configured: STRIPE_SECRET_KEY is not set." });
    const verify = await call(
      "/core/payments/verify-session?session_id=cs_x",
      { headers: bearer(access) },
      unconfigured,
    );
    expect(verify.status).toBe(503);
    const portal = await call("/core/billing/portal", { method: "POST", headers: bearer(access) }, unconfigured);
    expect(portal.status).toBe(503);
    expect(await portal.json()).toEqual({ detail: "Payments are not configured: STRIPE_SECRET_KEY is not set." });
    expect((await call("/auth/user", { headers: bearer(access) }, unconfigured)).status).toBe(200);
    expect((await call("/core/plans", {}, unconfigured)).status).toBe(200);
  });

  it("answers 401 without credentials", async () => {
    expect((await post(CHECKOUT, { plan_id: 2, billing: "monthly" })).status).toBe(401);
  });
});

describe("GET /core/payments/verify-session/", () => {
  async function checkedOut() {
    const session = await register();
    const pro = await planIdByName("Pro");
    const { url } = await (
      await post(CHECKOUT, { plan_id: pro, billing: "monthly" }, bearer(session.access))
    ).json<{ url: string }>();
    const sessionId = url.split("/").at(-1) ?? "";
    return { ...session, pro, sessionId };
  }

  it("applies the caller's completed checkout and describes the subscription", async () => {
    const { access, body, pro, sessionId } = await checkedOut();
    const start = Math.floor(Date.now() / 1000);
    const sub = subscription({
      priceId: "price_pro_monthly",
      customer: "cus_verified",
      periodStart: start,
      periodEnd: start + 86_400 * 30,
    });
    await fakeStripe.complete(sessionId, { customer: "cus_verified", subscription: sub });
    const response = await call(`/core/payments/verify-session/?session_id=${sessionId}`, { headers: bearer(access) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      success: true,
      subscription: {
        id: sub.id,
        plan_name: "Pro",
        status: "active",
        current_period_start: new Date(start * 1000).toISOString(),
        current_period_end: new Date((start + 86_400 * 30) * 1000).toISOString(),
      },
    });
    expect(await subscriptionRow(body.user.pk)).toMatchObject({
      plan_id: pro,
      stripe_customer_id: "cus_verified",
      stripe_subscription_id: sub.id,
      stripe_subscription_status: "active",
      subscription_interval: "month",
    });
  });

  it("grants nothing for a completed checkout whose subscription is no longer paid for", async () => {
    const { access, body, sessionId } = await checkedOut();
    const free = await planIdByName("Free");
    const start = Math.floor(Date.now() / 1000) - 86_400;
    const canceled = { ...subscription({ priceId: "price_pro_monthly", periodStart: start }), status: "canceled" };
    await fakeStripe.complete(sessionId, { subscription: { ...canceled, canceled_at: start + 3600 } });
    const response = await call(`/core/payments/verify-session/?session_id=${sessionId}`, { headers: bearer(access) });
    expect(response.status).toBe(200);
    expect(await subscriptionRow(body.user.pk)).toMatchObject({
      plan_id: free,
      stripe_subscription_status: "canceled",
    });
  });

  it("cannot undo a later cancellation by verifying the old checkout again", async () => {
    const { access, body, pro, sessionId } = await checkedOut();
    const start = Math.floor(Date.now() / 1000) - 600;
    const active = subscription({ priceId: "price_pro_monthly", customer: "cus_again", periodStart: start });
    await fakeStripe.complete(sessionId, { customer: "cus_again", subscription: active });
    const verify = () => call(`/core/payments/verify-session/?session_id=${sessionId}`, { headers: bearer(access) });
    expect((await verify()).status).toBe(200);
    expect((await subscriptionRow(body.user.pk))?.plan_id).toBe(pro);
    // The customer cancels a minute later; Stripe's event says so.
    const cancelledAt = Math.floor(Date.now() / 1000) - 60;
    const deleted = stripeEvent("customer.subscription.deleted", { ...active, status: "canceled" }, cancelledAt);
    expect((await deliver(deleted)).status).toBe(200);
    expect((await subscriptionRow(body.user.pk))?.plan_id).toBe(await planIdByName("Free"));
    // The old (still stored) checkout is verified again: its subscription reads active as of then.
    expect((await verify()).status).toBe(200);
    expect(await subscriptionRow(body.user.pk)).toMatchObject({
      plan_id: await planIdByName("Free"),
      stripe_subscription_status: "canceled",
    });
  });

  it("does not stamp the time of verifying: a webhook from moments before still applies", async () => {
    const { access, body, sessionId } = await checkedOut();
    const start = Math.floor(Date.now() / 1000) - 3600;
    const active = subscription({ priceId: "price_pro_monthly", customer: "cus_stamp", periodStart: start });
    await fakeStripe.complete(sessionId, { customer: "cus_stamp", subscription: active });
    expect(
      (await call(`/core/payments/verify-session/?session_id=${sessionId}`, { headers: bearer(access) })).status,
    ).toBe(200);
    // Sent by Stripe a few seconds before the verification answered, delivered after it.
    const unpaid = stripeEvent(
      "customer.subscription.updated",
      { ...active, status: "unpaid" },
      Math.floor(Date.now() / 1000) - 5,
    );
    expect(await (await deliver(unpaid)).json()).toMatchObject({ outcome: "applied" });
    expect(await subscriptionRow(body.user.pk)).toMatchObject({
      plan_id: await planIdByName("Free"),
      stripe_subscription_status: "unpaid",
    });
  });

  it("answers 404 for another user's session, changing nothing", async () => {
    const { sessionId } = await checkedOut();
    await fakeStripe.complete(sessionId, { subscription: subscription({ priceId: "price_pro_monthly" }) });
    const intruder = await register();
    const before = await subscriptionRow(intruder.body.user.pk);
    const response = await call(`/core/payments/verify-session/?session_id=${sessionId}`, {
      headers: bearer(intruder.access),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: "Not found." });
    expect(await subscriptionRow(intruder.body.user.pk)).toEqual(before);
  });

  it("answers 404 for an unknown session, 400 for an unfinished one or a missing id", async () => {
    const { access, sessionId } = await checkedOut();
    expect((await call("/core/payments/verify-session/?session_id=cs_nope", { headers: bearer(access) })).status).toBe(
      404,
    );
    const open = await call(`/core/payments/verify-session/?session_id=${sessionId}`, { headers: bearer(access) });
    expect(open.status).toBe(400);
    expect(await open.json()).toEqual({ detail: "The checkout session is not complete." });
    const missing = await call("/core/payments/verify-session/", { headers: bearer(access) });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ session_id: ["This field is required."] });
  });
});

describe("POST /core/billing/portal/", () => {
  it("answers the portal url for a user with a Stripe customer", async () => {
    const { access, body } = await register();
    await deliver(
      stripeEvent(
        "checkout.session.completed",
        checkoutSession({ userId: body.user.pk, planId: await planIdByName("Basic"), customer: "cus_portal" }),
      ),
    );
    const response = await post("/core/billing/portal/", {}, bearer(access));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      url: expect.stringMatching(/^https:\/\/billing\.stripe\.test\/p\/session\//),
    });
    expect((await lastRequest("/v1/billing_portal/sessions"))?.params).toEqual({
      customer: "cus_portal",
      return_url: "https://app.example.com/profile",
    });
  });

  it("answers 400 when the user has no Stripe customer", async () => {
    const { access } = await register();
    const response = await post("/core/billing/portal/", {}, bearer(access));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "No Stripe customer ID found." });
  });

  it("answers 401 without credentials", async () => {
    expect((await post("/core/billing/portal/", {})).status).toBe(401);
  });
});
