import { describe, expect, it } from "vitest";

import { checkPassword, unmetRules } from "./password";

describe("the password rules", () => {
  it("accept a password that meets all four", () => {
    expect(unmetRules("Maple-Leaf-2026-Snow", "pat@example.com")).toEqual([]);
  });

  it("count at least 15 characters", () => {
    expect(checkPassword("Abcdefghijkl12", "").length).toBe(false);
    expect(checkPassword("Abcdefghijklm12", "").length).toBe(true);
  });

  it("want two digits, not one", () => {
    expect(unmetRules("Abcdefghijklmnop1", "")).toEqual(["digits"]);
    expect(unmetRules("Abcdefghijklmno12", "")).toEqual([]);
  });

  it("want both uppercase and lowercase letters", () => {
    expect(unmetRules("abcdefghijklmno12", "")).toEqual(["case"]);
    expect(unmetRules("ABCDEFGHIJKLMNO12", "")).toEqual(["case"]);
  });

  it("refuse the username, whole or its local part, whatever the case", () => {
    expect(unmetRules("XPat@Example.com-2026", "pat@example.com")).toEqual(["username"]);
    expect(unmetRules("Lena-Park-2026-lena", "lena@example.com")).toEqual(["username"]);
    // A local part of fewer than 3 characters is too common to refuse.
    expect(unmetRules("Bo-River-2026-Stone", "bo@example.com")).toEqual([]);
  });

  it("list every rule an empty password breaks, except the username one", () => {
    expect(unmetRules("", "pat@example.com")).toEqual(["length", "digits", "case"]);
  });
});
