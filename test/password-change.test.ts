import { describe, expect, it } from "vitest";
import { bearer, call, login, post, register } from "./kit";
import { userRow } from "./db";

const NEW_PASSWORD = "quartz-meadow-71-harbor";

function change(access: string, body: unknown) {
  return post("/auth/password/change/", body, bearer(access));
}

describe("POST /auth/password/change/", () => {
  it("saves the new password from new_password1/new_password2 alone", async () => {
    const { access, user } = await register();
    const response = await change(access, { new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ detail: "New password has been saved." });
    expect((await post("/auth/login/", { username: user.username, password: user.password })).status).toBe(400);
    expect((await post("/auth/login/", { username: user.username, password: NEW_PASSWORD })).status).toBe(200);
  });

  it("ends every other session of the user and keeps the caller's", async () => {
    const { access, user } = await register();
    const other = await login(user);
    const response = await change(access, { new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD });
    expect(response.status).toBe(200);
    expect((await call("/auth/user/", { headers: bearer(other.access) })).status).toBe(401);
    expect((await post("/auth/token/refresh/", { refresh: other.refresh })).status).toBe(401);
    expect((await call("/auth/user/", { headers: bearer(access) })).status).toBe(200);
  });

  it("checks old_password when it is given", async () => {
    const { access, user } = await register();
    const wrong = await change(access, {
      old_password: "not-it",
      new_password1: NEW_PASSWORD,
      new_password2: NEW_PASSWORD,
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({
      old_password: ["Your old password was entered incorrectly. Please enter it again."],
    });
    const right = await change(access, {
      old_password: user.password,
      new_password1: NEW_PASSWORD,
      new_password2: NEW_PASSWORD,
    });
    expect(right.status).toBe(200);
  });

  it("refuses mismatched and weak new passwords without changing anything", async () => {
    const { access, user } = await register();
    const before = (await userRow(user.username))?.password_hash;
    const mismatch = await change(access, { new_password1: NEW_PASSWORD, new_password2: `${NEW_PASSWORD}!` });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.json()).toEqual({ new_password2: ["The two password fields didn’t match."] });
    const weak = await change(access, { new_password1: "12345678", new_password2: "12345678" });
    expect(await weak.json()).toEqual({
      new_password2: ["This password is too common.", "This password is entirely numeric."],
    });
    const similar = await change(access, { new_password1: user.username, new_password2: user.username });
    expect(await similar.json()).toEqual({ new_password2: ["The password is too similar to the username."] });
    const missing = await change(access, {});
    expect(await missing.json()).toEqual({
      new_password1: ["This field is required."],
      new_password2: ["This field is required."],
    });
    const after = (await userRow(user.username))?.password_hash;
    expect(after).toEqual(before);
  });

  it("answers 401 without credentials", async () => {
    const response = await post("/auth/password/change/", { new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD });
    expect(response.status).toBe(401);
  });
});
