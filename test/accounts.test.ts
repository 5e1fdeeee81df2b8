import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts/create";
import { deleteAccount } from "../src/accounts/delete";
import { readAccount } from "../src/accounts/read";
import { hasUsablePassword } from "../src/auth/password";
import { bearer, call, newUser, post, register, registerStaff, testDeps } from "./kit";
import { userRow } from "./db";

describe("createAccount", () => {
  it("makes an account without a password: no password signs in to it, and it says so when asked for one", async () => {
    const user = newUser("nopw");
    const account = await createAccount(testDeps(), { username: user.username, email: user.email, password: null });
    expect(account.plan?.name).toBe("Free");
    expect(account.user.passwordHash).toMatch(/^!/);
    expect(hasUsablePassword(account.user.passwordHash)).toBe(false);
    for (const password of ["", "!", account.user.passwordHash, user.password]) {
      const refused = await post("/auth/login/", { username: user.username, password: password || "x" });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ non_field_errors: ["Unable to log in with provided credentials."] });
    }
  });

  it("makes an account with a password in our format, its names and a vouched-for address as given", async () => {
    const user = newUser("withpw");
    const account = await createAccount(testDeps(), {
      username: user.username,
      email: user.email,
      password: user.password,
      firstName: "Ada",
      lastName: "Lovelace",
      emailVerified: true,
    });
    expect(hasUsablePassword(account.user.passwordHash)).toBe(true);
    expect(account.user).toMatchObject({
      firstName: "Ada",
      lastName: "Lovelace",
      emailVerified: true,
      lastLogin: null,
    });
    expect((await post("/auth/login/", { username: user.username, password: user.password })).status).toBe(200);
  });

  it("refuses a taken username or address with the registration's messages", async () => {
    const { user } = await register(newUser("taken"));
    await expect(
      createAccount(testDeps(), { username: user.username.toUpperCase(), email: user.email, password: null }),
    ).rejects.toMatchObject({
      fields: {
        username: ["A user with that username already exists."],
        email: ["A user is already registered with this e-mail address."],
      },
    });
  });
});

describe("reauthenticate (through password change)", () => {
  it("tells an account without a usable password that it has none, instead of calling the password wrong", async () => {
    const { user, access } = await register(newUser("reauth"));
    await env.DB.prepare("update users set password_hash = '!unusable' where username = ?").bind(user.username).run();
    const response = await post(
      "/auth/password/change/",
      { old_password: user.password, new_password1: "river-quartz-81-lamp", new_password2: "river-quartz-81-lamp" },
      bearer(access),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      old_password: ["This account has no password: set one with a password reset first."],
    });
  });
});

describe("deleteAccount", () => {
  it("empties the user's usage counter along with the rows", async () => {
    const { access, body } = await register(newUser("gone"));
    const consumed = await post("/core/usage/consume/", { scope: "ai_responses", amount: 2 }, bearer(access));
    expect(consumed.status).toBe(200);
    const staff = await registerStaff();
    await deleteAccount(testDeps(), { kind: "staff", id: staff.id, username: staff.user.username }, body.user.pk, {
      cancelSubscription: false,
    });
    expect(await userRow(body.user.username)).toBeNull();
    const counter = env.USAGE.get(env.USAGE.idFromName(String(body.user.pk)));
    await runInDurableObject(counter, (_instance, state) => {
      expect(state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM units").one().n).toBe(0);
    });
  });

  it("records the owner's own deletion without personal data, the id only", async () => {
    const { body } = await register(newUser("self"));
    await deleteAccount(testDeps(), { kind: "self" }, body.user.pk, { cancelSubscription: true });
    const entry = await env.DB.prepare("select * from audit_log where target_id = ? and action = 'user_deleted_self'")
      .bind(body.user.pk)
      .first<Record<string, unknown>>();
    expect(entry).toMatchObject({ actor_id: null, actor_username: "", target_type: "user" });
    expect(JSON.stringify(entry)).not.toContain(body.user.username);
    expect(JSON.stringify(entry)).not.toContain(body.user.email);
  });

  it("answers 404 for an account that does not exist", async () => {
    await expect(
      deleteAccount(testDeps(), { kind: "self" }, 987_654_321, { cancelSubscription: true }),
    ).rejects.toMatchObject({
      status: 404,
    });
  });
});

describe("readAccount", () => {
  it("reads everything held on the account, uncapped: events oldest first, sessions, identities, audit, usage", async () => {
    const { user, access, body } = await register(newUser("whole"));
    for (let i = 0; i < 25; i++) await post("/auth/login/", { username: user.username, password: "wrong-password" });
    await post("/core/usage/consume/", { scope: "ai_responses" }, bearer(access));
    await env.DB.prepare("insert into linked_identities (user_id, provider, uid) values (?, 'google', ?)")
      .bind(body.user.pk, `sub-${body.user.pk}`)
      .run();
    const staff = await registerStaff();
    const patched = await call(`/admin/api/users/${body.user.pk}/`, {
      method: "PATCH",
      headers: { ...staff.headers, "content-type": "application/json" },
      body: JSON.stringify({ first_name: "Whole" }),
    });
    expect(patched.status).toBe(200);
    const account = await readAccount(testDeps(), body.user.pk);
    expect(account.user.firstName).toBe("Whole");
    expect(account.securityEvents).toHaveLength(25);
    const times = account.securityEvents.map((e) => e.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(account.sessions).toHaveLength(1);
    expect(account.identities).toEqual([
      expect.objectContaining({ userId: body.user.pk, provider: "google", uid: `sub-${body.user.pk}` }),
    ]);
    expect(account.audit.map((a) => a.action)).toEqual(["user.updated"]);
    expect(account.usages.find((u) => u.scope === "ai_responses")).toMatchObject({ used: 1, limit: 3 });
  });
});
