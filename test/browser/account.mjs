// `npm run test:browser`: the account security page in a real browser — Debian's Chromium driven by
// playwright-core — against the worker under `wrangler dev` (fresh local D1). Keyboard only: a user turns
// two-factor on by reading the key from the page (the test computes the code, as their phone would),
// signs out, signs in with a code, then with a recovery code, and turns it off. Screenshots go to docs/.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";
import { startLocalServer } from "../../bench/server.mjs";

const PORT = 8795;
const STATE = "test-output/browser-account-state";
const SHOTS = "docs";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const base = `http://localhost:${PORT}`;
const run = Date.now().toString(36);
const user = { username: `grace${run}`, email: `grace${run}@example.com`, password: "compiler-cobol-1959" };

let server;
let browser;
let pageErrors = [];

/** RFC 6238 as the user's authenticator app computes it, independent of the worker's code. */
function totp(secret, at = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of secret) bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/** The next code whose step has not been used: a code works once, so wait for the next 30 s step if need be. */
let lastStep = 0;
async function freshCode(secret) {
  while (Math.floor(Date.now() / 30_000) <= lastStep) await new Promise((resolve) => setTimeout(resolve, 500));
  lastStep = Math.floor(Date.now() / 30_000);
  return totp(secret);
}

async function newPage() {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
      pageErrors.push(message.text());
  });
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  return page;
}

/** Tabs until the element with `id` has focus (at most `limit` presses). */
async function tabTo(page, id, limit = 40) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate(`document.activeElement?.id === ${JSON.stringify(id)}`)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`could not reach #${id} with Tab`);
}

async function typeInto(page, id, text) {
  await tabTo(page, id);
  await page.keyboard.type(text);
}

/** Submits the form the focused field is in, with Enter, and waits for the page it answers. */
async function submit(page) {
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
}

async function signIn(page) {
  await page.goto(`${base}/account/security/`);
  await page.waitForFunction("document.activeElement?.id === 'identifier'");
  await page.keyboard.type(user.username);
  await page.keyboard.press("Tab");
  await page.keyboard.type(user.password);
  await submit(page);
}

async function signOut(page) {
  await tabTo(page, "sign-out");
  await submit(page);
}

async function shot(page, name) {
  const unlabelled = await page.evaluate(`[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
    .filter((control) => ![...control.labels].some((label) => label.textContent.trim() !== ""))
    .map((control) => control.outerHTML)`);
  assert.deepEqual(unlabelled, [], `controls without a visible label on ${name}`);
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // Passkeys: the page's origin must be one WebAuthn accepts (the RP ID is localhost by default).
  server = await startLocalServer({ port: PORT, state: STATE, vars: { WEBAUTHN_ORIGINS: base } });
  const response = await fetch(`${base}/auth/registration/`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      username: user.username,
      email: user.email,
      password1: user.password,
      password2: user.password,
    }),
  });
  assert.equal(response.status, 201);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe("the account security page in Chromium, keyboard only", () => {
  let secret = "";
  let recoveryCodes = [];

  it("turns two-factor on: the key read from the page, a code from it, the recovery codes shown once", async () => {
    pageErrors = [];
    const page = await newPage();
    await signIn(page);
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Account security");
    await shot(page, "account-security");
    await typeInto(page, "setup-password", user.password);
    await submit(page);
    secret = (await page.locator("#totp-secret").textContent()).trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.ok(await page.getByRole("img", { name: "QR code of your two-factor secret" }).isVisible());
    await shot(page, "account-security-setup");
    await typeInto(page, "confirm-code", await freshCode(secret));
    await submit(page);
    recoveryCodes = await page.getByRole("list", { name: "Recovery codes" }).locator("li").allTextContents();
    assert.equal(recoveryCodes.length, 10);
    assert.match(await page.getByRole("region", { name: "Two-factor authentication" }).textContent(), /On since/);
    await shot(page, "account-security-recovery-codes");
    await signOut(page);
    assert.deepEqual(pageErrors, []);
  });

  it("signs in with a code from the app, then with a recovery code, and turns two-factor off", async () => {
    pageErrors = [];
    const page = await newPage();
    await signIn(page);
    await page.waitForFunction("document.activeElement?.id === 'code'");
    await shot(page, "account-security-code");
    await page.keyboard.type(await freshCode(secret));
    await submit(page);
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Account security");
    await signOut(page);

    await signIn(page);
    await page.waitForFunction("document.activeElement?.id === 'code'");
    await page.keyboard.type(recoveryCodes[0]);
    await submit(page);
    assert.match(
      await page.getByRole("region", { name: "Two-factor authentication" }).textContent(),
      /9 recovery codes left/,
    );

    page.once("dialog", (dialog) => dialog.accept());
    await typeInto(page, "disable-code", await freshCode(secret));
    await submit(page);
    assert.equal(await page.getByRole("status").textContent(), "Two-factor authentication is off.");
    assert.match(await page.getByRole("region", { name: "Two-factor authentication" }).textContent(), /Off/);
    await shot(page, "account-security-off");
    await signOut(page);
    await signIn(page);
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Account security", "no code asked now");
    assert.deepEqual(pageErrors, []);
  });
});

describe("passkeys on the account security page in Chromium (a virtual authenticator)", () => {
  it("adds a passkey, signs in with it without typing a password, confirms a password sign-in with it, and removes it", async () => {
    pageErrors = [];
    const page = await newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    await signIn(page);
    await page.getByLabel("Name for the new passkey").fill("This laptop");
    await Promise.all([
      page.waitForURL(/notice=passkey-added/),
      page.getByRole("button", { name: "Add a passkey" }).click(),
    ]);
    assert.equal(await page.getByRole("status").textContent(), "Your passkey is added: use it to sign in.");
    const passkeys = page.getByRole("region", { name: "Passkeys" });
    assert.equal(await passkeys.getByLabel("Name of passkey This laptop").inputValue(), "This laptop");
    await shot(page, "account-security-passkeys");
    await signOut(page);

    await page.goto(`${base}/account/security/`);
    await Promise.all([
      page.waitForURL(`${base}/account/security/`),
      page.getByRole("button", { name: "Sign in with a passkey" }).click(),
    ]);
    await page.getByRole("heading", { level: 1, name: "Account security" }).waitFor();
    const events = await page.getByRole("region", { name: "Recent security events" }).textContent();
    assert.match(events, /passkey added/);
    await signOut(page);

    // With a passkey, a password sign-in asks for it as the second factor (no code: there is no TOTP).
    await signIn(page);
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Two-factor authentication");
    assert.equal(await page.getByLabel("Authentication code").count(), 0);
    await shot(page, "account-security-passkey-step");
    await Promise.all([
      page.waitForURL(`${base}/account/security/`),
      page.getByRole("button", { name: "Use a passkey" }).click(),
    ]);
    await page.getByRole("heading", { level: 1, name: "Account security" }).waitFor();

    page.once("dialog", (dialog) => dialog.accept());
    await Promise.all([
      page.waitForURL(/notice=passkey-removed/),
      passkeys.getByRole("button", { name: "Remove passkey This laptop" }).click(),
    ]);
    assert.match(await passkeys.textContent(), /No passkey yet/);
    assert.deepEqual(pageErrors, []);
  });
});
