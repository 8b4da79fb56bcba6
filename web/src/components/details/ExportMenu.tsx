// The Export menu of an invoice's call records: CSV, XLS (Excel) or PDF. A small export downloads at once;
// a large one says it is being prepared, with a progress bar, until the worker has made it, then
// downloads. What the API refuses (past 6 months, no calls) is said in its own words.
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";

import { api } from "../../api/client";
import type { MessageKey } from "../../i18n/catalogue";
import { locale, t } from "../../i18n/i18n";
import { startDownload } from "../dashboard/invoicePdf";
import { outcome } from "../dashboard/outcome";
import { Notice } from "../ui";
import { EXPORT_FORMATS, runExport, type ExportFormat, type ExportState } from "./exportJob";

const FORMAT_LABELS: Record<ExportFormat, MessageKey> = {
  csv: "details.export.csv",
  xlsx: "details.export.xlsx",
  pdf: "details.export.pdf",
};

const wait = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

export function ExportMenu({ invoiceId, callCount }: { invoiceId: string; callCount: number | null }) {
  const open = useSignal(false);
  const state = useSignal<ExportState>({ phase: "idle" });
  const button = useRef<HTMLButtonElement>(null);
  // Each export started has its number; leaving the page, or starting another, stops the one before.
  const current = useRef(0);
  useEffect(
    () => () => {
      current.current = -1;
    },
    [],
  );

  const menu = useRef<HTMLDivElement>(null);
  const close = () => {
    open.value = false;
    button.current?.focus();
  };

  // A press anywhere else closes the open menu, as a menu of the system does.
  useEffect(() => {
    if (!open.value) return undefined;
    const elsewhere = (event: PointerEvent) => {
      if (!menu.current?.contains(event.target as Node)) open.value = false;
    };
    document.addEventListener("pointerdown", elsewhere);
    return () => document.removeEventListener("pointerdown", elsewhere);
  }, [open.value]);

  const start = (format: ExportFormat) => {
    close();
    const run = ++current.current;
    void runExport(
      format,
      {
        create: (chosen) =>
          outcome(api.POST("/invoices/{id}/cdr-exports", { params: { path: { id: invoiceId } }, body: { format: chosen } })),
        status: (id) => outcome(api.GET("/cdr-exports/{id}", { params: { path: { id } } })),
        wait,
        cancelled: () => current.current !== run,
      },
      (next) => {
        state.value = next;
        if (next.phase === "ready") startDownload(next.url);
      },
    );
  };

  return (
    // Escape closes the menu from wherever focus is inside it (the button and the formats are the controls).
    // eslint-disable-next-line jsx-a11y/no-static-element-interactions
    <div class="export" onKeyDown={(event) => event.key === "Escape" && open.value && close()}>
      <div ref={menu} class="export-menu">
        <button
          ref={button}
          type="button"
          aria-expanded={open.value}
          aria-controls="export-formats"
          onClick={() => (open.value = !open.value)}
        >
          {t("details.export.button")} <span aria-hidden="true">▾</span>
        </button>
        {open.value && (
          <ul id="export-formats" class="export-formats">
            {EXPORT_FORMATS.map((format) => (
              <li key={format}>
                <button type="button" class="link-button" onClick={() => start(format)}>
                  {t(FORMAT_LABELS[format])}
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div class="export-status" role="status">
        <ExportProgress state={state.value} callCount={callCount} />
      </div>
      {state.value.phase === "failed" && <Notice kind="error">{state.value.message}</Notice>}
    </div>
  );
}

function ExportProgress({ state, callCount }: { state: ExportState; callCount: number | null }) {
  if (state.phase === "working") {
    const format = t(FORMAT_LABELS[state.format]);
    return (
      <div class="notice">
        <p>
          {state.queued && callCount !== null
            ? t("details.export.workingLarge", { format, count: new Intl.NumberFormat(locale.value).format(callCount) })
            : t("details.export.working", { format })}
        </p>
        <progress aria-label={t("details.export.progress")} />
      </div>
    );
  }
  if (state.phase === "ready") {
    return (
      <div class="notice notice-success">
        <p>
          {state.rowCount === null
            ? t("details.export.readyNoCount", { filename: state.filename })
            : t("details.export.ready", {
                filename: state.filename,
                count: new Intl.NumberFormat(locale.value).format(state.rowCount),
              })}
        </p>
        <p>
          <a href={state.url}>{t("details.export.again", { filename: state.filename })}</a>
        </p>
      </div>
    );
  }
  return null;
}
