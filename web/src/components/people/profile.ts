// The account's billing profile as the Edit Profile form holds it, from GET /account and back to the body of
// PATCH /account/profile.
import type { Schemas } from "../../api/client";

export interface Profile {
  line1: string;
  line2: string;
  city: string;
  province: string;
  postal_code: string;
  time_zone: string;
  billing_contacts: string[];
  language: "en" | "fr";
}

export function profileOf(account: Schemas["Dashboard"]): Profile {
  const address = account.billing_address;
  return {
    line1: address.line1,
    line2: address.line2 ?? "",
    city: address.city,
    province: address.province,
    postal_code: address.postal_code,
    time_zone: account.time_zone,
    billing_contacts: [...account.billing_contacts],
    language: account.language,
  };
}

/** The PATCH body: all four parts, as the API names them (an empty second line is no line). */
export function profileUpdate(profile: Profile): Schemas["ProfileUpdate"] {
  return {
    billing_address: {
      line1: profile.line1.trim(),
      line2: profile.line2.trim() || null,
      city: profile.city.trim(),
      province: profile.province,
      postal_code: profile.postal_code.trim(),
      country: "CA",
    },
    time_zone: profile.time_zone,
    billing_contacts: profile.billing_contacts.map((contact) => contact.trim()).filter(Boolean),
    language: profile.language,
  };
}
