// A CDR export from request to file: POST /invoices/{id}/cdr-exports answers 201 with the file when it was
// made in the request, or 202 while the worker makes a large one; then GET /cdr-exports/{id} about every
// 1.5 s says when it is ready (or why it failed). The requests and the waiting are passed in, so the
// sequence is tested without a network or a clock.
import type { Schemas } from "../../api/client";
import { t } from "../../i18n/i18n";
import type { Outcome } from "../dashboard/outcome";

export type ExportFormat = Schemas["ExportRequest"]["format"];
export const EXPORT_FORMATS: readonly ExportFormat[] = ["csv", "xlsx", "pdf"];
type ExportView = Schemas["ExportView"];

export type ExportState =
  | { phase: "idle" }
  | { phase: "working"; format: ExportFormat; queued: boolean; polls: number }
  | { phase: "ready"; format: ExportFormat; url: string; filename: string; rowCount: number | null }
  | { phase: "failed"; format: ExportFormat; message: string };

export interface ExportPorts {
  create: (format: ExportFormat) => Promise<Outcome<ExportView>>;
  status: (id: string) => Promise<Outcome<ExportView>>;
  wait: (milliseconds: number) => Promise<void>;
  /** True once nobody is waiting for the export any more (the page was left). */
  cancelled: () => boolean;
}

export const POLL_INTERVAL_MS = 1500;
// About ten minutes of asking; the worker's own limit is far longer, but a person should hear something.
export const MAX_POLLS = 400;
// A dropped connection or a throttled request or two while polling is no reason to give up on an export the
// worker is making; any other refusal is final.
const TOLERATED_FAILURES = 3;

function settled(format: ExportFormat, view: ExportView): ExportState | null {
  if (view.status === "ready" && view.url) {
    return { phase: "ready", format, url: view.url, filename: view.filename ?? "", rowCount: view.row_count ?? null };
  }
  if (view.status === "failed" || (view.status === "ready" && !view.url)) {
    return { phase: "failed", format, message: view.message ?? t("details.export.failed") };
  }
  return null;
}

/** Runs one export, telling `onChange` each state; resolves with the last (null when cancelled). */
export async function runExport(
  format: ExportFormat,
  ports: ExportPorts,
  onChange: (state: ExportState) => void,
): Promise<ExportState | null> {
  const report = (state: ExportState) => {
    if (ports.cancelled()) return null;
    onChange(state);
    return state;
  };
  report({ phase: "working", format, queued: false, polls: 0 });
  const created = await ports.create(format);
  if (created.problem) return report({ phase: "failed", format, message: created.problem.message });
  const done = settled(format, created.data);
  if (done) return report(done);
  // A large one: the worker makes it.
  report({ phase: "working", format, queued: true, polls: 0 });
  let failures = 0;
  for (let polls = 1; polls <= MAX_POLLS; polls += 1) {
    await ports.wait(POLL_INTERVAL_MS);
    if (ports.cancelled()) return null;
    const asked = await ports.status(created.data.id);
    if (asked.problem) {
      failures += 1;
      if (failures >= TOLERATED_FAILURES || (asked.problem.status >= 400 && asked.problem.status < 500 && asked.problem.status !== 429)) {
        return report({ phase: "failed", format, message: asked.problem.message });
      }
      continue;
    }
    failures = 0;
    const finished = settled(format, asked.data);
    if (finished) return report(finished);
    report({ phase: "working", format, queued: true, polls });
  }
  return report({ phase: "failed", format, message: t("details.export.slow") });
}
