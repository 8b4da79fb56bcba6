// What a Pay click came to, from the API's answer to POST /payments (or GET /payments/{id} while pending).
import type { ApiError, Schemas } from "../../api/client";
import { isFinal } from "./attempt";

export type PaymentView = Schemas["PaymentView"];

export type Outcome =
  | { kind: "approved"; payment: PaymentView }
  | { kind: "pending"; payment: PaymentView }
  | { kind: "declined"; message: string | null } // the API's sentence, in the reader's language
  | { kind: "refused"; error: ApiError } // zero, a pending payment (409), a field at fault...
  | { kind: "lost"; error: ApiError | null }; // no answer, a server failure or throttling: retry, same key

/** `status` is null when no answer came back (network failure). */
export function outcomeOf(status: number | null, payment?: PaymentView, error?: ApiError): Outcome {
  if (payment) {
    if (payment.status === "approved") return { kind: "approved", payment };
    if (payment.status === "declined" || payment.status === "failed") return { kind: "declined", message: payment.message };
    return { kind: "pending", payment }; // pending at the bank, or still processing
  }
  if (status === 402) return { kind: "declined", message: error?.message ?? null };
  if (!isFinal(status)) return { kind: "lost", error: error ?? null };
  return { kind: "refused", error: error ?? { message: "", code: "unknown" } };
}

/** The form's field an API error detail names: "new_payment_method.billing_address.postal_code" is the
 * postal code. Null for a field the form does not show. */
export function formFieldOf(apiField: string): FormField | null {
  const last = apiField.split(".").pop() ?? "";
  return API_FIELDS[last] ?? null;
}

export type FormField =
  | "amount"
  | "method"
  | "number"
  | "expiry"
  | "cvc"
  | "line1"
  | "line2"
  | "city"
  | "province"
  | "postalCode"
  | "billingEmail";

const API_FIELDS: Record<string, FormField> = {
  amount: "amount",
  payment_method_id: "method",
  token: "number",
  line1: "line1",
  line2: "line2",
  city: "city",
  province: "province",
  postal_code: "postalCode",
  billing_email: "billingEmail",
};
