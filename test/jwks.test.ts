import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify } from "jose";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { readConfig } from "../src/env";
import { JWKS_MAX_AGE_SECONDS } from "../src/routes/well-known";
import {
  bearer,
  browser,
  call,
  clock,
  COOKIES,
  decodePayload,
  jsonInit,
  jwtSegment,
  newUser,
  register,
  type LoginPayload,
} from "./kit";
import { bytesToBase64Url } from "../src/encoding";
import { updateUserRow } from "./db";

type Jwk = Record<string, string>;

afterEach(() => {
  vi.restoreAllMocks();
});

/** A fresh private JWK made by Web Crypto (as a deployment might), with its kid and alg. */
async function newKey(alg: "ES256" | "EdDSA", kid = `${alg}-${crypto.randomUUID().slice(0, 8)}`): Promise<Jwk> {
  const algorithm = alg === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
  const pair = (await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as unknown as Jwk;
  const { key_ops: _ops, ext: _ext, ...members } = jwk;
  return { ...members, kid, alg };
}

const configured = (keys: Jwk[], extra: Record<string, string> = {}) => ({
  JWT_SIGNING_KEYS: JSON.stringify(keys),
  ...extra,
});

/** The worker of that deployment: requests through `call` with its configuration. */
function deployment(overrides: Partial<Cloudflare.Env>) {
  return {
    fetch: (path: string, init: RequestInit = {}) => call(path, init, overrides),
    async login(user: { username: string; password: string }) {
      const response = await call(
        "/auth/login/",
        jsonInit({ username: user.username, password: user.password }),
        overrides,
      );
      expect(response.status).toBe(200);
      return response.json<LoginPayload>();
    },
    /** jose's remote key set, fetching this worker's own /.well-known/jwks.json. */
    jwks: createRemoteJWKSet(new URL("http://localhost/.well-known/jwks.json"), {
      [customFetch]: (url: string, init: RequestInit) => call(new URL(url).pathname, init, overrides),
    }),
  };
}

/** A token signed by `jwk` under whatever header a test wants. */
async function signedBy(jwk: Jwk, header: Record<string, unknown>, claims: Record<string, unknown>) {
  const algorithm = jwk.alg === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
  const { kid: _kid, alg: _alg, ...members } = jwk;
  const key = await crypto.subtle.importKey("jwk", members as unknown as JsonWebKey, algorithm, false, ["sign"]);
  const input = `${jwtSegment(header)}.${jwtSegment(claims)}`;
  const params = jwk.alg === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : { name: "Ed25519" };
  const signature = new Uint8Array(await crypto.subtle.sign(params, key, new TextEncoder().encode(input)));
  return `${input}.${bytesToBase64Url(signature)}`;
}

async function expectRefused(worker: ReturnType<typeof deployment>, token: string) {
  const response = await worker.fetch("/auth/user/", { headers: bearer(token) });
  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({
    detail: "Given token not valid for any token type",
    code: "token_not_valid",
  });
}

async function signedUpUnder(overrides: Partial<Cloudflare.Env>) {
  const user = newUser("keys");
  const response = await call(
    "/auth/registration/",
    jsonInit({ username: user.username, email: user.email, password1: user.password, password2: user.password }),
    overrides,
  );
  expect(response.status).toBe(201);
  return { user, body: await response.json<LoginPayload>() };
}

describe("GET /.well-known/jwks.json", () => {
  it("publishes the public half of every configured key, never d, cacheable, to any origin", async () => {
    const es = await newKey("ES256");
    const ed = await newKey("EdDSA");
    const response = await call(
      "/.well-known/jwks.json",
      { headers: { origin: "https://cv.example.net" } },
      configured([es, ed]),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe(`public, max-age=${JWKS_MAX_AGE_SECONDS}`);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    const body = await response.json<{ keys: Jwk[] }>();
    expect(body).toEqual({
      keys: [
        { kty: "EC", crv: "P-256", x: es.x, y: es.y, kid: es.kid, alg: "ES256", use: "sig" },
        { kty: "OKP", crv: "Ed25519", x: ed.x, kid: ed.kid, alg: "EdDSA", use: "sig" },
      ],
    });
    expect(JSON.stringify(body)).not.toContain(es.d);
    expect(JSON.stringify(body)).not.toContain(ed.d);
  });

  it("is an empty key set while access tokens are HS256 (no JWT_SIGNING_KEYS)", async () => {
    const response = await call("/.well-known/jwks.json");
    expect(await response.json()).toEqual({ keys: [] });
  });

  it("is in the OpenAPI document", async () => {
    const document = await (await call("/schema/")).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(document.paths)).toContain("/.well-known/jwks.json");
  });
});

describe("access tokens signed with JWT_SIGNING_KEYS", () => {
  for (const alg of ["ES256", "EdDSA"] as const) {
    it(`verify with jose's createRemoteJWKSet + jwtVerify (${alg}), carrying kid, sub, iss, plan and is_staff`, async () => {
      const key = await newKey(alg);
      const worker = deployment(configured([key]));
      const { user, body } = await signedUpUnder(configured([key]));
      await updateUserRow({ username: user.username }, { is_staff: 1 });
      const { access } = await worker.login(user);
      expect(decodeProtectedHeader(access)).toEqual({ alg, typ: "JWT", kid: key.kid });
      const { payload } = await jwtVerify(access, worker.jwks, { issuer: "edge-accounts", algorithms: [alg] });
      expect(payload).toMatchObject({
        token_type: "access",
        user_id: body.user.pk,
        sub: String(body.user.pk),
        iss: "edge-accounts",
        plan: "Free",
        is_staff: true,
        amr: ["pwd"],
      });
      expect(payload.aud).toBeUndefined();
      expect((await worker.fetch("/auth/user/", { headers: bearer(access) })).status).toBe(200);
    });
  }

  it("carry aud when JWT_AUDIENCE is set, and the issuer JWT_ISSUER names", async () => {
    const key = await newKey("ES256");
    const overrides = configured([key], { JWT_ISSUER: "https://accounts.example.com", JWT_AUDIENCE: "cv-service" });
    const worker = deployment(overrides);
    const { body } = await signedUpUnder(overrides);
    const { payload } = await jwtVerify(body.access, worker.jwks, {
      issuer: "https://accounts.example.com",
      audience: "cv-service",
      algorithms: ["ES256"],
    });
    expect(payload.aud).toBe("cv-service");
  });

  it("accept the key npm run keys:generate prints: one line of JSON, and nothing else", async () => {
    const { es256, eddsa } = inject("generatedKeys");
    for (const printed of [es256, eddsa]) {
      expect(printed.split("\n")).toHaveLength(2);
      expect(printed.endsWith("\n")).toBe(true);
      const key = JSON.parse(printed) as Jwk;
      const worker = deployment(configured([key]));
      const { body } = await signedUpUnder(configured([key]));
      const { payload } = await jwtVerify(body.access, worker.jwks, {
        issuer: "edge-accounts",
        algorithms: [key.alg ?? ""],
      });
      expect(payload.sub).toBe(String(body.user.pk));
    }
  });

  it("keep refresh tokens HS256 under JWT_SECRET", async () => {
    const key = await newKey("ES256");
    const { body } = await signedUpUnder(configured([key], { JWT_AUTH_HTTPONLY: "false" }));
    expect(decodeProtectedHeader(body.refresh)).toEqual({ alg: "HS256", typ: "JWT" });
  });
});

describe("the API verifies access tokens by kid", () => {
  async function setup() {
    const key = await newKey("ES256");
    const overrides = configured([key]);
    const { body } = await signedUpUnder(overrides);
    return { key, worker: deployment(overrides), claims: decodePayload(body.access), access: body.access };
  }

  it("refuses a token whose kid no configured key has", async () => {
    const { worker, claims } = await setup();
    await expectRefused(
      worker,
      await signedBy(await newKey("ES256", "stranger"), { alg: "ES256", typ: "JWT", kid: "stranger" }, claims),
    );
  });

  it("refuses a token whose header alg is not its key's", async () => {
    const { key, worker, claims } = await setup();
    const ed = await newKey("EdDSA", key.kid);
    await expectRefused(worker, await signedBy(ed, { alg: "EdDSA", typ: "JWT", kid: key.kid }, claims));
  });

  it("refuses HS256 keyed with the public key's JWK text or its bytes (algorithm confusion)", async () => {
    const { key, worker, claims } = await setup();
    const { d: _d, ...publicMembers } = key;
    const point = Uint8Array.from(atob(`${key.x}${key.y}`.replace(/-/g, "+").replace(/_/g, "/")), (c) =>
      c.charCodeAt(0),
    );
    for (const secret of [
      JSON.stringify(publicMembers),
      JSON.stringify({ keys: [publicMembers] }),
      String.fromCharCode(4, ...point),
    ]) {
      const forged = await sign({ ...claims }, secret, "HS256");
      const withKid = await signedHs256WithKid(secret, key.kid ?? "", claims);
      await expectRefused(worker, forged);
      await expectRefused(worker, withKid);
    }
  });

  it("refuses alg none, and a token without kid", async () => {
    const { key, worker, claims } = await setup();
    await expectRefused(worker, `${jwtSegment({ alg: "none", typ: "JWT", kid: key.kid })}.${jwtSegment(claims)}.`);
    await expectRefused(worker, await signedBy(key, { alg: "ES256", typ: "JWT" }, claims));
  });

  it("refuses a token signed with JWT_SECRET once keys are configured", async () => {
    const { worker } = await setup();
    const { access } = await register(newUser("hs"));
    expect(decodeProtectedHeader(access)).toEqual({ alg: "HS256", typ: "JWT" });
    await expectRefused(worker, access);
  });

  it("accepts a well-formed token of its own (the control for the refusals above)", async () => {
    const { worker, access } = await setup();
    expect((await worker.fetch("/auth/user/", { headers: bearer(access) })).status).toBe(200);
  });
});

/** An HS256 token whose header names `kid`, keyed with `secret`. */
async function signedHs256WithKid(secret: string, kid: string, claims: Record<string, unknown>) {
  const input = `${jwtSegment({ alg: "HS256", typ: "JWT", kid })}.${jwtSegment(claims)}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return `${input}.${bytesToBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(input))))}`;
}

describe("key rotation: publish, switch, retire", () => {
  it("keeps a signed-in browser signed in through both steps, and serves old tokens until they expire", async () => {
    const old = await newKey("ES256", "old");
    const fresh = await newKey("ES256", "new");
    const lifetime = readConfig(env).accessTokenLifetime;
    const site = browser(configured([old]));
    const user = newUser("rotate");
    const signedUp = await site.fetch("/auth/registration/", {
      method: "POST",
      body: { username: user.username, email: user.email, password1: user.password, password2: user.password },
    });
    expect(signedUp.status).toBe(201);
    const oldAccess = (await signedUp.json<LoginPayload>()).access;
    expect(decodeProtectedHeader(oldAccess).kid).toBe("old");

    // Step 1: prepend the new key. New tokens are signed by it; the old key's tokens still verify; both are published.
    site.overrides = configured([fresh, old]);
    const step1 = deployment(site.overrides);
    expect((await step1.fetch("/auth/user/", { headers: bearer(oldAccess) })).status).toBe(200);
    expect(decodeProtectedHeader((await step1.login(user)).access).kid).toBe("new");
    const published = await (await step1.fetch("/.well-known/jwks.json")).json<{ keys: Jwk[] }>();
    expect(published.keys.map((k) => k.kid)).toEqual(["new", "old"]);
    expect((await site.fetch("/auth/user/")).status).toBe(200);

    // Step 2, after the access-token lifetime and the JWKS cache age: drop the old key.
    clock.advance(lifetime + JWKS_MAX_AGE_SECONDS + 1);
    site.overrides = configured([fresh]);
    const step2 = deployment(site.overrides);
    await expectRefused(step2, oldAccess);
    const stillOld = await signedBy(
      old,
      { alg: "ES256", typ: "JWT", kid: "old" },
      {
        ...decodePayload(oldAccess),
        iat: Math.floor(clock.now().getTime() / 1000),
        exp: Math.floor(clock.now().getTime() / 1000) + 60,
      },
    );
    await expectRefused(step2, stillOld);
    const published2 = await (await step2.fetch("/.well-known/jwks.json")).json<{ keys: Jwk[] }>();
    expect(published2.keys.map((k) => k.kid)).toEqual(["new"]);
    // The browser's access cookie has expired; its refresh cookie (HS256) is not tied to any signing key.
    const page = await site.fetch("/auth/user/");
    expect(page.status).toBe(200);
    expect(decodeProtectedHeader(site.cookies.get(COOKIES.access) ?? "").kid).toBe("new");
  });
});

describe("turning asymmetric keys on", () => {
  it("keeps a browser signed in with an HS256 cookie session: its next request is refreshed under the key", async () => {
    const site = browser();
    const user = newUser("switch");
    const body = { username: user.username, email: user.email, password1: user.password, password2: user.password };
    expect((await site.fetch("/auth/registration/", { method: "POST", body })).status).toBe(201);
    expect(decodeProtectedHeader(site.cookies.get(COOKIES.access) ?? "").alg).toBe("HS256");
    const key = await newKey("EdDSA", "first");
    site.overrides = configured([key]);
    expect((await site.fetch("/auth/user/")).status).toBe(200);
    expect(decodeProtectedHeader(site.cookies.get(COOKIES.access) ?? "")).toEqual({
      alg: "EdDSA",
      typ: "JWT",
      kid: "first",
    });
  });

  it("still refuses that HS256 token as a Bearer token (Bearer clients refresh themselves)", async () => {
    const { access } = await register(newUser("switch"));
    await expectRefused(deployment(configured([await newKey("ES256")])), access);
  });
});

describe("a malformed JWT_SIGNING_KEYS", () => {
  it("fails every request with one clear configuration error in the log and a 500, and never logs a key", async () => {
    const key = await newKey("ES256");
    const { d: _d, ...publicOnly } = key;
    const cases: Array<[string, string, RegExp]> = [
      ["not JSON", "[{kid:", /Invalid configuration: JWT_SIGNING_KEYS: is not JSON/],
      ["a public key only", JSON.stringify([publicOnly]), /key 1 \(kid .+?\) is a public key/],
      [
        "an unknown alg",
        JSON.stringify([{ ...key, alg: "RS256" }]),
        /key 1 \(kid .+?\) needs an alg of ES256 or EdDSA/,
      ],
      ["a duplicate kid", JSON.stringify([key, { ...key }]), /has the kid .+? twice/],
      ["no kid", JSON.stringify([{ ...key, kid: undefined }]), /key 1 has no kid/],
      ["a key that is not on its curve", JSON.stringify([{ ...key, x: key.y }]), /the key .+? could not be imported/],
    ];
    for (const [name, value, logged] of cases) {
      const errors: string[] = [];
      vi.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
      const overrides = { JWT_SIGNING_KEYS: value };
      const login = await call(
        "/auth/login/",
        jsonInit({ username: "nobody-here", password: "whatever-it-is" }),
        overrides,
      );
      const user = await call("/auth/user/", { headers: bearer("a.b.c") }, overrides);
      const registered = await call(
        "/auth/registration/",
        jsonInit({
          username: `k${crypto.randomUUID().slice(0, 8)}`,
          email: `k${crypto.randomUUID().slice(0, 8)}@example.com`,
          password1: "correct-horse-battery",
          password2: "correct-horse-battery",
        }),
        overrides,
      );
      const failed = name.includes("curve") ? [registered] : [login, user, registered];
      for (const response of failed) {
        expect(response.status, name).toBe(500);
        expect(await response.json()).toEqual({ detail: "A server error occurred." });
      }
      expect(errors.join("\n"), name).toMatch(logged);
      expect(errors.join("\n"), name).not.toContain(key.d);
      vi.restoreAllMocks();
    }
  });
});
