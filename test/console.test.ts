import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { timeStep, totpCode } from "../src/auth/mfa/totp";
import {
  call,
  clock,
  COOKIES,
  cookieHeader,
  decodePayload,
  formBrowser,
  jsonInit,
  post,
  register,
  registerStaff,
  registrationOptions,
  setCookies,
  type TestUser,
} from "./kit";
import { softwareAuthenticator, type RequestOptions } from "./webauthn";
import { planIdByName, updateUserRow, userRow } from "./db";

const consoleBrowser = () => formBrowser("/admin/login");

async function staffUser() {
  return (await registerStaff()).user;
}

async function signedIn(user: TestUser) {
  const client = consoleBrowser();
  const response = await client.post("/admin/login", {
    username: user.username,
    password: user.password,
    next: "/admin/plans",
  });
  expect(response.status).toBe(303);
  return client;
}

const userId = async (username: string) => Number((await userRow(username))?.id);

describe("console pages", () => {
  it("serve HTML under a strict CSP, never cached, with the CSRF token in the form", async () => {
    const response = await call("/admin/login");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.headers.get("content-security-policy")).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(response.headers.get("cache-control")).toBe("no-store");
    const csrf = setCookies(response).get(COOKIES.csrf)?.value;
    const page = await response.text();
    expect(page).toContain(`name="csrfmiddlewaretoken" value="${csrf}"`);
    expect(page).toContain('<label for="identifier">Username or e-mail</label>');
    expect(page).not.toMatch(/<script>|<style>|style="/);
  });

  it("serve their stylesheet, script and icon from the worker", async () => {
    for (const [path, type, content] of [
      ["/admin/static/console.css", "text/css", "--accent:"],
      ["/admin/static/console.js", "text/javascript", 'document.addEventListener("submit"'],
      ["/admin/static/favicon.svg", "image/svg+xml", "<svg"],
    ]) {
      const response = await call(path ?? "");
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain(type);
      expect(await response.text()).toContain(content);
    }
  });

  it("send a visitor who is not signed in to the sign-in page, remembering where they were going", async () => {
    const response = await call("/admin/users");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/admin/login?next=%2Fadmin%2Fusers");
  });

  it("escape what users typed", async () => {
    const staff = await staffUser();
    const client = await signedIn(staff);
    const { user } = await register();
    await updateUserRow({ username: user.username }, { first_name: '<img src=x onerror="alert(1)">' });
    const page = await (await client.get(`/admin/users/${await userId(user.username)}`)).text();
    expect(page).toContain("&lt;img src=x onerror=");
    expect(page).not.toContain("<img src=x");
  });
});

describe("POST /admin/login", () => {
  it("signs staff in with the usual session cookies and goes where they were going", async () => {
    const staff = await staffUser();
    const client = consoleBrowser();
    const response = await client.post("/admin/login", {
      username: staff.email,
      password: staff.password,
      next: "/admin/plans",
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/admin/plans");
    expect(client.jar.has(COOKIES.access)).toBe(true);
    expect((await client.get("/admin/plans")).status).toBe(200);
  });

  it("never redirects to another site", async () => {
    const staff = await staffUser();
    const client = consoleBrowser();
    const response = await client.post("/admin/login", {
      username: staff.username,
      password: staff.password,
      next: "//evil.example/admin/",
    });
    expect(response.headers.get("location")).toBe("/admin/users");
  });

  it("shows the form again on a wrong password, and records the failure", async () => {
    const staff = await staffUser();
    const client = consoleBrowser();
    const response = await client.post("/admin/login", { username: staff.username, password: "wrong-password" });
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain("Unable to log in with provided credentials.");
    expect(page).toContain(`value="${staff.username}"`);
    const events = await env.DB.prepare("select type from security_events where user_id = ?")
      .bind(await userId(staff.username))
      .all();
    expect(events.results.map((e) => e.type)).toContain("login_failed");
  });

  it("refuses an account that is not staff with a clear page and no session", async () => {
    const { user } = await register();
    const client = consoleBrowser();
    const response = await client.post("/admin/login", { username: user.username, password: user.password });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("Not authorised");
    expect(client.jar.has(COOKIES.access)).toBe(false);
    const events = await env.DB.prepare("select type from security_events where user_id = ?")
      .bind(await userId(user.username))
      .all();
    expect(events.results.map((e) => e.type)).toContain("console_access_refused");
  });

  it("refuses a form without the CSRF token, or sent from another origin", async () => {
    const staff = await staffUser();
    const missing = await consoleBrowser().post(
      "/admin/login",
      { username: staff.username, password: staff.password },
      { csrf: false },
    );
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain("Form expired");
    const foreign = await consoleBrowser().post(
      "/admin/login",
      { username: staff.username, password: staff.password },
      { origin: "https://evil.example" },
    );
    expect(foreign.status).toBe(403);
  });

  it("is held to the login rate limits", async () => {
    const staff = await staffUser();
    const limited = { limit: () => Promise.resolve({ success: false }) } as unknown as RateLimit;
    const login = await call("/admin/login");
    const csrf = setCookies(login).get(COOKIES.csrf)?.value ?? "";
    const response = await call(
      "/admin/login",
      {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "cf-connecting-ip": "203.0.113.9",
          ...cookieHeader({ [COOKIES.csrf]: csrf }),
        },
        body: new URLSearchParams({
          username: staff.username,
          password: staff.password,
          csrfmiddlewaretoken: csrf,
        }).toString(),
      },
      { LOGIN_IP_LIMITER: limited },
    );
    expect(response.status).toBe(429);
    expect(await response.text()).toContain("Too many attempts");
  });
});

describe("console forms", () => {
  it("a signed-in account that is not staff sees the not-authorised page", async () => {
    const { cookies } = await register();
    const response = await call("/admin/users", {
      headers: cookieHeader({ [COOKIES.access]: cookies.get(COOKIES.access)?.value ?? "" }),
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("Only staff accounts can use the admin console.");
  });

  it("saves a user's plan, activity and staff flags from the form (an unticked box is false)", async () => {
    const client = await signedIn(await staffUser());
    const { user } = await register();
    const id = await userId(user.username);
    const pro = await planIdByName("Pro");
    const response = await client.post(`/admin/users/${id}`, {
      first_name: "Ada",
      last_name: "",
      email: user.email,
      date_of_birth: "",
      plan: String(pro),
      is_active: "on",
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`/admin/users/${id}?notice=saved`);
    expect(await userRow(user.username)).toMatchObject({ plan_id: pro, first_name: "Ada", is_active: 1, is_staff: 0 });
    const page = await (await client.get(`/admin/users/${id}?notice=saved`)).text();
    expect(page).toContain('role="status">Saved.</p>');
  });

  it("links a refused action back to the page it came from, and copes with a Referer that is no URL", async () => {
    const staff = await staffUser();
    const client = await signedIn(staff);
    const own = `/admin/users/${await userId(staff.username)}`;
    const fromPage = await client.post(`${own}/delete`, {}, { referer: `http://localhost${own}` });
    expect(fromPage.status).toBe(400);
    const page = await fromPage.text();
    expect(page).toContain("You cannot delete your own account.");
    expect(page).toContain(`href="${own}">Back`);
    const garbled = await client.post(`${own}/delete`, {}, { referer: "::not a url::" });
    expect(garbled.status).toBe(400);
    expect(await garbled.text()).toContain('href="/admin/users">Back');
  });

  it("refuses a form without the CSRF token and changes nothing", async () => {
    const client = await signedIn(await staffUser());
    const { user } = await register();
    const id = await userId(user.username);
    const fields = {
      first_name: "Mallory",
      last_name: "",
      email: user.email,
      date_of_birth: "",
      plan: String(await planIdByName("Pro")),
    };
    const response = await client.post(`/admin/users/${id}`, fields, { csrf: false });
    expect(response.status).toBe(403);
    expect(await userRow(user.username)).toMatchObject({ first_name: "", is_active: 1 });
  });

  it("shows a refused form again with the messages beside its fields and what was typed, changing nothing", async () => {
    const client = await signedIn(await staffUser());
    const { user } = await register();
    const id = await userId(user.username);
    const response = await client.post(`/admin/users/${id}`, {
      first_name: "Typed",
      last_name: "",
      email: "not-an-address",
      date_of_birth: "1990-02-30",
      plan: "1",
      is_active: "on",
    });
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain("Nothing was saved: please correct what is marked.");
    expect(page).toMatch(/id="email" name="email" type="email" value="not-an-address"[^>]*aria-invalid="true"/);
    expect(page).toContain('<p class="field-error" id="email-error">Enter a valid email address.</p>');
    expect(page).toContain('<p class="field-error" id="date_of_birth-error">Date has wrong format.');
    expect(page).toContain('value="Typed"');
    expect(await userRow(user.username)).toMatchObject({ first_name: "" });
  });

  it("shows what the write refused (a taken address) on the form too", async () => {
    const client = await signedIn(await staffUser());
    const { user } = await register();
    const other = await register();
    const id = await userId(user.username);
    const response = await client.post(`/admin/users/${id}`, {
      first_name: "",
      last_name: "",
      email: other.user.email,
      date_of_birth: "",
      plan: "1",
      is_active: "on",
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("A user is already registered with this e-mail address.");
  });

  it("shows a refused plan form open, on its plan, with what was typed", async () => {
    const client = await signedIn(await staffUser());
    const pro = await planIdByName("Pro");
    const response = await client.post(`/admin/plans/${pro}`, {
      name: "Pro",
      stripe_monthly_price_id: "price_missing_pro",
      "limit.ai_responses": "100",
      "window.ai_responses": "86400",
    });
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain(`<details class="plan" id="plan-${pro}" open="">`);
    expect(page).toContain("No such price in Stripe: price_missing_pro.");
    expect(page).toContain('value="price_missing_pro"');
  });

  it("edits a plan's quotas from its form: an empty limit removes that quota", async () => {
    const client = await signedIn(await staffUser());
    const basic = await planIdByName("Basic");
    const response = await client.post(`/admin/plans/${basic}`, {
      name: "Basic",
      description: "For individuals who need more.",
      sort_order: "2",
      stripe_monthly_price_id: "price_basic_monthly",
      stripe_yearly_price_id: "price_basic_yearly",
      "limit.ai_responses": "25",
      "window.ai_responses": "86400",
      "limit.api_calls": "",
      "window.api_calls": "3600",
      "limit.questionnaires": "50",
      "window.questionnaires": "86400",
    });
    expect(response.status).toBe(303);
    const quotas = await env.DB.prepare('select scope, "limit" from plan_quotas where plan_id = ? order by scope')
      .bind(basic)
      .all();
    expect(quotas.results).toEqual([
      { scope: "ai_responses", limit: 25 },
      { scope: "questionnaires", limit: 50 },
    ]);
  });

  it("adds a quota of a scope no plan had from a plan's form", async () => {
    const client = await signedIn(await staffUser());
    const premium = await planIdByName("Premium");
    const scope = `exports_${crypto.randomUUID().slice(0, 6)}`;
    const response = await client.post(`/admin/plans/${premium}`, {
      name: "Premium",
      new_scope: scope,
      new_limit: "7",
      new_window: "3600",
    });
    expect(response.status).toBe(303);
    const row = await env.DB.prepare('select "limit", window_seconds from plan_quotas where plan_id = ? and scope = ?')
      .bind(premium, scope)
      .first();
    expect(row).toEqual({ limit: 7, window_seconds: 3600 });
    const refused = await client.post(`/admin/plans/${premium}`, {
      name: "Premium",
      new_scope: "Not A Scope",
      new_limit: "1",
    });
    expect(refused.status).toBe(400);
  });

  it("no form value, however hostile, gives a 5xx", async () => {
    const client = await signedIn(await staffUser());
    const id = await userId((await register()).user.username);
    const basic = await planIdByName("Basic");
    const value = fc.oneof(
      fc.string({ unit: "binary", maxLength: 80 }),
      fc.constantFrom("", "on", "-1", "1e309", "x".repeat(5000)),
    );
    const forms: Array<[string, string[]]> = [
      [`/admin/users/${id}`, ["first_name", "last_name", "email", "date_of_birth", "plan", "is_active", "is_staff"]],
      [
        `/admin/plans/${basic}`,
        ["name", "description", "sort_order", "limit.ai_responses", "window.ai_responses", "new_scope", "new_limit"],
      ],
      ["/admin/plans", ["name", "stripe_monthly_price_id", "limit.api_calls", "new_scope", "new_window"]],
      [`/admin/users/${id}/delete`, ["cancel_subscription"]],
    ];
    for (const [path, fields] of forms) {
      await fc.assert(
        fc.asyncProperty(fc.dictionary(fc.constantFrom(...fields), value), async (form) => {
          const response = await client.post(path, form);
          expect(response.status, await response.text()).toBeLessThan(500);
        }),
        { numRuns: 25 },
      );
    }
  });

  it("signs out: the session ends and the cookies go", async () => {
    const client = await signedIn(await staffUser());
    const access = client.jar.get(COOKIES.access) ?? "";
    const response = await client.post("/admin/logout", {});
    expect(response.headers.get("location")).toBe("/admin/login");
    expect(client.jar.has(COOKIES.access)).toBe(false);
    expect((await call("/admin/users", { headers: cookieHeader({ [COOKIES.access]: access }) })).status).toBe(303);
  });
});

describe("console sign-in with two-factor on", () => {
  /** A staff member with two-factor on, and its secret. */
  async function staffWithTotp() {
    const staff = await registerStaff();
    const setup = await call("/auth/mfa/totp/setup/", jsonInit({ password: staff.user.password }, staff.headers));
    const { secret } = await setup.json<{ secret: string }>();
    const code = await totpCode(secret, timeStep(clock.now()));
    expect((await call("/auth/mfa/totp/confirm/", jsonInit({ code }, staff.headers))).status).toBe(200);
    clock.advance(30);
    return { ...staff, secret };
  }

  it("asks for the code after the password, and signs in with it; a wrong code shows the step again", async () => {
    const staff = await staffWithTotp();
    const client = consoleBrowser();
    const step = await client.post("/admin/login", { username: staff.user.username, password: staff.user.password });
    expect(step.status).toBe(200);
    const page = await step.text();
    expect(page).toContain('<label for="code">Authentication code</label>');
    expect(client.jar.has(COOKIES.access)).toBe(false);
    const mfaToken = /name="mfa_token" value="([^"]+)"/.exec(page)?.[1] ?? "";
    const wrong = await client.post("/admin/login/mfa", { mfa_token: mfaToken, code: "000000" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("Invalid code.");
    const code = await totpCode(staff.secret, timeStep(clock.now()));
    const done = await client.post("/admin/login/mfa", { mfa_token: mfaToken, code, next: "/admin/plans" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/admin/plans");
    expect((await client.get("/admin/plans")).status).toBe(200);
  });

  it("offers the passkey when the account has one: beside the code, or alone when it has no TOTP", async () => {
    const onlyPasskey = await registerStaff();
    const authenticator = softwareAuthenticator();
    const credential = await authenticator.create(await registrationOptions(onlyPasskey.access));
    expect((await post("/auth/passkeys/register/", { credential }, onlyPasskey.headers)).status).toBe(201);
    const client = consoleBrowser();
    const login = { username: onlyPasskey.user.username, password: onlyPasskey.user.password, next: "/admin/plans" };
    const step = await (await client.post("/admin/login", login)).text();
    expect(step).toContain('data-passkey="second-factor" data-next="/admin/plans"');
    expect(step).toContain('<script src="/account/static/account.js"');
    expect(step).not.toContain('name="code"');
    // What the page's script then does, through the API with the console's cookies.
    const mfaToken = /name="mfa_token" value="([^"]+)"/.exec(step)?.[1] ?? "";
    const options = await client.postJson("/auth/login/mfa/passkey/options/", { mfa_token: mfaToken });
    const signedIn = await client.postJson("/auth/login/mfa/", {
      mfa_token: mfaToken,
      credential: await authenticator.get(await options.json<RequestOptions>()),
    });
    expect(signedIn.status).toBe(200);
    expect(decodePayload(client.jar.get(COOKIES.access) ?? "").amr).toEqual(["pwd", "webauthn"]);
    expect((await client.get("/admin/plans")).status).toBe(200);

    const both = await staffWithTotp();
    const second = softwareAuthenticator();
    const added = await second.create(await registrationOptions(both.access));
    expect((await post("/auth/passkeys/register/", { credential: added }, both.headers)).status).toBe(201);
    const page = await (
      await consoleBrowser().post("/admin/login", { username: both.user.username, password: both.user.password })
    ).text();
    expect(page).toContain('<label for="code">Authentication code</label>');
    expect(page).toContain('data-passkey="second-factor"');
  });

  it("with ADMIN_REQUIRE_MFA, refuses a staff session signed in with a password only", async () => {
    const staff = await registerStaff();
    const response = await call("/admin/users", { headers: staff.headers }, { ADMIN_REQUIRE_MFA: "true" });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("Staff must sign in with a second factor");
  });
});
