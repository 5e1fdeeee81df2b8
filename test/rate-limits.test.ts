import { beforeEach, describe, expect, it } from "vitest";
import { bearer, newUser, post, register } from "./kit";
import { updateUserRow } from "./db";

/**
 * The local limiter counts in windows aligned to the wall clock (whole minutes for period = 60): a
 * test that straddled a minute would see its count reset. Start each test well inside a window.
 */
beforeEach(async () => {
  const untilNextWindow = 60_000 - (Date.now() % 60_000);
  if (untilNextWindow < 15_000) await new Promise((resolve) => setTimeout(resolve, untilNextWindow + 100));
}, 30_000);

let ipCounter = 0;
/** A fresh client address per test, as Cloudflare's edge would report it. */
const newIp = () => `203.0.113.${++ipCounter}`;
const from = (ip: string) => ({ "cf-connecting-ip": ip });

/** Sends requests until the limiter trips; returns how many passed and the refusal. */
async function until429(send: () => Promise<Response>, max: number) {
  for (let i = 0; i < max; i++) {
    const response = await send();
    if (response.status === 429) return { passed: i, refusal: response };
  }
  throw new Error(`no 429 after ${max} requests`);
}

async function expectRateLimited(response: Response) {
  expect(response.status).toBe(429);
  expect(response.headers.get("retry-after")).toBe("60");
  expect(await response.json()).toEqual({
    error: "rate_limit_exceeded",
    message: "Too many requests. Try again in 60 seconds.",
    retry_after: 60,
  });
}

describe("rate limits", () => {
  it("login: per IP and username, leaving other clients and other accounts alone", async () => {
    const { user } = await register();
    const ip = newIp();
    const attempt = (address: string, username = user.username) =>
      post("/auth/login/", { username, password: "wrong-password" }, from(address));
    const { passed, refusal } = await until429(() => attempt(ip), 30);
    expect(passed).toBe(10);
    await expectRateLimited(refusal);
    expect((await attempt(newIp())).status).toBe(400);
    expect((await attempt(ip, `${user.username}-other`)).status).toBe(400);
  });

  it("login: counts the account the lookup resolves, however the identifier is split over the fields", async () => {
    const { user } = await register();
    const ip = newIp();
    const forms = [
      { username: user.username },
      { email: user.email },
      { username: user.email },
      { username: user.username.toUpperCase() },
    ];
    let sent = 0;
    const { passed, refusal } = await until429(
      () => post("/auth/login/", { ...forms[sent++ % forms.length], password: "wrong-password" }, from(ip)),
      30,
    );
    expect(passed).toBe(10);
    await expectRateLimited(refusal);
  });

  it("login: a ceiling of 30 attempts a minute per IP, whatever accounts they name", async () => {
    const ip = newIp();
    let sent = 0;
    const { passed, refusal } = await until429(
      () => post("/auth/login/", { username: `nobody${sent++}`, password: "wrong-password" }, from(ip)),
      60,
    );
    expect(passed).toBe(30);
    await expectRateLimited(refusal);
  });

  it("resend-email: per IP and per address", async () => {
    const target = `resend${Date.now()}@example.com`;
    let sent = 0;
    const byAddress = await until429(
      () => post("/auth/registration/resend-email/", { email: target }, from(`198.51.100.${++sent}`)),
      30,
    );
    expect(byAddress.passed).toBe(5);
    await expectRateLimited(byAddress.refusal);
    const other = `other${Date.now()}@example.com`;
    expect((await post("/auth/registration/resend-email/", { email: other }, from(newIp()))).status).toBe(200);
  });

  it("resend-email: the same statuses for an unverified account, a verified one and an unknown address", async () => {
    /** From one fresh IP: what registering there (if anything) leaves, then resends to `address` until refused. */
    async function statuses(prepare: (client: Record<string, string>) => Promise<string>) {
      const client = from(newIp());
      const address = await prepare(client);
      const seen: number[] = [];
      for (let i = 0; i < 7; i++) {
        seen.push((await post("/auth/registration/resend-email/", { email: address }, client)).status);
      }
      return seen;
    }
    const registerFrom = async (client: Record<string, string>, verified: boolean) => {
      const user = newUser("resend");
      const response = await post(
        "/auth/registration/",
        { username: user.username, email: user.email, password1: user.password, password2: user.password },
        client,
      );
      expect(response.status).toBe(201);
      if (verified) await updateUserRow({ username: user.username }, { email_verified: 1 });
      return user.email;
    };
    const unverified = await statuses((client) => registerFrom(client, false));
    const verified = await statuses((client) => registerFrom(client, true));
    const unknown = await statuses(() => Promise.resolve(`nobody${Date.now()}@example.com`));
    expect(unknown).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(unverified).toEqual(unknown);
    expect(verified).toEqual(unknown);
  });

  it("profile: 5 changes of username or e-mail a minute per user; other edits are not limited", async () => {
    const { access } = await register();
    let sent = 0;
    const rename = () => post("/auth/user/", { username: `renamed${Date.now()}x${sent++}` }, bearer(access), "PATCH");
    const { passed, refusal } = await until429(rename, 30);
    expect(passed).toBe(5);
    await expectRateLimited(refusal);
    const newEmail = await post("/auth/user/", { email: `moved${Date.now()}@example.com` }, bearer(access), "PATCH");
    expect(newEmail.status).toBe(429);
    expect((await post("/auth/user/", { first_name: "Still" }, bearer(access), "PATCH")).status).toBe(200);
    const other = await register();
    expect((await post("/auth/user/", { username: `other${Date.now()}` }, bearer(other.access), "PATCH")).status).toBe(
      200,
    );
  });

  it("registration: per IP", async () => {
    const ip = newIp();
    const { passed, refusal } = await until429(() => post("/auth/registration/", {}, from(ip)), 30);
    expect(passed).toBe(5);
    await expectRateLimited(refusal);
    expect((await post("/auth/registration/", {}, from(newIp()))).status).toBe(400);
  });

  it("password reset: per IP and per email", async () => {
    const ip = newIp();
    const byIp = await until429(
      () => post("/auth/password/reset/", { email: `x${Math.random()}@example.com` }, from(ip)),
      30,
    );
    expect(byIp.passed).toBe(5);
    await expectRateLimited(byIp.refusal);
    const email = `target${Date.now()}@example.com`;
    // One inbox flooded from many addresses trips the per-email limit.
    const byEmail = await until429(() => post("/auth/password/reset/", { email }, from(newIp())), 30);
    expect(byEmail.passed).toBe(5);
    expect(
      (await post("/auth/password/reset/", { email: `other${Date.now()}@example.com` }, from(newIp()))).status,
    ).toBe(200);
  });

  it("token refresh: per IP", async () => {
    const ip = newIp();
    const { passed, refusal } = await until429(() => post("/auth/token/refresh/", { refresh: "x" }, from(ip)), 60);
    expect(passed).toBe(30);
    await expectRateLimited(refusal);
    expect((await post("/auth/token/refresh/", { refresh: "x" }, from(newIp()))).status).toBe(401);
  });
});
