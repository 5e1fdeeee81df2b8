import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  bearer,
  call,
  clock,
  COOKIES,
  decodePayload,
  newUser,
  post,
  register,
  registerStaff,
  registrationOptions,
  setCookies,
  signedInWithoutPassword,
  signInOptions,
  withPasskey,
  type LoginPayload,
} from "./kit";
import { mailTo } from "./mail";
import { softwareAuthenticator, type Authenticator, type RequestOptions } from "./webauthn";

const signIn = (credential: unknown) => post("/auth/passkeys/login/", { credential });

async function expectSignInFailed(response: Response) {
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({ non_field_errors: ["Passkey sign-in failed."] });
}

describe("POST /auth/passkeys/register/options/", () => {
  it("answers creation options: our RP, an opaque user handle, a fresh challenge, ES256/EdDSA/RS256, discoverable", async () => {
    const { access, body, user } = await register(newUser("opts"));
    const options = await registrationOptions(access);
    expect(options).toMatchObject({
      rp: { id: "localhost", name: "edge-accounts" },
      user: { name: user.username },
      attestation: "none",
      authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
      excludeCredentials: [],
    });
    expect(options.pubKeyCredParams).toEqual([
      { alg: -7, type: "public-key" },
      { alg: -8, type: "public-key" },
      { alg: -257, type: "public-key" },
    ]);
    // 32 random bytes: not the numeric id, not the address.
    expect(options.user.id).toMatch(/^[\w-]{43}$/);
    expect(atob(options.user.id.replace(/-/g, "+").replace(/_/g, "/"))).not.toBe(String(body.user.pk));
    expect((await registrationOptions(access)).challenge).not.toBe(options.challenge);
    expect((await registrationOptions(access)).user.id).toBe(options.user.id);
  });

  it("answers 401 signed out", async () => {
    expect((await post("/auth/passkeys/register/options/", {})).status).toBe(401);
  });
});

describe("POST /auth/passkeys/register/", () => {
  it("registers a passkey, lists it, excludes it from new options, records and mails it", async () => {
    const { access, user, passkey } = await withPasskey();
    expect(passkey).toEqual({
      id: expect.any(String),
      name: "Laptop",
      created: expect.any(String),
      last_used: null,
      backed_up: false,
    });
    expect(await (await call("/auth/passkeys/", { headers: bearer(access) })).json()).toEqual([passkey]);
    const again = await registrationOptions(access);
    expect(again.excludeCredentials).toHaveLength(1);
    expect((await mailTo(user.email, "A passkey was added to your account")).status).toBe("sent");
    expect(await (await call("/auth/mfa/", { headers: bearer(access) })).json()).toMatchObject({ passkeys: 1 });
  });

  it("names it Passkey N when no name is given", async () => {
    const authenticator = softwareAuthenticator();
    const { access } = await register(newUser("noname"));
    const credential = await authenticator.create(await registrationOptions(access));
    const response = await post("/auth/passkeys/register/", { credential }, bearer(access));
    expect(await response.json()).toMatchObject({ name: "Passkey 1" });
  });

  it("refuses, registering nothing: a challenge not issued, reused or expired; wrong type, origin or RP ID; no user presence; a registered credential", async () => {
    const { access } = await register(newUser("refuse"));
    const refusals: Array<[string, (a: Authenticator) => Promise<unknown>]> = [
      [
        "a challenge not issued",
        async (a) => a.create({ ...(await registrationOptions(access)), challenge: "bm90LWlzc3VlZA" }),
      ],
      [
        "another user's challenge",
        async (a) => a.create(await registrationOptions((await register(newUser("other"))).access)),
      ],
      [
        "an expired challenge",
        async (a) => {
          const options = await registrationOptions(access);
          clock.advance(301);
          return a.create(options);
        },
      ],
      [
        "the wrong type",
        async (a) => {
          a.tamper.type = "webauthn.get";
          return a.create(await registrationOptions(access));
        },
      ],
      [
        "another origin",
        async (a) => {
          a.tamper.origin = "https://evil.example";
          return a.create(await registrationOptions(access));
        },
      ],
      [
        "another RP ID",
        async (a) => {
          a.tamper.rpId = "evil.example";
          return a.create(await registrationOptions(access));
        },
      ],
      [
        "no user presence",
        async (a) => {
          a.tamper.userPresent = false;
          return a.create(await registrationOptions(access));
        },
      ],
    ];
    for (const [name, make] of refusals) {
      const response = await post(
        "/auth/passkeys/register/",
        { credential: await make(softwareAuthenticator()) },
        bearer(access),
      );
      expect(response.status, name).toBe(400);
      expect(Object.keys(await response.json<object>()), name).toEqual(["credential"]);
    }
    const authenticator = softwareAuthenticator();
    const options = await registrationOptions(access);
    const credential = await authenticator.create(options);
    expect((await post("/auth/passkeys/register/", { credential }, bearer(access))).status).toBe(201);
    expect(
      (await post("/auth/passkeys/register/", { credential }, bearer(access))).status,
      "its challenge is used",
    ).toBe(400);
    // The same authenticator credential, registered again under a fresh challenge.
    const duplicate = await authenticator.create(await registrationOptions(access), authenticator.credentials[0]);
    const refused = await post("/auth/passkeys/register/", { credential: duplicate }, bearer(access));
    expect(await refused.json()).toEqual({ credential: ["This passkey is already registered."] });
    expect(await (await call("/auth/passkeys/", { headers: bearer(access) })).json()).toHaveLength(1);
  });
});

describe("PATCH and DELETE /auth/passkeys/{id}/", () => {
  it("renames and removes the caller's passkey; another user's is a 404", async () => {
    const { access, user, passkey } = await withPasskey();
    const renamed = await post(`/auth/passkeys/${passkey.id}/`, { name: "Phone" }, bearer(access), "PATCH");
    expect(await renamed.json()).toMatchObject({ id: passkey.id, name: "Phone" });
    const stranger = await register(newUser("stranger"));
    expect(
      (await post(`/auth/passkeys/${passkey.id}/`, { name: "Mine" }, bearer(stranger.access), "PATCH")).status,
    ).toBe(404);
    expect(
      (await call(`/auth/passkeys/${passkey.id}/`, { method: "DELETE", headers: bearer(stranger.access) })).status,
    ).toBe(404);
    const removed = await call(`/auth/passkeys/${passkey.id}/`, { method: "DELETE", headers: bearer(access) });
    expect(await removed.json()).toEqual({ detail: "Passkey removed." });
    expect(await (await call("/auth/passkeys/", { headers: bearer(access) })).json()).toEqual([]);
    expect((await mailTo(user.email, "A passkey was removed from your account")).status).toBe("sent");
  });

  it("refuses to remove the last way to sign in of an account without a password", async () => {
    const user = newUser("passwordless");
    const { access } = await signedInWithoutPassword(user);
    const authenticator = softwareAuthenticator();
    const credential = await authenticator.create(await registrationOptions(access));
    const { id } = await (
      await post("/auth/passkeys/register/", { credential }, bearer(access))
    ).json<{ id: string }>();
    const refused = await call(`/auth/passkeys/${id}/`, { method: "DELETE", headers: bearer(access) });
    expect(refused.status).toBe(400);
    expect((await refused.json<{ non_field_errors: string[] }>()).non_field_errors[0]).toMatch(/last way to sign in/);
  });
});

describe("POST /auth/passkeys/login/options/ and /auth/passkeys/login/", () => {
  it("signs in without a password: amr webauthn, no second step, the passkey's last use recorded", async () => {
    const { authenticator, body, access } = await withPasskey();
    const options = await signInOptions();
    expect(options).toMatchObject({ rpId: "localhost", userVerification: "preferred", allowCredentials: [] });
    const response = await signIn(await authenticator.get(options));
    expect(response.status).toBe(200);
    const payload = await response.json<LoginPayload>();
    expect(payload.user.pk).toBe(body.user.pk);
    expect(decodePayload(payload.access).amr).toEqual(["webauthn"]);
    expect(setCookies(response).get(COOKIES.access)?.value).toBe(payload.access);
    const [listed] = await (
      await call("/auth/passkeys/", { headers: bearer(access) })
    ).json<Array<{ last_used: string | null }>>();
    expect(listed?.last_used).not.toBeNull();
  });

  it("refuses every failure with the same answer", async () => {
    const { authenticator } = await withPasskey();
    const stranger = softwareAuthenticator();
    await stranger.create({ challenge: "eA", rp: { id: "localhost", name: "x" }, user: { id: "dXNlcg", name: "u" } });
    const cases: Array<[string, () => Promise<unknown>]> = [
      ["an unknown credential", async () => stranger.get(await signInOptions())],
      ["a challenge not issued", async () => authenticator.get({ challenge: "bm90LWlzc3VlZA", rpId: "localhost" })],
      [
        "a used challenge",
        async () => {
          const options = await signInOptions();
          expect((await signIn(await authenticator.get(options))).status).toBe(200);
          return authenticator.get(options);
        },
      ],
      [
        "an expired challenge",
        async () => {
          const options = await signInOptions();
          clock.advance(301);
          return authenticator.get(options);
        },
      ],
      [
        "a registration challenge",
        async () => authenticator.get(await registrationOptions((await register(newUser("x"))).access)),
      ],
      [
        "a wrong signature",
        async () => {
          const answer = (await authenticator.get(await signInOptions())) as { response: { signature: string } };
          answer.response.signature = answer.response.signature.replace(/^../, "MA");
          return answer;
        },
      ],
      [
        "another origin",
        async () => {
          authenticator.tamper.origin = "https://evil.example";
          return authenticator.get(await signInOptions());
        },
      ],
      [
        "another RP ID",
        async () => {
          authenticator.tamper.origin = "http://localhost:3000";
          authenticator.tamper.rpId = "evil.example";
          return authenticator.get(await signInOptions());
        },
      ],
      [
        "the wrong type",
        async () => {
          authenticator.tamper.rpId = undefined;
          authenticator.tamper.type = "webauthn.create";
          return authenticator.get(await signInOptions());
        },
      ],
      [
        "no user presence",
        async () => {
          authenticator.tamper.type = undefined;
          authenticator.tamper.userPresent = false;
          return authenticator.get(await signInOptions());
        },
      ],
    ];
    for (const [name, make] of cases) {
      const response = await signIn(await make());
      expect(response.status, name).toBe(400);
      expect(await response.json(), name).toEqual({ non_field_errors: ["Passkey sign-in failed."] });
    }
  });

  it("says in DRF's words which part of a malformed credential is wrong", async () => {
    const missing = await post("/auth/passkeys/login/", {});
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ credential: ["This field is required."] });

    const credential = await (await withPasskey()).authenticator.get(await signInOptions());
    const unsigned = { ...credential, response: { ...credential.response, signature: undefined } };
    const partial = await signIn({ ...unsigned, authenticatorAttachment: "usb" });
    expect(partial.status).toBe(400);
    expect(await partial.json()).toEqual({
      credential: [
        'authenticatorAttachment: "usb" is not a valid choice.',
        "response.signature: This field is required.",
      ],
    });
  });

  it("refuses a deactivated user", async () => {
    const { authenticator, user } = await withPasskey();
    await env.DB.prepare("update users set is_active = 0 where username = ?").bind(user.username).run();
    await expectSignInFailed(await signIn(await authenticator.get(await signInOptions())));
  });

  it("refuses a non-zero counter that does not increase, recording passkey_counter_regressed; a counter that stays 0 is fine", async () => {
    const { authenticator, access } = await withPasskey();
    const [credential] = authenticator.credentials;
    expect((await signIn(await authenticator.get(await signInOptions(), credential, 5))).status).toBe(200);
    await expectSignInFailed(await signIn(await authenticator.get(await signInOptions(), credential, -1)));
    const events = await (
      await call("/auth/security-events/", { headers: bearer(access) })
    ).json<{ results: Array<{ type: string }> }>();
    expect(events.results.map((e) => e.type)).toContain("passkey_counter_regressed");

    const synced = await withPasskey();
    const [syncedCredential] = synced.authenticator.credentials;
    for (let i = 0; i < 2; i++) {
      expect((await signIn(await synced.authenticator.get(await signInOptions(), syncedCredential, 0))).status).toBe(
        200,
      );
    }
  });
});

describe("a passkey as the second factor", () => {
  it("turns the two-factor step on for password logins: methods list passkey; its options name the user's passkeys only; its use is recorded", async () => {
    const { user, authenticator } = await withPasskey();
    const first = await post("/auth/login/", { username: user.username, password: user.password });
    const step = await first.json<{ mfa_token: string; methods: string[] }>();
    expect(step.methods).toEqual(["passkey"]);
    const options = await post("/auth/login/mfa/passkey/options/", { mfa_token: step.mfa_token });
    const body = await options.json<RequestOptions & { allowCredentials: Array<{ id: string }> }>();
    expect(body.allowCredentials.map((c) => c.id)).toEqual(authenticator.credentialIds());
    const signedIn = await post("/auth/login/mfa/", {
      mfa_token: step.mfa_token,
      credential: await authenticator.get(body),
    });
    expect(signedIn.status).toBe(200);
    const { access } = await signedIn.json<LoginPayload>();
    expect(decodePayload(access).amr).toEqual(["pwd", "webauthn"]);
    const [listed] = await (
      await call("/auth/passkeys/", { headers: bearer(access) })
    ).json<Array<{ last_used: string | null }>>();
    expect(listed?.last_used).not.toBeNull();
  });

  it("refuses another pending sign-in's challenge and counts a refused passkey toward the 5 attempts", async () => {
    const { user, authenticator } = await withPasskey();
    const first = await (
      await post("/auth/login/", { username: user.username, password: user.password })
    ).json<{ mfa_token: string }>();
    const second = await (
      await post("/auth/login/", { username: user.username, password: user.password })
    ).json<{ mfa_token: string }>();
    const otherOptions = await (
      await post("/auth/login/mfa/passkey/options/", { mfa_token: second.mfa_token })
    ).json<RequestOptions>();
    for (let i = 0; i < 5; i++) {
      const refused = await post("/auth/login/mfa/", {
        mfa_token: first.mfa_token,
        credential: await authenticator.get(otherOptions),
      });
      expect(await refused.json()).toEqual({ non_field_errors: ["Passkey sign-in failed."] });
    }
    const options = await post("/auth/login/mfa/passkey/options/", { mfa_token: first.mfa_token });
    expect(await options.json()).toEqual({ mfa_token: ["This sign-in has expired or is not valid: sign in again."] });
  });

  it("satisfies ADMIN_REQUIRE_MFA for staff", async () => {
    const staff = await registerStaff();
    const authenticator = softwareAuthenticator();
    const credential = await authenticator.create(await registrationOptions(staff.access));
    await post("/auth/passkeys/register/", { credential }, staff.headers);
    const response = await signIn(await authenticator.get(await signInOptions()));
    const { access } = await response.json<LoginPayload>();
    expect((await call("/admin/api/users/", { headers: bearer(access) }, { ADMIN_REQUIRE_MFA: "true" })).status).toBe(
      200,
    );
    expect((await call("/admin/api/users/", { headers: staff.headers }, { ADMIN_REQUIRE_MFA: "true" })).status).toBe(
      403,
    );
  });
});
