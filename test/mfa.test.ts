import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { base32Encode, timeStep, totpCode } from "../src/auth/mfa/totp";
import {
  bearer,
  call,
  clock,
  COOKIES,
  decodePayload,
  jsonInit,
  login,
  newUser,
  post,
  register,
  registerStaff,
  setCookies,
  type LoginPayload,
  type TestUser,
} from "./kit";
import { mailTo } from "./mail";
import { userRow } from "./db";

interface Enabled {
  user: TestUser;
  access: string;
  secret: string;
  recoveryCodes: string[];
}

/** The code an authenticator app shows for `secret`, `stepsAhead` steps from the test clock's now. */
const codeOf = (secret: string, stepsAhead = 0) => totpCode(secret, timeStep(clock.now()) + stepsAhead);

/** Moves the clock to the next 30 s step, so a code of the new step has not been used. */
const nextStep = () => clock.advance(30);

async function setUp(access: string, password: string) {
  const response = await post("/auth/mfa/totp/setup/", { password }, bearer(access));
  expect(response.status).toBe(200);
  return (await response.json<{ secret: string; otpauth_url: string }>()).secret;
}

async function enable(user: TestUser = newUser("mfa")): Promise<Enabled> {
  const { access } = await register(user);
  const secret = await setUp(access, user.password);
  const confirmed = await post("/auth/mfa/totp/confirm/", { code: await codeOf(secret) }, bearer(access));
  expect(confirmed.status).toBe(200);
  const { recovery_codes } = await confirmed.json<{ recovery_codes: string[] }>();
  nextStep();
  return { user, access, secret, recoveryCodes: recovery_codes };
}

async function firstStep(user: TestUser) {
  const response = await post("/auth/login/", { username: user.username, password: user.password });
  expect(response.status).toBe(200);
  return { response, body: await response.json<{ mfa_required: true; mfa_token: string; methods: string[] }>() };
}

const secondStep = (mfaToken: string, code: string) => post("/auth/login/mfa/", { mfa_token: mfaToken, code });

async function status(access: string) {
  return (await call("/auth/mfa/", { headers: bearer(access) })).json();
}

describe("TOTP (RFC 6238)", () => {
  it("computes the RFC's SHA-1 test vectors", async () => {
    const secret = base32Encode(new TextEncoder().encode("12345678901234567890"));
    expect(secret).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    expect(await totpCode(secret, Math.floor(59 / 30))).toBe("287082");
    expect(await totpCode(secret, Math.floor(1111111109 / 30))).toBe("081804");
    expect(await totpCode(secret, Math.floor(2000000000 / 30))).toBe("279037");
  });
});

describe("GET /auth/mfa/", () => {
  it("says what the account has: nothing at first, TOTP and 10 codes once on", async () => {
    const { access } = await register(newUser("mfa"));
    expect(await status(access)).toEqual({
      totp: { enabled: false, created: null },
      recovery_codes: { remaining: 0 },
      passkeys: 0,
    });
    const enabled = await enable();
    expect(await status(enabled.access)).toEqual({
      totp: { enabled: true, created: expect.any(String) },
      recovery_codes: { remaining: 10 },
      passkeys: 0,
    });
  });

  it("answers 401 signed out", async () => {
    expect((await call("/auth/mfa/")).status).toBe(401);
  });
});

describe("POST /auth/mfa/totp/setup/", () => {
  it("answers a 160-bit base32 secret and its otpauth URI for the password, turning nothing on", async () => {
    const user = newUser("setup");
    const { access } = await register(user);
    const response = await post("/auth/mfa/totp/setup/", { password: user.password }, bearer(access));
    const body = await response.json<{ secret: string; otpauth_url: string }>();
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(body.otpauth_url).toBe(
      `otpauth://totp/edge-accounts:${user.username}?secret=${body.secret}&issuer=edge-accounts&algorithm=SHA1&digits=6&period=30`,
    );
    expect(await status(access)).toMatchObject({ totp: { enabled: false } });
    // Stored encrypted: the secret is nowhere in the row.
    const row = await env.DB.prepare("select encrypted_secret from mfa_totp where user_id = ?")
      .bind(decodePayload(access).user_id)
      .first<{ encrypted_secret: string }>();
    expect(row?.encrypted_secret).not.toContain(body.secret);
    expect(row?.encrypted_secret.length).toBeGreaterThan(40);
  });

  it("refuses a wrong password with 400 on `password`", async () => {
    const { access } = await register(newUser("setup"));
    const response = await post("/auth/mfa/totp/setup/", { password: "not-my-password" }, bearer(access));
    expect(response.status).toBe(400);
    expect(Object.keys(await response.json<object>())).toEqual(["password"]);
  });

  it("replaces a pending secret: the first one's codes no longer confirm", async () => {
    const user = newUser("setup");
    const { access } = await register(user);
    const first = await setUp(access, user.password);
    const second = await setUp(access, user.password);
    expect(second).not.toBe(first);
    expect((await post("/auth/mfa/totp/confirm/", { code: await codeOf(first) }, bearer(access))).status).toBe(400);
    expect((await post("/auth/mfa/totp/confirm/", { code: await codeOf(second) }, bearer(access))).status).toBe(200);
  });

  it("refuses while two-factor is already on", async () => {
    const { user, access } = await enable();
    expect((await post("/auth/mfa/totp/setup/", { password: user.password }, bearer(access))).status).toBe(400);
  });

  it("answers 503 when MFA_ENCRYPTION_KEY is not set", async () => {
    const user = newUser("setup");
    const { access } = await register(user);
    const response = await call("/auth/mfa/totp/setup/", jsonInit({ password: user.password }, bearer(access)), {
      MFA_ENCRYPTION_KEY: undefined,
    });
    expect(response.status).toBe(503);
  });
});

describe("POST /auth/mfa/totp/confirm/", () => {
  it("turns it on with a code: 10 recovery codes once, other sessions ended, an event and a mail", async () => {
    const user = newUser("confirm");
    const { access } = await register(user);
    const other = await login(user);
    const secret = await setUp(access, user.password);
    expect((await post("/auth/mfa/totp/confirm/", { code: "000000" }, bearer(access))).status).toBe(400);
    const response = await post("/auth/mfa/totp/confirm/", { code: await codeOf(secret) }, bearer(access));
    expect(response.status).toBe(200);
    const { recovery_codes } = await response.json<{ recovery_codes: string[] }>();
    expect(recovery_codes).toHaveLength(10);
    expect(new Set(recovery_codes).size).toBe(10);
    for (const code of recovery_codes) expect(code).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
    expect((await call("/auth/user/", { headers: bearer(other.access) })).status).toBe(401);
    expect((await call("/auth/user/", { headers: bearer(access) })).status).toBe(200);
    expect((await mailTo(user.email, "Two-factor authentication is on")).status).toBe("sent");
    const stored = await env.DB.prepare("select code_hash from mfa_recovery_codes where user_id = ?")
      .bind(decodePayload(access).user_id)
      .all<{ code_hash: string }>();
    expect(stored.results).toHaveLength(10);
    for (const { code_hash } of stored.results) expect(recovery_codes).not.toContain(code_hash);
  });

  it("counts confirm's code as used: the same code does not also pass the login step", async () => {
    const user = newUser("confirm");
    const { access } = await register(user);
    const secret = await setUp(access, user.password);
    const code = await codeOf(secret);
    expect((await post("/auth/mfa/totp/confirm/", { code }, bearer(access))).status).toBe(200);
    const { body } = await firstStep(user);
    expect((await secondStep(body.mfa_token, code)).status).toBe(400);
  });
});

describe("POST /auth/login/ and /auth/login/mfa/ with two-factor on", () => {
  it("answers the first step with an mfa_token and no token or cookie, then signs in with a code", async () => {
    const { user, secret } = await enable();
    const { response, body } = await firstStep(user);
    expect(body).toEqual({ mfa_required: true, mfa_token: expect.any(String), methods: ["totp", "recovery_code"] });
    expect(response.headers.getSetCookie().filter((c) => /token/.test(c))).toEqual([]);
    const signedIn = await secondStep(body.mfa_token, await codeOf(secret));
    expect(signedIn.status).toBe(200);
    const payload = await signedIn.json<LoginPayload>();
    expect(payload.user.username).toBe(user.username);
    expect(decodePayload(payload.access).amr).toEqual(["pwd", "otp"]);
    expect(setCookies(signedIn).get(COOKIES.access)?.value).toBe(payload.access);
    // The token works once.
    nextStep();
    expect(await (await secondStep(body.mfa_token, await codeOf(secret))).json()).toEqual({
      mfa_token: ["This sign-in has expired or is not valid: sign in again."],
    });
  });

  it("accepts a code one step either side of now, not two", async () => {
    const { user, secret } = await enable();
    for (const [ahead, accepted] of [
      [-2, false],
      [2, false],
      [-1, true],
      [1, true],
    ] as const) {
      clock.advance(120);
      const { body } = await firstStep(user);
      const response = await secondStep(body.mfa_token, await codeOf(secret, ahead));
      expect(response.status, `${ahead} steps`).toBe(accepted ? 200 : 400);
    }
  });

  it("refuses a replayed code and an older step than the last used", async () => {
    const { user, secret } = await enable();
    const code = await codeOf(secret, 1);
    expect((await secondStep((await firstStep(user)).body.mfa_token, code)).status).toBe(200);
    expect((await secondStep((await firstStep(user)).body.mfa_token, code)).status).toBe(400);
    expect((await secondStep((await firstStep(user)).body.mfa_token, await codeOf(secret))).status).toBe(400);
  });

  it("kills the mfa_token after 5 wrong codes, and after 5 minutes", async () => {
    const { user, secret } = await enable();
    const { body } = await firstStep(user);
    for (let i = 0; i < 5; i++) {
      const wrong = await secondStep(body.mfa_token, "123456");
      expect(await wrong.json()).toEqual({ code: ["Invalid code."] });
    }
    const dead = await secondStep(body.mfa_token, await codeOf(secret));
    expect(dead.status).toBe(400);
    expect(await dead.json()).toEqual({ mfa_token: ["This sign-in has expired or is not valid: sign in again."] });
    const late = await firstStep(user);
    clock.advance(301);
    expect(await (await secondStep(late.body.mfa_token, await codeOf(secret))).json()).toMatchObject({
      mfa_token: expect.any(Array),
    });
  });

  it("refuses an mfa_token that is not one (an access token, garbage)", async () => {
    const { access, secret } = await enable();
    for (const token of [access, "x", "a".repeat(128)]) {
      expect(await (await secondStep(token, await codeOf(secret))).json()).toMatchObject({
        mfa_token: expect.any(Array),
      });
    }
  });

  it("takes a recovery code once, recording recovery_code_used, the user unchanged", async () => {
    const { user, recoveryCodes } = await enable();
    const [code = ""] = recoveryCodes;
    const { body } = await firstStep(user);
    const signedIn = await secondStep(body.mfa_token, code.toUpperCase().replace("-", " "));
    expect(signedIn.status).toBe(200);
    const payload = await signedIn.json<LoginPayload>();
    expect(decodePayload(payload.access).amr).toEqual(["pwd", "otp"]);
    const events = await call("/auth/security-events/", { headers: bearer(payload.access) });
    expect((await events.json<{ results: Array<{ type: string }> }>()).results.map((e) => e.type).slice(0, 2)).toEqual([
      "login_succeeded",
      "recovery_code_used",
    ]);
    expect(await status(payload.access)).toMatchObject({ recovery_codes: { remaining: 9 } });
    expect((await secondStep((await firstStep(user)).body.mfa_token, code)).status).toBe(400);
  });

  it("answers a wrong password exactly as for an account without two-factor", async () => {
    const { user } = await enable();
    const plain = (await register(newUser("plain"))).user;
    const answers = await Promise.all(
      [user, plain].map(async (u) => {
        const response = await post("/auth/login/", { username: u.username, password: "wrong-password" });
        return [response.status, await response.json()];
      }),
    );
    expect(answers[0]).toEqual(answers[1]);
  });

  it("leaves accounts without two-factor signing in exactly as before", async () => {
    const { user } = await register(newUser("plain"));
    const response = await post("/auth/login/", { username: user.username, password: user.password });
    expect(Object.keys(await response.json<object>()).sort()).toEqual([
      "access",
      "access_expiration",
      "refresh",
      "refresh_expiration",
      "user",
    ]);
  });
});

describe("POST /auth/mfa/totp/disable/ and /auth/mfa/recovery-codes/", () => {
  it("turns it off for a current code: secret and codes gone, other sessions ended, an event and a mail", async () => {
    const enabled = await enable();
    const other = (
      await secondStep((await firstStep(enabled.user)).body.mfa_token, await codeOf(enabled.secret))
    ).json<LoginPayload>();
    nextStep();
    expect((await post("/auth/mfa/totp/disable/", { code: "654321" }, bearer(enabled.access))).status).toBe(400);
    expect(await status(enabled.access)).toMatchObject({ totp: { enabled: true } });
    const response = await post(
      "/auth/mfa/totp/disable/",
      { code: await codeOf(enabled.secret) },
      bearer(enabled.access),
    );
    expect(await response.json()).toEqual({ detail: "Two-factor authentication is off." });
    expect(await status(enabled.access)).toEqual({
      totp: { enabled: false, created: null },
      recovery_codes: { remaining: 0 },
      passkeys: 0,
    });
    expect((await call("/auth/user/", { headers: bearer((await other).access) })).status).toBe(401);
    expect((await mailTo(enabled.user.email, "Two-factor authentication is off")).status).toBe("sent");
    const plainLogin = await post("/auth/login/", { username: enabled.user.username, password: enabled.user.password });
    expect(await plainLogin.json()).toHaveProperty("access");
  });

  it("turns it off with a recovery code too", async () => {
    const { access, recoveryCodes } = await enable();
    expect((await post("/auth/mfa/totp/disable/", { code: recoveryCodes[3] }, bearer(access))).status).toBe(200);
  });

  it("regenerates the codes for a current code: the old ones die, the new ones work", async () => {
    const { user, access, secret, recoveryCodes } = await enable();
    expect((await post("/auth/mfa/recovery-codes/", { code: "111111" }, bearer(access))).status).toBe(400);
    const response = await post("/auth/mfa/recovery-codes/", { code: await codeOf(secret) }, bearer(access));
    const { recovery_codes } = await response.json<{ recovery_codes: string[] }>();
    expect(recovery_codes).toHaveLength(10);
    expect(recovery_codes.some((c) => recoveryCodes.includes(c))).toBe(false);
    expect((await secondStep((await firstStep(user)).body.mfa_token, recoveryCodes[0] ?? "")).status).toBe(400);
    expect((await secondStep((await firstStep(user)).body.mfa_token, recovery_codes[0] ?? "")).status).toBe(200);
  });
});

describe("ADMIN_REQUIRE_MFA", () => {
  it("refuses a staff session without a second factor, and admits one signed in with it", async () => {
    const required = { ADMIN_REQUIRE_MFA: "true" };
    const staff = await registerStaff();
    const refused = await call("/admin/api/users/", { headers: staff.headers }, required);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      detail: "Staff must sign in with a second factor: turn on two-factor authentication and sign in again.",
    });
    expect((await call("/admin/api/users/", { headers: staff.headers })).status).toBe(200);
    const secret = await setUp(staff.access, staff.user.password);
    await post("/auth/mfa/totp/confirm/", { code: await codeOf(secret) }, staff.headers);
    nextStep();
    const { body } = await firstStep(staff.user);
    const { access } = await (await secondStep(body.mfa_token, await codeOf(secret))).json<LoginPayload>();
    expect((await call("/admin/api/users/", { headers: bearer(access) }, required)).status).toBe(200);
    expect(await userRow(staff.user.username)).toMatchObject({ is_staff: 1 });
  });
});

describe("POST /admin/api/users/{id}/mfa-reset/", () => {
  it("shows staff whether a user has two-factor, resets it (audited, the user mailed), then 409", async () => {
    const { user, access } = await enable();
    const id = decodePayload(access).user_id as number;
    const staff = await registerStaff();
    const detail = await (await call(`/admin/api/users/${id}/`, { headers: staff.headers })).json();
    expect(detail).toMatchObject({ mfa: { totp: true, recovery_codes_remaining: 10 } });
    expect((await post(`/admin/api/users/${id}/mfa-reset/`, {}, bearer(access))).status).toBe(403);
    const reset = await post(`/admin/api/users/${id}/mfa-reset/`, {}, staff.headers);
    expect(reset.status).toBe(200);
    const login = await post("/auth/login/", { username: user.username, password: user.password });
    expect(await login.json()).toHaveProperty("access");
    expect((await mailTo(user.email, "Two-factor authentication was reset")).status).toBe("sent");
    const audit = await (await call(`/admin/api/users/${id}/audit-log/`, { headers: staff.headers })).json();
    expect(audit).toMatchObject({
      results: [{ action: "user.mfa_reset", before: { mfa: true }, after: { mfa: false } }],
    });
    expect((await post(`/admin/api/users/${id}/mfa-reset/`, {}, staff.headers)).status).toBe(409);
  });
});
