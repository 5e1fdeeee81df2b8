import { describe, expect, it } from "vitest";
import { bearer, call, jsonInit, newUser, post, register, type LoginPayload, type TestUser } from "./kit";
import { updateUserRow, userRow } from "./db";
import { mailTo, resetLink } from "./mail";

const OPTIONAL = { ACCOUNT_EMAIL_VERIFICATION: "optional" };
const MANDATORY = { ACCOUNT_EMAIL_VERIFICATION: "mandatory" };
type Mode = typeof OPTIONAL | typeof MANDATORY | Record<string, never>;
type UserBody = LoginPayload["user"];

const CONFIRM = "Confirm your e-mail address";
const CHANGED = "Your e-mail address was changed";

async function keyMailedTo(email: string) {
  const key = /verify-email\?key=([\w-]+)/.exec((await mailTo(email, CONFIRM)).body ?? "")?.[1];
  expect(key, `a verification key mailed to ${email}`).toBeTruthy();
  return key ?? "";
}

function verify(key: string, mode: Mode) {
  return call("/auth/registration/verify-email/", jsonInit({ key }), mode);
}

function patch(access: string, body: unknown, mode: Mode) {
  return call("/auth/user/", jsonInit(body, bearer(access), "PATCH"), mode);
}

async function expectResetLinkDead(link: { uid: string; token: string }) {
  const password = "lighthouse-orbit-42-quill";
  const confirm = await post("/auth/password/reset/confirm/", {
    ...link,
    new_password1: password,
    new_password2: password,
  });
  expect(confirm.status).toBe(400);
  expect(await confirm.json()).toEqual({ token: ["Invalid value"] });
}

/** A signed-in user of a deployment in `mode` (with mandatory verification: registered, verified, logged in). */
async function signedIn(mode: Mode, user: TestUser = newUser("mover")) {
  const body = { username: user.username, email: user.email, password1: user.password, password2: user.password };
  const registered = await call("/auth/registration/", jsonInit(body), mode);
  expect(registered.status).toBe(201);
  if (mode === MANDATORY) {
    expect((await verify(await keyMailedTo(user.email), mode)).status).toBe(200);
  }
  const login = await call("/auth/login/", jsonInit({ username: user.username, password: user.password }), mode);
  expect(login.status).toBe(200);
  return { user, access: (await login.json<LoginPayload>()).access };
}

describe("PATCH /auth/user/ e-mail, with verification optional or mandatory: a pending change", () => {
  it("keeps the address until the new one confirms it, then moves and tells the old one", async () => {
    const { user, access } = await signedIn(OPTIONAL);
    const target = newUser("target").email;
    const response = await patch(access, { email: target }, OPTIONAL);
    expect(response.status).toBe(200);
    expect(await response.json<UserBody>()).toMatchObject({ email: user.email, pending_email: target });
    expect((await userRow(user.username))?.email).toBe(user.email);
    const verified = await verify(await keyMailedTo(target), OPTIONAL);
    expect(verified.status).toBe(200);
    const me = await (await call("/auth/user/", { headers: bearer(access) }, OPTIONAL)).json<UserBody>();
    expect(me).toMatchObject({ email: target, pending_email: null });
    const notice = await mailTo(user.email, CHANGED);
    expect(notice.body).toContain(target);
    const byNewAddress = await call("/auth/login/", jsonInit({ email: target, password: user.password }), OPTIONAL);
    expect(byNewAddress.status).toBe(200);
  });

  it("binds each verification key to its address: a key of the old address never verifies a new one", async () => {
    // The attack: verify with one key, move the account to an address you do not own, spend a second key.
    const user = newUser("binder");
    const body = { username: user.username, email: user.email, password1: user.password, password2: user.password };
    await call("/auth/registration/", jsonInit(body), MANDATORY);
    const first = await keyMailedTo(user.email);
    await call("/auth/registration/resend-email/", jsonInit({ email: user.email }), MANDATORY);
    const second = await keyMailedTo(user.email);
    expect(second).not.toBe(first);
    expect((await verify(first, MANDATORY)).status).toBe(200);
    const login = await call("/auth/login/", jsonInit({ username: user.username, password: user.password }), MANDATORY);
    const { access } = await login.json<LoginPayload>();
    const stranger = newUser("notmine").email;
    expect((await patch(access, { email: stranger }, MANDATORY)).status).toBe(200);
    expect((await verify(second, MANDATORY)).status).toBe(404);
    expect(await userRow(user.username)).toMatchObject({ email: user.email, pending_email: stranger });
  });

  it("kills the link of an earlier pending address when the user asks for another one", async () => {
    const { user, access } = await signedIn(MANDATORY);
    const first = newUser("first").email;
    await patch(access, { email: first }, MANDATORY);
    const firstKey = await keyMailedTo(first);
    const second = newUser("second").email;
    await patch(access, { email: second }, MANDATORY);
    expect((await verify(firstKey, MANDATORY)).status).toBe(404);
    expect((await verify(await keyMailedTo(second), MANDATORY)).status).toBe(200);
    expect((await userRow(user.username))?.email).toBe(second);
  });

  it("lets a deactivated account verify nothing, not even its pending address", async () => {
    const { user, access } = await signedIn(OPTIONAL);
    const target = newUser("frozen").email;
    await patch(access, { email: target }, OPTIONAL);
    await updateUserRow(user, { is_active: 0 });
    expect((await verify(await keyMailedTo(target), OPTIONAL)).status).toBe(404);
    expect((await userRow(user.username))?.email).toBe(user.email);
  });

  it("never says whether the new address is taken", async () => {
    const { access } = await signedIn(OPTIONAL);
    const owner = await register();
    const taken = await patch(access, { email: owner.user.email }, OPTIONAL);
    const free = await patch(access, { email: newUser("free").email }, OPTIONAL);
    expect(taken.status).toBe(200);
    expect(free.status).toBe(200);
    // A taken username and a taken address together: only the username is reported.
    const both = await patch(access, { username: owner.user.username, email: owner.user.email }, OPTIONAL);
    expect(both.status).toBe(400);
    expect(await both.json()).toEqual({ username: ["A user with that username already exists."] });
  });

  it("refuses to complete a move to an address another account has taken meanwhile", async () => {
    const { user, access } = await signedIn(OPTIONAL);
    const contested = newUser("contested");
    await patch(access, { email: contested.email }, OPTIONAL);
    const key = await keyMailedTo(contested.email);
    await register(contested);
    const response = await verify(key, OPTIONAL);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ key: ["A user is already registered with this e-mail address."] });
    expect((await userRow(user.username))?.email).toBe(user.email);
  });

  it("leaves reset links to the current address working while pending, and kills them once it moves", async () => {
    const { user, access } = await signedIn(OPTIONAL);
    await post("/auth/password/reset/", { email: user.email });
    const link = resetLink(await mailTo(user.email, "Reset your password"));
    const target = newUser("later").email;
    await patch(access, { email: target }, OPTIONAL);
    expect((await verify(await keyMailedTo(target), OPTIONAL)).status).toBe(200);
    await expectResetLinkDead(link);
  });

  it("sending back the current address (as the web client does with the whole user) keeps the pending change", async () => {
    const { user, access } = await signedIn(OPTIONAL);
    const target = newUser("kept").email;
    await patch(access, { email: target }, OPTIONAL);
    const echoed = await patch(access, { email: user.email, first_name: "Ada" }, OPTIONAL);
    expect(await echoed.json<UserBody>()).toMatchObject({
      email: user.email,
      pending_email: target,
      first_name: "Ada",
    });
  });
});

describe("PATCH /auth/user/ e-mail, without verification: an immediate change", () => {
  it("moves at once, tells the old address, and kills outstanding reset links", async () => {
    const { user, access } = await signedIn({});
    await post("/auth/password/reset/", { email: user.email });
    const link = resetLink(await mailTo(user.email, "Reset your password"));
    const target = newUser("moved").email;
    const response = await patch(access, { email: target }, {});
    expect(await response.json<UserBody>()).toMatchObject({ email: target, pending_email: null });
    expect((await mailTo(user.email, CHANGED)).body).toContain(target);
    await expectResetLinkDead(link);
  });
});
