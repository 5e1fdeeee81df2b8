import { describe, expect, it } from "vitest";
import { bearer, call, cookieHeader, sendBack, decodePayload, post, register, setCookies } from "./kit";
import { sessionRow } from "./db";

function expectCookiesCleared(response: Response) {
  const cookies = setCookies(response);
  for (const name of ["access-token", "refresh-token"]) {
    expect(cookies.get(name)?.value).toBe("");
    expect(cookies.get(name)?.attributes).toMatch(/Max-Age=0/);
  }
}

describe("POST /auth/logout/", () => {
  it("revokes the session of the refresh token in the body and clears the cookies", async () => {
    const { access, refresh } = await register();
    const response = await post("/auth/logout/", { refresh });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ detail: "Successfully logged out." });
    expectCookiesCleared(response);
    expect((await post("/auth/token/refresh/", { refresh })).status).toBe(401);
    expect((await call("/auth/user/", { headers: bearer(access) })).status).toBe(401);
    expect((await sessionRow(decodePayload(refresh).sid as string))?.revoked_reason).toBe("logout");
  });

  it("logs out with the refresh cookie and an empty body", async () => {
    const { cookies, access } = await register();
    const csrf = cookies.get("csrftoken")?.value ?? "";
    const response = await call("/auth/logout/", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-csrftoken": csrf,
        ...cookieHeader({
          "access-token": access,
          "refresh-token": cookies.get("refresh-token")?.value ?? "",
          csrftoken: csrf,
        }),
      },
    });
    expect(response.status).toBe(200);
    expectCookiesCleared(response);
  });

  it("refuses a cookie logout without the CSRF header", async () => {
    const { cookies } = await register();
    const response = await call("/auth/logout/", {
      method: "POST",
      headers: sendBack(cookies, "refresh-token", "csrftoken"),
    });
    expect(response.status).toBe(403);
  });

  it("answers 401 and still clears the cookies when no refresh token is given", async () => {
    const response = await post("/auth/logout/", {});
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ detail: "Refresh token was not included in cookie data." });
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expectCookiesCleared(response);
  });

  it("answers 401 for an invalid token and for a session already ended, clearing the cookies", async () => {
    const { refresh } = await register();
    const invalid = await post("/auth/logout/", { refresh: "garbage" });
    expect(invalid.status).toBe(401);
    expect(await invalid.json()).toEqual({ detail: "Token is invalid or expired", code: "token_not_valid" });
    expectCookiesCleared(invalid);
    expect((await post("/auth/logout/", { refresh })).status).toBe(200);
    const again = await post("/auth/logout/", { refresh });
    expect(again.status).toBe(401);
    expect(await again.json()).toEqual({ detail: "Token is blacklisted", code: "token_not_valid" });
  });
});
