import { describe, expect, it } from "vitest";

import { type Profile, profileUpdate } from "./profile";

const profile: Profile = {
  line1: " 100 King Street West ",
  line2: "  ",
  city: "Toronto",
  province: "ON",
  postal_code: "m5x 1a9 ",
  time_zone: "America/Toronto",
  billing_contacts: ["ap@example.com", " ", " billing@example.com "],
  language: "en",
};

describe("the profile's PATCH body", () => {
  it("sends the four parts, trimmed, an empty second line as none and blank contacts left out", () => {
    expect(profileUpdate(profile)).toEqual({
      billing_address: {
        line1: "100 King Street West",
        line2: null,
        city: "Toronto",
        province: "ON",
        postal_code: "m5x 1a9",
        country: "CA",
      },
      time_zone: "America/Toronto",
      billing_contacts: ["ap@example.com", "billing@example.com"],
      language: "en",
    });
  });
});
