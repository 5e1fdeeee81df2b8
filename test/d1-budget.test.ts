import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bearer, call, COOKIES, jsonInit, register, registerStaff, sendBack, signInOptions, withPasskey } from "./kit";
import { planIdByName } from "./db";
import { countingD1 } from "./d1";
import { checkoutSession, signatureFor, stripeEvent, subscription } from "./stripe";

/** Runs one request against a counting D1 and returns its response and what it cost. */
async function measured(path: string, init: RequestInit = {}) {
  const { db, counts } = countingD1(env.DB);
  const response = await call(path, init, { DB: db });
  return { response, ...counts };
}

describe("D1 cost per request", () => {
  it("GET /auth/user/: one query", async () => {
    const { access } = await register();
    const { response, roundTrips, statements } = await measured("/auth/user/", { headers: bearer(access) });
    expect(response.status).toBe(200);
    expect({ roundTrips, statements }).toEqual({ roundTrips: 1, statements: 1 });
  });

  it("GET /admin/api/users/?search=: two queries — the staff caller's session, then the page with its count", async () => {
    const { user, access } = await registerStaff();
    const { response, roundTrips, statements } = await measured(`/admin/api/users/?search=${user.email.slice(0, 5)}`, {
      headers: bearer(access),
    });
    expect(response.status).toBe(200);
    expect({ roundTrips, statements }).toEqual({ roundTrips: 2, statements: 2 });
  });

  it("GET /admin/users (the console page): the session, then the page and the plans for the filter", async () => {
    const { user, access } = await registerStaff();
    const { response, roundTrips } = await measured(`/admin/users?search=${user.username}`, {
      headers: bearer(access),
    });
    expect(response.status).toBe(200);
    expect(roundTrips).toBe(3);
  });

  it("GET /core/plans/ (signed in): one query", async () => {
    const { access } = await register();
    const { response, roundTrips, statements } = await measured("/core/plans/", { headers: bearer(access) });
    expect(response.status).toBe(200);
    expect({ roundTrips, statements }).toEqual({ roundTrips: 1, statements: 1 });
  });

  it("POST /auth/login/: at most two round trips", async () => {
    const { user } = await register();
    const { response, roundTrips } = await measured(
      "/auth/login/",
      jsonInit({ username: user.username, password: user.password }),
    );
    expect(response.status).toBe(200);
    expect(roundTrips).toBeLessThanOrEqual(2);
  });

  it("POST /auth/passkeys/login/: two round trips — the challenge used with the credential found, then the session with the passkey's use", async () => {
    const { authenticator } = await withPasskey();
    const answer = await authenticator.get(await signInOptions());
    const { response, roundTrips } = await measured("/auth/passkeys/login/", jsonInit({ credential: answer }));
    expect(response.status).toBe(200);
    expect(roundTrips).toBe(2);
  });

  it("POST /auth/passkeys/login/options/: one round trip (the challenge)", async () => {
    const { response, roundTrips } = await measured("/auth/passkeys/login/options/", jsonInit({}));
    expect(response.status).toBe(200);
    expect(roundTrips).toBe(1);
  });

  it("POST /auth/token/refresh/: one round trip (the rotation and the reads it decides on, batched)", async () => {
    const { refresh } = await register();
    const { response, roundTrips } = await measured("/auth/token/refresh/", jsonInit({ refresh }));
    expect(response.status).toBe(200);
    expect(roundTrips).toBe(1);
  });

  it("a silent refresh (cookie client, access cookie gone): one round trip; the budget is two", async () => {
    const { cookies } = await register();
    const { response, roundTrips } = await measured("/auth/user/", { headers: sendBack(cookies, COOKIES.refresh) });
    expect(response.status).toBe(200);
    expect(roundTrips).toBe(1);
  });

  it("POST /core/usage/consume/: one round trip (the user, plan and quotas) and one Durable Object call", async () => {
    const { access } = await register();
    let objectCalls = 0;
    const usage = new Proxy(env.USAGE, {
      get(target, property) {
        if (property === "get") {
          return (id: DurableObjectId) => {
            objectCalls += 1;
            return target.get(id);
          };
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const { db, counts } = countingD1(env.DB);
    const response = await call("/core/usage/consume/", jsonInit({ scope: "ai_responses" }, bearer(access)), {
      DB: db,
      USAGE: usage,
    });
    expect(response.status).toBe(200);
    expect({ roundTrips: counts.roundTrips, objectCalls }).toEqual({ roundTrips: 1, objectCalls: 1 });
  });

  it("an ordinary cookie-authenticated request: one round trip", async () => {
    const { cookies } = await register();
    const { response, roundTrips } = await measured("/auth/user/", { headers: sendBack(cookies, COOKIES.access) });
    expect(response.status).toBe(200);
    expect(roundTrips).toBe(1);
  });

  it("POST /core/payments/webhook/stripe/: at most two round trips per event", async () => {
    const { body } = await register();
    const checkout = checkoutSession({ userId: body.user.pk, planId: await planIdByName("Basic") });
    const events = [
      stripeEvent("checkout.session.completed", checkout),
      stripeEvent(
        "customer.subscription.updated",
        subscription({
          id: checkout.subscription as string,
          customer: checkout.customer as string,
          priceId: "price_pro_monthly",
        }),
      ),
      stripeEvent("invoice.paid", { id: "in_budget" }),
    ];
    for (const event of events) {
      const payload = JSON.stringify(event);
      const headers = { "stripe-signature": await signatureFor(payload) };
      const { response, roundTrips } = await measured("/core/payments/webhook/stripe/", {
        method: "POST",
        headers,
        body: payload,
      });
      expect(await response.json()).toMatchObject({ outcome: event.type === "invoice.paid" ? "ignored" : "applied" });
      expect(roundTrips, event.type).toBeLessThanOrEqual(2);
    }
  });
});

describe("read replicas (D1 Sessions API)", () => {
  it("answers with a bookmark, and a client that sends it back reads its own write", async () => {
    const { access } = await register();
    const write = await call("/auth/user/", jsonInit({ first_name: "Bookmarked" }, bearer(access), "PATCH"));
    const bookmark = write.headers.get("x-d1-bookmark");
    expect(bookmark).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/);
    const read = await call("/auth/user/", {
      headers: { ...bearer(access), "x-d1-bookmark": bookmark ?? "" },
    });
    expect(await read.json()).toMatchObject({ first_name: "Bookmarked" });
    expect(read.headers.get("x-d1-bookmark")).toBeTruthy();
  });

  it("starts reads unconstrained and writes at the primary, and ignores a malformed bookmark", async () => {
    const { access } = await register();
    const constraints: Array<string | undefined> = [];
    const spy = new Proxy(env.DB, {
      get(target, property) {
        if (property === "withSession") {
          return (constraint?: string) => (constraints.push(constraint), target.withSession(constraint));
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    await call("/auth/user/", { headers: bearer(access) }, { DB: spy });
    await call("/auth/user/", jsonInit({ last_name: "X" }, bearer(access), "PATCH"), { DB: spy });
    await call(
      "/auth/user/",
      {
        headers: { ...bearer(access), "x-d1-bookmark": "'; drop table users" },
      },
      { DB: spy },
    );
    expect(constraints).toEqual(["first-unconstrained", "first-primary", "first-unconstrained"]);
  });
});
