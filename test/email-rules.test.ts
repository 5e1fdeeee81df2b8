import { describe, expect, it } from "vitest";
import { isDisposableEmail, newEmailProblems, suggestEmailCorrection } from "../src/auth/email-rules";

describe("suggestEmailCorrection", () => {
  it("suggests the provider one keystroke away", () => {
    expect(suggestEmailCorrection("ada@gmial.com")).toBe("ada@gmail.com");
    expect(suggestEmailCorrection("ada@hotmial.com")).toBe("ada@hotmail.com");
    expect(suggestEmailCorrection("ada@gmail.con")).toBe("ada@gmail.com");
    expect(suggestEmailCorrection("ada@yahooo.com")).toBe("ada@yahoo.com");
  });

  it("leaves real domains alone, including providers next to popular ones", () => {
    for (const email of ["ada@gmail.com", "ada@example.com", "ada@mail.com", "ada@email.com", "ada@gmx.com"]) {
      expect(suggestEmailCorrection(email)).toBeUndefined();
    }
  });
});

describe("isDisposableEmail", () => {
  it("recognises disposable providers and their subdomains", () => {
    expect(isDisposableEmail("x@mailinator.com")).toBe(true);
    expect(isDisposableEmail("x@yopmail.com")).toBe(true);
    expect(isDisposableEmail("x@anything.33mail.com")).toBe(true);
  });

  it("accepts ordinary domains", () => {
    expect(isDisposableEmail("x@example.com")).toBe(false);
    expect(isDisposableEmail("x@gmail.com")).toBe(false);
  });
});

describe("newEmailProblems", () => {
  it("explains each refusal", () => {
    expect(newEmailProblems("x@mailinator.com")).toEqual(["Disposable e-mail addresses are not allowed."]);
    expect(newEmailProblems("x@gmial.com")).toEqual(["Did you mean x@gmail.com?"]);
    expect(newEmailProblems("x@example.com")).toEqual([]);
  });
});
