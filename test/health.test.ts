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

  it("answers 503 when the database fails", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const response = await call("/core/health", {}, { DB: unavailableD1 });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ overall: "unhealthy", services: { db: "unhealthy" } });
  });
});
