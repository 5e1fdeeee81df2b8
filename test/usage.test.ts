import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bearer, call, clock, cookieHeader, login, post, register, setCookies, COOKIES } from "./kit";
import { planIdByName, updateUserRow } from "./db";
import { deliver, stripeEvent, subscription } from "./stripe";

const DAY = 86_400;
const HOUR = 3_600;

function consume(access: string, body: unknown = { scope: "ai_responses" }, headers: Record<string, string> = {}) {
  return post("/core/usage/consume/", body, { ...bearer(access), ...headers });
}

async function onPlan(name: string) {
  const session = await register();
  await updateUserRow({ id: session.body.user.pk }, { plan_id: await planIdByName(name) });
  return session;
}

interface UsageBody {
  scope: string;
  limit: number | null;
  used: number;
  remaining: number | null;
  reset_at: string;
}

describe("POST /core/usage/consume/", () => {
  it("takes one unit by default and says where the quota stands, in the body and the headers", async () => {
    const { access } = await register();
    const before = clock.now().getTime();
    const response = await consume(access);
    expect(response.status).toBe(200);
    const usage = await response.json<UsageBody>();
    expect(usage).toMatchObject({ scope: "ai_responses", limit: 3, used: 1, remaining: 2 });
    const resetAt = new Date(usage.reset_at).getTime();
    expect(resetAt).toBeGreaterThanOrEqual(before + DAY * 1000);
    expect(resetAt).toBeLessThanOrEqual(clock.now().getTime() + DAY * 1000);
    expect(response.headers.get("x-ratelimit-limit")).toBe("3");
    expect(response.headers.get("x-ratelimit-remaining")).toBe("2");
    expect(response.headers.get("x-ratelimit-reset")).toBe(String(Math.ceil(resetAt / 1000)));
  });

  it("lets exactly 20 of 100 concurrent consumes through a limit of 20", async () => {
    const { access } = await onPlan("Basic");
    const answers = await Promise.all(Array.from({ length: 100 }, () => consume(access)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(80);
    const status = await (
      await call("/core/rate-limits/status/", { headers: bearer(access) })
    ).json<{
      rate_limits: Record<string, { used: number }>;
    }>();
    expect(status.rate_limits.ai_responses?.used).toBe(20);
  });

  it("never shares a count between two users", async () => {
    const first = await register();
    const second = await register();
    for (let i = 0; i < 3; i++) expect((await consume(first.access)).status).toBe(200);
    expect((await consume(first.access)).status).toBe(429);
    expect(await (await consume(second.access)).json()).toMatchObject({ used: 1, remaining: 2 });
  });

  it("frees units one by one, each a window after it was taken", async () => {
    const { user } = await register();
    // Hours pass: each step signs in afresh (an access token lives 15 minutes).
    const later = async (seconds: number) => {
      clock.advance(seconds);
      return (await login(user)).access;
    };
    expect((await consume(await later(0))).status).toBe(200);
    expect((await consume(await later(HOUR))).status).toBe(200);
    const third = await later(HOUR);
    expect((await consume(third)).status).toBe(200);
    expect((await consume(third)).status).toBe(429);
    const afterFirst = await later(DAY - 2 * HOUR + 1);
    // The first unit has stopped counting; the other two still count.
    expect(await (await consume(afterFirst)).json()).toMatchObject({ used: 3, remaining: 0 });
    expect((await consume(afterFirst)).status).toBe(429);
    expect(await (await consume(await later(HOUR))).json()).toMatchObject({ used: 3 });
  });

  it("takes nothing when the amount is more than what remains", async () => {
    const { access } = await register();
    expect((await consume(access, { scope: "ai_responses", amount: 2 })).status).toBe(200);
    expect((await consume(access, { scope: "ai_responses", amount: 2 })).status).toBe(429);
    expect(await (await consume(access, { scope: "ai_responses", amount: 1 })).json()).toMatchObject({ used: 3 });
  });

  it("answers 429 with the Django service's body, Retry-After and the X-RateLimit headers", async () => {
    const { access } = await register();
    for (let i = 0; i < 3; i++) await consume(access);
    const refused = await consume(access);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({
      error: "rate_limit_exceeded",
      message: "Too many requests. Please try again later.",
      upgrade_suggestion: { recommended_plan: "Basic", upgrade_url: "/plans/" },
    });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(DAY - 60);
    expect(retryAfter).toBeLessThanOrEqual(DAY);
    expect(refused.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(refused.headers.get("x-ratelimit-limit")).toBe("3");
  });

  it("suggests no upgrade on the top plan", async () => {
    const { access } = await onPlan("Premium");
    expect((await consume(access, { scope: "api_calls", amount: 1200 })).status).toBe(200);
    const refused = await consume(access, { scope: "api_calls" });
    expect(await refused.json()).toMatchObject({ upgrade_suggestion: null });
  });

  it("applies the plan the user has now: an upgrade webhook raises the limit for the very next request", async () => {
    const { access, body } = await register();
    for (let i = 0; i < 3; i++) await consume(access);
    expect((await consume(access)).status).toBe(429);
    const pro = subscription({ priceId: "price_pro_monthly", userId: body.user.pk });
    expect((await deliver(stripeEvent("customer.subscription.created", pro))).status).toBe(200);
    expect(await (await consume(access)).json()).toMatchObject({ limit: 100, used: 4, remaining: 96 });
  });

  it("counts a retried consume with the same Idempotency-Key once, answering the same", async () => {
    const { access } = await register();
    const key = { "idempotency-key": crypto.randomUUID() };
    const first = await (await consume(access, { scope: "ai_responses" }, key)).json<UsageBody>();
    const retry = await consume(access, { scope: "ai_responses" }, key);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(first);
    expect(await (await consume(access)).json()).toMatchObject({ used: 2 });
    const reused = await consume(access, { scope: "ai_responses", amount: 2 }, key);
    expect(reused.status).toBe(409);
    expect(await reused.json()).toEqual({ detail: "The Idempotency-Key was used for another consume." });
  });

  it("counts a scope the plan does not limit, without a limit", async () => {
    const { access } = await register();
    await env.DB.prepare(
      "insert into plan_quotas (plan_id, scope, \"limit\", window_seconds) values (?, 'exports', 5, 60)",
    )
      .bind(await planIdByName("Premium"))
      .run();
    const response = await consume(access, { scope: "exports" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ scope: "exports", limit: null, used: 1, remaining: null });
    expect(response.headers.get("x-ratelimit-limit")).toBeNull();
  });

  it("refuses a scope no plan knows, and amounts below 1, as field errors", async () => {
    const { access } = await register();
    const unknown = await consume(access, { scope: "teleports" });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ scope: ['"teleports" is not a valid choice.'] });
    const zero = await consume(access, { scope: "ai_responses", amount: 0 });
    expect(await zero.json()).toEqual({ amount: ["Ensure this value is greater than or equal to 1."] });
    const huge = await consume(access, { scope: "ai_responses", amount: 1e15 });
    expect(await huge.json()).toEqual({ amount: ["Ensure this value is less than or equal to 1000000."] });
    expect((await consume(access, {})).status).toBe(400);
  });

  it("answers 401 signed out and 403 for a cookie request without the CSRF header", async () => {
    expect((await post("/core/usage/consume/", { scope: "ai_responses" })).status).toBe(401);
    const { cookies } = await register();
    const response = await call("/core/usage/consume/", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...cookieHeader({ [COOKIES.access]: cookies.get(COOKIES.access)?.value ?? "" }),
      },
      body: JSON.stringify({ scope: "ai_responses" }),
    });
    expect(response.status).toBe(403);
    expect(setCookies(response).size).toBe(0);
  });
});

describe("POST /core/usage/refund/", () => {
  it("gives back what a consume took, once", async () => {
    const { access } = await register();
    const key = crypto.randomUUID();
    await consume(access, { scope: "ai_responses", amount: 2 }, { "idempotency-key": key });
    const refund = () => post("/core/usage/refund/", { scope: "ai_responses", idempotency_key: key }, bearer(access));
    const first = await refund();
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ used: 0, remaining: 3 });
    const again = await refund();
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ detail: "That consume was already refunded." });
  });

  it("gives back part of a consume, never more than it took", async () => {
    const { access } = await register();
    const key = crypto.randomUUID();
    await consume(access, { scope: "ai_responses", amount: 2 }, { "idempotency-key": key });
    const tooMuch = await post(
      "/core/usage/refund/",
      { scope: "ai_responses", amount: 3, idempotency_key: key },
      bearer(access),
    );
    expect(tooMuch.status).toBe(400);
    const part = await post(
      "/core/usage/refund/",
      { scope: "ai_responses", amount: 1, idempotency_key: key },
      bearer(access),
    );
    expect(await part.json()).toMatchObject({ used: 1 });
  });

  it("answers 404 for a key no consume of that scope used, or another user's", async () => {
    const { access } = await register();
    const key = crypto.randomUUID();
    await consume(access, { scope: "ai_responses" }, { "idempotency-key": key });
    const otherScope = await post(
      "/core/usage/refund/",
      { scope: "questionnaires", idempotency_key: key },
      bearer(access),
    );
    expect(otherScope.status).toBe(404);
    const stranger = await register();
    const theirs = await post(
      "/core/usage/refund/",
      { scope: "ai_responses", idempotency_key: key },
      bearer(stranger.access),
    );
    expect(theirs.status).toBe(404);
  });
});

describe("GET /core/rate-limits/status/", () => {
  async function status(access: string) {
    const response = await call("/core/rate-limits/status/", { headers: bearer(access) });
    expect(response.status).toBe(200);
    return response.json<Record<string, Record<string, Record<string, unknown>>>>();
  }

  it("answers the Django service's shape, field by field, and recommends the next plan at 80 % or more", async () => {
    const { access, user } = await register();
    await consume(access, { scope: "ai_responses", amount: 1 });
    await consume(access, { scope: "questionnaires", amount: 4 });
    await consume(access, { scope: "api_calls", amount: 80 });
    const now = clock.now().getTime();
    const body = await status(access);
    expect(body).toEqual({
      user: { username: user.username, email: user.email, plan: "Free" },
      rate_limits: {
        ai_responses: {
          limit: 3,
          used: 1,
          remaining: 2,
          reset_at: expect.any(String),
          percentage_used: 33.33,
          status: "healthy",
        },
        questionnaires: {
          limit: 5,
          used: 4,
          remaining: 1,
          reset_at: expect.any(String),
          percentage_used: 80,
          status: "warning",
        },
        api_calls: {
          limit: 100,
          used: 80,
          remaining: 20,
          reset_at: expect.any(String),
          percentage_used: 80,
          status: "warning",
        },
      },
      upgrade_recommendation: {
        should_upgrade: true,
        reason: "You are approaching limits on: questionnaires, api_calls",
        recommended_plan: "Basic",
        upgrade_url: "/core/plans/",
        high_usage_scopes: ["questionnaires", "api_calls"],
      },
    });
    // The Django service's scope order, which its clients may show as is.
    expect(Object.keys(body.rate_limits ?? {})).toEqual(["ai_responses", "questionnaires", "api_calls"]);
    const taken = new Date(String(body.rate_limits?.ai_responses?.reset_at)).getTime();
    expect(Math.abs(taken - (now + DAY * 1000))).toBeLessThan(5_000);
  });

  it("recommends nothing below 80 %, saying the usage is comfortable", async () => {
    const { access } = await register();
    await consume(access, { scope: "questionnaires", amount: 3 });
    const body = await status(access);
    expect(body.rate_limits?.questionnaires).toMatchObject({ percentage_used: 60, status: "moderate" });
    expect(body.upgrade_recommendation).toEqual({
      should_upgrade: false,
      reason: "Your usage is within comfortable limits",
      recommended_plan: null,
      upgrade_url: null,
    });
  });

  it("calls a quota at 90 % critical, and on the top plan says there is nothing to upgrade to", async () => {
    const basic = await onPlan("Basic");
    await consume(basic.access, { scope: "ai_responses", amount: 18 });
    const critical = await status(basic.access);
    expect(critical.rate_limits?.ai_responses).toMatchObject({ percentage_used: 90, status: "critical" });
    expect(critical.upgrade_recommendation).toMatchObject({ should_upgrade: true, recommended_plan: "Pro" });
    const premium = await onPlan("Premium");
    await consume(premium.access, { scope: "ai_responses", amount: 950 });
    const top = await status(premium.access);
    expect(top.rate_limits?.ai_responses).toMatchObject({ percentage_used: 95, status: "critical" });
    expect(top.upgrade_recommendation).toEqual({
      should_upgrade: false,
      reason: "You are on the highest plan",
      recommended_plan: null,
      upgrade_url: null,
    });
  });

  it("answers 401 signed out", async () => {
    expect((await call("/core/rate-limits/status/")).status).toBe(401);
  });
});

describe("AccountsRpc (service binding)", () => {
  it("consumes and reports for a user by id, sharing the counter with the HTTP API", async () => {
    const { access, body } = await register();
    await consume(access);
    const rpc = exports.AccountsRpc;
    expect(await rpc.consume(body.user.pk, "ai_responses", 2)).toMatchObject({ allowed: true, used: 3, remaining: 0 });
    expect(await rpc.consume(body.user.pk, "ai_responses")).toMatchObject({
      allowed: false,
      used: 3,
      upgrade_suggestion: { recommended_plan: "Basic", upgrade_url: "/plans/" },
    });
    expect(await rpc.status(body.user.pk)).toMatchObject({
      rate_limits: { ai_responses: { used: 3, status: "critical" } },
    });
    expect(await rpc.consume(999_999, "ai_responses")).toEqual({
      error: { status: 404, body: { detail: "Not found." } },
    });
    expect(await rpc.consume(body.user.pk, "ai_responses", -5)).toEqual({
      error: { status: 400, body: { amount: ["Ensure this value is greater than or equal to 1."] } },
    });
    expect(await rpc.consume(body.user.pk, "teleports")).toEqual({
      error: { status: 400, body: { scope: ['"teleports" is not a valid choice.'] } },
    });
  });
});
