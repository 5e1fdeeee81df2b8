import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bearer, call, ORIGIN, post, register } from "./kit";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("CORS", () => {
  it("answers a preflight for the contract's methods and headers", async () => {
    const response = await call("/auth/login/", {
      method: "OPTIONS",
      headers: {
        origin: ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-csrftoken",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    expect(response.headers.get("access-control-allow-methods")).toBe("GET,POST,PUT,PATCH,DELETE,OPTIONS");
    expect(response.headers.get("access-control-allow-headers")).toBe(
      "content-type,x-csrftoken,authorization,x-d1-bookmark",
    );
  });

  it("puts the exact origin and credentials on successes and errors alike", async () => {
    for (const [path, status] of [
      ["/core/health/", 200],
      ["/auth/user/", 401],
      ["/nowhere/", 404],
    ] as const) {
      const response = await call(path, { headers: { origin: "https://app.example.com" } });
      expect(response.status).toBe(status);
      expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    }
    const invalid = await post("/auth/login/", {}, { origin: ORIGIN });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get("access-control-allow-origin")).toBe(ORIGIN);
  });

  it("never allows an origin that is not configured, and never '*'", async () => {
    const response = await call("/core/health/", { headers: { origin: "https://evil.example" } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("paths and methods", () => {
  it("serves every path with and without the trailing slash", async () => {
    const { access } = await register();
    expect((await call("/auth/user", { headers: bearer(access) })).status).toBe(200);
    expect((await call("/auth/user/", { headers: bearer(access) })).status).toBe(200);
    expect((await call("/core/health")).status).toBe(200);
  });

  it("routes the deployed entry (the default export) the same way", async () => {
    for (const path of ["/core/health", "/core/health/", "/schema/"]) {
      const response = await exports.default.fetch(new Request(`http://localhost${path}`));
      expect(response.status, path).toBe(200);
    }
    expect((await exports.default.fetch(new Request("http://localhost/auth/login/"))).status).toBe(405);
  });

  it("answers 404 with DRF's body for unknown paths", async () => {
    const response = await call("/auth/nothing-here/");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: "Not found." });
  });

  it("answers 405 with DRF's body and an Allow header for a wrong method", async () => {
    const response = await call("/auth/login/");
    expect(response.status).toBe(405);
    expect(await response.json()).toEqual({ detail: 'Method "GET" not allowed.' });
    expect(response.headers.get("allow")).toBe("POST");
    const del = await call("/core/plans", { method: "DELETE" });
    expect(del.status).toBe(405);
    expect(await del.json()).toEqual({ detail: 'Method "DELETE" not allowed.' });
  });
});

describe("request bodies", () => {
  it("answers malformed JSON with DRF's parse error, without echoing it", async () => {
    const response = await call("/auth/login/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"username": "ada", "password": "hunter2-secret"',
    });
    expect(response.status).toBe(400);
    const body = await response.json<{ detail: string }>();
    expect(body.detail).toMatch(/^JSON parse error - /);
    expect(body.detail).not.toContain("hunter2");
  });

  it("refuses bodies above 64 KiB with 413", async () => {
    const response = await post("/auth/login/", { username: "ada", password: "x".repeat(70 * 1024) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ detail: "Request body is too large." });
  });

  it("reads an empty JSON body as {} (cookie-only calls send none)", async () => {
    for (const body of [undefined, "", "  \n"]) {
      const response = await call("/auth/token/refresh/", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ detail: "No valid refresh token found.", code: "token_not_valid" });
    }
  });

  it("refuses a body that is not JSON with 415", async () => {
    const response = await call("/auth/login/", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "hi",
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({ detail: 'Unsupported media type "text/plain" in request.' });
  });
});

describe("responses", () => {
  it("carry secure headers", async () => {
    const response = await call("/core/health/");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(response.headers.get("strict-transport-security")).toContain("max-age=");
  });

  it("answer an internal failure with a bare 500, no stack or cause", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const response = await call("/auth/user", {}, { JWT_SECRET: undefined });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ detail: "A server error occurred." });
  });

  it("never contain password_hash or a pbkdf2 hash, and /auth/ makes no outbound call", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const { access, user, body, refresh } = await register();
    const texts = [JSON.stringify(body)];
    const responses = [
      await call("/auth/user/", { headers: bearer(access) }),
      await post("/auth/user/", { first_name: "Ada" }, bearer(access), "PATCH"),
      await post("/auth/login/", { username: user.username, password: user.password }),
      await post("/auth/login/", { username: user.username, password: "wrong-password" }),
      await post("/auth/token/refresh/", { refresh }),
      await post("/auth/password/change/", { new_password1: "x", new_password2: "x" }, bearer(access)),
      await call("/schema/"),
    ];
    for (const response of responses) texts.push(await response.text());
    for (const text of texts) {
      expect(text).not.toContain("password_hash");
      expect(text).not.toContain("pbkdf2_sha256$");
    }
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
