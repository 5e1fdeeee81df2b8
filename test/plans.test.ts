import { describe, expect, it } from "vitest";
import { bearer, call, cookieHeader, decodePayload, post, register, signWithTestSecret } from "./kit";
import { insertPlanRow, planIdByName } from "./db";
import { checkoutSession, deliver, stripeEvent } from "./stripe";

type PlanBody = { id: number; name: string; monthly_price: unknown; yearly_price: unknown; is_current: boolean };

describe("GET /core/plans/", () => {
  it("lists the seeded plans in order, with cached prices, to anyone", async () => {
    const response = await call("/core/plans/");
    expect(response.status).toBe(200);
    const plans = await response.json<PlanBody[]>();
    expect(plans.map((p) => p.name)).toEqual(["Free", "Basic", "Pro", "Premium"]);
    expect(plans[0]).toEqual({
      id: expect.any(Number),
      name: "Free",
      description: expect.any(String),
      monthly_price: null,
      yearly_price: null,
      is_current: false,
    });
    expect(plans[1]).toMatchObject({
      monthly_price: { amount: 5, currency: "USD", interval: "month" },
      yearly_price: { amount: 50, currency: "USD", interval: "year" },
      is_current: false,
    });
  });

  it("keeps only plans sold on the billing cycle asked for", async () => {
    const monthly = await (await call("/core/plans/?billing=monthly")).json<PlanBody[]>();
    expect(monthly.map((p) => p.name)).toEqual(["Basic", "Pro", "Premium"]);
    const yearly = await (await call("/core/plans/?billing=yearly")).json<PlanBody[]>();
    expect(yearly.map((p) => p.name)).toEqual(["Basic", "Pro", "Premium"]);
  });

  it("refuses another billing value with a field error", async () => {
    const response = await call("/core/plans/?billing=weekly");
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ billing: ['"weekly" is not a valid choice.'] });
  });

  it("marks the caller's plan as current, by Bearer token or cookie", async () => {
    const { access, body } = await register();
    const pro = await planIdByName("Pro");
    await deliver(stripeEvent("checkout.session.completed", checkoutSession({ userId: body.user.pk, planId: pro })));
    for (const headers of [bearer(access), cookieHeader({ "access-token": access })]) {
      const plans = await (await call("/core/plans/", { headers })).json<PlanBody[]>();
      expect(plans.filter((p) => p.is_current).map((p) => p.name)).toEqual(["Pro"]);
    }
  });

  it("answers 401 for an invalid or revoked token instead of treating the caller as anonymous", async () => {
    const { access, refresh } = await register();
    const expired = await signWithTestSecret({ ...decodePayload(access), exp: Math.floor(Date.now() / 1000) - 5 });
    const response = await call("/core/plans/", { headers: bearer(expired) });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      detail: "Given token not valid for any token type",
      code: "token_not_valid",
    });
    await post("/auth/logout/", { refresh });
    expect((await call("/core/plans/", { headers: bearer(access) })).status).toBe(401);
  });

  it("orders by sort order, then name", async () => {
    await insertPlanRow({ name: "Aardvark", sort_order: 3 });
    await insertPlanRow({ name: "Zebra", sort_order: 0 });
    const plans = await (await call("/core/plans/")).json<PlanBody[]>();
    expect(plans.map((p) => p.name)).toEqual(["Zebra", "Free", "Basic", "Aardvark", "Pro", "Premium"]);
  });
});
