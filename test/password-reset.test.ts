import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uidFor } from "../src/auth/recovery";
import { readConfig } from "../src/env";
import { bearer, call, clock, expectAnswerBeforeDatabase, login, newUser, post, register } from "./kit";
import { mailTo, resetLink } from "./mail";
import { mailCount, oneTimeTokenHashes } from "./db";

const SENT = { detail: "Password reset e-mail has been sent." };
const NEW_PASSWORD = "lighthouse-orbit-42-quill";

async function resetFor(email: string) {
  const response = await post("/auth/password/reset/", { email });
  expect(response.status).toBe(200);
  return resetLink(await mailTo(email, "Reset your password"));
}

function confirm(body: Record<string, unknown>) {
  return post("/auth/password/reset/confirm/", { new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD, ...body });
}

describe("POST /auth/password/reset/", () => {
  it("mails a one-time link to the frontend with Django's uid", async () => {
    const { user, body } = await register();
    const response = await post("/auth/password/reset/", { email: user.email.toUpperCase() });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(SENT);
    const mail = await mailTo(user.email, "Reset your password");
    expect(mail.body).toContain(`https://app.example.com/reset-password?uid=${uidFor(body.user.pk)}&token=`);
    expect(uidFor(body.user.pk)).toBe(btoa(String(body.user.pk)).replace(/=+$/, ""));
  });

  it("stores only a hash of the token", async () => {
    const { user, body } = await register();
    const { token } = await resetFor(user.email);
    const hashes = await oneTimeTokenHashes(body.user.pk);
    expect(hashes.length).toBeGreaterThan(0);
    for (const hash of hashes) expect(hash).not.toContain(token);
  });

  it("answers an unknown address exactly like a known one, and mails nobody", async () => {
    const { user } = await register();
    const stranger = newUser("ghost").email;
    const known = await post("/auth/password/reset/", { email: user.email });
    const unknown = await post("/auth/password/reset/", { email: stranger });
    expect(unknown.status).toBe(known.status);
    expect(await unknown.json()).toEqual(await known.json());
    expect(await mailCount(stranger)).toBe(0);
  });

  it("answers before it looks anything up, so a known address and an unknown one cost the same", async () => {
    for (const email of [(await register()).user.email, newUser("nobody").email]) {
      expect((await expectAnswerBeforeDatabase("/auth/password/reset/", { email })).status).toBe(200);
    }
  });

  it("refuses a malformed address", async () => {
    const response = await post("/auth/password/reset/", { email: "nope" });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ email: ["Enter a valid email address."] });
  });
});

describe("POST /auth/password/reset/confirm/", () => {
  it("sets the new password, ends every session and consumes the token", async () => {
    const { user, access, refresh } = await register();
    const link = await resetFor(user.email);
    const response = await confirm(link);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ detail: "Password has been reset with the new password." });
    expect((await call("/auth/user/", { headers: bearer(access) })).status).toBe(401);
    expect((await post("/auth/token/refresh/", { refresh })).status).toBe(401);
    expect((await post("/auth/login/", { username: user.username, password: NEW_PASSWORD })).status).toBe(200);
    const again = await confirm(link);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ token: ["Invalid value"] });
  });

  it("validates the new passwords like registration, changing nothing", async () => {
    const { user } = await register();
    const link = await resetFor(user.email);
    const weak = await post("/auth/password/reset/confirm/", {
      ...link,
      new_password1: "password",
      new_password2: "password",
    });
    expect(weak.status).toBe(400);
    expect(await weak.json()).toEqual({ new_password2: ["This password is too common."] });
    const mismatch = await post("/auth/password/reset/confirm/", {
      ...link,
      new_password1: NEW_PASSWORD,
      new_password2: "other-thing-77",
    });
    expect(await mismatch.json()).toEqual({ new_password2: ["The two password fields didn’t match."] });
    expect((await post("/auth/login/", { username: user.username, password: user.password })).status).toBe(200);
    expect((await confirm(link)).status).toBe(200);
  });

  it("refuses a bad uid, a bad token, another user's token and an expired token", async () => {
    const first = await register();
    const second = await register();
    const link = await resetFor(first.user.email);
    expect(await (await confirm({ ...link, uid: "!!" })).json()).toEqual({ uid: ["Invalid value"] });
    expect(await (await confirm({ ...link, uid: uidFor(999_999) })).json()).toEqual({ uid: ["Invalid value"] });
    expect(await (await confirm({ ...link, token: "x".repeat(43) })).json()).toEqual({ token: ["Invalid value"] });
    expect(await (await confirm({ ...link, uid: uidFor(second.body.user.pk) })).json()).toEqual({
      token: ["Invalid value"],
    });
    clock.advance(readConfig(env).passwordResetLifetime + 1);
    expect(await (await confirm(link)).json()).toEqual({ token: ["Invalid value"] });
  });

  it("is invalidated by a later password change", async () => {
    const { user, access } = await register();
    const link = await resetFor(user.email);
    const changed = await post(
      "/auth/password/change/",
      { new_password1: "gallery-summit-18-vane", new_password2: "gallery-summit-18-vane" },
      bearer(access),
    );
    expect(changed.status).toBe(200);
    expect(await (await confirm(link)).json()).toEqual({ token: ["Invalid value"] });
  });

  it("accepts a token once when two confirmations race", async () => {
    const { user } = await register();
    const link = await resetFor(user.email);
    const statuses = (await Promise.all([confirm(link), confirm(link), confirm(link)])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400, 400]);
  });

  it("requires every field", async () => {
    const response = await post("/auth/password/reset/confirm/", {});
    expect(await response.json()).toEqual({
      uid: ["This field is required."],
      token: ["This field is required."],
      new_password1: ["This field is required."],
      new_password2: ["This field is required."],
    });
  });

  it("keeps other users' sessions alone", async () => {
    const target = await register();
    const bystander = await register();
    await confirm(await resetFor(target.user.email));
    const session = await login(bystander.user);
    expect((await call("/auth/user/", { headers: bearer(session.access) })).status).toBe(200);
    expect((await call("/auth/user/", { headers: bearer(bystander.access) })).status).toBe(200);
  });
});
