import { describe, expect, it } from "vitest";

import { refusal, unplaced } from "./errors";

describe("the API's refusals", () => {
  it("put each detail by its field, several of one field together", () => {
    const found = refusal({
      message: "The request is not valid.",
      code: "validation_failed",
      details: [
        { field: "new_password", message: "The password must contain at least 2 digits." },
        { field: "new_password", message: "The password must not contain your username." },
        { field: "billing_address.postal_code", message: "must be a Canadian postal code such as M5V 3L9" },
      ],
    });
    expect(found.message).toBe("The request is not valid.");
    expect(found.fields).toEqual({
      new_password: "The password must contain at least 2 digits. The password must not contain your username.",
      "billing_address.postal_code": "must be a Canadian postal code such as M5V 3L9",
    });
  });

  it("have no field details when the answer has none", () => {
    expect(refusal({ message: "Conflict", code: "conflict" }).fields).toEqual({});
  });

  it("keep the details no field shows", () => {
    expect(unplaced({ a: "one", b: "two" }, ["a"])).toEqual(["two"]);
  });
});
