import { describe, expect, it } from "vitest";
import { newUser, post } from "./kit";
import { insertUserRow, userRow } from "./db";
import fixture from "./fixtures/django/hashes.json";

/** Hashes made by real Django (test/fixtures/django/make_hashes.py): what the old service stored. */
const byName = (prefix: string) => fixture.hashes.filter((h) => h.name.startsWith(prefix));

async function djangoUser(encoded: string) {
  const user = newUser("django");
  await insertUserRow({ username: user.username, email: user.email, password_hash: encoded });
  return user;
}

const login = (username: string, password: string) => post("/auth/login/", { username, password });

describe("POST /auth/login/ with a password hash from Django", () => {
  // Every PBKDF2 hash of the fixture is logged in (right and wrong password) after a real import, in
  // test/django-import.test.ts; here, the two that take no Django-sized work.
  for (const hash of fixture.hashes.filter((h) =>
    ["pbkdf2_sha256 100000", "pbkdf2_sha256 36000 (Django 2.0)"].includes(h.name),
  )) {
    it(`${hash.name}: refuses a wrong password, accepts the right one, then stores our format`, async () => {
      const user = await djangoUser(hash.encoded);
      expect((await login(user.username, `${hash.password}!`)).status).toBe(400);
      expect((await userRow(user.username))?.password_hash).toBe(hash.encoded);
      expect((await login(user.username, hash.password)).status).toBe(200);
      const stored = String((await userRow(user.username))?.password_hash);
      expect(stored).toMatch(/^pbkdf2_sha256\$100000\$/);
      if (hash.encoded.startsWith("pbkdf2_sha256$100000$")) expect(stored).toBe(hash.encoded);
    });
  }

  for (const hash of [...byName("argon2"), ...byName("bcrypt_sha256"), ...byName("unusable")]) {
    it(`${hash.name}: cannot be checked on Workers, so it is refused like a wrong password (the user resets it)`, async () => {
      const user = await djangoUser(hash.encoded);
      const response = await login(user.username, hash.password);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ non_field_errors: ["Unable to log in with provided credentials."] });
      expect((await userRow(user.username))?.password_hash).toBe(hash.encoded);
    });
  }

  it("the fixture came from Django", () => {
    expect(fixture.django).toMatch(/^3\.2\./);
    expect(fixture.hashes.length).toBeGreaterThanOrEqual(11);
  });
});
