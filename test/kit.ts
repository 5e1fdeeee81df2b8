import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { expect } from "vitest";
import type { z } from "zod";
import type { Clock } from "../src/clock";
import { createAccount } from "../src/accounts/create";
import { startSession } from "../src/auth/sign-in";
import { createDb } from "../src/db/client";
import { base64UrlToBytes, bytesToBase64Url } from "../src/encoding";
import { buildDeps } from "../src/deps";
import { readConfig, type Deps } from "../src/env";
import { createLogger } from "../src/log";
import { createWorker } from "../src/index";
import type { loginResponseSchema, refreshResponseSchema } from "../src/schemas/auth";
import { gatedD1 } from "./d1";
import { updateUserRow } from "./db";
import { softwareAuthenticator, type CreationOptions, type RequestOptions } from "./webauthn";

export const ORIGIN = "http://localhost:3000";

/** The clock the tested worker reads: real time plus whatever a test has moved it on. */
class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(seconds: number) {
    this.offsetMs += seconds * 1000;
  }
}

export const clock = new TestClock();
const worker = createWorker(clock);

/** The dependencies a request of the tested worker gets, for calling domain functions directly. */
export function testDeps(): Deps {
  const db = createDb(env.DB.withSession("first-primary"));
  return buildDeps(env, { db, config: readConfig(env), clock, log: createLogger(() => ({ test: true })) });
}

/** The cookie names of the configuration the tests run with. */
export const COOKIES = (() => {
  const config = readConfig(env);
  return { access: config.accessCookie, refresh: config.refreshCookie, csrf: config.csrfCookie };
})();

export type LoginPayload = z.infer<typeof loginResponseSchema>;
export type RefreshPayload = z.infer<typeof refreshResponseSchema>;

/**
 * Calls the real worker (the app of src/index.ts, on the test clock) with the real local D1, and waits
 * for the work it does after answering (mail). `overrides` change configuration or bindings, as a
 * deployment with those vars would run.
 */
export async function call(path: string, init: RequestInit = {}, overrides: Partial<Cloudflare.Env> = {}) {
  const { response, background } = await callAnswerFirst(path, init, overrides);
  await background;
  return response;
}

/**
 * Calls the worker and resolves with its answer as soon as it is sent, before the work it does after
 * answering (`background`, awaited separately) — to show what a request does or does not wait for.
 */
export async function callAnswerFirst(path: string, init: RequestInit = {}, overrides: Partial<Cloudflare.Env> = {}) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`http://localhost${path}`, init), { ...env, ...overrides }, ctx);
  return { response, background: waitOnExecutionContext(ctx) };
}

/** Shows that a JSON POST answers while every D1 query is still held back: nothing it says can depend on D1. */
export async function expectAnswerBeforeDatabase(path: string, body: unknown) {
  const { db, open } = gatedD1(env.DB);
  const pending = callAnswerFirst(path, jsonInit(body), { DB: db });
  const first = await Promise.race([pending, new Promise<"held">((r) => setTimeout(() => r("held"), 300))]);
  open();
  expect(first, "answered while the database was still held").not.toBe("held");
  const { response, background } = await pending;
  await background;
  return response;
}

export function jsonInit(body: unknown, headers: Record<string, string> = {}, method = "POST"): RequestInit {
  return { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export function post(path: string, body: unknown, headers: Record<string, string> = {}, method = "POST") {
  return call(path, jsonInit(body, headers, method));
}

export function bearer(access: string): Record<string, string> {
  return { authorization: `Bearer ${access}` };
}

let counter = 0;

/** Storage is shared by the tests of one file: every test makes its own user. */
export function newUser(prefix = "user") {
  counter += 1;
  const id = `${prefix}${counter}${crypto.randomUUID().slice(0, 8)}`;
  return { username: id, email: `${id}@example.com`, password: "correct-horse-battery-staple" };
}

export type TestUser = ReturnType<typeof newUser>;

export type CookieJar = Map<string, { value: string; attributes: string }>;

/** Parses Set-Cookie headers into name → { value, attributes }. */
export function setCookies(response: Response): CookieJar {
  const cookies: CookieJar = new Map();
  for (const header of response.headers.getSetCookie()) {
    const [pair = "", ...attributes] = header.split(";");
    const eq = pair.indexOf("=");
    cookies.set(pair.slice(0, eq).trim(), {
      value: decodeURIComponent(pair.slice(eq + 1).trim()),
      attributes: attributes.map((a) => a.trim()).join("; "),
    });
  }
  return cookies;
}

/** The Cookie header a browser sends back: these cookies, as a response set them. */
export function sendBack(cookies: CookieJar, ...names: string[]): Record<string, string> {
  return cookieHeader(Object.fromEntries(names.map((name) => [name, cookies.get(name)?.value ?? ""])));
}

export function cookieHeader(cookies: Record<string, string>): Record<string, string> {
  return {
    cookie: Object.entries(cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join("; "),
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A client that behaves like the web frontend in a browser: it keeps the cookies it is sent (dropping
 * cleared ones), sends them back, and echoes the `csrftoken` cookie as `X-CSRFToken` on unsafe calls.
 */
export function browser(overrides: Partial<Cloudflare.Env> = {}) {
  const jar = new Map<string, string>();
  return {
    cookies: jar,
    /** The deployment's configuration this browser talks to (a test may change it, as an operator would). */
    overrides,
    async fetch(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
      const method = init.method ?? "GET";
      const csrf = jar.get(COOKIES.csrf);
      const headers: Record<string, string> = {
        "content-type": "application/json",
        ...(jar.size > 0 ? cookieHeader(Object.fromEntries(jar)) : {}),
        ...(!SAFE_METHODS.has(method) && csrf ? { "x-csrftoken": csrf } : {}),
        ...init.headers,
      };
      const body = init.body === undefined ? undefined : JSON.stringify(init.body);
      const response = await call(path, { method, headers, body }, this.overrides);
      for (const [name, { value, attributes }] of setCookies(response)) {
        if (value === "" || /max-age=0\b/i.test(attributes)) jar.delete(name);
        else jar.set(name, value);
      }
      return response;
    },
  };
}

/**
 * A browser on the worker's own pages (the console, the account page): keeps cookies, does not follow
 * redirects, and posts forms with the CSRF field from the cookie (fetching `csrfPage` first for one).
 */
export function formBrowser(csrfPage: string) {
  const jar = new Map<string, string>();
  const send = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set("cookie", cookieHeader(Object.fromEntries(jar)).cookie ?? "");
    const response = await call(path, { ...init, headers, redirect: "manual" });
    for (const [name, { value, attributes }] of setCookies(response)) {
      if (value === "" || /max-age=0\b/i.test(attributes)) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };
  return {
    jar,
    get: (path: string) => send(path),
    /** What a page's script sends (a passkey ceremony): JSON, the CSRF cookie echoed as X-CSRFToken. */
    postJson: (path: string, body: unknown) =>
      send(path, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          origin: "http://localhost",
          "x-csrftoken": jar.get(COOKIES.csrf) ?? "",
        },
        body: JSON.stringify(body),
      }),
    /** Posts `fields` as an HTML form would, with the CSRF token unless `csrf` is false. */
    async post(
      path: string,
      fields: Record<string, string>,
      options: { csrf?: boolean; origin?: string; referer?: string } = {},
    ) {
      if (!jar.has(COOKIES.csrf)) await send(csrfPage);
      const form = new URLSearchParams(fields);
      if (options.csrf !== false) form.set("csrfmiddlewaretoken", jar.get(COOKIES.csrf) ?? "");
      return send(path, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          origin: options.origin ?? "http://localhost",
          ...(options.referer ? { referer: options.referer } : {}),
        },
        body: form.toString(),
      });
    },
  };
}

export async function register(user: TestUser = newUser()) {
  const response = await post("/auth/registration/", {
    username: user.username,
    email: user.email,
    password1: user.password,
    password2: user.password,
  });
  expect(response.status).toBe(201);
  const body = await response.json<LoginPayload>();
  const cookies = setCookies(response);
  const refresh = cookies.get(COOKIES.refresh)?.value ?? "";
  return { user, body, cookies, access: body.access, refresh };
}

/**
 * A registered account made staff, as `npm run createsuperuser` promotes one (the API grants staff only
 * to staff), with its id and a Bearer header.
 */
export async function registerStaff(user: TestUser = newUser("staff")) {
  const signedUp = await register(user);
  const id = signedUp.body.user.pk;
  await updateUserRow({ id }, { is_staff: 1 });
  return { ...signedUp, id, headers: bearer(signedUp.access) };
}

/**
 * An account with no usable password (as a Google sign-up makes one), signed in: what only a passkey, a
 * linked identity or a reset link can sign into again.
 */
export async function signedInWithoutPassword(user: TestUser = newUser("nopw")) {
  const deps = testDeps();
  const account = await createAccount(deps, { username: user.username, email: user.email, password: null });
  const { tokens } = await startSession(deps, { account, amr: ["google"], event: null }, { ip: null, userAgent: null });
  return { account, access: tokens.access };
}

export async function login(user: TestUser) {
  const response = await post("/auth/login/", { username: user.username, password: user.password });
  expect(response.status).toBe(200);
  const body = await response.json<LoginPayload>();
  const cookies = setCookies(response);
  return { body, cookies, access: body.access, refresh: cookies.get(COOKIES.refresh)?.value ?? "" };
}

/** Signs arbitrary claims with the test secret, to build expired, edited or mistyped tokens. */
export function signWithTestSecret(claims: Record<string, unknown>, secret = env.JWT_SECRET ?? "") {
  return sign(claims, secret, "HS256");
}

export function decodePayload(token: string): Record<string, unknown> {
  const part = base64UrlToBytes(token.split(".")[1] ?? "");
  return JSON.parse(new TextDecoder().decode(part)) as Record<string, unknown>;
}

/** A header or claims segment of a JWT, for tokens a test signs by hand. */
export function jwtSegment(value: unknown): string {
  return bytesToBase64Url(new TextEncoder().encode(JSON.stringify(value)));
}

/** Creation options for a new passkey of the signed-in user. */
export async function registrationOptions(access: string) {
  const response = await post("/auth/passkeys/register/options/", {}, bearer(access));
  expect(response.status).toBe(200);
  return response.json<CreationOptions & Record<string, unknown>>();
}

/** A user with one passkey registered through the API, and the authenticator holding it. */
export async function withPasskey(authenticator = softwareAuthenticator()) {
  const signedUp = await register(newUser("pk"));
  const credential = await authenticator.create(await registrationOptions(signedUp.access));
  const response = await post("/auth/passkeys/register/", { name: "Laptop", credential }, bearer(signedUp.access));
  expect(response.status).toBe(201);
  return { ...signedUp, authenticator, passkey: await response.json<{ id: string }>() };
}

export async function signInOptions() {
  const response = await post("/auth/passkeys/login/options/", {});
  expect(response.status).toBe(200);
  return response.json<RequestOptions & Record<string, unknown>>();
}
