// What the Transaction History shows, kept in the address (`/?type=invoice,refund&from=…&to=…&size=50`) so
// that reloading the dashboard, or coming back to it from a transaction's details, shows the same rows.
// The pages already seen are a trail of the API's opaque cursors, so that Previous goes back without
// asking the API for a way back.
import type { Schemas } from "../../api/client";
import type { operations } from "../../api/schema";

export type EntryType = Schemas["EntryType"];
export const ENTRY_TYPES: readonly EntryType[] = ["invoice", "payment", "credit", "refund"];
export const PAGE_SIZES = [10, 50, 100] as const;
export type PageSize = (typeof PAGE_SIZES)[number];

export interface HistoryFilters {
  /** None means every type, as the API reads it. */
  types: EntryType[];
  /** YYYY-MM-DD or "" */
  from: string;
  to: string;
  pageSize: PageSize;
}

export const NO_FILTERS: HistoryFilters = { types: [], from: "", to: "", pageSize: 10 };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isEntryType(name: string): name is EntryType {
  return (ENTRY_TYPES as readonly string[]).includes(name);
}

/** The filters an address asks for; anything it says that the table cannot show is left out. */
export function readFilters(search: string): HistoryFilters {
  const query = new URLSearchParams(search);
  const named = (query.get("type") ?? "").split(",").filter(isEntryType);
  const size = Number(query.get("size"));
  const date = (name: string) => {
    const value = query.get(name) ?? "";
    return DATE.test(value) ? value : "";
  };
  return {
    // In the checkboxes' order, once each, whatever order the address gives.
    types: ENTRY_TYPES.filter((type) => named.includes(type)),
    from: date("from"),
    to: date("to"),
    pageSize: (PAGE_SIZES as readonly number[]).includes(size) ? (size as PageSize) : 10,
  };
}

/** The address's query for these filters ("" when there are none), the inverse of readFilters. */
export function writeFilters(filters: HistoryFilters): string {
  const query = new URLSearchParams();
  const types = ENTRY_TYPES.filter((type) => filters.types.includes(type));
  if (types.length > 0 && types.length < ENTRY_TYPES.length) query.set("type", types.join(","));
  if (filters.from) query.set("from", filters.from);
  if (filters.to) query.set("to", filters.to);
  if (filters.pageSize !== 10) query.set("size", String(filters.pageSize));
  const search = query.toString().replace(/%2C/g, ",");
  return search ? `?${search}` : "";
}

export type HistoryQuery = NonNullable<operations["get_transactions"]["parameters"]["query"]>;

/** GET /transactions' query for these filters and a page's cursor (none for the first page). */
export function toQuery(filters: HistoryFilters, cursor: string | null): HistoryQuery {
  const query: HistoryQuery = { page_size: filters.pageSize };
  if (filters.types.length > 0) query.type = [...filters.types];
  if (filters.from) query.from = filters.from;
  if (filters.to) query.to = filters.to;
  if (cursor) query.cursor = cursor;
  return query;
}

/** Whether the dates cannot both hold: the end before the start. */
export function datesReversed(filters: Pick<HistoryFilters, "from" | "to">): boolean {
  return Boolean(filters.from && filters.to && filters.from > filters.to);
}

/** The cursors of the pages seen so far: the first page has none; the last entry is the page shown. */
export type Trail = readonly (string | null)[];

export const FIRST_PAGE: Trail = [null];

export function pageNumber(trail: Trail): number {
  return trail.length;
}

export function currentCursor(trail: Trail): string | null {
  return trail[trail.length - 1] ?? null;
}

export function forward(trail: Trail, nextCursor: string): Trail {
  return [...trail, nextCursor];
}

export function back(trail: Trail): Trail {
  return trail.length > 1 ? trail.slice(0, -1) : trail;
}

// The dashboard's filters as last shown, so that going back from a transaction's details finds them.
let lastSearch = "";

export function rememberSearch(search: string): void {
  lastSearch = search;
}

export function rememberedSearch(): string {
  return lastSearch;
}
