import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig } from "../src/env";
import {
  bearer,
  browser,
  call,
  clock,
  COOKIES,
  decodePayload,
  jsonInit,
  newUser,
  post,
  register,
  sendBack,
  setCookies,
  signWithTestSecret,
  type RefreshPayload,
} from "./kit";
import { sessionRow, updateUserRow } from "./db";

const INVALID = { detail: "Token is invalid or expired", code: "token_not_valid" };
/** A deployment for clients that keep the refresh token themselves (mobile apps). */
const TOKENS_IN_BODY = { JWT_AUTH_HTTPONLY: "false" };
const REUSE_INTERVAL = readConfig(env).refreshReuseInterval;

function refreshInBody(refresh: string, overrides: Partial<Cloudflare.Env> = TOKENS_IN_BODY) {
  return call("/auth/token/refresh/", jsonInit({ refresh }), overrides);
}

async function rotated(refresh: string): Promise<RefreshPayload & { refresh: string }> {
  const response = await refreshInBody(refresh);
  expect(response.status).toBe(200);
  const payload = await response.json<RefreshPayload>();
  return { ...payload, refresh: payload.refresh ?? "" };
}

describe("POST /auth/token/refresh/", () => {
  it("with JWT_AUTH_HTTPONLY off, answers both tokens in the body and sets both cookies", async () => {
    const { refresh, body } = await register();
    const response = await refreshInBody(refresh);
    expect(response.status).toBe(200);
    const payload = await response.json<RefreshPayload>();
    expect(Object.keys(payload).sort()).toEqual(["access", "access_expiration", "refresh", "refresh_expiration"]);
    expect(payload.refresh).not.toBe(refresh);
    expect(decodePayload(payload.refresh ?? "")).toMatchObject({
      token_type: "refresh",
      user_id: body.user.pk,
      gen: 1,
    });
    const cookies = setCookies(response);
    expect(cookies.get(COOKIES.access)?.value).toBe(payload.access);
    expect(cookies.get(COOKIES.refresh)?.value).toBe(payload.refresh);
    expect((await call("/auth/user/", { headers: bearer(payload.access) })).status).toBe(200);
  });

  it("with JWT_AUTH_HTTPONLY on (the default), never puts a refresh token in the body, whatever the channel", async () => {
    const { refresh } = await register();
    const response = await post("/auth/token/refresh/", { refresh });
    expect(response.status).toBe(200);
    const payload = await response.json<RefreshPayload>();
    expect(Object.keys(payload).sort()).toEqual(["access", "access_expiration"]);
    const cookies = setCookies(response);
    expect(cookies.get(COOKIES.access)?.value).toBe(payload.access);
    expect(decodePayload(cookies.get(COOKIES.refresh)?.value ?? "")).toMatchObject({ gen: 1 });
  });

  it("rotates the refresh cookie and answers with the access token only", async () => {
    const client = browser();
    const user = newUser();
    const body = { username: user.username, email: user.email, password1: user.password, password2: user.password };
    expect((await client.fetch("/auth/registration/", { method: "POST", body })).status).toBe(201);
    const refresh = client.cookies.get(COOKIES.refresh);
    const response = await client.fetch("/auth/token/refresh/", { method: "POST" });
    expect(response.status).toBe(200);
    const payload = await response.json<RefreshPayload>();
    expect(Object.keys(payload).sort()).toEqual(["access", "access_expiration"]);
    expect(client.cookies.get(COOKIES.refresh)).toMatch(/^ey/);
    expect(client.cookies.get(COOKIES.refresh)).not.toBe(refresh);
    expect(client.cookies.get(COOKIES.access)).toBe(payload.access);
    expect((await client.fetch("/auth/user/")).status).toBe(200);
  });

  it("refuses a cookie refresh without the CSRF header", async () => {
    const { cookies } = await register();
    const response = await call("/auth/token/refresh/", {
      method: "POST",
      headers: sendBack(cookies, COOKIES.refresh, COOKIES.csrf),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ detail: "CSRF Failed: CSRF token missing." });
  });

  it("serves the token rotated away moments ago without rotating again, handing back the current one", async () => {
    const { refresh } = await register();
    const first = await rotated(refresh);
    // A concurrent request of the same client, still carrying the old token.
    const late = await rotated(refresh);
    expect(decodePayload(late.refresh)).toMatchObject({ sid: decodePayload(refresh).sid, gen: 1 });
    expect((await call("/auth/user/", { headers: bearer(late.access) })).status).toBe(200);
    // Whichever answer the client kept, its refresh token still works once the interval has passed.
    clock.advance(REUSE_INTERVAL + 1);
    const next = await rotated(late.refresh);
    expect(decodePayload(next.refresh)).toMatchObject({ gen: 2 });
    expect(first.refresh).not.toBe(refresh);
  });

  it("ends the whole session when a rotated token is replayed after the reuse interval", async () => {
    const { refresh } = await register();
    const first = await rotated(refresh);
    const second = await rotated(first.refresh);
    clock.advance(REUSE_INTERVAL + 1);
    // The stolen, already-used token comes back: every descendant of that login dies with it.
    const replay = await refreshInBody(refresh);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual(INVALID);
    expect((await refreshInBody(second.refresh)).status).toBe(401);
    expect((await call("/auth/user/", { headers: bearer(second.access) })).status).toBe(401);
    const session = decodePayload(refresh).sid as string;
    expect((await sessionRow(session))?.revoked_reason).toBe("refresh_token_reused");
  });

  it("ends the session when the token before the previous one comes back, even within the interval", async () => {
    const { refresh } = await register();
    const first = await rotated(refresh);
    await rotated(first.refresh);
    expect((await refreshInBody(refresh)).status).toBe(401);
    expect((await sessionRow(decodePayload(refresh).sid as string))?.revoked_reason).toBe("refresh_token_reused");
  });

  it("leaves the user's other sessions alone when one family is revoked", async () => {
    const { user, refresh } = await register();
    const other = await post("/auth/login/", { username: user.username, password: user.password });
    const otherAccess = (await other.json<{ access: string }>()).access;
    await rotated(await rotated(refresh).then((r) => r.refresh));
    expect((await refreshInBody(refresh)).status).toBe(401);
    expect((await call("/auth/user/", { headers: bearer(otherAccess) })).status).toBe(200);
  });

  it("ends the session at SESSION_MAX_AGE_SECONDS after login, however often it was refreshed", async () => {
    const config = { ...TOKENS_IN_BODY, REFRESH_TOKEN_LIFETIME_SECONDS: "600", SESSION_MAX_AGE_SECONDS: "1500" };
    const { refresh } = await register();
    let token = refresh;
    for (let minute = 0; minute < 3; minute++) {
      clock.advance(400);
      const response = await refreshInBody(token, config);
      expect(response.status, `refresh after ${(minute + 1) * 400} s`).toBe(200);
      const payload = await response.json<RefreshPayload>();
      token = payload.refresh ?? "";
      // The session's end slides with each rotation, but never past login + max age.
      const end = new Date(payload.refresh_expiration ?? "").getTime();
      expect(end).toBeLessThanOrEqual(new Date((decodePayload(refresh).iat as number) * 1000).getTime() + 1_501_000);
    }
    clock.advance(400);
    expect((await refreshInBody(token, config)).status).toBe(401);
  });

  it("answers 401 when no refresh token is given at all", async () => {
    const response = await post("/auth/token/refresh/", {});
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ detail: "No valid refresh token found.", code: "token_not_valid" });
  });

  it("refuses an access token, an expired token and a forged token", async () => {
    const { access, refresh } = await register();
    const claims = decodePayload(refresh);
    const expired = await signWithTestSecret({ ...claims, exp: Math.floor(clock.now().getTime() / 1000) - 10 });
    const forged = await signWithTestSecret(claims, "another-secret-that-is-32-characters-long");
    const { gen: _gen, ...withoutGeneration } = claims;
    const ungenerated = await signWithTestSecret(withoutGeneration);
    for (const token of [access, expired, forged, ungenerated, "not.a.token", `${refresh}x`]) {
      const response = await post("/auth/token/refresh/", { refresh: token });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(INVALID);
    }
  });

  it("refuses the refresh token of a deactivated user", async () => {
    const { user, refresh } = await register();
    await updateUserRow(user, { is_active: 0 });
    expect((await post("/auth/token/refresh/", { refresh })).status).toBe(401);
  });
});
