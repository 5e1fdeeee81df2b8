import { readFile } from "node:fs/promises";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { fakeGoogleVars } from "./scripts/fake-google.mjs";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  // Tests run the same SQL that `wrangler d1 migrations apply` runs, plus the plan seed.
  const migrations = await readD1Migrations("./migrations");
  const seed = await readFile("./seed/plans.sql", "utf8");
  const devVarNames = [...(await readFile("./.dev.vars.example", "utf8")).matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].flatMap(
    (match) => match[1] ?? [],
  );
  return {
    plugins: [
      cloudflareTest(({ inject }) => {
        const bindings = {
          JWT_SECRET: "test-secret-that-is-at-least-32-characters-long",
          // HS256 access tokens unless a test configures keys (an empty value is an unset one).
          JWT_SIGNING_KEYS: "",
          MFA_ENCRYPTION_KEY: "test-mfa-key-that-is-at-least-32-characters-long",
          CORS_ALLOWED_ORIGINS: "http://localhost:3000,https://app.example.com",
          STRIPE_SECRET_KEY: "sk_test_fake",
          STRIPE_WEBHOOK_SECRET: "whsec_test_secret",
          // Outbound Stripe calls go to the fake started by test/global-setup.ts, never the network.
          STRIPE_API_HOST: "127.0.0.1",
          STRIPE_API_PORT: String(inject("fakeStripePort")),
          STRIPE_API_PROTOCOL: "http",
          FRONTEND_URL: "https://app.example.com",
          // Google's endpoints are the fake's, also started by test/global-setup.ts.
          GOOGLE_CLIENT_IDS: "web-client.apps.googleusercontent.com,ios-client.apps.googleusercontent.com",
          GOOGLE_CLIENT_SECRET: "test-google-client-secret",
          ...fakeGoogleVars(inject("fakeGoogleBase")),
          TEST_MIGRATIONS: migrations,
          TEST_SEED: seed,
        };
        // wrangler also loads the developer's .dev.vars (which `npm run dev` writes): every variable it
        // can hold is set above, so the tests see one environment whether or not dev has run here.
        const unset = devVarNames.filter((name) => !(name in bindings));
        if (unset.length > 0) throw new Error(`vitest.config.ts: set ${unset.join(", ")} for the tests`);
        return { wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings } };
      }),
    ],
    test: {
      globalSetup: ["./test/global-setup.ts"],
      setupFiles: ["./test/setup.ts"],
      testTimeout: 30_000,
    },
  };
});
