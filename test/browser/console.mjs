// `npm run test:browser`: the admin console in a real browser — Debian's Chromium driven by playwright-core —
// against the worker under `wrangler dev` (fresh local D1, a staff account made by `npm run createsuperuser`).
// Screenshots of every page go to test-output/console/.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";
import { startLocalServer } from "../../bench/server.mjs";

const PORT = 8797;
const STATE = "test-output/browser-state";
const SHOTS = "test-output/console";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const base = `http://localhost:${PORT}`;
const run = Date.now().toString(36);
const staff = { username: `boss${run}`, email: `boss${run}@example.com`, password: "a-long-staff-passphrase" };
const customer = { username: `ada${run}`, email: `Ada.Lovelace${run}@example.com`, password: "correct-horse-battery" };
const outsider = { username: `eve${run}`, email: `eve${run}@example.com`, password: "correct-horse-battery" };

let server;
let browser;
/**
 * Errors the page logged — a CSP violation, a script error — which every test expects none of. (A 4xx
 * page load is logged as an error too: those are answers the tests check themselves.)
 */
let pageErrors = [];

async function api(path, body, headers = {}) {
  const response = await fetch(`${base}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

const register = (user) =>
  api("/auth/registration/", {
    username: user.username,
    email: user.email,
    password1: user.password,
    password2: user.password,
  });

async function newPage(viewport = { width: 1280, height: 900 }) {
  const page = await (await browser.newContext({ viewport })).newPage();
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
      pageErrors.push(message.text());
  });
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  return page;
}

/** Signs in with the keyboard only: the identifier field has focus, Tab to the password, Enter submits. */
async function signIn(page, user) {
  await page.goto(`${base}/admin/`);
  // The page focuses the identifier field itself (autofocus), sometimes just after the load event.
  await page.waitForFunction("document.activeElement?.id === 'identifier'");
  await page.keyboard.type(user.username);
  await page.keyboard.press("Tab");
  await page.keyboard.type(user.password);
  // Every answer to the sign-in (the users page, the form again, a refusal) is a navigation.
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
}

/** The page is no wider than its viewport: tables scroll inside their own box, never the page. */
async function assertNoSidewaysScroll(page, name) {
  const { scrollWidth, clientWidth } = await page.evaluate(
    "({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth })",
  );
  assert.ok(scrollWidth <= clientWidth, `${name} scrolls sideways: ${scrollWidth} > ${clientWidth}`);
}

/**
 * Every page shot is also checked: each control has a label of its own that is on the page, and each
 * button says what it does.
 */
async function shot(page, name) {
  const unlabelled = await page.evaluate(`[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
    .filter((control) => ![...control.labels].some((label) => label.textContent.trim() !== ""))
    .map((control) => control.outerHTML)`);
  assert.deepEqual(unlabelled, [], `controls without a visible label on ${name}`);
  const mute = await page.evaluate(`[...document.querySelectorAll("button")]
    .filter((button) => button.textContent.trim() === "" && !button.getAttribute("aria-label"))
    .map((button) => button.outerHTML)`);
  assert.deepEqual(mute, [], `buttons that say nothing on ${name}`);
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/**
 * `npm run createsuperuser` against the test server's local D1, run asynchronously. Not spawnSync: that
 * blocks this process's event loop for the command's seconds, so when the dev server closes an idle
 * keep-alive connection meanwhile (its 5 s timeout, passed on a busy machine), this process never sees
 * the close, and the next fetch goes out on the dead socket ("other side closed").
 */
function createSuperuser(user, password = user.password) {
  const args = [
    "scripts/createsuperuser.mjs",
    "--username",
    user.username,
    "--email",
    user.email,
    "--persist-to",
    STATE,
  ];
  const child = spawn("node", args, { env: { ...process.env, SUPERUSER_PASSWORD: password } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The configuration `npm run dev` runs with (Secure cookies included: browsers keep them on localhost).
  server = await startLocalServer({ port: PORT, state: STATE });
  const created = await createSuperuser(staff);
  assert.equal(created.status, 0, created.stderr);
  assert.equal((await register(customer)).status, 201);
  assert.equal((await register(outsider)).status, 201);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe("npm run createsuperuser", () => {
  it("refuses a password the rules refuse, and creates nobody", async () => {
    const weak = { username: `weak${run}`, email: `weak${run}@example.com` };
    const refused = await createSuperuser(weak, "password");
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /too common/);
    assert.equal((await api("/auth/login/", { username: weak.username, password: "password" })).status, 400);
  });

  it("refuses an e-mail address that is another account's", async () => {
    const refused = await createSuperuser({ username: `dup${run}`, email: customer.email }, "a-long-enough-passphrase");
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /is the address of another account/);
  });

  it("promotes an existing account, keeping its password", async () => {
    const member = { username: `promo${run}`, email: `promo${run}@example.com`, password: "promoted-passphrase-1" };
    assert.equal((await register(member)).status, 201);
    // Held past the dev server's 5 s keep-alive, as a busy machine holds it: the connection the last
    // request left idle is closed meanwhile, and the next request must not go out on it.
    const [promoted] = await Promise.all([
      createSuperuser(member, "a-different-passphrase"),
      new Promise((resolve) => setTimeout(resolve, 6_000)),
    ]);
    assert.equal(promoted.status, 0, promoted.stderr);
    assert.match(promoted.stdout, /is staff now \(the password is unchanged\)/);
    const signedIn = await api("/auth/login/", { username: member.username, password: member.password });
    assert.equal(signedIn.status, 200);
    const list = await api("/admin/api/users/", undefined, { authorization: `Bearer ${signedIn.body.access}` });
    assert.equal(list.status, 200);
  });
});

describe("the admin console in Chromium", () => {
  it("refuses an account that is not staff with a clear page, and gives it no session", async () => {
    pageErrors = [];
    const page = await newPage();
    await signIn(page, outsider);
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Not authorised");
    assert.match(await page.getByRole("alert").textContent(), /not staff/);
    const cookies = (await page.context().cookies()).map((c) => c.name);
    assert.ok(!cookies.includes("access-token"), "no session cookie for a refused account");
    await shot(page, "not-authorised");
    assert.deepEqual(pageErrors, []);
  });

  it("signs staff in, finds a user by e-mail, moves them to Pro and deactivates them", async () => {
    pageErrors = [];
    const page = await newPage();
    const response = await page.goto(`${base}/admin/login`);
    assert.match(response.headers()["content-security-policy"], /default-src 'none'; script-src 'self'/);
    await shot(page, "sign-in");
    await signIn(page, staff);
    assert.match(page.url(), /\/admin\/users$/, await page.locator("main").textContent());
    await shot(page, "users");

    await page.getByLabel("Search").fill(customer.email.slice(0, 12).toUpperCase());
    await page.getByRole("button", { name: "Filter" }).click();
    const rows = page.locator("tbody tr");
    assert.equal(await rows.count(), 1);
    assert.deepEqual(await page.locator("thead th").allTextContents(), [
      "Username",
      "E-mail",
      "Plan",
      "Active",
      "Joined",
      "Last sign-in",
    ]);
    await shot(page, "users-search");
    await page.getByRole("link", { name: customer.username }).click();
    await page.getByRole("heading", { name: "Sessions" }).waitFor();

    // A refusal comes back on the form itself, beside the field, with what was typed.
    await page.getByLabel("E-mail").fill(outsider.email);
    await page.getByLabel("First name").fill("Ada");
    await page.getByRole("button", { name: "Save" }).click();
    assert.equal(
      await page.locator("#email-error").textContent(),
      "A user is already registered with this e-mail address.",
    );
    assert.equal(await page.getByLabel("First name").inputValue(), "Ada");
    await shot(page, "user-form-refused");
    await page.getByLabel("E-mail").fill(customer.email.toLowerCase());

    await page.getByLabel("Plan").selectOption({ label: "Pro" });
    await page.getByRole("button", { name: "Save" }).click();
    assert.equal(await page.getByRole("status").textContent(), "Saved.");
    assert.match(await page.getByRole("region", { name: "Billing" }).textContent(), /Pro\s*set by hand/);
    const { status, body } = await api("/auth/login/", { username: customer.username, password: customer.password });
    assert.equal(status, 200);
    assert.equal(body.user.plan.name, "Pro");

    page.once("dialog", (dialog) => dialog.dismiss());
    await page.getByLabel("Active").uncheck();
    await page.getByRole("button", { name: "Save" }).click();
    assert.equal(await page.getByLabel("Active").isChecked(), false, "dismissing the question submits nothing");
    assert.equal((await api("/auth/login/", { username: customer.username, password: customer.password })).status, 200);

    page.once("dialog", (dialog) => dialog.accept());
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").waitFor();
    assert.equal(await page.getByLabel("Active").isChecked(), false);
    for (const heading of ["Sessions", "Security events", "Usage", "Audit log"]) {
      assert.ok(await page.getByRole("heading", { name: heading, exact: true }).isVisible(), heading);
    }
    assert.match(await page.locator("section", { hasText: "Audit log" }).textContent(), /is_active: true → false/);
    await shot(page, "user");

    const refused = await api("/auth/login/", { username: customer.username, password: customer.password });
    assert.equal(refused.status, 400, "a deactivated user can no longer sign in through the API");
    assert.equal((await api("/auth/user/", undefined, { authorization: `Bearer ${body.access}` })).status, 401);

    const phone = await newPage({ width: 390, height: 844 });
    await phone.context().addCookies(await page.context().cookies());
    await phone.goto(page.url());
    await shot(phone, "user-phone");
    assert.deepEqual(pageErrors, []);
  });

  it("edits a plan's quota, asks before destructive actions, and records it all in the audit log", async () => {
    pageErrors = [];
    const page = await newPage();
    await signIn(page, staff);
    await page.getByRole("link", { name: "Plans", exact: true }).click();
    const pro = page.locator("details", { hasText: "Pro" }).first();
    await pro.locator("summary").click();
    await pro.getByLabel("ai_responses limit").fill("150");
    await pro.getByRole("button", { name: "Save plan" }).click();
    assert.equal(await page.getByRole("status").textContent(), "Plan saved.");
    assert.match(await page.locator("tbody tr", { hasText: "Pro" }).textContent(), /ai_responses: 150 \/ 1 d/);
    assert.equal(await page.locator("details[open]").count(), 1, "the saved plan is open again");
    await shot(page, "plans");

    await page.getByRole("link", { name: "Users", exact: true }).click();
    await page.getByRole("link", { name: outsider.username }).click();
    page.once("dialog", (dialog) => dialog.dismiss());
    await page.getByRole("button", { name: "End all sessions" }).click();
    assert.equal(await page.getByRole("status").count(), 0, "nothing was done without a yes");
    page.once("dialog", (dialog) => dialog.accept());
    await page.getByRole("button", { name: "End all sessions" }).click();
    assert.equal(await page.getByRole("status").textContent(), "Every session of this user has ended.");

    await page.getByRole("link", { name: "Operations" }).click();
    await page.getByRole("heading", { name: "Outbox" }).waitFor();
    await shot(page, "operations");
    await page.getByRole("link", { name: "Audit log" }).click();
    const log = await page.locator("tbody").textContent();
    assert.match(log, /plan\.updated/);
    assert.match(log, /user\.sessions_ended/);
    assert.match(log, /plan: "Free" → "Pro"/);
    assert.match(log, /quotas: ai_responses 100 \/ 1 d.* → ai_responses 150 \/ 1 d/);
    assert.doesNotMatch(log, /name: "Pro" → "Pro"/, "only what changed is recorded");
    await shot(page, "audit-log");
    assert.deepEqual(pageErrors, []);
  });

  it("fits every page on a phone (390 px): nothing scrolls sideways", async () => {
    pageErrors = [];
    const phone = await newPage({ width: 390, height: 844 });
    await phone.goto(`${base}/admin/login`);
    await assertNoSidewaysScroll(phone, "sign-in");
    await signIn(phone, staff);
    const { body } = await api("/auth/login/", { username: staff.username, password: staff.password });
    const found = await api(`/admin/api/users/?search=${customer.username}`, undefined, {
      authorization: `Bearer ${body.access}`,
    });
    // The customer's page carries the longest facts: "set by hand" and its time, Stripe ids, sessions.
    const pages = ["/admin/users", `/admin/users/${found.body.results[0].id}`, "/admin/plans", "/admin/operations"];
    for (const path of [...pages, "/admin/audit-log"]) {
      await phone.goto(`${base}${path}`);
      await assertNoSidewaysScroll(phone, path);
    }
    assert.deepEqual(pageErrors, []);
  });

  it("ends a demoted staff member's console access at once", async () => {
    const page = await newPage();
    await signIn(page, staff);
    const second = { username: `ops${run}`, email: `ops${run}@example.com`, password: "another-long-passphrase" };
    assert.equal((await register(second)).status, 201);
    await page.getByLabel("Search").fill(second.username);
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByRole("link", { name: second.username }).click();
    await page.getByLabel("Staff").check();
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").waitFor();

    const theirs = await newPage();
    await signIn(theirs, second);
    assert.match(theirs.url(), /\/admin\/users$/);
    await page.getByLabel("Staff").uncheck();
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").waitFor();
    await theirs.reload();
    assert.equal(await theirs.getByRole("heading", { level: 1 }).textContent(), "Not authorised");
  });
});
