import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig } from "../src/env";
import {
  bearer,
  call,
  clock,
  cookieHeader,
  jsonInit,
  newUser,
  type LoginPayload,
  decodePayload,
  post,
  register,
  signWithTestSecret,
} from "./kit";
import { deleteUserRow, updateUserRow } from "./db";

type UserBody = Record<string, unknown>;

function patch(access: string, body: unknown, method = "PATCH") {
  return post("/auth/user/", body, bearer(access), method);
}

describe("GET /auth/user/", () => {
  it("returns the signed-in user by Bearer token", async () => {
    const { access, body } = await register();
    const response = await call("/auth/user/", { headers: bearer(access) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(body.user);
  });

  it("returns the signed-in user by access cookie", async () => {
    const { access, body } = await register();
    const response = await call("/auth/user/", { headers: cookieHeader({ "access-token": access }) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(body.user);
  });

  it("answers 401 without credentials, with WWW-Authenticate", async () => {
    const response = await call("/auth/user/");
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ detail: "Authentication credentials were not provided." });
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  });

  it("refuses expired, tampered, alg:none, wrongly signed and refresh tokens", async () => {
    const { access, refresh } = await register();
    const claims = decodePayload(access);
    const now = Math.floor(Date.now() / 1000);
    const header = (alg: string) => btoa(JSON.stringify({ alg, typ: "JWT" })).replace(/=+$/, "");
    const [, payloadPart, signature] = access.split(".");
    const tokens = {
      expired: await signWithTestSecret({ ...claims, exp: now - 1 }),
      tampered: `${access.split(".")[0]}.${btoa(JSON.stringify({ ...claims, user_id: 999999 })).replace(/=+$/, "")}.${signature}`,
      algNone: `${header("none")}.${payloadPart}.`,
      wrongKey: await signWithTestSecret(claims, "some-other-secret-of-at-least-32-chars"),
      noExpiry: await signWithTestSecret({ ...claims, exp: undefined }),
      refresh,
    };
    for (const [name, token] of Object.entries(tokens)) {
      const response = await call("/auth/user/", { headers: bearer(token) });
      expect(response.status, name).toBe(401);
      expect(await response.json(), name).toEqual({
        detail: "Given token not valid for any token type",
        code: "token_not_valid",
      });
    }
  });

  it("accepts an access token until its lifetime has passed on the clock, then answers 401", async () => {
    const { access } = await register();
    clock.advance(readConfig(env).accessTokenLifetime - 5);
    expect((await call("/auth/user/", { headers: bearer(access) })).status).toBe(200);
    clock.advance(10);
    const expired = await call("/auth/user/", { headers: bearer(access) });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({
      detail: "Given token not valid for any token type",
      code: "token_not_valid",
    });
  });

  it("refuses an unexpired access token once its session has outlived the refresh lifetime", async () => {
    // Access tokens outliving the session, so only the session's own expiry can refuse them.
    const config = { ACCESS_TOKEN_LIFETIME_SECONDS: "86400", REFRESH_TOKEN_LIFETIME_SECONDS: "60" };
    const user = newUser();
    const registered = await call(
      "/auth/registration/",
      jsonInit({ username: user.username, email: user.email, password1: user.password, password2: user.password }),
      config,
    );
    const { access } = await registered.json<LoginPayload>();
    expect((await call("/auth/user/", { headers: bearer(access) }, config)).status).toBe(200);
    clock.advance(61);
    expect((await call("/auth/user/", { headers: bearer(access) }, config)).status).toBe(401);
    expect((await call("/core/plans/", { headers: bearer(access) }, config)).status).toBe(401);
    expect((await post("/auth/token/verify/", { token: access })).status).toBe(401);
  });

  it("refuses the token of a deactivated or deleted user", async () => {
    const first = await register();
    await updateUserRow({ id: first.body.user.pk }, { is_active: 0 });
    expect((await call("/auth/user/", { headers: bearer(first.access) })).status).toBe(401);
    const second = await register();
    await deleteUserRow(second.body.user.pk);
    expect((await call("/auth/user/", { headers: bearer(second.access) })).status).toBe(401);
  });
});

describe("PATCH /auth/user/", () => {
  it("updates the writable fields and returns the user", async () => {
    const { access, user } = await register();
    const response = await patch(access, { first_name: "Ada", last_name: "Lovelace", date_of_birth: "1815-12-10" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      username: user.username,
      first_name: "Ada",
      last_name: "Lovelace",
      date_of_birth: "1815-12-10",
    });
    expect(await (await call("/auth/user/", { headers: bearer(access) })).json()).toMatchObject({ first_name: "Ada" });
  });

  it("accepts back everything GET returned, ignoring read-only fields whatever their type", async () => {
    const { access } = await register();
    const current = await (await call("/auth/user/", { headers: bearer(access) })).json<UserBody>();
    const { pk: _pk, username: _username, ...rest } = current;
    const response = await patch(access, { ...rest, first_name: "Grace" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ...current, first_name: "Grace" });
    const odd = await patch(access, {
      plan: "Premium",
      stripe_customer_id: 42,
      pk: "x",
      is_staff: true,
      subscription_interval: ["y"],
    });
    expect(odd.status).toBe(200);
    expect(await odd.json()).toEqual({ ...current, first_name: "Grace" });
  });

  it("clears optional fields with null", async () => {
    const { access } = await register();
    await patch(access, { first_name: "Ada", date_of_birth: "1815-12-10" });
    const response = await patch(access, { first_name: null, date_of_birth: null });
    expect(await response.json()).toMatchObject({ first_name: "", date_of_birth: null });
  });

  it("changes the email, lower-cased, and treats the caller's own email as no conflict", async () => {
    const { access, user } = await register();
    expect((await patch(access, { email: user.email.toUpperCase() })).status).toBe(200);
    const response = await patch(access, { email: `New.${user.email}` });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ email: `new.${user.email}` });
  });

  it("refuses another user's username or email", async () => {
    const { access } = await register();
    const other = await register();
    const response = await patch(access, { username: other.user.username, email: other.user.email.toUpperCase() });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      username: ["A user with that username already exists."],
      email: ["A user is already registered with this e-mail address."],
    });
  });

  it("refuses invalid values field by field", async () => {
    const { access, user } = await register();
    const cases: Array<[UserBody, UserBody]> = [
      [
        { date_of_birth: "10/12/1815" },
        { date_of_birth: ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."] },
      ],
      [
        { date_of_birth: "2026-02-30" },
        { date_of_birth: ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."] },
      ],
      [{ email: "nope" }, { email: ["Enter a valid email address."] }],
      [{ email: null }, { email: ["This field may not be null."] }],
      [{ email: `${user.username}@gmial.com` }, { email: [`Did you mean ${user.username}@gmail.com?`] }],
      [{ username: "" }, { username: ["This field may not be blank."] }],
      [{ first_name: 7 }, { first_name: ["Not a valid string."] }],
      [{ last_name: "x".repeat(151) }, { last_name: ["Ensure this field has no more than 150 characters."] }],
    ];
    for (const [body, errors] of cases) {
      const response = await patch(access, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await response.json()).toEqual(errors);
    }
  });

  it("refuses a body that is not an object", async () => {
    const { access } = await register();
    const response = await patch(access, ["first_name"]);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ non_field_errors: ["Invalid data. Expected a dictionary, but got list."] });
  });

  it("requires the CSRF header when authenticated by cookie, and not with Bearer", async () => {
    const { access, cookies } = await register();
    const csrf = cookies.get("csrftoken")?.value ?? "";
    const jar = cookieHeader({ "access-token": access, csrftoken: csrf });
    const missing = await post("/auth/user/", { first_name: "X" }, jar, "PATCH");
    expect(missing.status).toBe(403);
    expect(await missing.json()).toEqual({ detail: "CSRF Failed: CSRF token missing." });
    const wrong = await post("/auth/user/", { first_name: "X" }, { ...jar, "x-csrftoken": "b".repeat(32) }, "PATCH");
    expect(await wrong.json()).toEqual({ detail: "CSRF Failed: CSRF token incorrect." });
    const noCookie = await post(
      "/auth/user/",
      { first_name: "X" },
      { ...cookieHeader({ "access-token": access }), "x-csrftoken": csrf },
      "PATCH",
    );
    expect(await noCookie.json()).toEqual({ detail: "CSRF Failed: CSRF cookie not set." });
    const ok = await post("/auth/user/", { first_name: "X" }, { ...jar, "x-csrftoken": csrf }, "PATCH");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ first_name: "X" });
  });

  it("answers 401 without credentials", async () => {
    expect((await post("/auth/user/", { first_name: "X" }, {}, "PATCH")).status).toBe(401);
  });
});

describe("PUT /auth/user/", () => {
  it("requires the username and replaces the writable fields", async () => {
    const { access, user } = await register();
    const missing = await patch(access, { first_name: "Ada" }, "PUT");
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ username: ["This field is required."] });
    const response = await patch(access, { username: `${user.username}x`, first_name: "Ada" }, "PUT");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      username: `${user.username}x`,
      first_name: "Ada",
      email: user.email,
    });
  });
});
