import { describe, expect, it } from "vitest";
import { bearer, call, cookieHeader, decodePayload, login, post, register, setCookies } from "./kit";

type SessionBody = {
  id: string;
  created: string;
  last_used: string;
  user_agent: string | null;
  ip: string | null;
  current: boolean;
};

function sessions(access: string) {
  return call("/auth/sessions/", { headers: bearer(access) });
}

describe("GET /auth/sessions/", () => {
  it("lists the caller's live logins without token material, marking the current one", async () => {
    const first = await register();
    const second = await post(
      "/auth/login/",
      { username: first.user.username, password: first.user.password },
      { "user-agent": "Phone/1.0", "cf-connecting-ip": "198.51.100.7" },
    );
    const secondAccess = (await second.json<{ access: string }>()).access;
    const response = await sessions(secondAccess);
    expect(response.status).toBe(200);
    const list = await response.json<SessionBody[]>();
    expect(list).toHaveLength(2);
    const current = list.find((s) => s.current);
    expect(current).toMatchObject({ id: decodePayload(secondAccess).sid, user_agent: "Phone/1.0", ip: "198.51.100.7" });
    expect(Object.keys(current ?? {}).sort()).toEqual(["created", "current", "id", "ip", "last_used", "user_agent"]);
    expect(JSON.stringify(list)).not.toContain(first.refresh);
  });

  it("leaves out ended sessions and other users' sessions", async () => {
    const { user, access } = await register();
    const other = await login(user);
    await post("/auth/logout/", { refresh: other.refresh });
    await register();
    const list = await (await sessions(access)).json<SessionBody[]>();
    expect(list.map((s) => s.id)).toEqual([decodePayload(access).sid]);
  });

  it("answers 401 without credentials", async () => {
    expect((await call("/auth/sessions/")).status).toBe(401);
  });
});

describe("DELETE /auth/sessions/{id}/", () => {
  it("ends one session: its tokens stop working, the others keep going", async () => {
    const { user, access } = await register();
    const other = await login(user);
    const response = await call(`/auth/sessions/${decodePayload(other.access).sid as string}/`, {
      method: "DELETE",
      headers: bearer(access),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ detail: "Session revoked." });
    expect((await call("/auth/user/", { headers: bearer(other.access) })).status).toBe(401);
    expect((await post("/auth/token/refresh/", { refresh: other.refresh })).status).toBe(401);
    expect((await call("/auth/user/", { headers: bearer(access) })).status).toBe(200);
  });

  it("answers 404 for another user's session or one already ended", async () => {
    const mine = await register();
    const theirs = await register();
    const theirId = decodePayload(theirs.access).sid as string;
    const response = await call(`/auth/sessions/${theirId}/`, { method: "DELETE", headers: bearer(mine.access) });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: "Not found." });
    expect((await call("/auth/user/", { headers: bearer(theirs.access) })).status).toBe(200);
    expect((await call("/auth/sessions/nope/", { method: "DELETE", headers: bearer(mine.access) })).status).toBe(404);
  });

  it("requires the CSRF header when authenticated by cookie", async () => {
    const { access, cookies } = await register();
    const id = decodePayload(access).sid as string;
    const jar = cookieHeader({ "access-token": access, csrftoken: cookies.get("csrftoken")?.value ?? "" });
    expect((await call(`/auth/sessions/${id}/`, { method: "DELETE", headers: jar })).status).toBe(403);
  });
});

describe("POST /auth/logout/all/", () => {
  it("ends every session of the caller and clears the cookies", async () => {
    const { user, access } = await register();
    const other = await login(user);
    const response = await post("/auth/logout/all/", {}, bearer(access));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ detail: "Successfully logged out of all sessions." });
    expect(setCookies(response).get("access-token")?.value).toBe("");
    for (const token of [access, other.access])
      expect((await call("/auth/user/", { headers: bearer(token) })).status).toBe(401);
    expect((await post("/auth/token/refresh/", { refresh: other.refresh })).status).toBe(401);
  });

  it("answers 401 without credentials", async () => {
    expect((await post("/auth/logout/all/", {})).status).toBe(401);
  });
});
