// `npm run test:browser`: Google sign-in's redirect flow in a real browser — Debian's Chromium driven by
// playwright-core — through the local fake Google's consent page, against the worker under `wrangler dev`.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";
import { startLocalServer } from "../../bench/server.mjs";
import { FAKE_GOOGLE_IDENTITIES, fakeGoogleVars, startFakeGoogle } from "../../scripts/fake-google.mjs";

const PORT = 8794;
const SHOTS = "test-output/google";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const base = `http://localhost:${PORT}`;

let google;
let server;
let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  google = await startFakeGoogle(0);
  server = await startLocalServer({
    port: PORT,
    state: "test-output/browser-google-state",
    // The frontend is the worker itself here, so landing on `next` shows the signed-in user.
    vars: {
      GOOGLE_CLIENT_IDS: "browser-test.apps.googleusercontent.com",
      GOOGLE_CLIENT_SECRET: "browser-test-secret",
      FRONTEND_URL: base,
      ...fakeGoogleVars(google.base),
    },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await google?.close();
});

describe("Sign in with Google in Chromium", () => {
  it("goes to Google's consent page, and comes back signed in to /auth/user/", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/auth/social/google/start/?next=/auth/user/`);
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Choose an account");
    await page.screenshot({ path: `${SHOTS}/consent.png` });
    const grace = FAKE_GOOGLE_IDENTITIES[1];
    await Promise.all([
      page.waitForURL(`${base}/auth/user/`),
      page.getByRole("button", { name: /Grace Hopper/ }).click(),
    ]);
    const user = JSON.parse(await page.locator("body").innerText());
    assert.equal(user.email, grace.email);
    assert.equal(user.first_name, "Grace");
    const cookies = (await page.context().cookies()).map((c) => c.name);
    assert.ok(cookies.includes("access-token") && cookies.includes("refresh-token"));
    assert.ok(!cookies.includes("google-signin"), "the flow's cookie is gone");
    await page.screenshot({ path: `${SHOTS}/signed-in.png` });
  });

  it("lands a refused flow on the frontend's sign-in page with the error, and no session", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/auth/social/google/callback/?code=forged&state=forged`);
    assert.equal(new URL(page.url()).pathname, "/sign-in");
    assert.equal(new URL(page.url()).searchParams.get("error"), "invalid_state");
    assert.ok(!(await page.context().cookies()).some((c) => c.name === "access-token"));
  });
});
