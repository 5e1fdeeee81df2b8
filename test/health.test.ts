import { afterEach, describe, expect, it, vi } from "vitest";
import { unavailableD1 } from "./d1";
import { call } from "./kit";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("GET /core/health/", () => {
  it("reports a healthy database", async () => {
    const response = await call("/core/health/");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ overall: "healthy", services: { db: "healthy" } });
  });

  it("answers 503 when the database fails, and logs the cause as one JSON line of the request", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const response = await call("/core/health", {}, { DB: unavailableD1 });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ overall: "unhealthy", services: { db: "unhealthy" } });
    expect(error).toHaveBeenCalledTimes(1);
    const line = JSON.parse(String(error.mock.calls[0]?.[0])) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: "error",
      message: "health check failed",
      requestId: response.headers.get("x-request-id"),
      method: "GET",
      route: "/core/health",
      check: "db",
      cause: expect.stringContaining("D1_ERROR: database unavailable"),
    });
  });
});
