// The Add New Payment Method form: the card (for the processor only), its billing address (the account's by
// default) and billing email (the top user's by default), and whether to keep it.
import type { Schemas } from "../../api/client";
import type { MessageKey } from "../../i18n/catalogue";
import { type CardEntry, checkCard } from "./cardFields";
import type { FormField } from "./outcome";

export interface NewCardForm extends CardEntry {
  line1: string;
  line2: string;
  city: string;
  province: string;
  postalCode: string;
  billingEmail: string;
  save: boolean;
}

export const PROVINCES = ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"] as const;

export function newCardForm(address: Schemas["Address"], billingEmail: string): NewCardForm {
  return {
    number: "",
    expiry: "",
    cvc: "",
    line1: address.line1,
    line2: address.line2 ?? "",
    city: address.city,
    province: address.province,
    postalCode: address.postal_code,
    billingEmail,
    save: false,
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What the form refuses before anything is sent, field by field. */
export function checkNewCard(form: NewCardForm): Partial<Record<FormField, MessageKey>> {
  const problems: Partial<Record<FormField, MessageKey>> = { ...checkCard(form) };
  if (form.line1.trim() === "") problems.line1 = "payment.line1Missing";
  if (form.city.trim() === "") problems.city = "payment.cityMissing";
  if (form.postalCode.trim() === "") problems.postalCode = "payment.postalCodeMissing";
  if (!EMAIL.test(form.billingEmail.trim())) problems.billingEmail = "payment.billingEmailInvalid";
  return problems;
}

/** The billing details the API keeps with the card (never the card's number: that went to the processor). */
export function billingOf(form: NewCardForm): { billing_address: Schemas["AddressModel"]; billing_email: string } {
  return {
    billing_address: {
      line1: form.line1.trim(),
      line2: form.line2.trim() || null,
      city: form.city.trim(),
      province: form.province,
      postal_code: form.postalCode.trim().toUpperCase(),
      country: "CA",
    },
    billing_email: form.billingEmail.trim(),
  };
}

/** The form once its card is saved or paid with: the card fields empty, the billing details kept. */
export function withoutCard(form: NewCardForm): NewCardForm {
  return { ...form, number: "", expiry: "", cvc: "", save: false };
}
