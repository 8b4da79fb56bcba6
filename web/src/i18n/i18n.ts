// The reader's words: every text of the portal comes from the catalogues (en.ts, fr.ts, the same keys),
// with `{name}` placeholders; amounts, dates and times are written as the reader's language writes them,
// in the reader's time zone.
import { computed, signal } from "@preact/signals";

import type { Brand } from "../config";
import { en, fr, type MessageKey } from "./catalogue";

export type Language = "en" | "fr";
export const LANGUAGES: readonly Language[] = ["en", "fr"];
export const catalogues: Record<Language, Record<MessageKey, string>> = { en, fr };

export const language = signal<Language>(initialLanguage());
export const timeZone = signal<string>(Intl.DateTimeFormat().resolvedOptions().timeZone || "America/Toronto");
export const brands = signal<Record<Language, Brand> | null>(null);

/** Before sign-in, the browser's preference; after, the user's own `language`. */
export function initialLanguage(preferred: readonly string[] = globalThis.navigator?.languages ?? []): Language {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split("-")[0];
    if (primary === "fr" || primary === "en") return primary;
  }
  return "en";
}

export type Params = Record<string, string | number>;

export function fill(sentence: string, params: Params): string {
  return sentence.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** A catalogue message in the reader's language, with the provider's names available as placeholders. */
export function t(key: MessageKey, params: Params = {}): string {
  const brand = brands.value?.[language.value];
  const names: Params = brand
    ? { provider: brand.provider, portal: brand.portal, billingEmail: brand.billingEmail, billingPhone: brand.billingPhone }
    : {};
  return fill(catalogues[language.value][key], { ...names, ...params });
}

const locales: Record<Language, string> = { en: "en-CA", fr: "fr-CA" };
export const locale = computed(() => locales[language.value]);

/** "123.45" (the API's money) as "$123.45" or "123,45 $". */
export function money(amount: string | number, lang: Language = language.value): string {
  return new Intl.NumberFormat(locales[lang], { style: "currency", currency: "CAD" }).format(Number(amount));
}

const MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];

/** "2026-12-05" (a calendar date) as "December 5, 2026" or "5 décembre 2026" ("1er" on the first). */
export function longDate(isoDate: string, lang: Language = language.value): string {
  const [year, month, day] = isoDate.slice(0, 10).split("-").map(Number) as [number, number, number];
  if (lang === "fr") return `${day === 1 ? "1er" : day} ${MONTHS_FR[month - 1]} ${year}`;
  return new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(year, month - 1, day)),
  );
}

/** "2026-12-05" as the short form of a table: the same in both languages (the Canadian standard). */
export function shortDate(isoDate: string): string {
  return isoDate.slice(0, 10);
}

/** An instant in the reader's time zone: "December 5, 2026, 3:16 a.m." or "5 décembre 2026 à 3 h 16". */
export function moment(iso: string, lang: Language = language.value, zone: string = timeZone.value): string {
  const at = new Date(iso);
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "numeric", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const day = `${part("year")}-${part("month")}-${part("day")}`;
  const hour = Number(part("hour"));
  const minute = part("minute");
  if (lang === "fr") return `${longDate(day, "fr")} à ${hour} h ${minute}`;
  return `${longDate(day, "en")} at ${hour % 12 || 12}:${minute} ${hour < 12 ? "a.m." : "p.m."}`;
}
