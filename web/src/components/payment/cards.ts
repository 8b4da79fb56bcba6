// A card as the portal names it, in the reader's words: "Visa ending in 4242", "Expires 12/2034".
import { t } from "../../i18n/i18n";

const BRAND_NAMES: Record<string, string> = { visa: "Visa", mastercard: "Mastercard", amex: "American Express" };

export function brandName(brand: string): string {
  return BRAND_NAMES[brand] ?? brand.charAt(0).toUpperCase() + brand.slice(1);
}

export interface CardLike {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
}

export function cardLabel(card: Pick<CardLike, "brand" | "last4">): string {
  return t("payment.cardLabel", { brand: brandName(card.brand), last4: card.last4 });
}

/** "08/2031", as the card's month and year. */
export function expiry(card: Pick<CardLike, "exp_month" | "exp_year">): string {
  return `${String(card.exp_month).padStart(2, "0")}/${card.exp_year}`;
}
