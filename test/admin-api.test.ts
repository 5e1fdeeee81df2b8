import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createDb } from "../src/db/client";
import { searchUsersQuery } from "../src/db/admin-users";
import { bearer, browser, call, clock, jsonInit, login, newUser, post, register, registerStaff } from "./kit";
import { mailCount, newestMail, planIdByName, sessionRow, subscriptionRow, updateUserRow, userRow } from "./db";
import { deliver, fakeStripe, stripeEvent, subscription } from "./stripe";

type Page<T> = { count: number; next: string | null; previous: string | null; results: T[] };
type Summary = { id: number; username: string; email: string; plan: string | null; is_active: boolean };
type AdminUser = Summary & {
  plan: { id: number; name: string } | null;
  plan_set_by_hand_at: string | null;
  usage: Array<{ scope: string; limit: number | null; used: number }>;
  sessions: Array<{ id: string }>;
  security_events: Array<{ type: string }>;
  audit_log: Array<{ action: string; actor: string; before: Record<string, unknown>; after: Record<string, unknown> }>;
};
type AuditEntry = AdminUser["audit_log"][number] & { target_type: string; target_id: number };
type AdminPlan = {
  id: number;
  name: string;
  monthly_price: { amount: number } | null;
  quotas: Array<{ scope: string; limit: number; window_seconds: number }>;
  users: number;
};

/** A staff member signed in with a Bearer token (promoted as `npm run createsuperuser` would). */
const staff = () => registerStaff();

async function customer(prefix = "cust") {
  const signedUp = await register(newUser(prefix));
  return { ...signedUp, id: Number((await userRow(signedUp.user.username))?.id) };
}

function admin(path: string, headers: Record<string, string>, init: RequestInit = {}) {
  return call(`/admin/api${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
}

function patch(path: string, headers: Record<string, string>, body: unknown) {
  return call(`/admin/api${path}`, jsonInit(body, headers, "PATCH"));
}

describe("staff access to /admin/api", () => {
  it("answers 401 without credentials, and the handler never runs", async () => {
    const response = await call("/admin/api/users/");
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("answers 403 to a signed-in account that is not staff", async () => {
    const { access } = await customer();
    const response = await admin("/users/", bearer(access));
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ detail: "You do not have permission to perform this action." });
  });

  it("ends a demoted staff member's access on their very next request", async () => {
    const member = await staff();
    expect((await admin("/users/", member.headers)).status).toBe(200);
    await updateUserRow({ id: member.id }, { is_staff: 0 });
    expect((await admin("/users/", member.headers)).status).toBe(403);
  });

  it("ends a deactivated staff member's access at once (their session no longer counts)", async () => {
    const member = await staff();
    await updateUserRow({ id: member.id }, { is_active: 0 });
    expect((await admin("/users/", member.headers)).status).toBe(401);
  });

  it("requires the CSRF token on cookie-authenticated writes", async () => {
    const member = await staff();
    const target = await customer();
    const client = browser();
    await client.fetch("/auth/login/", {
      method: "POST",
      body: { username: member.user.username, password: member.user.password },
    });
    const forged = await client.fetch(`/admin/api/users/${target.id}/end-sessions/`, {
      method: "POST",
      headers: { "x-csrftoken": "" },
    });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toEqual({ detail: "CSRF Failed: CSRF token missing." });
    expect((await client.fetch(`/admin/api/users/${target.id}/end-sessions/`, { method: "POST" })).status).toBe(200);
  });

  it("lists the admin routes in the OpenAPI document under their own tag", async () => {
    const document = await (
      await call("/schema/")
    ).json<{ paths: Record<string, Record<string, { tags: string[] }>> }>();
    expect(document.paths["/admin/api/users/"]?.get?.tags).toEqual(["admin"]);
    expect(document.paths["/admin/api/plans/{id}/"]?.patch?.tags).toEqual(["admin"]);
  });
});

describe("GET /admin/api/users/", () => {
  it("finds users by a prefix of their e-mail or username, in any case, with DRF pagination", async () => {
    const member = await staff();
    const tag = crypto.randomUUID().slice(0, 8);
    const first = await register({
      username: `Find${tag}a`,
      email: `zed${tag}@example.com`,
      password: "correct-horse-battery-staple",
    });
    await register({
      username: `find${tag}b`,
      email: `yan${tag}@example.com`,
      password: "correct-horse-battery-staple",
    });
    const byUsername = await (
      await admin(`/users/?search=FIND${tag}&page_size=1`, member.headers)
    ).json<Page<Summary>>();
    expect(byUsername.count).toBe(2);
    expect(byUsername.results).toHaveLength(1);
    expect(byUsername.next).toContain("page=2");
    const byEmail = await (await admin(`/users/?search=ZED${tag}`, member.headers)).json<Page<Summary>>();
    expect(byEmail.results.map((u) => u.username)).toEqual([first.user.username]);
    expect(byEmail.results[0]).toMatchObject({ plan: "Free", is_active: true });
    expect(JSON.stringify(byEmail)).not.toContain("pbkdf2");
  });

  it("filters by plan, active, staff and subscription status, and orders by last login", async () => {
    const member = await staff();
    const tag = crypto.randomUUID().slice(0, 8);
    const users = [];
    for (const n of [1, 2, 3]) users.push(await customer(`flt${tag}n${n}`));
    const [paying, inactive, plain] = users;
    if (!paying || !inactive || !plain) throw new Error("users not made");
    await updateUserRow(
      { id: paying.id },
      { plan_id: await planIdByName("Pro"), stripe_subscription_status: "active" },
    );
    await updateUserRow({ id: inactive.id }, { is_active: 0 });
    await updateUserRow({ id: plain.id }, { last_login: 1 });
    const list = async (query: string) =>
      (await (await admin(`/users/?search=flt${tag}&${query}`, member.headers)).json<Page<Summary>>()).results.map(
        (u) => u.id,
      );
    expect(await list(`plan=${await planIdByName("Pro")}`)).toEqual([paying.id]);
    expect(await list("is_active=false")).toEqual([inactive.id]);
    expect(await list("subscription_status=active")).toEqual([paying.id]);
    expect(await list("subscription_status=none&is_active=true")).toEqual([plain.id]);
    expect(await list("is_staff=true")).toEqual([]);
    expect((await list("ordering=last_login"))[0]).toBe(plain.id);
    expect((await list("ordering=-last_login")).at(-1)).toBe(plain.id);
  });

  it("refuses an unknown ordering and a page past the last", async () => {
    const member = await staff();
    const bad = await admin("/users/?ordering=password_hash", member.headers);
    expect(bad.status).toBe(400);
    expect(Object.keys(await bad.json())).toEqual(["ordering"]);
    expect((await admin(`/users/?search=nobody-${crypto.randomUUID()}&page=2`, member.headers)).status).toBe(404);
  });

  it("searches with the indexes, in one statement that also counts the matches", async () => {
    const query = searchUsersQuery(
      createDb(env.DB.withSession()),
      { search: "ada", active: true, ordering: "-date_joined" },
      { offset: 0, limit: 20 },
    ).toSQL();
    const plan = await env.DB.prepare(`explain query plan ${query.sql}`)
      .bind(...query.params)
      .all<{ detail: string }>();
    const steps = plan.results.map((row) => row.detail);
    expect(steps.some((s) => s.includes("users_username_key_unique"))).toBe(true);
    expect(steps.some((s) => s.includes("users_email_lower_unique"))).toBe(true);
    // No step reads the whole users table.
    expect(steps.filter((s) => /SCAN users(?! USING)/.test(s))).toEqual([]);
  });
});

describe("GET /admin/api/users/{id}/", () => {
  it("shows profile, plan, Stripe fields, quota usage, sessions and security events — no secrets", async () => {
    const member = await staff();
    const target = await customer();
    await post("/core/usage/consume/", { scope: "ai_responses" }, bearer(target.access));
    const response = await admin(`/users/${target.id}/`, member.headers);
    expect(response.status).toBe(200);
    const body = await response.json<AdminUser>();
    expect(body).toMatchObject({ id: target.id, username: target.user.username, plan: { name: "Free" } });
    expect(body.usage).toContainEqual(expect.objectContaining({ scope: "ai_responses", limit: 3, used: 1 }));
    expect(body.sessions).toHaveLength(1);
    expect(body.security_events.map((e) => e.type)).toEqual([]);
    const text = JSON.stringify(body);
    expect(text).not.toContain("pbkdf2");
    expect(text).not.toContain(target.refresh);
  });

  it("answers 404 for a user that does not exist, and 400 for an id that is not one", async () => {
    const member = await staff();
    expect((await admin("/users/99999999/", member.headers)).status).toBe(404);
    expect((await admin("/users/abc/", member.headers)).status).toBe(400);
  });
});

describe("PATCH /admin/api/users/{id}/", () => {
  it("edits names, e-mail and date of birth, recording before and after in the audit log", async () => {
    const member = await staff();
    const target = await customer();
    const email = `moved-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const response = await patch(`/users/${target.id}/`, member.headers, {
      first_name: "Ada",
      last_name: "Lovelace",
      email,
      date_of_birth: "1815-12-10",
    });
    expect(response.status).toBe(200);
    const body = await response.json<AdminUser & { email: string; first_name: string }>();
    expect(body).toMatchObject({ email, first_name: "Ada" });
    expect(body.audit_log[0]).toMatchObject({
      action: "user.updated",
      actor: member.user.username,
      before: { email: target.user.email, first_name: "", last_name: "", date_of_birth: null },
      after: { email, first_name: "Ada", last_name: "Lovelace", date_of_birth: "1815-12-10" },
    });
    expect((await newestMail(target.user.email, "Your e-mail address was changed"))?.body).toContain(email);
  });

  it("sets a plan by hand, which no older Stripe event undoes (a newer one does)", async () => {
    const member = await staff();
    const target = await customer();
    const basic = await planIdByName("Basic");
    const sub = subscription({ priceId: "price_basic_monthly", userId: target.id });
    await updateUserRow(
      { id: target.id },
      { stripe_customer_id: sub.customer as string, stripe_subscription_id: sub.id },
    );
    const createdBefore = Math.floor(clock.now().getTime() / 1000) - 60;
    clock.advance(1);
    const pro = await planIdByName("Pro");
    const response = await patch(`/users/${target.id}/`, member.headers, { plan: pro });
    expect((await response.json<AdminUser>()).plan_set_by_hand_at).not.toBeNull();
    await deliver(stripeEvent("customer.subscription.updated", sub, createdBefore));
    expect((await subscriptionRow(target.id))?.plan_id).toBe(pro);
    clock.advance(5);
    await deliver(stripeEvent("customer.subscription.updated", sub));
    expect((await subscriptionRow(target.id))?.plan_id).toBe(basic);
    expect((await userRow(target.user.username))?.plan_set_by_hand_at).toBeNull();
  });

  it("deactivating ends every session at once, and the user can no longer sign in", async () => {
    const member = await staff();
    const target = await customer();
    const response = await patch(`/users/${target.id}/`, member.headers, { is_active: false });
    expect(response.status).toBe(200);
    expect((await call("/auth/user/", { headers: bearer(target.access) })).status).toBe(401);
    const again = await post("/auth/login/", { username: target.user.username, password: target.user.password });
    expect(again.status).toBe(400);
    expect((await patch(`/users/${target.id}/`, member.headers, { is_active: true })).status).toBe(200);
    await login(target.user);
  });

  it("grants and revokes staff", async () => {
    const member = await staff();
    const target = await customer();
    await patch(`/users/${target.id}/`, member.headers, { is_staff: true });
    expect((await admin("/users/", bearer(target.access))).status).toBe(200);
    await patch(`/users/${target.id}/`, member.headers, { is_staff: false });
    expect((await admin("/users/", bearer(target.access))).status).toBe(403);
  });

  it("refuses to let staff lock themselves out", async () => {
    const member = await staff();
    const demote = await patch(`/users/${member.id}/`, member.headers, { is_staff: false });
    expect(demote.status).toBe(400);
    expect(await demote.json()).toEqual({ is_staff: ["You cannot remove your own staff access."] });
    expect((await patch(`/users/${member.id}/`, member.headers, { is_active: false })).status).toBe(400);
  });

  it("refuses a taken e-mail, an unknown plan and wrongly typed fields, changing nothing", async () => {
    const member = await staff();
    const target = await customer();
    const other = await customer();
    const taken = await patch(`/users/${target.id}/`, member.headers, { email: other.user.email, first_name: "X" });
    expect(taken.status).toBe(400);
    expect(await taken.json()).toEqual({ email: ["A user is already registered with this e-mail address."] });
    const plan = await patch(`/users/${target.id}/`, member.headers, { plan: 99999 });
    expect(await plan.json()).toEqual({ plan: ['Invalid pk "99999" - object does not exist.'] });
    const typed = await patch(`/users/${target.id}/`, member.headers, {
      is_active: "nope",
      date_of_birth: "1815-13-40",
    });
    expect(Object.keys(await typed.json()).sort()).toEqual(["date_of_birth", "is_active"]);
    expect((await userRow(target.user.username))?.first_name).toBe("");
  });
});

describe("DELETE /admin/api/users/{id}/", () => {
  it("deletes the account and its personal data: sessions, mail, and the personal fields of its audit entries", async () => {
    const member = await staff();
    const target = await customer();
    await patch(`/users/${target.id}/`, member.headers, { first_name: "Secret" });
    await post("/auth/password/reset/", { email: target.user.email });
    expect(await mailCount(target.user.email)).toBeGreaterThan(0);
    const sessionId =
      (await (await admin(`/users/${target.id}/`, member.headers)).json<AdminUser>()).sessions[0]?.id ?? "";
    const response = await admin(`/users/${target.id}/`, member.headers, { method: "DELETE" });
    expect(response.status).toBe(204);
    expect(await userRow(target.user.username)).toBeNull();
    expect(await sessionRow(sessionId)).toBeNull();
    expect(await mailCount(target.user.email)).toBe(0);
    const audit = await (await admin(`/users/${target.id}/audit-log/`, member.headers)).json<Page<AuditEntry>>();
    expect(audit.results.map((e) => e.action)).toEqual(["user.deleted", "user.updated"]);
    expect(JSON.stringify(audit)).not.toContain("Secret");
    expect(JSON.stringify(audit)).not.toContain(target.user.email);
  });

  it("refuses while a Stripe subscription still bills, and cancels it through Stripe when asked", async () => {
    const member = await staff();
    const target = await customer();
    const subscriptionId = `sub_del_${crypto.randomUUID().slice(0, 8)}`;
    await updateUserRow(
      { id: target.id },
      { stripe_subscription_id: subscriptionId, stripe_subscription_status: "active" },
    );
    const refused = await admin(`/users/${target.id}/`, member.headers, { method: "DELETE" });
    expect(refused.status).toBe(409);
    expect(await userRow(target.user.username)).not.toBeNull();
    await fakeStripe.failNext(2);
    const failed = await admin(`/users/${target.id}/?cancel_subscription=true`, member.headers, { method: "DELETE" });
    expect(failed.status).toBe(502);
    expect(await userRow(target.user.username)).not.toBeNull();
    const deleted = await admin(`/users/${target.id}/?cancel_subscription=true`, member.headers, { method: "DELETE" });
    expect(deleted.status).toBe(204);
    const cancels = (await fakeStripe.requests()).filter(
      (r) => r.method === "DELETE" && r.path.endsWith(subscriptionId),
    );
    expect(cancels.length).toBeGreaterThan(0);
    expect(await userRow(target.user.username)).toBeNull();
  });

  it("deletes a user whose billing subscription Stripe no longer has (deleted there, not yet told here)", async () => {
    const member = await staff();
    const target = await customer();
    await updateUserRow(
      { id: target.id },
      { stripe_subscription_id: "sub_missing_1", stripe_subscription_status: "active" },
    );
    const response = await admin(`/users/${target.id}/?cancel_subscription=true`, member.headers, { method: "DELETE" });
    expect(response.status).toBe(204);
    expect(await userRow(target.user.username)).toBeNull();
  });

  it("lets a canceled subscription's user go without a Stripe call, and refuses deleting oneself", async () => {
    const member = await staff();
    const target = await customer();
    await updateUserRow(
      { id: target.id },
      { stripe_subscription_id: "sub_gone", stripe_subscription_status: "canceled" },
    );
    expect((await admin(`/users/${target.id}/`, member.headers, { method: "DELETE" })).status).toBe(204);
    expect((await admin(`/users/${member.id}/`, member.headers, { method: "DELETE" })).status).toBe(400);
    expect((await admin("/users/99999999/", member.headers, { method: "DELETE" })).status).toBe(404);
  });
});

describe("POST /admin/api/users/{id}/end-sessions/ and /password-reset/", () => {
  it("ends every session of the user", async () => {
    const member = await staff();
    const target = await customer();
    await login(target.user);
    const response = await admin(`/users/${target.id}/end-sessions/`, member.headers, { method: "POST" });
    expect(await response.json()).toEqual({ detail: "Ended 2 session(s)." });
    expect((await call("/auth/user/", { headers: bearer(target.access) })).status).toBe(401);
  });

  it("mails a reset link to an active user and refuses a deactivated one", async () => {
    const member = await staff();
    const target = await customer();
    const sent = await admin(`/users/${target.id}/password-reset/`, member.headers, { method: "POST" });
    expect(sent.status).toBe(200);
    expect((await newestMail(target.user.email, "Reset your password"))?.body).toContain("token=");
    await updateUserRow({ id: target.id }, { is_active: 0 });
    expect((await admin(`/users/${target.id}/password-reset/`, member.headers, { method: "POST" })).status).toBe(409);
  });
});

describe("/admin/api/plans/", () => {
  it("creates a plan with quotas and a price Stripe knows, caching its amount", async () => {
    const member = await staff();
    const name = `Team ${crypto.randomUUID().slice(0, 6)}`;
    const response = await post(
      "/admin/api/plans/",
      {
        name,
        sort_order: 9,
        stripe_monthly_price_id: `price_team_${crypto.randomUUID().slice(0, 6)}`,
        quotas: [{ scope: "ai_responses", limit: 500, window_seconds: 86_400 }],
      },
      member.headers,
    );
    expect(response.status).toBe(201);
    const plan = await response.json<AdminPlan>();
    expect(plan).toMatchObject({ name, monthly_price: { amount: 25 }, users: 0 });
    expect(plan.quotas).toEqual([{ scope: "ai_responses", limit: 500, window_seconds: 86_400 }]);
    const offered = await (await call("/core/plans/")).json<Array<{ name: string }>>();
    expect(offered.map((p) => p.name)).toContain(name);
  });

  it("refuses a price Stripe does not know, a taken name and a repeated scope", async () => {
    const member = await staff();
    const missing = await post(
      "/admin/api/plans/",
      { name: "Ghost", stripe_yearly_price_id: "price_missing_1" },
      member.headers,
    );
    expect(await missing.json()).toEqual({ stripe_yearly_price_id: ["No such price in Stripe: price_missing_1."] });
    const taken = await post("/admin/api/plans/", { name: "Pro" }, member.headers);
    expect(await taken.json()).toEqual({ name: ["plan with this name already exists."] });
    const repeated = await post(
      "/admin/api/plans/",
      {
        name: "Twice",
        quotas: [
          { scope: "api_calls", limit: 1, window_seconds: 60 },
          { scope: "api_calls", limit: 2, window_seconds: 60 },
        ],
      },
      member.headers,
    );
    expect(repeated.status).toBe(400);
    const names = (await (await admin("/plans/", member.headers)).json<AdminPlan[]>()).map((p) => p.name);
    expect(names).not.toContain("Ghost");
    expect(names).not.toContain("Twice");
  });

  it("edits a quota, and the very next consume is held to it", async () => {
    const member = await staff();
    const name = `Tiny ${crypto.randomUUID().slice(0, 6)}`;
    const created = await (
      await post(
        "/admin/api/plans/",
        { name, quotas: [{ scope: "ai_responses", limit: 5, window_seconds: 3600 }] },
        member.headers,
      )
    ).json<AdminPlan>();
    const target = await customer();
    await patch(`/users/${target.id}/`, member.headers, { plan: created.id });
    const edited = await patch(`/plans/${created.id}/`, member.headers, {
      quotas: [{ scope: "ai_responses", limit: 1, window_seconds: 3600 }],
    });
    expect((await edited.json<AdminPlan>()).quotas[0]?.limit).toBe(1);
    expect((await post("/core/usage/consume/", { scope: "ai_responses" }, bearer(target.access))).status).toBe(200);
    expect((await post("/core/usage/consume/", { scope: "ai_responses" }, bearer(target.access))).status).toBe(429);
    const audit = await (await admin("/audit-log/", member.headers)).json<Page<AuditEntry>>();
    expect(audit.results[0]).toMatchObject({
      action: "plan.updated",
      target_id: created.id,
      before: { quotas: [{ scope: "ai_responses", limit: 5, window_seconds: 3600 }] },
      after: { quotas: [{ scope: "ai_responses", limit: 1, window_seconds: 3600 }] },
    });
  });

  it("answers 404 for a plan that does not exist", async () => {
    const member = await staff();
    expect((await patch("/plans/99999/", member.headers, { description: "x" })).status).toBe(404);
    expect((await admin("/plans/99999/", member.headers, { method: "DELETE" })).status).toBe(404);
  });

  it("keeps the Free plan: it can be edited, not renamed or deleted", async () => {
    const member = await staff();
    const free = await planIdByName("Free");
    const renamed = await patch(`/plans/${free}/`, member.headers, { name: "Gratis" });
    expect(renamed.status).toBe(400);
    expect(Object.keys(await renamed.json())).toEqual(["name"]);
    const deleted = await admin(`/plans/${free}/`, member.headers, { method: "DELETE" });
    expect(deleted.status).toBe(409);
    expect((await deleted.json<{ detail: string }>()).detail).toContain("cannot be renamed or deleted");
    expect((await patch(`/plans/${free}/`, member.headers, { description: "Start here." })).status).toBe(200);
  });

  it("deletes only a plan no user is on", async () => {
    const member = await staff();
    const basic = await planIdByName("Basic");
    await updateUserRow({ id: member.id }, { plan_id: basic });
    const refused = await admin(`/plans/${basic}/`, member.headers, { method: "DELETE" });
    expect(refused.status).toBe(409);
    expect((await refused.json<{ detail: string }>()).detail).toContain("user(s) are on this plan");
    const created = await (
      await post("/admin/api/plans/", { name: `Gone ${crypto.randomUUID().slice(0, 6)}` }, member.headers)
    ).json<AdminPlan>();
    expect((await admin(`/plans/${created.id}/`, member.headers, { method: "DELETE" })).status).toBe(204);
    expect((await admin(`/plans/${created.id}/`, member.headers, { method: "DELETE" })).status).toBe(404);
    const audit = await (await admin("/audit-log/?page_size=100", member.headers)).json<Page<AuditEntry>>();
    expect(audit.results.filter((e) => e.action === "plan.deleted" && e.target_id === created.id)).toHaveLength(1);
  });
});

describe("operations: /admin/api/stripe-events/ and /admin/api/outbox/", () => {
  it("lists received Stripe events with their outcome", async () => {
    const member = await staff();
    const event = stripeEvent("invoice.created", { id: "in_1", object: "invoice" });
    await deliver(event);
    const page = await (await admin("/stripe-events/", member.headers)).json<Page<{ id: string; outcome: string }>>();
    expect(page.results).toContainEqual(expect.objectContaining({ id: event.id, outcome: "ignored" }));
  });

  it("re-sends a failed message, and refuses one that is not failed", async () => {
    const member = await staff();
    const target = await customer();
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const broken = { send: () => Promise.reject(new Error("Email Routing unavailable")) } as unknown as SendEmail;
    await call("/auth/password/reset/", jsonInit({ email: target.user.email }), {
      MAILER: "cloudflare",
      EMAIL: broken,
    });
    const failed = await (
      await admin("/outbox/?status=failed", member.headers)
    ).json<Page<{ id: number; recipient: string; resendable: boolean }>>();
    const message = failed.results.find((m) => m.recipient === target.user.email);
    expect(message?.resendable).toBe(true);
    expect(JSON.stringify(failed)).not.toContain("token=");
    const resent = await admin(`/outbox/${message?.id}/resend/`, member.headers, { method: "POST" });
    expect(await resent.json()).toEqual({ status: "sent" });
    expect((await admin(`/outbox/${message?.id}/resend/`, member.headers, { method: "POST" })).status).toBe(409);
    expect((await admin("/outbox/99999999/resend/", member.headers, { method: "POST" })).status).toBe(404);
  });
});
