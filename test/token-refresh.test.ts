import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  bearer,
  call,
  cookieHeader,
  sendBack,
  decodePayload,
  post,
  register,
  setCookies,
  signWithTestSecret,
} from "./kit";

const INVALID = { detail: "Token is invalid or expired", code: "token_not_valid" };

/** A client that keeps its refresh token in the body (mobile apps): configured per request. */
async function bodyClient() {
  const session = await register();
  return { ...session, refresh: session.refresh };
}

describe("POST /auth/token/refresh/", () => {
  it("rotates a refresh token sent in the body and answers with both tokens in the body", async () => {
    const { refresh, body } = await bodyClient();
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
    const { cookies } = await register();
    const refresh = cookies.get("refresh-token")?.value ?? "";
    const csrf = cookies.get("csrftoken")?.value ?? "";
    const response = await call("/auth/token/refresh/", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-csrftoken": csrf,
        ...cookieHeader({ "refresh-token": refresh, csrftoken: csrf }),
      },
    });
    expect(response.status).toBe(200);
    const payload = await response.json<Record<string, string>>();
    expect(Object.keys(payload).sort()).toEqual(["access", "access_expiration"]);
    const newCookies = setCookies(response);
    expect(newCookies.get("refresh-token")?.value).toMatch(/^ey/);
    expect(newCookies.get("refresh-token")?.value).not.toBe(refresh);
    expect(newCookies.get("access-token")?.value).toBe(payload.access);
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
    const { refresh } = await bodyClient();
    expect((await post("/auth/token/refresh/", { refresh })).status).toBe(200);
    const replay = await post("/auth/token/refresh/", { refresh });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual(INVALID);
  });

  it("revokes the whole family when a rotated token is replayed", async () => {
    const { refresh } = await bodyClient();
    const first = await (await post("/auth/token/refresh/", { refresh })).json<Record<string, string>>();
    const second = await (
      await post("/auth/token/refresh/", { refresh: first.refresh })
    ).json<Record<string, string>>();
    // The stolen, already-used token comes back: every descendant of that login dies with it.
    expect((await post("/auth/token/refresh/", { refresh })).status).toBe(401);
    expect((await post("/auth/token/refresh/", { refresh: second.refresh })).status).toBe(401);
    expect((await call("/auth/user/", { headers: bearer(second.access ?? "") })).status).toBe(401);
    const session = decodePayload(refresh).sid as string;
    const row = await env.DB.prepare("select revoked_reason from sessions where id = ?")
      .bind(session)
      .first<{ revoked_reason: string }>();
    expect(row?.revoked_reason).toBe("refresh_token_reused");
  });

  it("leaves the user's other sessions alone when one family is revoked", async () => {
    const { user, refresh } = await bodyClient();
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
    const { access, refresh, body } = await bodyClient();
    const claims = decodePayload(refresh);
    const expired = await signWithTestSecret({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 });
    const forged = await signWithTestSecret(claims, "another-secret-that-is-32-characters-long");
    for (const token of [access, expired, forged, "not.a.token", `${refresh}x`]) {
      const response = await post("/auth/token/refresh/", { refresh: token });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(INVALID);
    }
    expect(body.user.pk).toBeGreaterThan(0);
  });

  it("refuses the refresh token of a deactivated user", async () => {
    const { user, refresh } = await bodyClient();
    await env.DB.prepare("update users set is_active = 0 where username = ?").bind(user.username).run();
    expect((await post("/auth/token/refresh/", { refresh })).status).toBe(401);
  });
});
