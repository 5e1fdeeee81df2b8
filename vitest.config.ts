import { readFile } from "node:fs/promises";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  // Tests run the same SQL that `wrangler d1 migrations apply` runs, plus the plan seed.
  const migrations = await readD1Migrations("./migrations");
  const seed = await readFile("./seed/plans.sql", "utf8");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            JWT_SECRET: "test-secret-that-is-at-least-32-characters-long",
            CORS_ALLOWED_ORIGINS: "http://localhost:3000,https://app.example.com",
            TEST_MIGRATIONS: migrations,
            TEST_SEED: seed,
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup.ts"],
      testTimeout: 30_000,
    },
  };
});
