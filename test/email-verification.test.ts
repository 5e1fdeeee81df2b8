import { env } from "cloudflare:workers";
import { readConfig } from "../src/env";
import { describe, expect, it } from "vitest";
import { call, clock, expectAnswerBeforeDatabase, jsonInit, newUser, post, register, type TestUser } from "./kit";
import { mailTo } from "./mail";
import { mailCount } from "./db";

const MANDATORY = { ACCOUNT_EMAIL_VERIFICATION: "mandatory" };
const OPTIONAL = { ACCOUNT_EMAIL_VERIFICATION: "optional" };

function registerWith(overrides: Partial<Cloudflare.Env>, user: TestUser) {
  return call(
    "/auth/registration/",
    jsonInit({ username: user.username, email: user.email, password1: user.password, password2: user.password }),
    overrides,
  );
}

async function verificationKey(email: string) {
  const mail = await mailTo(email, "Confirm your e-mail address");
  const key = /verify-email\?key=([\w-]+)/.exec(mail.body ?? "")?.[1];
  expect(key).toBeTruthy();
  return key ?? "";
}

describe("ACCOUNT_EMAIL_VERIFICATION=mandatory", () => {
  it("registration answers 201 without tokens and mails a verification link", async () => {
    const user = newUser("verify");
    const response = await registerWith(MANDATORY, user);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ detail: "Verification e-mail sent." });
    expect(response.headers.getSetCookie().some((c) => c.startsWith("access-token="))).toBe(false);
    expect(await verificationKey(user.email)).toMatch(/^[\w-]{43}$/);
  });

  it("refuses login until the address is verified, then allows it", async () => {
    const user = newUser("verify");
    await registerWith(MANDATORY, user);
    const credentials = jsonInit({ username: user.username, password: user.password });
    const refused = await call("/auth/login/", credentials, MANDATORY);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ non_field_errors: ["E-mail is not verified."] });
    const wrongPassword = await call(
      "/auth/login/",
      jsonInit({ username: user.username, password: "not-it-at-all" }),
      MANDATORY,
    );
    expect(await wrongPassword.json()).toEqual({ non_field_errors: ["Unable to log in with provided credentials."] });
    const verified = await post("/auth/registration/verify-email/", { key: await verificationKey(user.email) });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toEqual({ detail: "ok" });
    expect((await call("/auth/login/", credentials, MANDATORY)).status).toBe(200);
  });
});

describe("ACCOUNT_EMAIL_VERIFICATION=optional", () => {
  it("signs the user in at once and still mails the link", async () => {
    const user = newUser("optional");
    const response = await registerWith(OPTIONAL, user);
    expect(response.status).toBe(201);
    expect(await response.json()).toHaveProperty("access");
    await verificationKey(user.email);
  });
});

describe("ACCOUNT_EMAIL_VERIFICATION=none (default)", () => {
  it("sends no verification mail", async () => {
    const { user } = await register();
    expect(await mailCount(user.email)).toBe(0);
  });
});

describe("POST /auth/registration/verify-email/", () => {
  it("answers 404 for an unknown, used or expired key", async () => {
    const user = newUser("verify");
    await registerWith(MANDATORY, user);
    const key = await verificationKey(user.email);
    expect((await post("/auth/registration/verify-email/", { key: "unknown-key" })).status).toBe(404);
    expect((await post("/auth/registration/verify-email/", { key })).status).toBe(200);
    const reused = await post("/auth/registration/verify-email/", { key });
    expect(reused.status).toBe(404);
    expect(await reused.json()).toEqual({ detail: "Not found." });
    const other = newUser("verify");
    await registerWith(MANDATORY, other);
    const otherKey = await verificationKey(other.email);
    clock.advance(readConfig(env).emailVerificationLifetime + 1);
    expect((await post("/auth/registration/verify-email/", { key: otherKey })).status).toBe(404);
  });

  it("requires the key", async () => {
    const response = await post("/auth/registration/verify-email/", {});
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ key: ["This field is required."] });
  });
});

describe("POST /auth/registration/resend-email/", () => {
  it("answers before it looks anything up, so a known address and an unknown one cost the same", async () => {
    for (const email of [(await register()).user.email, newUser("nobody").email]) {
      const response = await expectAnswerBeforeDatabase("/auth/registration/resend-email/", { email });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ detail: "ok" });
    }
  });

  it("mails a new link to an unverified address and answers the same for any address", async () => {
    const user = newUser("resend");
    await registerWith(MANDATORY, user);
    await verificationKey(user.email);
    const known = await post("/auth/registration/resend-email/", { email: user.email });
    const unknown = await post("/auth/registration/resend-email/", { email: newUser("nobody").email });
    expect(known.status).toBe(200);
    expect(await known.json()).toEqual({ detail: "ok" });
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toEqual({ detail: "ok" });
    expect(await mailCount(user.email)).toBe(2);
  });

  it("mails nothing to an address that is already verified", async () => {
    const user = newUser("resend");
    await registerWith(MANDATORY, user);
    await post("/auth/registration/verify-email/", { key: await verificationKey(user.email) });
    await post("/auth/registration/resend-email/", { email: user.email });
    expect(await mailCount(user.email)).toBe(1);
  });
});
