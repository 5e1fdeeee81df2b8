// A local stand-in for the parts of Google that edge-accounts calls, for tests, `npm run dev` and the
// browser tests. Point the worker at it with GOOGLE_AUTHORIZE_URL / _TOKEN_URL / _JWKS_URL /
// _USERINFO_URL / _TOKENINFO_URL. It answers in Google's own shapes: tokeninfo sends `exp`,
// `expires_in` and `email_verified` as strings, userinfo sends booleans, the key set carries a max-age.
//   node scripts/fake-google.mjs [port]      (default 12112)
// The consent page lists a few test identities. Control endpoints for tests live under /__fake/.
import { createHash, createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

/** Who can sign in at the fake: pick one on its consent page. */
export const FAKE_GOOGLE_IDENTITIES = [
  {
    sub: "100000000000000000001",
    email: "ada.lovelace@gmail.example",
    given_name: "Ada",
    family_name: "Lovelace",
    email_verified: true,
  },
  {
    sub: "100000000000000000002",
    email: "grace.hopper@gmail.example",
    given_name: "Grace",
    family_name: "Hopper",
    email_verified: true,
  },
  {
    sub: "100000000000000000003",
    email: "alan.turing@gmail.example",
    given_name: "Alan",
    family_name: "Turing",
    email_verified: false,
  },
];

const b64url = (buffer) => Buffer.from(buffer).toString("base64url");
const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};

async function readBody(req) {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Starts the fake on `port` (0 = any free port) on loopback; resolves to { port, close }. */
export function startFakeGoogle(port = 12112) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = `fake-${randomBytes(4).toString("hex")}`;
  const state = {
    /** Extra public keys a test made (it signs its own ID tokens), served beside the fake's own. */
    extraKeys: [],
    codes: new Map(),
    accessTokens: new Map(),
    failNext: 0,
    requests: [],
  };
  let base = "";

  const signIdToken = (claims) => {
    const header = b64url(JSON.stringify({ alg: "RS256", kid, typ: "JWT" }));
    const payload = b64url(JSON.stringify(claims));
    const signature = createSign("RSA-SHA256").update(`${header}.${payload}`).sign(privateKey);
    return `${header}.${payload}.${b64url(signature)}`;
  };
  const idTokenFor = (identity, clientId, nonce) => {
    const now = Math.floor(Date.now() / 1000);
    return signIdToken({
      iss: "https://accounts.google.com",
      azp: clientId,
      aud: clientId,
      sub: identity.sub,
      email: identity.email,
      email_verified: identity.email_verified,
      given_name: identity.given_name,
      family_name: identity.family_name,
      iat: now,
      exp: now + 3600,
      ...(nonce ? { nonce } : {}),
    });
  };
  const newAccessToken = (identity, clientId) => {
    const token = `ya29.fake-${randomBytes(16).toString("hex")}`;
    state.accessTokens.set(token, { identity, aud: clientId, expiresAt: Math.floor(Date.now() / 1000) + 3600 });
    return token;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const text = await readBody(req);
    state.requests.push({ method: req.method, path: url.pathname });

    if (url.pathname.startsWith("/__fake/")) {
      const body = text ? JSON.parse(text) : {};
      if (url.pathname === "/__fake/keys") {
        state.extraKeys = body.keys ?? [];
        return json(res, 200, { keys: state.extraKeys.length });
      }
      if (url.pathname === "/__fake/fail") {
        state.failNext = body.count ?? 1;
        return json(res, 200, { failNext: state.failNext });
      }
      if (url.pathname === "/__fake/codes") {
        state.codes.set(body.code, { idToken: body.id_token, codeChallenge: body.code_challenge ?? null });
        return json(res, 200, {});
      }
      if (url.pathname === "/__fake/access-tokens") {
        const expiresAt = Math.floor(Date.now() / 1000) + (body.expires_in ?? 3600);
        state.accessTokens.set(body.token, { identity: body.identity, aud: body.aud, expiresAt });
        return json(res, 200, {});
      }
      if (url.pathname === "/__fake/id-token") {
        const identity = body.identity ?? FAKE_GOOGLE_IDENTITIES[0];
        return json(res, 200, { id_token: idTokenFor(identity, body.client_id, body.nonce) });
      }
      if (url.pathname === "/__fake/requests") return json(res, 200, state.requests);
      return json(res, 404, { error: "no such control route" });
    }
    if (state.failNext > 0) {
      state.failNext -= 1;
      return json(res, 503, { error: "backendError" });
    }

    if (req.method === "GET" && url.pathname === "/oauth2/v3/certs") {
      const own = { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
      return json(res, 200, { keys: [own, ...state.extraKeys] }, { "cache-control": "public, max-age=3600" });
    }
    if (req.method === "GET" && url.pathname === "/o/oauth2/v2/auth") {
      const params = url.searchParams;
      const hidden = [...params]
        .map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`)
        .join("");
      const choices = FAKE_GOOGLE_IDENTITIES.map(
        (identity, i) =>
          `<li><button type="submit" name="identity" value="${i}">${escape(identity.given_name)} ${escape(identity.family_name)} &lt;${escape(identity.email)}&gt;</button></li>`,
      ).join("");
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in with Google (local fake)</title></head>` +
          `<body><h1>Choose an account</h1><p>to continue to ${escape(params.get("client_id") ?? "")}</p>` +
          `<form method="post" action="/o/oauth2/v2/auth/consent">${hidden}<ul>${choices}</ul></form></body></html>`,
      );
    }
    if (req.method === "POST" && url.pathname === "/o/oauth2/v2/auth/consent") {
      const form = new URLSearchParams(text);
      const identity = FAKE_GOOGLE_IDENTITIES[Number(form.get("identity"))] ?? FAKE_GOOGLE_IDENTITIES[0];
      const code = `4/fake-${randomBytes(12).toString("hex")}`;
      state.codes.set(code, {
        idToken: idTokenFor(identity, form.get("client_id"), form.get("nonce")),
        codeChallenge: form.get("code_challenge"),
        accessToken: newAccessToken(identity, form.get("client_id")),
      });
      const back = new URL(form.get("redirect_uri") ?? "");
      back.searchParams.set("code", code);
      if (form.get("state")) back.searchParams.set("state", form.get("state"));
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (req.method === "POST" && url.pathname === "/token") {
      const form = new URLSearchParams(text);
      const grant = state.codes.get(form.get("code") ?? "");
      state.codes.delete(form.get("code") ?? "");
      if (!grant || form.get("grant_type") !== "authorization_code") return json(res, 400, { error: "invalid_grant" });
      if (grant.codeChallenge) {
        const verifier = form.get("code_verifier") ?? "";
        const challenge = createHash("sha256").update(verifier).digest("base64url");
        if (challenge !== grant.codeChallenge)
          return json(res, 400, { error: "invalid_grant", error_description: "PKCE" });
      }
      return json(res, 200, {
        id_token: grant.idToken,
        access_token: grant.accessToken ?? `ya29.fake-${randomBytes(8).toString("hex")}`,
        expires_in: 3599,
        token_type: "Bearer",
        scope: "openid email profile",
      });
    }
    if (req.method === "GET" && url.pathname === "/tokeninfo") {
      const grant = state.accessTokens.get(url.searchParams.get("access_token") ?? "");
      const left = grant ? grant.expiresAt - Math.floor(Date.now() / 1000) : 0;
      if (!grant || left <= 0) return json(res, 400, { error: "invalid_token", error_description: "Invalid Value" });
      return json(res, 200, {
        azp: grant.aud,
        aud: grant.aud,
        sub: grant.identity.sub,
        scope: "openid https://www.googleapis.com/auth/userinfo.email",
        exp: String(grant.expiresAt),
        expires_in: String(left),
        email: grant.identity.email,
        email_verified: String(grant.identity.email_verified),
        access_type: "online",
      });
    }
    if (req.method === "GET" && url.pathname === "/v1/userinfo") {
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      const grant = state.accessTokens.get(token);
      if (!grant) return json(res, 401, { error: "invalid_request" });
      const { sub, email, email_verified, given_name, family_name } = grant.identity;
      return json(res, 200, {
        sub,
        email,
        email_verified,
        given_name,
        family_name,
        name: `${given_name} ${family_name}`,
      });
    }
    return json(res, 404, { error: `Unrecognized request (${req.method} ${url.pathname})` });
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : port;
      base = `http://127.0.0.1:${bound}`;
      resolve({ port: bound, base, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

/** The worker's GOOGLE_* variables that point it at a fake on `base`. */
export function fakeGoogleVars(base) {
  return {
    GOOGLE_AUTHORIZE_URL: `${base}/o/oauth2/v2/auth`,
    GOOGLE_TOKEN_URL: `${base}/token`,
    GOOGLE_JWKS_URL: `${base}/oauth2/v3/certs`,
    GOOGLE_USERINFO_URL: `${base}/v1/userinfo`,
    GOOGLE_TOKENINFO_URL: `${base}/tokeninfo`,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { base } = await startFakeGoogle(Number(process.argv[2] ?? 12112));
  console.log(`fake Google on ${base}`);
}
