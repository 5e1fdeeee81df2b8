import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { bearer, call, decodePayload, register, registerStaff, signWithTestSecret } from "./kit";
import { deleteUserRow, updateUserRow } from "./db";
import { mailTo, resetLink } from "./mail";
import { PLAN_FIELDS } from "../src/schemas/admin";

/** Every table a request could change, except the audit trail and the mail log. */
const STATE_TABLES = [
  "users",
  "plans",
  "sessions",
  "one_time_tokens",
  "stripe_events",
  "mfa_totp",
  "mfa_recovery_codes",
  "pending_sign_ins",
  "passkeys",
  "webauthn_challenges",
  "linked_identities",
];

/** zod's own English ("Invalid input: expected object, received undefined"): a refusal speaks DRF instead. */
const ZOD_WORDING =
  /Invalid input|Invalid option|Too (big|small)|Invalid (string|key|element)|Unrecognized key|received /;

async function stateDigest(): Promise<string> {
  const dumps = await env.DB.batch(STATE_TABLES.map((table) => env.DB.prepare(`select * from ${table} order by 1`)));
  return JSON.stringify(dumps.map((d) => d.results));
}

/** Any JSON value, and the strings that break naive code: huge, unicode, control and null bytes. */
const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 64 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\uD800",
    "💥".repeat(2_000),
    "x".repeat(20_000),
    "1e309",
    "-0",
    "null",
  ),
  fc.array(fc.string(), { maxLength: 5 }),
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
);

interface Endpoint {
  method: string;
  path: string;
  fields: string[];
  signedIn?: boolean;
  /** Called by staff (the admin API); `{target}` is another user's id. */
  staff?: boolean;
}

const ENDPOINTS: Endpoint[] = [
  { method: "POST", path: "/auth/registration/", fields: ["username", "email", "password1", "password2"] },
  { method: "POST", path: "/auth/login/", fields: ["username", "email", "password"] },
  { method: "POST", path: "/auth/logout/", fields: ["refresh"] },
  { method: "POST", path: "/auth/token/refresh/", fields: ["refresh"] },
  { method: "POST", path: "/auth/token/verify/", fields: ["token"] },
  {
    method: "PATCH",
    path: "/auth/user/",
    fields: ["username", "email", "first_name", "last_name", "date_of_birth"],
    signedIn: true,
  },
  {
    method: "PUT",
    path: "/auth/user/",
    fields: ["username", "email", "first_name", "last_name", "date_of_birth"],
    signedIn: true,
  },
  {
    method: "POST",
    path: "/auth/password/change/",
    fields: ["old_password", "new_password1", "new_password2"],
    signedIn: true,
  },
  { method: "POST", path: "/auth/password/reset/", fields: ["email"] },
  { method: "POST", path: "/auth/password/reset/confirm/", fields: ["uid", "token", "new_password1", "new_password2"] },
  { method: "POST", path: "/auth/registration/verify-email/", fields: ["key"] },
  { method: "POST", path: "/auth/registration/resend-email/", fields: ["email"] },
  { method: "POST", path: "/core/payments/create-checkout-session/", fields: ["plan_id", "billing"], signedIn: true },
  { method: "POST", path: "/core/usage/consume/", fields: ["scope", "amount"], signedIn: true },
  { method: "POST", path: "/core/usage/refund/", fields: ["scope", "amount", "idempotency_key"], signedIn: true },
  { method: "POST", path: "/auth/login/mfa/", fields: ["mfa_token", "code", "credential"] },
  { method: "POST", path: "/auth/login/mfa/passkey/options/", fields: ["mfa_token"] },
  { method: "POST", path: "/auth/passkeys/register/", fields: ["name", "credential"], signedIn: true },
  { method: "POST", path: "/auth/passkeys/login/", fields: ["credential"] },
  { method: "POST", path: "/auth/social/login/google/", fields: ["id_token", "access_token", "code"] },
  {
    method: "POST",
    path: "/auth/social/connect/google/",
    fields: ["id_token", "access_token", "code"],
    signedIn: true,
  },
  { method: "POST", path: "/auth/mfa/totp/setup/", fields: ["password"], signedIn: true },
  { method: "POST", path: "/auth/mfa/totp/confirm/", fields: ["code"], signedIn: true },
  { method: "POST", path: "/auth/mfa/totp/disable/", fields: ["code"], signedIn: true },
  { method: "POST", path: "/auth/mfa/recovery-codes/", fields: ["code"], signedIn: true },
  { method: "POST", path: "/auth/user/delete/", fields: ["password", "confirm", "code"], signedIn: true },
  {
    method: "PATCH",
    path: "/admin/api/users/{target}/",
    fields: ["email", "first_name", "last_name", "date_of_birth", "plan", "is_active", "is_staff"],
    staff: true,
  },
  { method: "POST", path: "/admin/api/plans/", fields: PLAN_FIELDS, staff: true },
  { method: "PATCH", path: "/admin/api/plans/1/", fields: PLAN_FIELDS, staff: true },
];

let access = "";
let staffAccess = "";
let target = 0;
beforeAll(async () => {
  access = (await register()).access;
  staffAccess = (await registerStaff()).access;
  target = (await register()).body.user.pk;
});

function credentials(endpoint: Endpoint) {
  if (endpoint.staff) return bearer(staffAccess);
  return endpoint.signedIn ? bearer(access) : {};
}

describe("hostile input", () => {
  for (const endpoint of ENDPOINTS) {
    it(`${endpoint.method} ${endpoint.path}: any values in any field never give a 5xx nor change state on a 4xx, and refusals speak DRF`, async () => {
      const field = fc.constantFrom(...endpoint.fields);
      const body = fc.oneof(
        fc.dictionary(field, hostileValue, { maxKeys: endpoint.fields.length }),
        fc.record(Object.fromEntries(endpoint.fields.map((f) => [f, hostileValue]))),
        hostileValue,
      );
      await fc.assert(
        fc.asyncProperty(body, async (payload) => {
          const before = await stateDigest();
          const response = await call(endpoint.path.replace("{target}", String(target)), {
            method: endpoint.method,
            headers: { "content-type": "application/json", ...credentials(endpoint) },
            body: JSON.stringify(payload),
          });
          const text = await response.text();
          expect(response.status, text).toBeLessThan(500);
          if (response.status >= 400) {
            expect(text).not.toMatch(ZOD_WORDING);
            expect(await stateDigest()).toBe(before);
          }
        }),
        { numRuns: 40 },
      );
    });
  }

  it("raw bodies that are not JSON at all never give a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "binary", maxLength: 300 }),
        fc.constantFrom(...ENDPOINTS),
        async (raw, endpoint) => {
          const response = await call(endpoint.path.replace("{target}", String(target)), {
            method: endpoint.method,
            headers: { "content-type": "application/json", ...credentials(endpoint) },
            body: raw,
          });
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("any query to the admin user search never gives a 5xx", async () => {
    const parameter = fc.constantFrom(
      "search",
      "plan",
      "is_active",
      "is_staff",
      "subscription_status",
      "ordering",
      "page",
      "page_size",
    );
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 100 }),
      fc.constantFrom("%", "_", "\\", "\u{10FFFF}", "-1", "1e9"),
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(parameter, text, { maxKeys: 4 }), async (query) => {
        const response = await call(`/admin/api/users/?${new URLSearchParams(query).toString()}`, {
          headers: bearer(staffAccess),
        });
        expect(response.status, await response.text()).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });
});

describe("token attacks", () => {
  const refusedEverywhere = async (token: string) => {
    for (const path of ["/auth/user/", "/auth/sessions/", "/auth/security-events/"]) {
      const response = await call(path, { headers: bearer(token) });
      expect(response.status, `${path}`).toBe(401);
      expect(await response.json()).toEqual({
        detail: "Given token not valid for any token type",
        code: "token_not_valid",
      });
    }
  };

  it("refuses alg:none, the wrong key, edited, expired and not-yet-valid tokens", async () => {
    const { access: token } = await register();
    const claims = decodePayload(token);
    const now = Math.floor(Date.now() / 1000);
    const encode = (value: unknown) =>
      btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    const [header, , signature] = token.split(".");
    await refusedEverywhere(`${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`);
    await refusedEverywhere(await signWithTestSecret(claims, "an-attacker-secret-of-32-characters!"));
    await refusedEverywhere(`${header}.${encode({ ...claims, user_id: 1 })}.${signature}`);
    await refusedEverywhere(await signWithTestSecret({ ...claims, exp: now - 1 }));
    await refusedEverywhere(await signWithTestSecret({ ...claims, nbf: now + 600 }));
    await refusedEverywhere(await signWithTestSecret({ ...claims, iat: now + 600 }));
    await refusedEverywhere(`${encode({ alg: "HS512", typ: "JWT" })}.${encode(claims)}.${signature}`);
  });

  it("refuses a refresh token or a password-reset token used as an access token", async () => {
    const { refresh, user } = await register();
    await refusedEverywhere(refresh);
    await call("/auth/password/reset/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: user.email }),
    });
    const { token } = resetLink(await mailTo(user.email));
    await refusedEverywhere(token);
  });

  it("refuses the token of a deactivated or deleted user", async () => {
    const deactivated = await register();
    await updateUserRow({ id: deactivated.body.user.pk }, { is_active: 0 });
    await refusedEverywhere(deactivated.access);
    const deleted = await register();
    await deleteUserRow(deleted.body.user.pk);
    await refusedEverywhere(deleted.access);
  });
});
