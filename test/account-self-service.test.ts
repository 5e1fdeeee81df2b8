import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { timeStep, totpCode } from "../src/auth/mfa/totp";
import { encryptSecret, mfaKeys } from "../src/auth/mfa/secrets";
import {
  bearer,
  browser,
  call,
  clock,
  COOKIES,
  jsonInit,
  login,
  newUser,
  post,
  register,
  registerStaff,
  setCookies,
  signedInWithoutPassword,
  testDeps,
} from "./kit";
import { mailTo } from "./mail";
import { oneTimeTokenHashes, updateUserRow, userRow } from "./db";
import { deliver, fakeStripe, stripeEvent, subscription } from "./stripe";

type Export = Record<string, unknown> & {
  user: Record<string, unknown>;
  security_events: Array<{ type: string; created: string }>;
  sessions: Array<Record<string, unknown>>;
};

const exportOf = (headers: Record<string, string>) => call("/auth/user/export/", { headers });

describe("GET /auth/user/export/", () => {
  it("downloads everything held on the account as JSON, oldest events first, as an attachment not to be cached", async () => {
    const { user, access, body } = await register(newUser("export"));
    await post("/auth/login/", { username: user.username, password: "a wrong password" });
    await post("/core/usage/consume/", { scope: "ai_responses" }, bearer(access));
    await env.DB.prepare("insert into linked_identities (user_id, provider, uid) values (?, 'google', ?)")
      .bind(body.user.pk, `g-${body.user.pk}`)
      .run();
    const staff = await registerStaff();
    await call(`/admin/api/users/${body.user.pk}/`, jsonInit({ first_name: "Exported" }, staff.headers, "PATCH"));
    const response = await exportOf(bearer(access));
    expect(response.status).toBe(200);
    const today = clock.now().toISOString().slice(0, 10);
    expect(response.headers.get("content-disposition")).toContain(
      `attachment; filename="account-${user.username}-${today}.json"`,
    );
    expect(response.headers.get("cache-control")).toBe("no-store");
    const data = await response.json<Export>();
    expect(Object.keys(data)).toEqual([
      "exported_at",
      "user",
      "subscription",
      "sessions",
      "security_events",
      "usage",
      "social_accounts",
      "mfa",
      "passkeys",
      "audit",
    ]);
    expect(data.user).toMatchObject({
      pk: body.user.pk,
      username: user.username,
      email: user.email,
      first_name: "Exported",
      is_active: true,
      email_verified: false,
      date_joined: expect.any(String),
    });
    expect(data.subscription).toEqual({
      plan: "Free",
      stripe_customer_id: null,
      stripe_subscription_id: null,
      status: null,
      current_period_end: null,
      interval: null,
    });
    expect(data.sessions).toHaveLength(1);
    expect(data.sessions[0]).toMatchObject({ current: true });
    expect(data.security_events.map((e) => e.type)).toEqual(["login_failed", "data_exported"]);
    expect(data.usage).toMatchObject({ ai_responses: { used: 1, limit: 3 } });
    expect(data.social_accounts).toEqual([
      { provider: "google", uid: `g-${body.user.pk}`, date_joined: expect.any(String) },
    ]);
    expect(data.mfa).toEqual({ totp: { enabled: false, created: null }, recovery_codes: { remaining: 0 } });
    expect(data.passkeys).toEqual([]);
    expect(data.audit).toEqual([expect.objectContaining({ action: "user.updated", actor: staff.user.username })]);
  });

  it("holds no password hash, token, token hash, TOTP secret, recovery code or other user's data", async () => {
    const { user, access, refresh, body } = await register(newUser("secret"));
    const setup = await post("/auth/mfa/totp/setup/", { password: user.password }, bearer(access));
    const { secret } = await setup.json<{ secret: string }>();
    const confirmed = await post(
      "/auth/mfa/totp/confirm/",
      { code: await totpCode(secret, timeStep(clock.now())) },
      bearer(access),
    );
    const { recovery_codes } = await confirmed.json<{ recovery_codes: string[] }>();
    await post("/auth/password/reset/", { email: user.email });
    const hashes = await oneTimeTokenHashes(body.user.pk);
    expect(hashes.length).toBeGreaterThan(0);
    const other = await register(newUser("other"));
    const text = await (await exportOf(bearer(access))).text();
    const row = await userRow(user.username);
    const stored = await env.DB.prepare("select encrypted_secret from mfa_totp where user_id = ?")
      .bind(body.user.pk)
      .first<{ encrypted_secret: string }>();
    for (const value of [
      String(row?.password_hash),
      access,
      refresh,
      ...hashes,
      secret,
      stored?.encrypted_secret ?? "x",
      ...recovery_codes,
    ]) {
      expect(text).not.toContain(value);
    }
    expect(JSON.parse(text)).toMatchObject({ mfa: { totp: { enabled: true }, recovery_codes: { remaining: 10 } } });
    expect(text).not.toMatch(/pbkdf2_sha256|password_hash|token_hash/);
    expect(text).not.toContain(other.user.username);
    expect(text).not.toContain(other.user.email);
  });

  it("allows 3 exports an hour, then 429 with Retry-After until the oldest leaves the hour", async () => {
    const { access } = await register(newUser("limit"));
    for (let i = 0; i < 3; i++) {
      expect((await exportOf(bearer(access))).status).toBe(200);
      clock.advance(60);
    }
    const refused = await exportOf(bearer(access));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(3_600 - 3 * 60 - 5);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(3_600 - 3 * 60 + 1);
    expect(await refused.json()).toMatchObject({ error: "rate_limit_exceeded" });
    clock.advance(3_600 - 3 * 60 + 2);
    const fresh = await login((await register(newUser("limit"))).user);
    expect((await exportOf(bearer(fresh.access))).status).toBe(200);
  });

  it("works for a cookie client, and answers 401 signed out", async () => {
    const site = browser();
    const user = newUser("cookie");
    const body = { username: user.username, email: user.email, password1: user.password, password2: user.password };
    expect((await site.fetch("/auth/registration/", { method: "POST", body })).status).toBe(201);
    expect((await site.fetch("/auth/user/export/")).status).toBe(200);
    expect((await call("/auth/user/export/")).status).toBe(401);
  });
});

/** A deletion with the body given, by POST /auth/user/delete/ or DELETE /auth/user/. */
function deleteOwn(headers: Record<string, string>, body: unknown, method: "POST" | "DELETE" = "POST") {
  return method === "POST" ? post("/auth/user/delete/", body, headers) : post("/auth/user/", body, headers, "DELETE");
}

describe("POST /auth/user/delete/ and DELETE /auth/user/", () => {
  it("deletes the account for its password: its tokens die at once, its names are free, a last mail goes out", async () => {
    const { user, access, refresh, body } = await register(newUser("bye"));
    const response = await deleteOwn(bearer(access), { password: user.password });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ detail: "Account deleted." });
    const cleared = setCookies(response);
    for (const name of [COOKIES.access, COOKIES.refresh, COOKIES.csrf]) {
      expect(cleared.get(name)?.attributes, name).toMatch(/Max-Age=0/i);
    }
    expect(await userRow(user.username)).toBeNull();
    expect((await call("/auth/user/", { headers: bearer(access) })).status).toBe(401);
    expect((await post("/auth/token/refresh/", { refresh })).status).toBe(401);
    const relogin = await post("/auth/login/", { username: user.username, password: user.password });
    expect(relogin.status).toBe(400);
    expect(await relogin.json()).toEqual({ non_field_errors: ["Unable to log in with provided credentials."] });
    expect((await mailTo(user.email, "Your account was deleted")).status).toBe("sent");
    const entry = await env.DB.prepare("select * from audit_log where target_id = ? and action = 'user_deleted_self'")
      .bind(body.user.pk)
      .first<Record<string, unknown>>();
    expect(entry).toMatchObject({ actor_id: null, actor_username: "" });
    expect(JSON.stringify(entry)).not.toContain(user.username);
    expect(JSON.stringify(entry)).not.toContain(user.email);
    // The username and address are free again.
    await register({ ...user, password: "another-long-passphrase" });
  });

  it("answers DELETE /auth/user/ with 204", async () => {
    const { user, access } = await register(newUser("bye"));
    const response = await deleteOwn(bearer(access), { password: user.password }, "DELETE");
    expect(response.status).toBe(204);
    expect(await userRow(user.username)).toBeNull();
  });

  it("refuses a wrong or missing password with 400 on `password`, and changes nothing", async () => {
    const { user, access } = await register(newUser("stay"));
    for (const body of [{ password: "not-the-password" }, {}]) {
      const response = await deleteOwn(bearer(access), body);
      expect(response.status).toBe(400);
      expect(Object.keys(await response.json<Record<string, string[]>>())).toEqual(["password"]);
    }
    expect(await userRow(user.username)).not.toBeNull();
    expect((await call("/auth/user/", { headers: bearer(access) })).status).toBe(200);
  });

  it("lets an account without a password confirm with its username, and nothing else", async () => {
    const user = newUser("nopw");
    const { access } = await signedInWithoutPassword(user);
    for (const body of [{ password: user.password }, { confirm: "someone-else" }, {}]) {
      const refused = await deleteOwn(bearer(access), body);
      expect(refused.status).toBe(400);
      expect(Object.keys(await refused.json<Record<string, string[]>>())).toEqual(["confirm"]);
    }
    expect((await deleteOwn(bearer(access), { confirm: user.username }, "DELETE")).status).toBe(204);
    expect(await userRow(user.username)).toBeNull();
  });

  it("asks an account without a password but with two-factor on for a current code too", async () => {
    const user = newUser("nopw2fa");
    const { account, access } = await signedInWithoutPassword(user);
    // Two-factor on (arranged: this account has no password to set it up with through the API).
    const setupDeps = testDeps();
    const keys = await mfaKeys(setupDeps.config.mfa.encryptionKey);
    const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    await env.DB.prepare(
      "insert into mfa_totp (user_id, encrypted_secret, confirmed_at, created_at) values (?, ?, ?, ?)",
    )
      .bind(account.user.id, await encryptSecret(keys, secret), Date.now(), Date.now())
      .run();
    const refused = await deleteOwn(bearer(access), { confirm: user.username });
    expect(await refused.json()).toEqual({
      code: ["Two-factor authentication is on: send a current code to delete the account."],
    });
    const wrong = await deleteOwn(bearer(access), { confirm: user.username, code: "000000" });
    expect(wrong.status).toBe(400);
    const code = await totpCode(secret, timeStep(clock.now()));
    expect((await deleteOwn(bearer(access), { confirm: user.username, code }, "DELETE")).status).toBe(204);
  });

  it("needs the CSRF token from a cookie client", async () => {
    const site = browser();
    const user = newUser("csrf");
    const body = { username: user.username, email: user.email, password1: user.password, password2: user.password };
    expect((await site.fetch("/auth/registration/", { method: "POST", body })).status).toBe(201);
    const forged = await site.fetch("/auth/user/delete/", {
      method: "POST",
      body: { password: user.password },
      headers: { "x-csrftoken": "x".repeat(32) },
    });
    expect(forged.status).toBe(403);
    expect(await userRow(user.username)).not.toBeNull();
    expect((await site.fetch("/auth/user/delete/", { method: "POST", body: { password: user.password } })).status).toBe(
      200,
    );
    expect(site.cookies.size).toBe(0);
  });

  it("cancels a live Stripe subscription first, then deletes; a later webhook for it changes nothing", async () => {
    const { user, access, body } = await register(newUser("payer"));
    const sub = subscription({ priceId: "price_pro_monthly", userId: body.user.pk });
    expect((await deliver(stripeEvent("customer.subscription.created", sub))).status).toBe(200);
    expect(await userRow(user.username)).toMatchObject({
      stripe_subscription_id: sub.id,
      stripe_subscription_status: "active",
    });
    expect((await deleteOwn(bearer(access), { password: user.password })).status).toBe(200);
    const cancels = (await fakeStripe.requests()).filter(
      (r) => r.method === "DELETE" && r.path === `/v1/subscriptions/${sub.id}`,
    );
    expect(cancels).toHaveLength(1);
    expect(await userRow(user.username)).toBeNull();
    const late = await deliver(stripeEvent("customer.subscription.updated", { ...sub, status: "canceled" }));
    expect(late.status).toBe(200);
    expect(await late.json()).toMatchObject({ outcome: "unmatched" });
    expect(
      await env.DB.prepare("select count(*) as n from users where stripe_subscription_id = ?").bind(sub.id).first(),
    ).toEqual({ n: 0 });
  });

  it("deletes nothing when Stripe fails to cancel (502)", async () => {
    const { user, access } = await register(newUser("payer"));
    await updateUserRow(
      { username: user.username },
      { stripe_subscription_id: `sub_live_${user.username}`, stripe_subscription_status: "active" },
    );
    await fakeStripe.failNext(2);
    const response = await deleteOwn(bearer(access), { password: user.password });
    expect(response.status).toBe(502);
    expect(await userRow(user.username)).not.toBeNull();
    expect((await call("/auth/user/", { headers: bearer(access) })).status).toBe(200);
  });

  it("refuses the last active staff account (409), and lets it go once another staff account exists", async () => {
    // Staff made by other tests of this file step down: this one is the last.
    await env.DB.prepare("update users set is_staff = 0").run();
    const first = await registerStaff();
    const refused = await deleteOwn(first.headers, { password: first.user.password });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({
      detail: "You are the last active staff account: make another account staff before deleting this one.",
    });
    await registerStaff();
    expect((await deleteOwn(first.headers, { password: first.user.password })).status).toBe(200);
  });

  it("answers 401 signed out", async () => {
    expect((await post("/auth/user/delete/", { password: "whatever-it-is" })).status).toBe(401);
  });
});

describe("the OpenAPI document", () => {
  it("has the export and both deletion endpoints", async () => {
    const document = await (await call("/schema/")).json<{ paths: Record<string, Record<string, unknown>> }>();
    expect(Object.keys(document.paths["/auth/user/export/"] ?? {})).toContain("get");
    expect(Object.keys(document.paths["/auth/user/delete/"] ?? {})).toContain("post");
    expect(Object.keys(document.paths["/auth/user/"] ?? {})).toContain("delete");
  });
});
