import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig } from "../src/env";
import { bearer, call, clock, decodePayload, login, post, register } from "./kit";
import { mailTo, resetLink } from "./mail";

type EventBody = { id: number; type: string; created: string; ip: string | null; user_agent: string | null };
type Page = { count: number; next: string | null; previous: string | null; results: EventBody[] };

async function events(access: string, query = "") {
  const response = await call(`/auth/security-events/${query}`, { headers: bearer(access) });
  expect(response.status).toBe(200);
  return response.json<Page>();
}

describe("GET /auth/security-events/", () => {
  it("records logins, failures, password changes, resets, reuse and revocations, newest first", async () => {
    const { user, access } = await register();
    const client = { "cf-connecting-ip": "192.0.2.10", "user-agent": "Browser/2" };
    await post("/auth/login/", { username: user.username, password: "wrong-password" }, client);
    const session = await login(user);
    await post("/auth/token/refresh/", { refresh: session.refresh });
    clock.advance(readConfig(env).refreshReuseInterval + 1);
    await post("/auth/token/refresh/", { refresh: session.refresh });
    const third = await login(user);
    await call(`/auth/sessions/${decodePayload(third.access).sid as string}/`, {
      method: "DELETE",
      headers: bearer(access),
    });
    await post(
      "/auth/password/change/",
      { new_password1: "harbor-violet-93-kite", new_password2: "harbor-violet-93-kite" },
      bearer(access),
    );
    await post("/auth/password/reset/", { email: user.email });
    const link = resetLink(await mailTo(user.email));
    await post("/auth/password/reset/confirm/", {
      ...link,
      new_password1: "meadow-copper-27-loom",
      new_password2: "meadow-copper-27-loom",
    });
    const fresh = await post("/auth/login/", { username: user.username, password: "meadow-copper-27-loom" });
    const freshAccess = (await fresh.json<{ access: string }>()).access;
    const page = await events(freshAccess, "?page_size=100");
    expect(page.results.map((e) => e.type)).toEqual([
      "login_succeeded",
      "password_reset_completed",
      "password_reset_requested",
      "password_changed",
      "session_revoked",
      "login_succeeded",
      "refresh_token_reused",
      "login_succeeded",
      "login_failed",
    ]);
    expect(page.results.at(-1)).toMatchObject({ ip: "192.0.2.10", user_agent: "Browser/2" });
    expect(page.count).toBe(9);
  });

  it("pages DRF's way and shows only the caller's own events", async () => {
    const { user, access } = await register();
    for (let i = 0; i < 3; i++) await login(user);
    const other = await register();
    await login(other.user);
    const first = await events(access, "?page_size=2");
    expect(first.count).toBe(3);
    expect(first.results).toHaveLength(2);
    expect(first.previous).toBeNull();
    expect(first.next).toMatch(/[?&]page=2/);
    const second = await events(access, "?page_size=2&page=2");
    expect(second.results).toHaveLength(1);
    expect(second.next).toBeNull();
    expect(second.previous).toMatch(/[?&]page=1/);
    const beyond = await call("/auth/security-events/?page=9", { headers: bearer(access) });
    expect(beyond.status).toBe(404);
    const bad = await call("/auth/security-events/?page_size=1000", { headers: bearer(access) });
    expect(bad.status).toBe(400);
  });

  it("answers 401 without credentials", async () => {
    expect((await call("/auth/security-events/")).status).toBe(401);
  });
});
