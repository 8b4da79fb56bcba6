import { describe, expect, it } from "vitest";

import {
  back,
  currentCursor,
  datesReversed,
  FIRST_PAGE,
  forward,
  NO_FILTERS,
  pageNumber,
  readFilters,
  toQuery,
  writeFilters,
} from "./historyQuery";

describe("the history's filters in the address", () => {
  it("read back what they wrote", () => {
    const filters = { types: ["invoice", "refund"] as const, from: "2025-10-01", to: "2025-12-31", pageSize: 50 as const };
    const search = writeFilters({ ...filters, types: [...filters.types] });
    expect(search).toBe("?type=invoice,refund&from=2025-10-01&to=2025-12-31&size=50");
    expect(readFilters(search)).toEqual({ ...filters, types: ["invoice", "refund"] });
  });

  it("write nothing for no filters, nor for every type checked", () => {
    expect(writeFilters(NO_FILTERS)).toBe("");
    expect(writeFilters({ ...NO_FILTERS, types: ["refund", "credit", "payment", "invoice"] })).toBe("");
    expect(readFilters("")).toEqual(NO_FILTERS);
  });

  it("leave out what the table cannot show", () => {
    expect(readFilters("?type=refund,bogus,invoice,refund&from=yesterday&to=2026-1-1&size=25")).toEqual({
      types: ["invoice", "refund"], from: "", to: "", pageSize: 10,
    });
  });
});

describe("the API's query", () => {
  it("asks for the types, dates, size and page", () => {
    expect(toQuery({ types: ["payment", "credit"], from: "2026-01-01", to: "", pageSize: 100 }, "abc")).toEqual({
      page_size: 100, type: ["payment", "credit"], from: "2026-01-01", cursor: "abc",
    });
    expect(toQuery(NO_FILTERS, null)).toEqual({ page_size: 10 });
  });

  it("knows an end before the start", () => {
    expect(datesReversed({ from: "2026-05-01", to: "2026-01-01" })).toBe(true);
    expect(datesReversed({ from: "2026-01-01", to: "2026-01-01" })).toBe(false);
    expect(datesReversed({ from: "", to: "2026-01-01" })).toBe(false);
  });
});

describe("the trail of pages", () => {
  it("goes forward with each next cursor and back the same way", () => {
    expect(pageNumber(FIRST_PAGE)).toBe(1);
    expect(currentCursor(FIRST_PAGE)).toBeNull();
    const third = forward(forward(FIRST_PAGE, "c2"), "c3");
    expect(pageNumber(third)).toBe(3);
    expect(currentCursor(third)).toBe("c3");
    expect(currentCursor(back(third))).toBe("c2");
    expect(back(back(back(third)))).toEqual(FIRST_PAGE);
  });
});
