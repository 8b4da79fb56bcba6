// The invoice-totals chart's geometry, apart from its drawing: a scale with round steps, each bar's height
// as a share of the plot, and which months carry a label (all four quarters on a wide screen, two a year on
// a phone, the CSS decides which show).
import type { Schemas } from "../../api/client";
import type { Language } from "../../i18n/i18n";

export type MonthTotal = Schemas["MonthTotal"];

/** A round step (1, 2, 2.5 or 5 times a power of ten) that splits `highest` into about `steps` parts. */
export function niceStep(highest: number, steps = 4): number {
  if (!(highest > 0)) return 100;
  const rough = highest / steps;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough);
  return step ?? 10 * power;
}

export interface Scale {
  /** The top of the plot, a multiple of the step at or above the highest total. */
  top: number;
  /** The grid's values, from 0 to top. */
  ticks: number[];
}

export function scaleFor(totals: readonly MonthTotal[]): Scale {
  const highest = Math.max(0, ...totals.map((month) => Number(month.total)));
  const step = niceStep(highest);
  const top = Math.max(step, Math.ceil(highest / step) * step);
  const ticks: number[] = [];
  for (let value = 0; value <= top + step / 1000; value += step) ticks.push(Math.round(value * 100) / 100);
  return { top, ticks };
}

/** A bar's height as a share (0 to 1) of the plot's height. Credits never make a bar go below the axis. */
export function share(total: string, scale: Scale): number {
  return Math.min(1, Math.max(0, Number(total) / scale.top));
}

export type LabelKind = "major" | "minor" | null;

/** January and July are labelled on every screen, April and October only where there is room. */
export function labelKind(month: string): LabelKind {
  const number = Number(month.slice(5, 7));
  if (number === 1 || number === 7) return "major";
  if (number === 4 || number === 10) return "minor";
  return null;
}

const LOCALES: Record<Language, string> = { en: "en-CA", fr: "fr-CA" };

function firstOf(month: string): Date {
  const [year, number] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(year, number - 1, 1));
}

/** "2026-11" as "November 2026" or "novembre 2026". */
export function monthName(month: string, language: Language): string {
  return new Intl.DateTimeFormat(LOCALES[language], { month: "long", year: "numeric", timeZone: "UTC" }).format(
    firstOf(month),
  );
}

/** "2026-11" as "Nov" or "nov." for the axis. */
export function monthAbbreviation(month: string, language: Language): string {
  return new Intl.DateTimeFormat(LOCALES[language], { month: "short", timeZone: "UTC" }).format(firstOf(month));
}

/** The month with the highest total (the latest of equals), for the chart's description. */
export function highestMonth(totals: readonly MonthTotal[]): MonthTotal | null {
  return totals.reduce<MonthTotal | null>(
    (best, month) => (best === null || Number(month.total) >= Number(best.total) ? month : best),
    null,
  );
}

/** A grid line's amount, in whole dollars: "$1,500" or "1 500 $". */
export function wholeDollars(amount: number, language: Language): string {
  return new Intl.NumberFormat(LOCALES[language], { style: "currency", currency: "CAD", maximumFractionDigits: 0 }).format(
    amount,
  );
}
