import { describe, expect, it } from "vitest";

import { nextPage } from "./flow";

describe("the page after sign-in", () => {
  it("is the portal page the person was sent from", () => {
    expect(nextPage("/activity/INV-202611")).toBe("/activity/INV-202611");
    expect(nextPage("/manage-users")).toBe("/manage-users");
    expect(nextPage("/pay?amount=12.00")).toBe("/pay?amount=12.00");
  });

  it("is never another site, a page that does not exist, or a sign-in page", () => {
    for (const next of ["https://evil.example/", "//evil.example/", "/\\evil.example", "/nowhere", "/sign-in", "/forgot-password/reset", "", null, undefined]) {
      expect(nextPage(next), String(next)).toBeNull();
    }
  });
});
