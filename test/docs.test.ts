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
      "/auth/csrf-token/",
      "/auth/login/",
      "/auth/logout/",
      "/auth/logout/all/",
      "/auth/password/change/",
      "/auth/password/reset/",
      "/auth/password/reset/confirm/",
      "/auth/registration/",
      "/auth/registration/resend-email/",
      "/auth/registration/verify-email/",
      "/auth/security-events/",
      "/auth/sessions/",
      "/auth/sessions/{id}/",
      "/auth/token/refresh/",
      "/auth/token/verify/",
      "/auth/user/",
      "/core/billing/portal/",
      "/core/health/",
      "/core/payments/create-checkout-session/",
      "/core/payments/verify-session/",
      "/core/payments/webhook/stripe/",
      "/core/plans/",
    ]);
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations)) expect(operation.operationId).toBeTruthy();
    }
    expect(Object.keys(document.paths["/auth/user/"] ?? {}).sort()).toEqual(["get", "patch", "put"]);
    expect(document.components.schemas).toHaveProperty("User");
    expect(document.components.schemas).toHaveProperty("Register");
  });
});

describe("GET /docs/", () => {
  it("serves the interactive page for the document", async () => {
    const response = await call("/docs/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(await response.text()).toContain("/schema/");
  });
});
