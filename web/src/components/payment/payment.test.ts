import { afterEach, describe, expect, it, vi } from "vitest";

import { amountForInput, readAmount } from "./amount";
import { isFinal, PaymentAttempts } from "./attempt";
import { checkCard, forgetCard, readExpiry, tokenizeCard } from "./cardFields";
import { billingOf, checkNewCard, newCardForm, withoutCard } from "./newCard";
import { formFieldOf, outcomeOf, type PaymentView } from "./outcome";
import { defaultMethod, NEW_METHOD } from "./MethodChoice";
import { brandName, expiry } from "./cards";

describe("the amount a person types", () => {
  it("reads English and French amounts, with or without $ and thousands separators", () => {
    expect(readAmount("853.12")).toEqual({ amount: "853.12" });
    expect(readAmount("853,12")).toEqual({ amount: "853.12" });
    expect(readAmount("$1,234.56")).toEqual({ amount: "1234.56" });
    expect(readAmount("1 234,56 $")).toEqual({ amount: "1234.56" });
    expect(readAmount("1\u202f234,5\u00a0$")).toEqual({ amount: "1234.50" });
    expect(readAmount("1.234,56")).toEqual({ amount: "1234.56" });
    expect(readAmount("1,234")).toEqual({ amount: "1234.00" });
    expect(readAmount("12")).toEqual({ amount: "12.00" });
    expect(readAmount("007.5")).toEqual({ amount: "7.50" });
    expect(readAmount("0.01")).toEqual({ amount: "0.01" });
  });

  it("says why it is not an amount: missing, zero, or not dollars and cents", () => {
    expect(readAmount("  ")).toEqual({ problem: "missing" });
    expect(readAmount("0")).toEqual({ problem: "zero" });
    expect(readAmount("0,00 $")).toEqual({ problem: "zero" });
    expect(readAmount("$0.0")).toEqual({ problem: "zero" });
    for (const wrong of ["-5", "12.345", "abc", "1.2.3", "12,3456", "1e3"]) {
      expect(readAmount(wrong), wrong).toEqual({ problem: "invalid" });
    }
  });

  it("is prefilled as each language types it", () => {
    expect(amountForInput("853.12", "en")).toBe("853.12");
    expect(amountForInput("853.12", "fr")).toBe("853,12");
  });
});

describe("the Idempotency-Key of a payment attempt", () => {
  const keys = () => {
    let count = 0;
    return new PaymentAttempts(() => `key-${++count}`);
  };

  it("is the same when Pay is clicked again or retried with the same request", () => {
    const attempts = keys();
    expect(attempts.keyFor('{"amount":"10.00"}')).toBe("key-1");
    expect(attempts.keyFor('{"amount":"10.00"}')).toBe("key-1");
  });

  it("is new for a changed request, and after a final answer", () => {
    const attempts = keys();
    expect(attempts.keyFor('{"amount":"10.00"}')).toBe("key-1");
    expect(attempts.keyFor('{"amount":"12.00"}')).toBe("key-2");
    attempts.finished();
    expect(attempts.keyFor('{"amount":"12.00"}')).toBe("key-3");
  });

  it("is a UUID by default", () => {
    expect(new PaymentAttempts().keyFor("{}")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it("is kept for a retry when the answer was lost, the server failed or throttled", () => {
    expect([null, 500, 503, 429].map(isFinal)).toEqual([false, false, false, false]);
    expect([201, 402, 409, 422].map(isFinal)).toEqual([true, true, true, true]);
  });
});

const payment = (status: PaymentView["status"], message: string | null = null): PaymentView => ({
  id: "pay_1",
  status,
  amount: "10.00",
  created_at: "2026-12-05T12:00:00Z",
  settled_at: null,
  card: null,
  payment_method_id: null,
  invoice_id: null,
  message,
});

describe("what a Pay click came to", () => {
  it("follows the payment's status", () => {
    expect(outcomeOf(201, payment("approved")).kind).toBe("approved");
    expect(outcomeOf(201, payment("pending")).kind).toBe("pending");
    expect(outcomeOf(200, payment("processing")).kind).toBe("pending");
    expect(outcomeOf(200, payment("failed", "La carte a été refusée."))).toEqual({
      kind: "declined",
      message: "La carte a été refusée.",
    });
  });

  it("shows the API's sentences: declined (402), refused (409, 422), lost (no answer, 5xx, 429)", () => {
    const declined = { message: "The card has been declined.", code: "card_declined" };
    expect(outcomeOf(402, undefined, declined)).toEqual({ kind: "declined", message: declined.message });
    const pending = { message: "A payment is pending.", code: "payment_pending" };
    expect(outcomeOf(409, undefined, pending)).toEqual({ kind: "refused", error: pending });
    expect(outcomeOf(null)).toEqual({ kind: "lost", error: null });
    expect(outcomeOf(503).kind).toBe("lost");
    expect(outcomeOf(429).kind).toBe("lost");
  });

  it("puts an API error detail next to its field", () => {
    expect(formFieldOf("new_payment_method.billing_address.postal_code")).toBe("postalCode");
    expect(formFieldOf("billing_email")).toBe("billingEmail");
    expect(formFieldOf("amount")).toBe("amount");
    expect(formFieldOf("something_else")).toBeNull();
  });
});

describe("the card fields", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    forgetCard();
  });

  it("read an expiry as on the card", () => {
    expect(readExpiry("08/31")).toEqual({ month: 8, year: 2031 });
    expect(readExpiry("8/2031")).toEqual({ month: 8, year: 2031 });
    expect(readExpiry("0831")).toEqual({ month: 8, year: 2031 });
    expect(readExpiry("13/31")).toBeNull();
    expect(readExpiry("August")).toBeNull();
  });

  it("check what they can before the processor sees the card", () => {
    expect(checkCard({ number: "4242 4242 4242 4242", expiry: "08/31", cvc: "123" })).toEqual({});
    expect(checkCard({ number: "", expiry: "", cvc: "12" })).toEqual({
      number: "payment.cardNumberMissing",
      expiry: "payment.cardExpiryInvalid",
      cvc: "payment.cardCvcInvalid",
    });
    expect(checkCard({ number: "4242", expiry: "08/31", cvc: "1234" })).toEqual({ number: "payment.cardNumberInvalid" });
  });

  it("send the card to the processor only, and tokenize the same card once", async () => {
    const sent: { url: string; body: unknown }[] = [];
    vi.stubGlobal("location", { origin: "http://127.0.0.1:3000" });
    vi.stubGlobal("fetch", (url: URL, init: RequestInit) => {
      sent.push({ url: String(url), body: JSON.parse(String(init.body)) });
      return Promise.resolve(new Response(JSON.stringify({ token: "tok_abc" }), { status: 201 }));
    });
    const card = { number: "4242 4242 4242 4242", expiry: "08/31", cvc: "123" };
    expect(await tokenizeCard(card)).toEqual({ token: "tok_abc" });
    expect(await tokenizeCard({ ...card })).toEqual({ token: "tok_abc" });
    expect(sent).toEqual([
      {
        url: "http://127.0.0.1:3000/_local/processor/tokenize",
        body: { number: "4242424242424242", exp_month: 8, exp_year: 2031, cvc: "123" },
      },
    ]);
  });

  it("pass on the processor's refusal, in its words", async () => {
    vi.stubGlobal("location", { origin: "http://127.0.0.1:3000" });
    vi.stubGlobal("fetch", () =>
      Promise.resolve(new Response(JSON.stringify({ message: "The card number is not valid.", code: "validation_failed" }), { status: 422 })),
    );
    expect(await tokenizeCard({ number: "4242 4242 4242 4241", expiry: "08/31", cvc: "123" })).toEqual({
      message: "The card number is not valid.",
      final: true,
    });
  });
});

describe("a new card's billing details", () => {
  const address = { line1: "220 Adelaide Street West", line2: "Suite 900", city: "Toronto", province: "ON", postal_code: "M5H 1W7", country: "CA" };

  it("default to the account's address and the top user's email", () => {
    const form = newCardForm(address, "demo@example.com");
    expect(billingOf(form)).toEqual({ billing_address: { ...address }, billing_email: "demo@example.com" });
    expect(billingOf({ ...form, line2: " ", postalCode: "m5h 1w7" }).billing_address).toMatchObject({ line2: null, postal_code: "M5H 1W7" });
  });

  it("are checked, and kept when the card is cleared", () => {
    const form = { ...newCardForm(address, "not an email"), number: "4242424242424242", expiry: "08/31", cvc: "123", city: "" };
    expect(checkNewCard(form)).toEqual({ city: "payment.cityMissing", billingEmail: "payment.billingEmailInvalid" });
    expect(withoutCard({ ...form, save: true })).toMatchObject({ number: "", expiry: "", cvc: "", save: false, line1: address.line1 });
  });
});

describe("saved cards", () => {
  const card = (id: string, expired = false, autopay = false) => ({
    id, brand: "visa", last4: "4242", exp_month: 12, exp_year: 2034, expired, autopay, label: "", billing_email: "", created_at: "",
    billing_address: { line1: "", city: "", province: "", postal_code: "", country: "CA" },
  });

  it("start with the Auto Pay card, else the first that has not expired, else a new card", () => {
    expect(defaultMethod([card("pm_a"), card("pm_b", false, true)])).toBe("pm_b");
    expect(defaultMethod([card("pm_a", true), card("pm_b")])).toBe("pm_b");
    expect(defaultMethod([card("pm_a", true, true)])).toBe(NEW_METHOD);
    expect(defaultMethod([])).toBe(NEW_METHOD);
  });

  it("are named by brand, with the expiry as on the card", () => {
    expect(brandName("mastercard")).toBe("Mastercard");
    expect(brandName("amex")).toBe("American Express");
    expect(brandName("discover")).toBe("Discover");
    expect(expiry({ exp_month: 8, exp_year: 2031 })).toBe("08/2031");
  });
});
