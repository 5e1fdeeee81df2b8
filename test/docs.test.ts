import { describe, expect, it } from "vitest";
import { call } from "./kit";

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string }>>;
  components: { schemas: Record<string, unknown> };
}

describe("GET /schema/", () => {
  it("is an OpenAPI 3.1 document of every route, with Django's paths and an operationId each", async () => {
    const response = await call("/schema/");
    expect(response.status).toBe(200);
    const document = await response.json<OpenApiDocument>();
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths).sort()).toEqual([
      "/.well-known/jwks.json",
      "/admin/api/audit-log/",
      "/admin/api/outbox/",
      "/admin/api/outbox/{id}/resend/",
      "/admin/api/plans/",
      "/admin/api/plans/{id}/",
      "/admin/api/stripe-events/",
      "/admin/api/users/",
      "/admin/api/users/{id}/",
      "/admin/api/users/{id}/audit-log/",
      "/admin/api/users/{id}/end-sessions/",
      "/admin/api/users/{id}/mfa-reset/",
      "/admin/api/users/{id}/passkeys/{passkey}/",
      "/admin/api/users/{id}/password-reset/",
      "/admin/api/users/{id}/social-accounts/{account}/disconnect/",
      "/auth/csrf-token/",
      "/auth/login/",
      "/auth/login/mfa/",
      "/auth/login/mfa/passkey/options/",
      "/auth/logout/",
      "/auth/logout/all/",
      "/auth/mfa/",
      "/auth/mfa/recovery-codes/",
      "/auth/mfa/totp/confirm/",
      "/auth/mfa/totp/disable/",
      "/auth/mfa/totp/setup/",
      "/auth/passkeys/",
      "/auth/passkeys/login/",
      "/auth/passkeys/login/options/",
      "/auth/passkeys/register/",
      "/auth/passkeys/register/options/",
      "/auth/passkeys/{id}/",
      "/auth/password/change/",
      "/auth/password/reset/",
      "/auth/password/reset/confirm/",
      "/auth/registration/",
      "/auth/registration/resend-email/",
      "/auth/registration/verify-email/",
      "/auth/security-events/",
      "/auth/sessions/",
      "/auth/sessions/{id}/",
      "/auth/social/accounts/",
      "/auth/social/accounts/{id}/disconnect/",
      "/auth/social/connect/google/",
      "/auth/social/google/callback/",
      "/auth/social/google/start/",
      "/auth/social/login/google/",
      "/auth/token/refresh/",
      "/auth/token/verify/",
      "/auth/user/",
      "/auth/user/delete/",
      "/auth/user/export/",
      "/core/billing/portal/",
      "/core/health/",
      "/core/payments/create-checkout-session/",
      "/core/payments/verify-session/",
      "/core/payments/webhook/stripe/",
      "/core/plans/",
      "/core/rate-limits/status/",
      "/core/usage/consume/",
      "/core/usage/refund/",
    ]);
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations)) expect(operation.operationId).toBeTruthy();
    }
    expect(Object.keys(document.paths["/auth/user/"] ?? {}).sort()).toEqual(["delete", "get", "patch", "put"]);
    expect(document.components.schemas).toHaveProperty("User");
    expect(document.components.schemas).toHaveProperty("Register");
  });
});

describe("GET /docs/", () => {
  it("serves the interactive page from this origin only, under a CSP that allows nothing else", async () => {
    const response = await call("/docs/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:|\*|'unsafe-eval'/);
    expect(csp.match(/script-src[^;]*/)?.[0]).not.toContain("unsafe-inline");
    const page = await response.text();
    // Every script and stylesheet is a path on this origin; no inline script.
    const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(source, source).toMatch(/^\/docs\//);
    expect(page).not.toMatch(/<script>(?!<)/);
    const init = await call("/docs/init.js");
    expect(init.headers.get("content-type")).toContain("javascript");
    expect(await init.text()).toContain('url: "/schema/"');
  });

  it("serves Swagger UI's files from the installed package, and nothing else of it", async () => {
    const bundle = await call("/docs/assets/swagger-ui-bundle.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toContain("javascript");
    expect(bundle.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    const css = await call("/docs/assets/swagger-ui.css");
    expect(css.headers.get("content-type")).toContain("text/css");
    for (const path of ["/docs/assets/package.json", "/docs/assets/index.html", "/package.json", "/index.html"]) {
      expect((await call(path)).status, path).toBe(404);
    }
  });
});
