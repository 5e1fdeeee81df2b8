import { describe, expect, it } from "vitest";
import { decodePayload, newUser, post, setCookies, type LoginPayload } from "./kit";
import { countUsersWithEmail, userRow } from "./db";

function registration(overrides: Record<string, unknown> = {}) {
  const user = newUser("reg");
  return {
    user,
    body: {
      username: user.username,
      email: user.email,
      password1: user.password,
      password2: user.password,
      ...overrides,
    },
  };
}

describe("POST /auth/registration/", () => {
  it("creates the user on the Free plan and answers 201 with the login payload", async () => {
    const { user, body } = registration();
    const response = await post("/auth/registration/", body);
    expect(response.status).toBe(201);
    const payload = await response.json<LoginPayload>();
    expect(Object.keys(payload).sort()).toEqual([
      "access",
      "access_expiration",
      "refresh",
      "refresh_expiration",
      "user",
    ]);
    expect(payload.user).toEqual({
      pk: expect.any(Number),
      username: user.username,
      email: user.email,
      pending_email: null,
      first_name: "",
      last_name: "",
      date_of_birth: null,
      plan: {
        id: expect.any(Number),
        name: "Free",
        description: expect.any(String),
        monthly_price: null,
        yearly_price: null,
        is_current: true,
      },
      stripe_customer_id: null,
      stripe_subscription_id: null,
      stripe_subscription_status: null,
      subscription_renewal_date: null,
      subscription_interval: null,
    });
    expect(decodePayload(payload.access)).toMatchObject({ token_type: "access", user_id: payload.user.pk });
    expect(new Date(payload.access_expiration).getTime()).toBeGreaterThan(Date.now());
    expect(payload.access_expiration).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it("sets HttpOnly access and refresh cookies, keeps the refresh token out of the body, and issues a CSRF cookie", async () => {
    const response = await post("/auth/registration/", registration().body);
    const payload = await response.json<LoginPayload>();
    const cookies = setCookies(response);
    expect(payload.refresh).toBe("");
    expect(cookies.get("access-token")?.value).toBe(payload.access);
    for (const name of ["access-token", "refresh-token"]) {
      const attributes = cookies.get(name)?.attributes ?? "";
      expect(attributes).toContain("HttpOnly");
      expect(attributes).toContain("Secure");
      expect(attributes).toContain("SameSite=Lax");
      expect(attributes).toContain("Path=/");
    }
    expect(decodePayload(cookies.get("refresh-token")?.value ?? "")).toMatchObject({ token_type: "refresh" });
    expect(cookies.get("csrftoken")?.attributes).not.toContain("HttpOnly");
  });

  it("stores the email lower-cased and the password as a Django PBKDF2 hash", async () => {
    const { user, body } = registration({ email: "  Mixed.Case@Example.COM " });
    body.email = `Mixed.${user.username}@Example.COM`;
    const response = await post("/auth/registration/", body);
    expect(response.status).toBe(201);
    const row = await userRow(user.username);
    expect(row?.email).toBe(`mixed.${user.username}@example.com`);
    expect(row?.password_hash).toMatch(/^pbkdf2_sha256\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9+/]{43}=$/);
    expect(row?.password_hash).not.toContain(user.password);
  });

  it("answers 400 with 'This field is required.' for each missing field", async () => {
    const response = await post("/auth/registration/", {});
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      username: ["This field is required."],
      email: ["This field is required."],
      password1: ["This field is required."],
      password2: ["This field is required."],
    });
  });

  it("refuses usernames outside Django's rules", async () => {
    for (const username of ["has space", "semi;colon", "x".repeat(151), ""]) {
      const response = await post("/auth/registration/", registration({ username }).body);
      expect(response.status).toBe(400);
      const errors = await response.json<Record<string, string[]>>();
      expect(errors.username?.length).toBe(1);
    }
    const invalid = await post("/auth/registration/", registration({ username: "bad name" }).body);
    expect(await invalid.json()).toEqual({
      username: ["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."],
    });
  });

  it("accepts unicode letters and @/./+/-/_ in usernames", async () => {
    const { user, body } = registration();
    const response = await post("/auth/registration/", { ...body, username: `ädä.+-_@${user.username}` });
    expect(response.status).toBe(201);
  });

  it("refuses malformed emails", async () => {
    const response = await post("/auth/registration/", registration({ email: "not-an-email" }).body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ email: ["Enter a valid email address."] });
  });

  it("suggests the intended address for a common domain typo", async () => {
    const { user, body } = registration();
    const response = await post("/auth/registration/", { ...body, email: `${user.username}@gmial.com` });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ email: [`Did you mean ${user.username}@gmail.com?`] });
  });

  it("refuses disposable email domains", async () => {
    const { user, body } = registration();
    const response = await post("/auth/registration/", { ...body, email: `${user.username}@mailinator.com` });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ email: ["Disposable e-mail addresses are not allowed."] });
  });

  it("refuses passwords that do not match", async () => {
    const response = await post("/auth/registration/", registration({ password2: "something-else-entirely" }).body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ non_field_errors: ["The two password fields didn't match."] });
  });

  it("applies every password validator to password1", async () => {
    const cases: Array<[string, string]> = [
      ["short1!", "This password is too short. It must contain at least 8 characters."],
      ["48151623420", "This password is entirely numeric."],
      ["iloveyou", "This password is too common."],
    ];
    for (const [password, message] of cases) {
      const response = await post(
        "/auth/registration/",
        registration({ password1: password, password2: password }).body,
      );
      expect(response.status).toBe(400);
      const errors = await response.json<Record<string, string[]>>();
      expect(errors.password1).toContain(message);
    }
    const { user, body } = registration();
    const similar = `${user.username}!`;
    const response = await post("/auth/registration/", { ...body, password1: similar, password2: similar });
    expect(await response.json()).toEqual({ password1: ["The password is too similar to the username."] });
  });

  it("refuses a taken username and a taken email, case-insensitively, as field errors", async () => {
    const { user, body } = registration();
    expect((await post("/auth/registration/", body)).status).toBe(201);
    const again = await post("/auth/registration/", { ...body, email: user.email.toUpperCase() });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({
      username: ["A user with that username already exists."],
      email: ["A user is already registered with this e-mail address."],
    });
  });

  it("refuses usernames that differ from a taken one only by case or Unicode compatibility form", async () => {
    const base = `admin${crypto.randomUUID().slice(0, 6)}`;
    const { body } = registration({ username: base });
    expect((await post("/auth/registration/", body)).status).toBe(201);
    const fullwidth = [...base].map((ch) => String.fromCodePoint(ch.codePointAt(0)! + 0xfee0)).join("");
    for (const variant of [base.toUpperCase(), `A${base.slice(1)}`, fullwidth]) {
      const { body: other } = registration({ username: variant });
      const response = await post("/auth/registration/", other);
      expect(response.status, variant).toBe(400);
      expect(await response.json()).toEqual({ username: ["A user with that username already exists."] });
    }
  });

  it("stores a username NFKC-normalised, as Django does", async () => {
    const { user, body } = registration({ username: `ｆｕｌｌ${crypto.randomUUID().slice(0, 6)}` });
    const response = await post("/auth/registration/", body);
    expect(response.status).toBe(201);
    const { user: created } = await response.json<LoginPayload>();
    expect(created.username).toBe(body.username.normalize("NFKC"));
    expect(created.username.startsWith("full")).toBe(true);
    expect(user.username).not.toBe(created.username);
  });

  it("refuses an e-mail that is another account's username, so that username keeps logging in", async () => {
    const handle = `${crypto.randomUUID().slice(0, 8)}@handles.example.com`;
    const { body } = registration({ username: handle });
    expect((await post("/auth/registration/", body)).status).toBe(201);
    const { body: other } = registration({ email: handle.toUpperCase() });
    const response = await post("/auth/registration/", other);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ email: ["A user is already registered with this e-mail address."] });
  });

  it("gives exactly one of 20 concurrent registrations of one email a 201, and the rest a 400", async () => {
    const shared = newUser("race");
    const attempts = Array.from({ length: 20 }, (_, i) =>
      post("/auth/registration/", {
        username: `${shared.username}n${i}`,
        email: shared.email,
        password1: shared.password,
        password2: shared.password,
      }),
    );
    const responses = await Promise.all(attempts);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(19);
    for (const response of responses.filter((r) => r.status === 400)) {
      expect(await response.json()).toEqual({ email: ["A user is already registered with this e-mail address."] });
    }
    expect(await countUsersWithEmail(shared.email)).toBe(1);
  });

  it("ignores fields a client may not set", async () => {
    const { user, body } = registration();
    const response = await post("/auth/registration/", {
      ...body,
      is_staff: true,
      plan: 4,
      stripe_customer_id: "cus_x",
      pk: 1,
    });
    expect(response.status).toBe(201);
    expect(await userRow(user.username)).toMatchObject({ is_staff: 0, stripe_customer_id: null });
  });

  it("never echoes the submitted password in a validation error", async () => {
    const { body } = registration({ password1: "iloveyou", password2: "iloveyou" });
    const text = await (await post("/auth/registration/", body)).text();
    expect(text).not.toContain("iloveyou");
  });
});
