import { describe, expect, it } from "vitest";
import { bearer, decodePayload, post, register, signWithTestSecret } from "./kit";

describe("POST /auth/token/verify/", () => {
  it("answers 200 {} for a valid access or refresh token", async () => {
    const { access, refresh } = await register();
    for (const token of [access, refresh]) {
      const response = await post("/auth/token/verify/", { token });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
    }
  });

  it("answers 401 for expired, tampered, alg:none and revoked tokens", async () => {
    const { access, refresh } = await register();
    const claims = decodePayload(access);
    const expired = await signWithTestSecret({ ...claims, exp: Math.floor(Date.now() / 1000) - 1 });
    const [header, , signature] = access.split(".");
    const tampered = `${header}.${btoa(JSON.stringify({ ...claims, user_id: 1 })).replace(/=+$/, "")}.${signature}`;
    const none = `${btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "")}.${access.split(".")[1]}.`;
    for (const token of [expired, tampered, none]) {
      const response = await post("/auth/token/verify/", { token });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ detail: "Token is invalid or expired", code: "token_not_valid" });
    }
    await post("/auth/logout/", { refresh }, bearer(access));
    expect((await post("/auth/token/verify/", { token: access })).status).toBe(401);
  });

  it("requires the token field", async () => {
    const response = await post("/auth/token/verify/", {});
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ token: ["This field is required."] });
  });
});
