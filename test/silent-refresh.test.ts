import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig } from "../src/env";
import { bearer, browser, call, clock, COOKIES, decodePayload, newUser, ORIGIN, setCookies } from "./kit";
import { sessionRow } from "./db";

const config = readConfig(env);

/** The web frontend after sign-up, holding the cookies it was given. */
async function signedInBrowser() {
  const client = browser();
  const user = newUser();
  const body = { username: user.username, email: user.email, password1: user.password, password2: user.password };
  expect((await client.fetch("/auth/registration/", { method: "POST", body })).status).toBe(201);
  return client;
}

/** The same, once the access token has expired. */
async function signedInBrowserAfterAccessExpiry() {
  const client = await signedInBrowser();
  clock.advance(config.accessTokenLifetime + 1);
  return client;
}

describe("silent refresh of a cookie session", () => {
  it("serves a GET whose access cookie has expired, and sets a new access cookie and the rotated refresh cookie", async () => {
    const client = await signedInBrowserAfterAccessExpiry();
    const before = { access: client.cookies.get(COOKIES.access), refresh: client.cookies.get(COOKIES.refresh) };
    const response = await client.fetch("/auth/user/");
    expect(response.status).toBe(200);
    const cookies = setCookies(response);
    expect(cookies.get(COOKIES.access)?.value).not.toBe(before.access);
    expect(cookies.get(COOKIES.access)?.attributes).toMatch(/HttpOnly/);
    expect(decodePayload(cookies.get(COOKIES.refresh)?.value ?? "")).toMatchObject({ gen: 1 });
    // The next request rides on the new access cookie: no second rotation.
    const next = await client.fetch("/auth/user/");
    expect(next.status).toBe(200);
    expect(setCookies(next).has(COOKIES.refresh)).toBe(false);
  });

  it("serves a GET that carries no access cookie at all (the browser dropped it at expiry)", async () => {
    const client = await signedInBrowserAfterAccessExpiry();
    client.cookies.delete(COOKIES.access);
    expect((await client.fetch("/auth/user/")).status).toBe(200);
    expect(client.cookies.get(COOKIES.access)).toBeTruthy();
  });

  it("serves five concurrent requests with the same expired cookies, and the session stays live", async () => {
    const client = await signedInBrowserAfterAccessExpiry();
    const sid = decodePayload(client.cookies.get(COOKIES.refresh) ?? "").sid as string;
    const answers = await Promise.all(Array.from({ length: 5 }, () => client.fetch("/auth/user/")));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    // Every answer handed out the session's current refresh token: whichever the browser kept works.
    const generations = answers.map((a) => decodePayload(setCookies(a).get(COOKIES.refresh)?.value ?? "").gen);
    expect(new Set(generations)).toEqual(new Set([1]));
    expect((await sessionRow(sid))?.revoked_at).toBeNull();
    clock.advance(config.refreshReuseInterval + config.accessTokenLifetime + 1);
    expect((await client.fetch("/auth/user/")).status).toBe(200);
    expect((await sessionRow(sid))?.revoked_at).toBeNull();
  });

  it("ends the session when the rotated-away cookie comes back after the reuse interval", async () => {
    const client = await signedInBrowserAfterAccessExpiry();
    const stale = client.cookies.get(COOKIES.refresh) ?? "";
    expect((await client.fetch("/auth/user/")).status).toBe(200);
    clock.advance(config.refreshReuseInterval + 1);
    const thief = browser();
    thief.cookies.set(COOKIES.refresh, stale);
    const replay = await thief.fetch("/auth/user/");
    expect(replay.status).toBe(401);
    expect((await sessionRow(decodePayload(stale).sid as string))?.revoked_reason).toBe("refresh_token_reused");
    // The dead cookies are cleared, and the legitimate browser is signed out too.
    expect(thief.cookies.has(COOKIES.refresh)).toBe(false);
    clock.advance(config.accessTokenLifetime + 1);
    expect((await client.fetch("/auth/user/")).status).toBe(401);
  });

  it("signs out at SESSION_MAX_AGE_SECONDS after login, however active the browser was", async () => {
    const client = await signedInBrowserAfterAccessExpiry();
    const step = config.refreshTokenLifetime / 2;
    let sinceLogin = config.accessTokenLifetime + 1;
    while (sinceLogin + step < config.sessionMaxAge) {
      clock.advance(step);
      sinceLogin += step;
      expect((await client.fetch("/auth/user/")).status, `${sinceLogin} s after login`).toBe(200);
    }
    clock.advance(step);
    expect((await client.fetch("/auth/user/")).status).toBe(401);
  });

  it("refuses an unsafe request with an expired access cookie and no CSRF header, rotating nothing", async () => {
    const client = await signedInBrowserAfterAccessExpiry();
    const refresh = client.cookies.get(COOKIES.refresh) ?? "";
    const response = await client.fetch("/auth/user/", {
      method: "PATCH",
      body: { first_name: "Ada" },
      headers: { "x-csrftoken": "" },
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ detail: "CSRF Failed: CSRF token missing." });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect((await sessionRow(decodePayload(refresh).sid as string))?.refresh_generation).toBe(0);
  });

  it("serves an unsafe request with an expired access cookie that passes the double submit", async () => {
    const client = await signedInBrowserAfterAccessExpiry();
    const response = await client.fetch("/auth/user/", { method: "PATCH", body: { first_name: "Ada" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ first_name: "Ada" });
  });

  it("marks the caller's plan on the public plan list too", async () => {
    const client = await signedInBrowserAfterAccessExpiry();
    const plans = await (await client.fetch("/core/plans/")).json<Array<{ name: string; is_current: boolean }>>();
    expect(plans.find((p) => p.is_current)?.name).toBe("Free");
  });

  it("leaves Bearer clients alone: an expired Bearer token is a 401 whatever cookies come with it", async () => {
    const client = await signedInBrowserAfterAccessExpiry();
    const access = client.cookies.get(COOKIES.access) ?? "";
    const response = await client.fetch("/auth/user/", { headers: bearer(access) });
    expect(response.status).toBe(401);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("answers 401 and clears the cookies when the refresh cookie is no good either", async () => {
    const client = browser();
    client.cookies.set(COOKIES.refresh, "not-a-token");
    const response = await client.fetch("/auth/user/");
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      detail: "Given token not valid for any token type",
      code: "token_not_valid",
    });
    expect(client.cookies.size).toBe(0);
  });
});

describe("CSRF origin check for cookie-authenticated unsafe requests", () => {
  it("refuses an Origin that is neither trusted nor the API's own, with DRF's CSRF body", async () => {
    const client = await signedInBrowser();
    const response = await client.fetch("/auth/user/", {
      method: "PATCH",
      body: { first_name: "Mallory" },
      headers: { origin: "https://evil.example.com" },
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      detail: "CSRF Failed: Origin checking failed - https://evil.example.com does not match any trusted origins.",
    });
  });

  it("accepts a trusted Origin, the API's own, and no Origin at all (curl, servers)", async () => {
    const client = await signedInBrowser();
    for (const origin of [ORIGIN, "http://localhost", undefined]) {
      const headers: Record<string, string> = origin === undefined ? {} : { origin };
      const response = await client.fetch("/auth/user/", { method: "PATCH", body: { last_name: "Ok" }, headers });
      expect(response.status, String(origin)).toBe(200);
    }
  });

  it("does not apply to Bearer requests, which carry no ambient credential", async () => {
    const client = browser();
    const user = newUser();
    const body = { username: user.username, email: user.email, password1: user.password, password2: user.password };
    const registered = await (
      await client.fetch("/auth/registration/", { method: "POST", body })
    ).json<{ access: string }>();
    const response = await call("/auth/user/", {
      method: "PATCH",
      headers: {
        ...bearer(registered.access),
        origin: "https://elsewhere.example.com",
        "content-type": "application/json",
      },
      body: JSON.stringify({ last_name: "Bearer" }),
    });
    expect(response.status).toBe(200);
  });
});

describe("cookie domains (frontend and API on sibling subdomains)", () => {
  const SPLIT = { JWT_AUTH_COOKIE_DOMAIN: ".example.com", CSRF_COOKIE_DOMAIN: ".example.com" };

  it("sets the auth and CSRF cookies with Domain when configured, and clears them with it", async () => {
    const user = newUser();
    const registered = await call(
      "/auth/registration/",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          username: user.username,
          email: user.email,
          password1: user.password,
          password2: user.password,
        }),
      },
      SPLIT,
    );
    const cookies = setCookies(registered);
    for (const name of [COOKIES.access, COOKIES.refresh, COOKIES.csrf]) {
      expect(cookies.get(name)?.attributes, name).toMatch(/Domain=\.example\.com/);
    }
    const csrf = cookies.get(COOKIES.csrf)?.value ?? "";
    const loggedOut = await call(
      "/auth/logout/",
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-csrftoken": csrf,
          cookie: `${COOKIES.refresh}=${cookies.get(COOKIES.refresh)?.value}; ${COOKIES.csrf}=${csrf}`,
        },
      },
      SPLIT,
    );
    expect(loggedOut.status).toBe(200);
    const cleared = setCookies(loggedOut);
    for (const name of [COOKIES.access, COOKIES.refresh]) {
      expect(cleared.get(name)?.value, name).toBe("");
      expect(cleared.get(name)?.attributes, name).toMatch(/Domain=\.example\.com/);
      expect(cleared.get(name)?.attributes, name).toMatch(/Max-Age=0/);
    }
  });

  it("sets host-only cookies when no domain is configured", async () => {
    const client = browser();
    const user = newUser();
    const body = { username: user.username, email: user.email, password1: user.password, password2: user.password };
    const response = await client.fetch("/auth/registration/", { method: "POST", body });
    for (const { attributes } of setCookies(response).values()) expect(attributes).not.toMatch(/Domain=/);
  });
});
