// The amount a person types, read as the API's money ("123.45"): with or without "$", with the English
// decimal point or the French decimal comma, and with either language's thousands separators.

export type AmountProblem = "missing" | "invalid" | "zero";
export type ReadAmount = { amount: string } | { problem: AmountProblem };

const SPACES = /[\s\u00a0\u202f]/g;

/** "1 234,56 $", "$1,234.56", "1234.5" → { amount: "1234.56" | "1234.50" }; or why it is not an amount. */
export function readAmount(typed: string): ReadAmount {
  let text = typed.replace(SPACES, "").replace(/\$/g, "");
  if (text === "") return { problem: "missing" };
  const lastComma = text.lastIndexOf(",");
  const lastPoint = text.lastIndexOf(".");
  if (lastComma >= 0 && lastPoint >= 0) {
    // Both: the last one is the decimal mark, the other groups thousands.
    const grouping = lastComma > lastPoint ? "." : ",";
    text = text.split(grouping).join("").replace(",", ".");
  } else if (lastComma >= 0) {
    // Commas only: "1,234" and "1,234,567" group thousands; "12,5" and "12,50" are French decimals.
    text = /^\d{1,3}(,\d{3})+$/.test(text) ? text.split(",").join("") : text.replace(",", ".");
  }
  const found = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!found) return { problem: "invalid" };
  const dollars = (found[1] ?? "0").replace(/^0+(?=\d)/, "");
  const cents = (found[2] ?? "").padEnd(2, "0");
  if (/^0+$/.test(dollars) && cents === "00") return { problem: "zero" };
  return { amount: `${dollars}.${cents}` };
}

/** The API's "853.12" as the reader types it: "853.12" in English, "853,12" in French (no thousands
 * separator: what is typed back is read back). */
export function amountForInput(amount: string, language: "en" | "fr"): string {
  return language === "fr" ? amount.replace(".", ",") : amount;
}
