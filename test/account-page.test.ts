import { describe, expect, it } from "vitest";
import { timeStep, totpCode } from "../src/auth/mfa/totp";
import { call, clock, COOKIES, formBrowser, login, newUser, register, type TestUser } from "./kit";

const PAGE = "/account/security/";
const pageBrowser = () => formBrowser(PAGE);

async function signedIn(user: TestUser) {
  const client = pageBrowser();
  const response = await client.post("/account/security/login", { username: user.username, password: user.password });
  expect(response.status).toBe(303);
  expect(response.headers.get("location")).toBe("/account/security");
  return client;
}

const secretOf = (html: string) => /id="totp-secret"[^>]*>([A-Z2-7]{32})</.exec(html)?.[1] ?? "";
const codesOf = (html: string) => [...html.matchAll(/<li>([a-z0-9]{5}-[a-z0-9]{5})<\/li>/g)].map((m) => m[1] ?? "");
const codeNow = (secret: string) => totpCode(secret, timeStep(clock.now()));

describe("GET /account/security/", () => {
  it("shows the sign-in form to a visitor, under the console's strict CSP, never cached", async () => {
    const response = await call(PAGE);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'; script-src 'self'");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const html = await response.text();
    expect(html).toContain('<label for="identifier">Username or e-mail</label>');
    expect(html).not.toMatch(/<script>|<style>|style="/);
  });

  it("shows a signed-in user their two-factor state, sessions, password form and security events", async () => {
    const { user } = await register(newUser("page"));
    const client = await signedIn(user);
    const html = await (await client.get(PAGE)).text();
    for (const heading of [
      "Two-factor authentication",
      "Where you are signed in",
      "Change password",
      "Recent security events",
    ]) {
      expect(html).toContain(`>${heading}</h2>`);
    }
    expect(html).toContain("Set up two-factor");
    expect(html).toContain("login succeeded");
  });
});

describe("the account page's two-factor forms", () => {
  it("sets up with the password (QR code and key), turns on with a code (codes shown once), signs in with the step, turns off", async () => {
    const { user } = await register(newUser("page"));
    const client = await signedIn(user);
    const wrong = await client.post("/account/security/totp/setup", { password: "not-my-password" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("Your password was entered incorrectly");
    const setup = await (await client.post("/account/security/totp/setup", { password: user.password })).text();
    const secret = secretOf(setup);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup).toContain('<figure class="qr" role="img" aria-label="QR code of your two-factor secret"><svg');
    // A wrong code keeps the setup on the page, with the message beside the field.
    const refused = await (await client.post("/account/security/totp/confirm", { code: "000000" })).text();
    expect(refused).toContain('id="confirm-code-error"');
    expect(secretOf(refused)).toBe(secret);
    const confirmed = await (
      await client.post("/account/security/totp/confirm", { code: await codeNow(secret) })
    ).text();
    const codes = codesOf(confirmed);
    expect(codes).toHaveLength(10);
    expect(codesOf(await (await client.get(PAGE)).text())).toEqual([]);

    clock.advance(30);
    const again = pageBrowser();
    const step = await again.post("/account/security/login", { username: user.username, password: user.password });
    const stepPage = await step.text();
    expect(stepPage).toContain('<label for="code">Authentication code</label>');
    expect(again.jar.has(COOKIES.access)).toBe(false);
    const mfaToken = /name="mfa_token" value="([^"]+)"/.exec(stepPage)?.[1] ?? "";
    const done = await again.post("/account/security/login/mfa", { mfa_token: mfaToken, code: codes[0] ?? "" });
    expect(done.status).toBe(303);
    expect(again.jar.has(COOKIES.access)).toBe(true);

    clock.advance(30);
    const off = await again.post("/account/security/totp/disable", { code: await codeNow(secret) });
    expect(off.status).toBe(303);
    expect(off.headers.get("location")).toBe("/account/security?notice=mfa-off");
    expect((await login(user)).access).toBeTruthy();
  });
});

describe("the account page's session and password forms", () => {
  it("signs one session out, then every session", async () => {
    const { user } = await register(newUser("page"));
    const other = await login(user);
    const client = await signedIn(user);
    const sid = JSON.parse(atob((other.access.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/"))) as {
      sid: string;
    };
    const ended = await client.post(`/account/security/sessions/${sid.sid}/end`, {});
    expect(ended.headers.get("location")).toBe("/account/security?notice=session-ended");
    expect((await call("/auth/user/", { headers: { authorization: `Bearer ${other.access}` } })).status).toBe(401);
    const all = await client.post("/account/security/sessions/end-all", {});
    expect(all.headers.get("location")).toBe("/account/security?notice=signed-out");
    expect(client.jar.has(COOKIES.access)).toBe(false);
  });

  it("changes the password, and shows a refused change beside its fields", async () => {
    const { user } = await register(newUser("page"));
    const client = await signedIn(user);
    const refused = await client.post("/account/security/password", {
      old_password: user.password,
      new_password1: "short",
      new_password2: "short",
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('id="new-password2-error"');
    const changed = await client.post("/account/security/password", {
      old_password: user.password,
      new_password1: "lantern-orbit-73-maple",
      new_password2: "lantern-orbit-73-maple",
    });
    expect(changed.headers.get("location")).toBe("/account/security?notice=password-changed");
    expect((await login({ ...user, password: "lantern-orbit-73-maple" })).access).toBeTruthy();
  });

  it("refuses a form without the CSRF token", async () => {
    const { user } = await register(newUser("page"));
    const client = await signedIn(user);
    const response = await client.post("/account/security/sessions/end-all", {}, { csrf: false });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("Form expired");
  });
});
