import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { expect } from "vitest";
import { withoutTrailingSlash } from "../src/app";
import { app } from "../src/index";

export const ORIGIN = "http://localhost:3000";

/** Calls the real worker (its default export) with the real local D1. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`http://localhost${path}`, init));
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

export interface LoginPayload {
  access: string;
  refresh: string;
  user: Record<string, unknown> & { pk: number };
  access_expiration: string;
  refresh_expiration: string;
}

/** Parses Set-Cookie headers into name → { value, attributes }. */
export function setCookies(response: Response): Map<string, { value: string; attributes: string }> {
  const cookies = new Map<string, { value: string; attributes: string }>();
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
export function sendBack(cookies: ReturnType<typeof setCookies>, ...names: string[]): Record<string, string> {
  return cookieHeader(Object.fromEntries(names.map((name) => [name, cookies.get(name)?.value ?? ""])));
}

export function cookieHeader(cookies: Record<string, string>): Record<string, string> {
  return {
    cookie: Object.entries(cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join("; "),
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
  const refresh = cookies.get("refresh-token")?.value ?? "";
  return { user, body, cookies, access: body.access, refresh };
}

export async function login(user: TestUser) {
  const response = await post("/auth/login/", { username: user.username, password: user.password });
  expect(response.status).toBe(200);
  const body = await response.json<LoginPayload>();
  const cookies = setCookies(response);
  return { body, cookies, access: body.access, refresh: cookies.get("refresh-token")?.value ?? "" };
}

/** Signs arbitrary claims with the test secret, to build expired, edited or mistyped tokens. */
export function signWithTestSecret(claims: Record<string, unknown>, secret = env.JWT_SECRET ?? "") {
  return sign(claims, secret, "HS256");
}

export function decodePayload(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
}

/** Calls the worker with some configuration changed, as a deployment with those vars would run. */
export async function callWithEnv(overrides: Partial<Cloudflare.Env>, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const request = withoutTrailingSlash(new Request(`http://localhost${path}`, init));
  const response = await app.fetch(request, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export function jsonInit(body: unknown, headers: Record<string, string> = {}, method = "POST"): RequestInit {
  return { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}
