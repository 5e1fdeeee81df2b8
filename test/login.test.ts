import { describe, expect, it } from "vitest";
import { hashPassword } from "../src/auth/password";
import { call, newUser, post, register, setCookies, type LoginPayload } from "./kit";
import { insertUserRow, updateUserRow, userRow } from "./db";

const BAD_CREDENTIALS = { non_field_errors: ["Unable to log in with provided credentials."] };

describe("POST /auth/login/", () => {
  it("signs in by username with the login payload and cookies", async () => {
    const { user } = await register();
    const response = await post("/auth/login/", { username: user.username, password: user.password });
    expect(response.status).toBe(200);
    const payload = await response.json<LoginPayload>();
    expect(payload.user).toMatchObject({ username: user.username, email: user.email, plan: { name: "Free" } });
    expect(payload.refresh).toBe("");
    const cookies = setCookies(response);
    expect(cookies.get("access-token")?.value).toBe(payload.access);
    expect(cookies.get("refresh-token")?.value).toMatch(/^ey/);
    const me = await call("/auth/user/", { headers: { authorization: `Bearer ${payload.access}` } });
    expect(me.status).toBe(200);
  });

  it("signs in by email, in any case, given in the email or the username field", async () => {
    const { user } = await register();
    expect((await post("/auth/login/", { email: user.email.toUpperCase(), password: user.password })).status).toBe(200);
    expect((await post("/auth/login/", { username: user.email, password: user.password })).status).toBe(200);
    expect((await post("/auth/login/", { username: "", email: user.email, password: user.password })).status).toBe(200);
  });

  it("signs in by the username typed in any case or compatibility form", async () => {
    const user = newUser("Case");
    await register(user);
    for (const typed of [user.username.toLowerCase(), user.username.toUpperCase()]) {
      expect((await post("/auth/login/", { username: typed, password: user.password })).status, typed).toBe(200);
    }
  });

  it("never lets a username spelled like someone's e-mail shadow that account", async () => {
    const victim = newUser("victim");
    await register(victim);
    const squatter = { ...newUser("squat"), username: victim.email };
    await register(squatter);
    // The victim types their e-mail into the username field, as the web frontend lets them.
    const response = await post("/auth/login/", { username: victim.email, password: victim.password });
    expect(response.status).toBe(200);
    expect((await response.json<LoginPayload>()).user.username).toBe(victim.username);
  });

  it("still signs in a username containing @ that is no account's e-mail", async () => {
    const user = { ...newUser("at"), username: `${crypto.randomUUID().slice(0, 8)}@legacy.example.com` };
    await register(user);
    expect((await post("/auth/login/", { username: user.username, password: user.password })).status).toBe(200);
  });

  it("records last_login", async () => {
    const { user } = await register();
    await updateUserRow(user, { last_login: null });
    await post("/auth/login/", { username: user.username, password: user.password });
    expect((await userRow(user.username))?.last_login).toBeGreaterThan(Date.now() - 60_000);
  });

  it("gives a wrong password and an unknown user the same 400", async () => {
    const { user } = await register();
    const wrong = await post("/auth/login/", { username: user.username, password: "not-the-password" });
    const unknown = await post("/auth/login/", { username: `nobody-${user.username}`, password: "not-the-password" });
    expect(wrong.status).toBe(400);
    expect(unknown.status).toBe(400);
    expect(await wrong.json()).toEqual(BAD_CREDENTIALS);
    expect(await unknown.json()).toEqual(BAD_CREDENTIALS);
  });

  it("refuses inactive users with the same answer", async () => {
    const { user } = await register();
    await updateUserRow(user, { is_active: 0 });
    const response = await post("/auth/login/", { username: user.username, password: user.password });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(BAD_CREDENTIALS);
  });

  it("requires a password and an identifier", async () => {
    const noPassword = await post("/auth/login/", { username: "ada" });
    expect(noPassword.status).toBe(400);
    expect(await noPassword.json()).toEqual({ password: ["This field is required."] });
    const noIdentifier = await post("/auth/login/", { password: "whatever-password" });
    expect(await noIdentifier.json()).toEqual({
      non_field_errors: ['Must include either "username" or "email" and "password".'],
    });
    const wrongType = await post("/auth/login/", { username: ["ada"], password: 12 });
    expect(wrongType.status).toBe(400);
    expect(await wrongType.json()).toEqual({ username: ["Not a valid string."], password: ["Not a valid string."] });
  });

  it("upgrades a hash with fewer iterations to the current count on a successful login", async () => {
    const user = newUser("legacy");
    const legacy = "pbkdf2_sha256$1000$Pb7QmY2cX0rLw8sK1vNq3z$capKgulLJvkswr3gLq7RMUHuDb0SLx6Ya7ZuDFC1EWw=";
    await insertUserRow({ username: user.username, email: user.email, password_hash: legacy });
    const response = await post("/auth/login/", { username: user.username, password: "Tr0ub4dor&3-horse" });
    expect(response.status).toBe(200);
    expect((await userRow(user.username))?.password_hash).toMatch(/^pbkdf2_sha256\$100000\$/);
  });

  it("signs in a user whose hash came from Django", async () => {
    const user = newUser("django");
    await insertUserRow({
      username: user.username,
      email: user.email,
      password_hash: await hashPassword(user.password),
    });
    const response = await post("/auth/login/", { username: user.username, password: user.password });
    expect(response.status).toBe(200);
    expect((await response.json<LoginPayload>()).user.plan).toBeNull();
  });
});
