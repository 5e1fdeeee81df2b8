import { describe, expect, it } from "vitest";
import { hashPassword, PBKDF2_ITERATIONS, verifyPassword } from "../src/auth/password";
import { passwordProblems } from "../src/auth/password-rules";

// Made by Django's own algorithm (hashlib.pbkdf2_hmac), so hashes move between the two systems.
const DJANGO_HASH = "pbkdf2_sha256$100000$Pb7QmY2cX0rLw8sK1vNq3z$89SG9BzCSFLVyvPM4yC+iEnFQaZXSnvkeBjGbw5OtPE=";
const DJANGO_LEGACY_HASH = "pbkdf2_sha256$1000$Pb7QmY2cX0rLw8sK1vNq3z$capKgulLJvkswr3gLq7RMUHuDb0SLx6Ya7ZuDFC1EWw=";
const DJANGO_PASSWORD = "Tr0ub4dor&3-horse";

describe("hashPassword", () => {
  it("uses exactly 100,000 iterations, the most Cloudflare's production runtime accepts", () => {
    // Local workerd accepts more; production refuses. This pin is the only guard.
    expect(PBKDF2_ITERATIONS).toBe(100_000);
  });

  it("stores Django's format with a 16-byte salt and a 32-byte hash", async () => {
    const encoded = await hashPassword("a long passphrase");
    const [algorithm, iterations, salt, hash] = encoded.split("$");
    expect(algorithm).toBe("pbkdf2_sha256");
    expect(iterations).toBe("100000");
    expect(salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(atob(hash ?? "").length).toBe(32);
  });

  it("salts every hash differently", async () => {
    expect(await hashPassword("same password")).not.toBe(await hashPassword("same password"));
  });
});

describe("verifyPassword", () => {
  it("accepts the right password and refuses a wrong one", async () => {
    const encoded = await hashPassword("right password");
    expect(await verifyPassword("right password", encoded)).toEqual({ valid: true, needsRehash: false, usable: true });
    expect((await verifyPassword("wrong password", encoded)).valid).toBe(false);
  });

  it("verifies a hash made by Django", async () => {
    expect((await verifyPassword(DJANGO_PASSWORD, DJANGO_HASH)).valid).toBe(true);
    expect((await verifyPassword("Tr0ub4dor&3-horsE", DJANGO_HASH)).valid).toBe(false);
  });

  it("flags a valid hash with fewer iterations for re-hashing", async () => {
    expect(await verifyPassword(DJANGO_PASSWORD, DJANGO_LEGACY_HASH)).toEqual({
      valid: true,
      needsRehash: true,
      usable: true,
    });
  });

  it("refuses, without throwing, hashes it cannot check on Workers, and absurd iteration counts", async () => {
    for (const encoded of [
      "pbkdf2_sha256$900000000$Pb7QmY2cX0rLw8sK1vNq3z$89SG9BzCSFLVyvPM4yC+iEnFQaZXSnvkeBjGbw5OtPE=",
      "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$hash",
      "!unusable",
      "",
    ]) {
      expect((await verifyPassword(DJANGO_PASSWORD, encoded)).valid).toBe(false);
    }
  });

  it("refuses every password when there is no user, after the same hashing work", async () => {
    expect(await verifyPassword("anything", undefined)).toEqual({ valid: false, needsRehash: false, usable: false });
  });
});

describe("passwordProblems", () => {
  const user = { username: "adalovelace", email: "ada@example.com" };

  it("accepts a long, uncommon password", () => {
    expect(passwordProblems("violet-anchor-93-lantern", user)).toEqual([]);
  });

  it("refuses short passwords", () => {
    expect(passwordProblems("x7#kQ", user)).toContain(
      "This password is too short. It must contain at least 8 characters.",
    );
  });

  it("refuses entirely numeric passwords", () => {
    expect(passwordProblems("9081726354", user)).toContain("This password is entirely numeric.");
  });

  it("refuses common passwords whatever their case", () => {
    expect(passwordProblems("Password1", user)).toContain("This password is too common.");
    expect(passwordProblems("QWERTYUIOP", user)).toContain("This password is too common.");
  });

  it("refuses passwords too similar to the username or the email", () => {
    expect(passwordProblems("adalovelace1", user)).toContain("The password is too similar to the username.");
    expect(passwordProblems("grace@example.org", { username: "zed", email: "grace@example.org" })).toContain(
      "The password is too similar to the email address.",
    );
  });

  it("reports every problem at once, in Django's order", () => {
    expect(passwordProblems("123456", user)).toEqual([
      "This password is too short. It must contain at least 8 characters.",
      "This password is entirely numeric.",
    ]);
  });
});
