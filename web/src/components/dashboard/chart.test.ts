import { describe, expect, it } from "vitest";

import { highestMonth, labelKind, monthAbbreviation, monthName, niceStep, scaleFor, share, wholeDollars } from "./chart";

const months = (...totals: string[]) => totals.map((total, index) => ({ month: `2026-${String(index + 1).padStart(2, "0")}`, total }));

describe("the chart's scale", () => {
  it("steps by round amounts", () => {
    expect(niceStep(1167.15)).toBe(500);
    expect(niceStep(893)).toBe(250);
    expect(niceStep(284.73)).toBe(100);
    expect(niceStep(40)).toBe(10);
    expect(niceStep(0)).toBe(100);
  });

  it("reaches the highest total with whole steps from zero", () => {
    expect(scaleFor(months("698.97", "1167.15", "893.12"))).toEqual({ top: 1500, ticks: [0, 500, 1000, 1500] });
    expect(scaleFor(months("284.73", "241.21"))).toEqual({ top: 300, ticks: [0, 100, 200, 300] });
  });

  it("still has a scale when every month is zero", () => {
    expect(scaleFor(months("0.00", "0.00"))).toEqual({ top: 100, ticks: [0, 100] });
    expect(scaleFor([])).toEqual({ top: 100, ticks: [0, 100] });
  });

  it("gives each bar its share of the plot, none below the axis", () => {
    const scale = scaleFor(months("750.00", "1500.00"));
    expect(share("750.00", scale)).toBe(0.5);
    expect(share("1500.00", scale)).toBe(1);
    expect(share("-20.00", scale)).toBe(0);
  });
});

describe("the chart's months", () => {
  it("label January and July always, April and October where there is room", () => {
    expect(["2026-01", "2026-04", "2026-07", "2026-10", "2026-11"].map(labelKind)).toEqual([
      "major", "minor", "major", "minor", null,
    ]);
  });

  it("are named in the reader's language", () => {
    expect(monthName("2026-11", "en")).toBe("November 2026");
    expect(monthName("2026-11", "fr")).toBe("novembre 2026");
    expect(monthAbbreviation("2026-01", "en")).toBe("Jan");
    expect(monthAbbreviation("2026-01", "fr")).toBe("janv.");
  });

  it("find the highest month, the latest of equals", () => {
    expect(highestMonth(months("10.00", "30.00", "30.00", "5.00"))?.month).toBe("2026-03");
    expect(highestMonth([])).toBeNull();
  });
});

describe("the chart's grid", () => {
  it("writes whole dollars as each language does", () => {
    expect(wholeDollars(1500, "en")).toBe("$1,500");
    expect(wholeDollars(1500, "fr").replace(/[\u00a0\u202f]/g, " ")).toBe("1 500 $");
  });
});
