// The card processor's side of a new card: what its hosted card fields check and the token they return.
// The card number and security code go from the browser to the processor only, never to the portal's API,
// which receives the token. Locally the sandbox's `POST /_local/processor/tokenize` stands in for the
// processor; deployed, a real processor's hosted fields (its iframes and script) replace this module and
// CardInputs.tsx, keeping this interface: `checkCard(entry)` and `tokenizeCard(entry)`.
import type { MessageKey } from "../../i18n/catalogue";
import { language } from "../../i18n/i18n";

/** What a person types in the card fields. */
export interface CardEntry {
  number: string;
  expiry: string; // "MM/YY" as on the card
  cvc: string;
}

export type CardField = keyof CardEntry;
export type CardProblems = Partial<Record<CardField, MessageKey>>;
export type Tokenized = { token: string } | { message: string; final: boolean };

const TOKENIZE_PATH = "/_local/processor/tokenize";

/** "08/31", "8/31", "08/2031", "0831" → month 8, year 2031; null when it is not a month and a year. */
export function readExpiry(typed: string): { month: number; year: number } | null {
  const found = /^(\d{1,2})\s*[/-]?\s*(\d{2}|\d{4})$/.exec(typed.trim());
  if (!found) return null;
  const month = Number(found[1]);
  const year = found[2]?.length === 2 ? 2000 + Number(found[2]) : Number(found[2]);
  return month >= 1 && month <= 12 ? { month, year } : null;
}

export function cardDigits(number: string): string {
  return number.replace(/[\s-]/g, "");
}

/** What the fields refuse before anything is sent (the processor checks the rest: the number's checksum,
 * an expired card). */
export function checkCard(entry: CardEntry): CardProblems {
  const problems: CardProblems = {};
  const digits = cardDigits(entry.number);
  if (digits === "") problems.number = "payment.cardNumberMissing";
  else if (!/^\d{13,19}$/.test(digits)) problems.number = "payment.cardNumberInvalid";
  if (!readExpiry(entry.expiry)) problems.expiry = "payment.cardExpiryInvalid";
  if (!/^\d{3,4}$/.test(entry.cvc.trim())) problems.cvc = "payment.cardCvcInvalid";
  return problems;
}

// The last card tokenized and its token: the same card typed again (Pay clicked again after a lost answer)
// gets the same token, so the payment request, and with it its Idempotency-Key, stays the same.
let last: { entry: string; token: string } | null = null;

/** The processor's token for a checked card, or the processor's refusal in the reader's language. */
export async function tokenizeCard(entry: CardEntry): Promise<Tokenized> {
  const expiry = readExpiry(entry.expiry);
  const body = JSON.stringify({
    number: cardDigits(entry.number),
    exp_month: expiry?.month ?? 0,
    exp_year: expiry?.year ?? 0,
    cvc: entry.cvc.trim(),
  });
  if (last?.entry === body) return { token: last.token };
  let answer: Response;
  try {
    answer = await fetch(new URL(TOKENIZE_PATH, globalThis.location.origin), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept-Language": language.value },
      body,
    });
  } catch {
    return { message: "", final: false };
  }
  const said = (await answer.json().catch(() => null)) as { token?: string; message?: string } | null;
  if (answer.ok && typeof said?.token === "string") {
    last = { entry: body, token: said.token };
    return { token: said.token };
  }
  return { message: said?.message ?? "", final: answer.status < 500 };
}

/** Forget the card (after it was paid with or saved): nothing of it stays in the page. */
export function forgetCard(): void {
  last = null;
}
