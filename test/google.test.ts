import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { describe, expect, inject, it } from "vitest";
import {
  bearer,
  call,
  clock,
  COOKIES,
  cookieHeader,
  decodePayload,
  jsonInit,
  jwtSegment,
  newUser,
  post,
  register,
  registerStaff,
  setCookies,
  type LoginPayload,
} from "./kit";
import { bytesToBase64Url } from "../src/encoding";
import { updateUserRow, userRow } from "./db";

const FAKE = inject("fakeGoogleBase");
const WEB_CLIENT = "web-client.apps.googleusercontent.com";
const IOS_CLIENT = "ios-client.apps.googleusercontent.com";

interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: Record<string, unknown>;
}

async function newKey(kid = `test-${crypto.randomUUID().slice(0, 8)}`): Promise<TestKey> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const { n, e } = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  return { kid, privateKey: pair.privateKey, jwk: { kty: "RSA", n, e, kid, alg: "RS256", use: "sig" } };
}

/** Publishes these keys as Google's (the fake serves them), and lets the worker's one-a-minute refetch happen. */
async function publish(...keys: TestKey[]) {
  await fetch(`${FAKE}/__fake/keys`, { method: "POST", body: JSON.stringify({ keys: keys.map((k) => k.jwk) }) });
  clock.advance(61);
}

const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);

let sequence = 0;
/** A Google identity nobody has used yet. */
function newIdentity(fields: Record<string, unknown> = {}) {
  sequence += 1;
  const id = `${Date.now().toString(36)}${sequence}`;
  return {
    sub: `1${Date.now()}${sequence}`,
    email: `ada.${id}@gmail.example`,
    email_verified: true,
    given_name: "Ada",
    family_name: "Lovelace",
    ...fields,
  };
}

/** An ID token as Google makes them, signed by `key`, with any claim or header changed. */
async function idToken(key: TestKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const body = {
    iss: "https://accounts.google.com",
    aud: WEB_CLIENT,
    azp: WEB_CLIENT,
    iat: nowSeconds(),
    exp: nowSeconds() + 3600,
    ...claims,
  };
  const input = `${jwtSegment({ alg: "RS256", kid: key.kid, typ: "JWT", ...header })}.${jwtSegment(body)}`;
  const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key.privateKey, new TextEncoder().encode(input));
  return `${input}.${bytesToBase64Url(new Uint8Array(signature))}`;
}

const googleLogin = (body: unknown, overrides: Partial<Cloudflare.Env> = {}) =>
  call("/auth/social/login/google/", jsonInit(body), overrides);

async function expectRefused(response: Response, message = "Incorrect value") {
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({ non_field_errors: [message] });
}

const key = await newKey("google-a");
await publish(key);

describe("POST /auth/social/login/google/ with an id_token", () => {
  it("makes a new account for a new identity: username from the address, names, verified address, no password", async () => {
    const identity = newIdentity();
    const response = await googleLogin({ id_token: await idToken(key, identity) });
    expect(response.status).toBe(200);
    const body = await response.json<LoginPayload>();
    const local = identity.email.split("@")[0];
    expect(body.user).toMatchObject({
      username: local,
      email: identity.email,
      first_name: "Ada",
      last_name: "Lovelace",
    });
    expect(body.user.plan?.name).toBe("Free");
    expect(decodePayload(body.access).amr).toEqual(["google"]);
    expect(setCookies(response).get(COOKIES.access)?.value).toBe(body.access);
    const row = await userRow(local ?? "");
    expect(row).toMatchObject({ email_verified: 1 });
    expect(String(row?.password_hash)).toMatch(/^!/);
    const events = await (
      await call("/auth/security-events/", { headers: bearer(body.access) })
    ).json<{ results: Array<{ type: string }> }>();
    expect(events.results.map((e) => e.type)).toEqual(["social_signup"]);
  });

  it("signs the linked user in again (social_login, the identity's last sign-in), and gives a taken username a number", async () => {
    const identity = newIdentity();
    const first = await (await googleLogin({ id_token: await idToken(key, identity) })).json<LoginPayload>();
    const again = await googleLogin({ id_token: await idToken(key, { ...identity, aud: IOS_CLIENT }) });
    expect(again.status).toBe(200);
    const second = await again.json<LoginPayload>();
    expect(second.user.pk).toBe(first.user.pk);
    const accounts = await (await call("/auth/social/accounts/", { headers: bearer(second.access) })).json();
    expect(accounts).toEqual([
      {
        id: expect.any(Number),
        provider: "google",
        uid: identity.sub,
        last_login: expect.any(String),
        date_joined: expect.any(String),
      },
    ]);
    const twin = newIdentity({ email: `${identity.email.split("@")[0]}@elsewhere.example` });
    const other = await (await googleLogin({ id_token: await idToken(key, twin) })).json<LoginPayload>();
    expect(other.user.username).toBe(`${identity.email.split("@")[0]}2`);
  });

  it("refuses what Google did not issue to us: another aud or iss, expired, issued in the future, a bad signature", async () => {
    const identity = newIdentity();
    const stranger = await newKey("google-a");
    for (const token of [
      await idToken(key, { ...identity, aud: "another-app.apps.googleusercontent.com" }),
      await idToken(key, { ...identity, iss: "https://evil.example" }),
      await idToken(key, { ...identity, exp: nowSeconds() - 61 }),
      await idToken(key, { ...identity, iat: nowSeconds() + 120 }),
      await idToken(stranger, identity),
      (await idToken(key, identity)).replace(/\.[^.]+$/, ".AAAA"),
      "not-a-token",
    ]) {
      await expectRefused(await googleLogin({ id_token: token }));
    }
    // Within the 60 s skew both ways: accepted.
    expect(
      (
        await googleLogin({
          id_token: await idToken(key, { ...identity, exp: nowSeconds() - 30, iat: nowSeconds() + 30 }),
        })
      ).status,
    ).toBe(200);
  });

  it("refuses alg none, HS256 (keyed by anything public) and RS384", async () => {
    const identity = newIdentity();
    const claims = {
      iss: "https://accounts.google.com",
      aud: WEB_CLIENT,
      iat: nowSeconds(),
      exp: nowSeconds() + 600,
      ...identity,
    };
    await expectRefused(
      await googleLogin({ id_token: `${jwtSegment({ alg: "none", kid: key.kid })}.${jwtSegment(claims)}.` }),
    );
    const hs = await sign(claims, JSON.stringify(key.jwk), "HS256");
    await expectRefused(
      await googleLogin({ id_token: hs.replace(/^[^.]+/, jwtSegment({ alg: "HS256", kid: key.kid, typ: "JWT" })) }),
    );
    await expectRefused(await googleLogin({ id_token: await idToken(key, identity, { alg: "RS384" }) }));
  });

  it("refuses a token of an unknown kid, then accepts it once Google's key set has the new key", async () => {
    const rotated = await newKey("google-b");
    const identity = newIdentity();
    const token = await idToken(rotated, identity);
    await expectRefused(await googleLogin({ id_token: token }));
    await publish(key, rotated);
    expect((await googleLogin({ id_token: token })).status).toBe(200);
  });

  it("answers nothing usable with dj-rest-auth's message", async () => {
    await expectRefused(await googleLogin({}), "Incorrect input. access_token or code is required.");
  });

  it("answers 503 when Google sign-in is not configured", async () => {
    const response = await googleLogin({ id_token: "x" }, { GOOGLE_CLIENT_IDS: "" });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ detail: "Google sign-in is not configured." });
  });
});

describe("which account a Google identity signs in to", () => {
  it("refuses a new identity whose address an account has (the Django service's rule)", async () => {
    const { user } = await register(newUser("taken"));
    const identity = newIdentity({ email: user.email });
    await expectRefused(
      await googleLogin({ id_token: await idToken(key, identity) }),
      "User is already registered with this e-mail address.",
    );
  });

  it("with SOCIALACCOUNT_EMAIL_AUTHENTICATION links it only when both Google and the account verified the address", async () => {
    const on = { SOCIALACCOUNT_EMAIL_AUTHENTICATION: "true" };
    const { user, body } = await register(newUser("linkme"));
    const unverifiedHere = await googleLogin({ id_token: await idToken(key, newIdentity({ email: user.email })) }, on);
    await expectRefused(unverifiedHere, "User is already registered with this e-mail address.");
    await updateUserRow({ username: user.username }, { email_verified: 1 });
    const unverifiedAtGoogle = newIdentity({ email: user.email, email_verified: false });
    await expectRefused(
      await googleLogin({ id_token: await idToken(key, unverifiedAtGoogle) }, on),
      "User is already registered with this e-mail address.",
    );
    const linked = await googleLogin({ id_token: await idToken(key, newIdentity({ email: user.email })) }, on);
    expect(linked.status).toBe(200);
    expect((await linked.json<LoginPayload>()).user.pk).toBe(body.user.pk);
  });

  it("signs in the user an imported identity (npm run import:django) names, and refuses a deactivated one", async () => {
    const { user, body } = await register(newUser("imported"));
    const identity = newIdentity({ email: `other-${user.email}` });
    await env.DB.prepare("insert into linked_identities (user_id, provider, uid) values (?, 'google', ?)")
      .bind(body.user.pk, identity.sub)
      .run();
    const signedIn = await googleLogin({ id_token: await idToken(key, identity) });
    expect((await signedIn.json<LoginPayload>()).user.username).toBe(user.username);
    await updateUserRow({ username: user.username }, { is_active: 0 });
    await expectRefused(await googleLogin({ id_token: await idToken(key, identity) }), "User account is disabled.");
  });

  it("goes through the two-factor step when it is on", async () => {
    const identity = newIdentity();
    const { access } = await (await googleLogin({ id_token: await idToken(key, identity) })).json<LoginPayload>();
    // Two-factor on for the account (arranged: its enrolment has tests of its own).
    await env.DB.prepare(
      "insert into mfa_totp (user_id, encrypted_secret, confirmed_at, created_at) values (?, 'x', ?, ?)",
    )
      .bind(decodePayload(access).user_id, Date.now(), Date.now())
      .run();
    const step = await googleLogin({ id_token: await idToken(key, identity) });
    expect(await step.json()).toEqual({
      mfa_required: true,
      mfa_token: expect.any(String),
      methods: ["totp", "recovery_code"],
    });
    expect(setCookies(step).get(COOKIES.access)).toBeUndefined();
  });
});

describe("POST /auth/social/login/google/ with an access_token or a code", () => {
  it("takes an access token Google issued to one of our clients, and refuses another app's", async () => {
    const identity = newIdentity();
    const ours = `ya29.ours-${crypto.randomUUID()}`;
    const theirs = `ya29.theirs-${crypto.randomUUID()}`;
    const register = (token: string, aud: string) =>
      fetch(`${FAKE}/__fake/access-tokens`, { method: "POST", body: JSON.stringify({ token, aud, identity }) });
    await register(ours, IOS_CLIENT);
    await register(theirs, "someone-else.apps.googleusercontent.com");
    await expectRefused(await googleLogin({ access_token: theirs }));
    await expectRefused(await googleLogin({ access_token: "ya29.unknown" }));
    const signedIn = await googleLogin({ access_token: ours });
    expect(signedIn.status).toBe(200);
    expect((await signedIn.json<LoginPayload>()).user.email).toBe(identity.email);
  });

  it("exchanges a code for its ID token, and refuses a used or unknown code", async () => {
    const identity = newIdentity();
    const code = `4/test-${crypto.randomUUID()}`;
    await fetch(`${FAKE}/__fake/codes`, {
      method: "POST",
      body: JSON.stringify({ code, id_token: await idToken(key, identity) }),
    });
    expect((await googleLogin({ code })).status).toBe(200);
    await expectRefused(await googleLogin({ code }));
  });

  it("answers 502 when Google does not answer", async () => {
    const token = `ya29.down-${crypto.randomUUID()}`;
    await fetch(`${FAKE}/__fake/access-tokens`, {
      method: "POST",
      body: JSON.stringify({ token, aud: WEB_CLIENT, identity: newIdentity() }),
    });
    await fetch(`${FAKE}/__fake/fail`, { method: "POST", body: JSON.stringify({ count: 1 }) });
    const response = await googleLogin({ access_token: token });
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ detail: "Google did not answer." });
  });
});

describe("linked accounts", () => {
  it("links an identity to the caller, refuses one linked elsewhere, lists and unlinks", async () => {
    const { user, access } = await register(newUser("links"));
    const identity = newIdentity();
    const linked = await post(
      "/auth/social/connect/google/",
      { id_token: await idToken(key, identity) },
      bearer(access),
    );
    expect(linked.status).toBe(200);
    const row = await linked.json<{ id: number; uid: string }>();
    expect(row).toMatchObject({ provider: "google", uid: identity.sub, last_login: null });
    const someoneElse = await register(newUser("links"));
    await expectRefused(
      await post(
        "/auth/social/connect/google/",
        { id_token: await idToken(key, identity) },
        bearer(someoneElse.access),
      ),
      "The social account is already connected to a different account.",
    );
    expect((await post(`/auth/social/accounts/${row.id}/disconnect/`, {}, bearer(someoneElse.access))).status).toBe(
      404,
    );
    const removed = await post(`/auth/social/accounts/${row.id}/disconnect/`, {}, bearer(access));
    expect(removed.status).toBe(200);
    expect(await removed.json()).toMatchObject({ id: row.id, uid: identity.sub });
    expect(await (await call("/auth/social/accounts/", { headers: bearer(access) })).json()).toEqual([]);
    expect(user.username).toBeTruthy();
  });

  it("never unlinks the last way to sign in of an account without a password", async () => {
    const identity = newIdentity();
    const { access } = await (await googleLogin({ id_token: await idToken(key, identity) })).json<LoginPayload>();
    const [account] = await (
      await call("/auth/social/accounts/", { headers: bearer(access) })
    ).json<Array<{ id: number }>>();
    const refused = await post(`/auth/social/accounts/${account?.id}/disconnect/`, {}, bearer(access));
    expect(refused.status).toBe(400);
    expect((await refused.json<{ non_field_errors: string[] }>()).non_field_errors[0]).toMatch(
      /last way to sign in.*password reset/,
    );
  });
});

describe("the redirect flow: /auth/social/google/start/ and /callback/", () => {
  async function start(next?: string) {
    const response = await call(
      `/auth/social/google/start/${next === undefined ? "" : `?next=${encodeURIComponent(next)}`}`,
    );
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    const flow = setCookies(response).get("google-signin");
    return { location, flow, cookie: cookieHeader({ "google-signin": flow?.value ?? "" }) };
  }

  /** Google's consent page: the user picks an identity; Google sends the browser back with a code. */
  async function consent(location: URL, identity = 0) {
    const form = new URLSearchParams([...location.searchParams, ["identity", String(identity)]]);
    const back = await fetch(`${FAKE}/o/oauth2/v2/auth/consent`, { method: "POST", body: form, redirect: "manual" });
    return new URL(back.headers.get("location") ?? "");
  }

  it("sends the browser to Google with state, PKCE S256 and a nonce, held in a short-lived signed cookie", async () => {
    const { location, flow } = await start("/dashboard");
    expect(`${location.origin}${location.pathname}`).toBe(`${FAKE}/o/oauth2/v2/auth`);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      response_type: "code",
      client_id: WEB_CLIENT,
      redirect_uri: "http://localhost/auth/social/google/callback/",
      scope: "openid email profile",
      code_challenge_method: "S256",
      state: expect.any(String),
      nonce: expect.any(String),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
    });
    expect(flow?.attributes).toMatch(/HttpOnly/);
    expect(flow?.attributes).toMatch(/SameSite=Lax/);
    expect(flow?.attributes).toMatch(/Secure/);
    expect(flow?.attributes).toMatch(/Max-Age=600/);
    expect(flow?.value).not.toContain(location.searchParams.get("state"));
  });

  it("signs in on the way back and lands on FRONTEND_URL + next", async () => {
    const { location, cookie } = await start("/dashboard?tab=billing");
    const back = await consent(location, 1);
    const response = await call(`/auth/social/google/callback/${back.search}`, { headers: cookie });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("https://app.example.com/dashboard?tab=billing");
    const cookies = setCookies(response);
    const me = await call("/auth/user/", { headers: bearer(cookies.get(COOKIES.access)?.value ?? "") });
    expect(await me.json()).toMatchObject({ email: "grace.hopper@gmail.example" });
    expect(cookies.get("google-signin")?.attributes).toMatch(/Max-Age=0/);
  });

  it("lands anything but a path of the frontend on its home: no open redirect", async () => {
    for (const next of ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", ""]) {
      const { location, cookie } = await start(next);
      const back = await consent(location, 2);
      const response = await call(`/auth/social/google/callback/${back.search}`, { headers: cookie });
      expect(response.headers.get("location"), next).toBe("https://app.example.com/");
    }
  });

  it("refuses a state that is not the cookie's, a missing cookie, a nonce that is not the flow's, and a late return", async () => {
    const cases: Array<[string, () => Promise<[string, Record<string, string>]>]> = [
      [
        "invalid_state",
        async () => {
          const { location, cookie } = await start();
          const back = await consent(location);
          back.searchParams.set("state", "forged");
          return [back.search, cookie];
        },
      ],
      [
        "invalid_state",
        async () => {
          const { location } = await start();
          return [(await consent(location)).search, {}];
        },
      ],
      [
        "invalid_nonce",
        async () => {
          const { location, cookie } = await start();
          const code = `4/no-nonce-${crypto.randomUUID()}`;
          await fetch(`${FAKE}/__fake/codes`, {
            method: "POST",
            body: JSON.stringify({ code, id_token: await idToken(key, newIdentity()) }),
          });
          return [`?code=${encodeURIComponent(code)}&state=${location.searchParams.get("state")}`, cookie];
        },
      ],
      [
        "expired",
        async () => {
          const { location, cookie } = await start();
          const back = await consent(location);
          clock.advance(601);
          return [back.search, cookie];
        },
      ],
      [
        "access_denied",
        async () => {
          const { location, cookie } = await start();
          return [`?error=access_denied&state=${location.searchParams.get("state")}`, cookie];
        },
      ],
    ];
    for (const [code, arrange] of cases) {
      const [search, cookie] = await arrange();
      const response = await call(`/auth/social/google/callback/${search}`, { headers: cookie });
      expect(response.headers.get("location"), code).toBe(`https://app.example.com/sign-in?error=${code}`);
      expect(setCookies(response).get(COOKIES.access), code).toBeUndefined();
    }
  });
});

describe("staff and linked accounts", () => {
  it("shows staff a user's linked accounts, and unlinks one (audited) — never the last way to sign in", async () => {
    const { body } = await register(newUser("staffview"));
    const identity = newIdentity();
    await post("/auth/social/connect/google/", { id_token: await idToken(key, identity) }, bearer(body.access));
    const staff = await registerStaff();
    const detail = await (
      await call(`/admin/api/users/${body.user.pk}/`, { headers: staff.headers })
    ).json<{
      social_accounts: Array<{ id: number; uid: string }>;
    }>();
    expect(detail.social_accounts).toEqual([expect.objectContaining({ provider: "google", uid: identity.sub })]);
    const id = detail.social_accounts[0]?.id;
    const unlinked = await post(
      `/admin/api/users/${body.user.pk}/social-accounts/${id}/disconnect/`,
      {},
      staff.headers,
    );
    expect(unlinked.status).toBe(200);
    const audit = await (await call(`/admin/api/users/${body.user.pk}/audit-log/`, { headers: staff.headers })).json();
    expect(audit).toMatchObject({
      results: [{ action: "user.social_account_unlinked", before: { social_account: `google:${identity.sub}` } }],
    });

    const passwordless = await (
      await googleLogin({ id_token: await idToken(key, newIdentity()) })
    ).json<LoginPayload>();
    const [only] = await (
      await call("/auth/social/accounts/", { headers: bearer(passwordless.access) })
    ).json<Array<{ id: number }>>();
    const refused = await post(
      `/admin/api/users/${passwordless.user.pk}/social-accounts/${only?.id}/disconnect/`,
      {},
      staff.headers,
    );
    expect(refused.status).toBe(400);
  });
});
