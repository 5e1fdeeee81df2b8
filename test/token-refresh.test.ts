import { describe, expect, it } from "vitest";
import {
  bearer,
  browser,
  call,
  COOKIES,
  decodePayload,
  newUser,
  post,
  register,
  sendBack,
  signWithTestSecret,
  type RefreshPayload,
} from "./kit";
import { sessionRow, updateUserRow } from "./db";

const INVALID = { detail: "Token is invalid or expired", code: "token_not_valid" };

describe("POST /auth/token/refresh/", () => {
  it("rotates a refresh token sent in the body and answers with both tokens in the body", async () => {
    const { refresh, body } = await register();
    const response = await post("/auth/token/refresh/", { refresh });
    expect(response.status).toBe(200);
    const payload = await response.json<Record<string, string>>();
    expect(Object.keys(payload).sort()).toEqual(["access", "access_expiration", "refresh", "refresh_expiration"]);
    expect(payload.refresh).not.toBe(refresh);
    expect(decodePayload(payload.refresh ?? "")).toMatchObject({ token_type: "refresh", user_id: body.user.pk });
    expect(response.headers.getSetCookie()).toEqual([]);
    const me = await call("/auth/user/", { headers: bearer(payload.access ?? "") });
    expect(me.status).toBe(200);
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
      headers: sendBack(cookies, "refresh-token", "csrftoken"),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ detail: "CSRF Failed: CSRF token missing." });
  });

  it("stops accepting a refresh token once it has been rotated", async () => {
    const { refresh } = await register();
    expect((await post("/auth/token/refresh/", { refresh })).status).toBe(200);
    const replay = await post("/auth/token/refresh/", { refresh });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual(INVALID);
  });

  it("revokes the whole family when a rotated token is replayed", async () => {
    const { refresh } = await register();
    const first = await (await post("/auth/token/refresh/", { refresh })).json<Record<string, string>>();
    const second = await (
      await post("/auth/token/refresh/", { refresh: first.refresh })
    ).json<Record<string, string>>();
    // The stolen, already-used token comes back: every descendant of that login dies with it.
    expect((await post("/auth/token/refresh/", { refresh })).status).toBe(401);
    expect((await post("/auth/token/refresh/", { refresh: second.refresh })).status).toBe(401);
    expect((await call("/auth/user/", { headers: bearer(second.access ?? "") })).status).toBe(401);
    const session = decodePayload(refresh).sid as string;
    expect((await sessionRow(session))?.revoked_reason).toBe("refresh_token_reused");
  });

  it("leaves the user's other sessions alone when one family is revoked", async () => {
    const { user, refresh } = await register();
    const other = await post("/auth/login/", { username: user.username, password: user.password });
    const otherAccess = (await other.json<Record<string, string>>()).access ?? "";
    await post("/auth/token/refresh/", { refresh });
    await post("/auth/token/refresh/", { refresh });
    expect((await call("/auth/user/", { headers: bearer(otherAccess) })).status).toBe(200);
  });

  it("answers 401 when no refresh token is given at all", async () => {
    const response = await post("/auth/token/refresh/", {});
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ detail: "No valid refresh token found.", code: "token_not_valid" });
  });

  it("refuses an access token, an expired token and a forged token", async () => {
    const { access, refresh } = await register();
    const claims = decodePayload(refresh);
    const expired = await signWithTestSecret({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 });
    const forged = await signWithTestSecret(claims, "another-secret-that-is-32-characters-long");
    for (const token of [access, expired, forged, "not.a.token", `${refresh}x`]) {
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
