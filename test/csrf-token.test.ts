import { describe, expect, it } from "vitest";
import { call, cookieHeader, setCookies } from "./kit";

describe("GET /auth/csrf-token/", () => {
  it("returns the token and sets it as a cookie scripts can read", async () => {
    const response = await call("/auth/csrf-token/");
    expect(response.status).toBe(200);
    const { csrfToken } = await response.json<{ csrfToken: string }>();
    expect(csrfToken).toMatch(/^[A-Za-z0-9]{32}$/);
    const cookie = setCookies(response).get("csrftoken");
    expect(cookie?.value).toBe(csrfToken);
    expect(cookie?.attributes).not.toContain("HttpOnly");
    expect(cookie?.attributes).toContain("SameSite=Lax");
  });

  it("keeps a token the client already holds, so open tabs stay valid", async () => {
    const existing = "a".repeat(32);
    const response = await call("/auth/csrf-token/", { headers: cookieHeader({ csrftoken: existing }) });
    expect(await response.json()).toEqual({ csrfToken: existing });
    expect(setCookies(response).has("csrftoken")).toBe(false);
  });
});
