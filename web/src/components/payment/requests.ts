// The payment requests, through the typed API client: pay, look at a pending payment, save a card.
import { api, type ApiError, type Schemas } from "../../api/client";
import { type Outcome, outcomeOf } from "./outcome";

/** POST /payments with this attempt's Idempotency-Key: a lost answer is an outcome too (retry, same key). */
export async function sendPayment(body: Schemas["PaymentRequest"], idempotencyKey: string): Promise<Outcome> {
  try {
    const { data, error, response } = await api.POST("/payments", {
      params: { header: { "Idempotency-Key": idempotencyKey } },
      body,
    });
    return outcomeOf(response.status, data, error);
  } catch {
    return outcomeOf(null);
  }
}

/** GET /payments/{id}: where a pending payment stands now (null when that could not be known). */
export async function paymentNow(id: string): Promise<Outcome | null> {
  try {
    const { data } = await api.GET("/payments/{id}", { params: { path: { id } } });
    return data ? outcomeOf(200, data) : null;
  } catch {
    return null;
  }
}

export type Saved = { method: Schemas["PaymentMethodView"] } | { error: ApiError | null };

/** POST /payment-methods: keep a card without paying. */
export async function saveMethod(body: Schemas["NewPaymentMethod"]): Promise<Saved> {
  try {
    const { data, error } = await api.POST("/payment-methods", { body });
    return data ? { method: data } : { error: error ?? null };
  } catch {
    return { error: null };
  }
}
