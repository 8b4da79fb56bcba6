import { describe, expect, it } from "vitest";

import { catalogues, fill, initialLanguage, longDate, moment, money } from "./i18n";

const placeholders = (sentence: string) => [...sentence.matchAll(/\{(\w+)\}/g)].map((found) => found[1]).sort();
const spaced = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

describe("the catalogues", () => {
  it("have the same messages in both languages, with the same placeholders", () => {
    expect(Object.keys(catalogues.fr).sort()).toEqual(Object.keys(catalogues.en).sort());
    for (const [key, english] of Object.entries(catalogues.en)) {
      const french = catalogues.fr[key as keyof typeof catalogues.fr];
      expect(french.trim(), key).not.toBe("");
      expect(placeholders(french), key).toEqual(placeholders(english));
    }
  });

  it("fill placeholders and leave unknown ones visible", () => {
    expect(fill("Hello {name}, {missing}", { name: "Léa" })).toBe("Hello Léa, {missing}");
  });
});

describe("the reader's formats", () => {
  it("write amounts as each language does", () => {
    expect(money("1234.56", "en")).toBe("$1,234.56");
    expect(spaced(money("1234.56", "fr"))).toBe("1 234,56 $");
    expect(money("-20.00", "en")).toBe("-$20.00");
  });

  it("write dates out, with 1er on the first of a month in French", () => {
    expect(longDate("2026-12-05", "en")).toBe("December 5, 2026");
    expect(longDate("2026-12-05", "fr")).toBe("5 décembre 2026");
    expect(longDate("2026-08-01", "fr")).toBe("1er août 2026");
  });

  it("write instants in the reader's time zone, 24-hour in French", () => {
    expect(moment("2026-12-05T20:16:00Z", "en", "America/Toronto")).toBe("December 5, 2026 at 3:16 p.m.");
    expect(moment("2026-12-05T20:16:00Z", "fr", "America/Toronto")).toBe("5 décembre 2026 à 15 h 16");
  });

  it("before sign-in, follow the browser's first language of ours", () => {
    expect(initialLanguage(["fr-CA", "en"])).toBe("fr");
    expect(initialLanguage(["de", "en-US"])).toBe("en");
    expect(initialLanguage([])).toBe("en");
  });
});
