// The Transaction History on the dashboard: one GET /transactions a page. The filters live in the address
// (see historyQuery.ts); the pages seen so far are a trail of cursors for Previous. A reply that comes back
// after a newer request was sent is dropped, so fast clicks never show the wrong page.
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";

import { api, type Schemas } from "../../api/client";
import { t } from "../../i18n/i18n";
import { location, navigate } from "../../router";
import { Notice } from "../ui";
import { HistoryFiltersForm } from "./HistoryFiltersForm";
import { HistoryTable } from "./HistoryTable";
import {
  back,
  currentCursor,
  FIRST_PAGE,
  forward,
  pageNumber,
  readFilters,
  rememberSearch,
  toQuery,
  writeFilters,
  type HistoryFilters,
  type Trail,
} from "./historyQuery";
import { downloadInvoicePdf } from "./invoicePdf";
import { outcome, type Outcome } from "./outcome";
import { Pager } from "./Pager";

type Problem = NonNullable<Outcome<unknown>["problem"]>;

export function TransactionHistory() {
  const filters = readFilters(location.value.search);
  const filtersKey = writeFilters(filters);
  const trail = useSignal<Trail>(FIRST_PAGE);
  const page = useSignal<Schemas["HistoryPage"] | null>(null);
  const problem = useSignal<Problem | null>(null);
  const loading = useSignal(true);
  const download = useSignal<{ kind: "status" | "error"; text: string } | null>(null);
  const latest = useRef(0);

  const show = async (wanted: Trail) => {
    const asked = ++latest.current;
    loading.value = true;
    const answer = await outcome(
      api.GET("/transactions", {
        params: { query: toQuery(filters, currentCursor(wanted)) },
        // The API's own form: type=invoice,refund.
        querySerializer: { array: { style: "form", explode: false } },
      }),
    );
    if (asked !== latest.current) return;
    loading.value = false;
    problem.value = answer.problem;
    page.value = answer.data;
    if (answer.data) trail.value = wanted;
  };

  useEffect(() => {
    rememberSearch(filtersKey);
    void show(FIRST_PAGE);
  }, [filtersKey]);

  const apply = (next: HistoryFilters) => {
    const search = writeFilters(next);
    // The same filters again still ask again (the user expects a fresh table).
    if (search === filtersKey) void show(FIRST_PAGE);
    else navigate(`${location.value.path}${search}`, { replace: true });
  };

  const downloadPdf = async (id: string) => {
    download.value = null;
    const failure = await downloadInvoicePdf(id);
    download.value = failure
      ? { kind: "error", text: failure }
      : { kind: "status", text: t("dashboard.history.downloading", { id }) };
  };

  const items = page.value?.items ?? [];
  const number = pageNumber(trail.value);
  return (
    <section class="history" aria-labelledby="history-title">
      <h2 id="history-title">{t("dashboard.history.title")}</h2>
      <div class="notes">
        <p>{t("dashboard.history.balanceNote")}</p>
        <p>{t("dashboard.history.olderNote")}</p>
      </div>
      <HistoryFiltersForm applied={filters} error={problem.value?.error ?? null} onApply={apply} />
      {problem.value && <Notice kind="error">{problem.value.message}</Notice>}
      {download.value && <Notice kind={download.value.kind}>{download.value.text}</Notice>}
      <p class="visually-hidden" role="status">
        {loading.value
          ? t("shell.loading")
          : page.value &&
            (items.length === 1
              ? t("dashboard.history.shownOne", { page: number })
              : t("dashboard.history.shown", { page: number, count: items.length }))}
      </p>
      {page.value && items.length === 0 && <p class="card empty">{t("dashboard.history.empty")}</p>}
      {items.length > 0 && <HistoryTable items={items} onDownload={downloadPdf} />}
      {(page.value || problem.value === null) && (
        <Pager
          page={number}
          hasNext={Boolean(page.value?.next_cursor)}
          pageSize={filters.pageSize}
          onPrevious={() => !loading.value && void show(back(trail.value))}
          onNext={() => {
            const next = page.value?.next_cursor;
            if (next && !loading.value) void show(forward(trail.value, next));
          }}
          onPageSize={(pageSize) => apply({ ...filters, pageSize })}
        />
      )}
    </section>
  );
}
