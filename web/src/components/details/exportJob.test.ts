import { describe, expect, it } from "vitest";

import { t } from "../../i18n/i18n";
import type { Outcome } from "../dashboard/outcome";
import { MAX_POLLS, POLL_INTERVAL_MS, runExport, type ExportPorts, type ExportState } from "./exportJob";

type View = { id: string; status: "pending" | "ready" | "failed"; url?: string; filename?: string; row_count?: number; message?: string };

const ok = (view: View): Outcome<View> => ({ data: view, problem: null });
const refused = (status: number, message: string): Outcome<View> => ({ data: null, problem: { status, message, error: null } });
const READY: View = { id: "exp_1", status: "ready", url: "https://files.example/exp_1.csv", filename: "CDR-INV-1.csv", row_count: 5438 };

function ports(created: Outcome<View>, polled: Outcome<View>[] = [], cancelAfterWaits = Infinity) {
  const waits: number[] = [];
  const asked: string[] = [];
  const fake: ExportPorts = {
    create: async () => created,
    status: async (id) => {
      asked.push(id);
      return polled.shift() ?? ok({ id, status: "pending" });
    },
    wait: async (milliseconds) => {
      waits.push(milliseconds);
    },
    cancelled: () => waits.length > cancelAfterWaits,
  };
  return { fake, waits, asked };
}

async function run(fake: ExportPorts) {
  const states: ExportState[] = [];
  const last = await runExport("csv", fake, (state) => states.push(state));
  return { states, last };
}

describe("an export", () => {
  it("made in the request is ready at once, with no polling", async () => {
    const { fake, waits } = ports(ok(READY));
    const { states, last } = await run(fake);
    expect(states.map((state) => state.phase)).toEqual(["working", "ready"]);
    expect(last).toEqual({ phase: "ready", format: "csv", url: READY.url, filename: "CDR-INV-1.csv", rowCount: 5438 });
    expect(waits).toEqual([]);
  });

  it("made by the worker is polled every 1.5 s until ready", async () => {
    const { fake, waits, asked } = ports(ok({ id: "exp_1", status: "pending" }), [ok({ id: "exp_1", status: "pending" }), ok(READY)]);
    const { states, last } = await run(fake);
    expect(states).toEqual([
      { phase: "working", format: "csv", queued: false, polls: 0 },
      { phase: "working", format: "csv", queued: true, polls: 0 },
      { phase: "working", format: "csv", queued: true, polls: 1 },
      expect.objectContaining({ phase: "ready" }),
    ]);
    expect(last?.phase).toBe("ready");
    expect(waits).toEqual([POLL_INTERVAL_MS, POLL_INTERVAL_MS]);
    expect(asked).toEqual(["exp_1", "exp_1"]);
  });

  it("past 6 months says the API's sentence", async () => {
    const sentence = "Call records can be exported for invoices of the last 6 months, and invoice INV-1 is older.";
    const { last } = await run(ports(refused(410, sentence)).fake);
    expect(last).toEqual({ phase: "failed", format: "csv", message: sentence });
  });

  it("that the worker could not make says why", async () => {
    const { fake } = ports(ok({ id: "exp_1", status: "pending" }), [ok({ id: "exp_1", status: "failed", message: "No calls." })]);
    expect((await run(fake)).last).toEqual({ phase: "failed", format: "csv", message: "No calls." });
    const { fake: silent } = ports(ok({ id: "exp_1", status: "pending" }), [ok({ id: "exp_1", status: "failed" })]);
    expect((await run(silent)).last).toEqual({ phase: "failed", format: "csv", message: t("details.export.failed") });
  });

  it("rides out a dropped connection or two while polling, not three", async () => {
    const offline = refused(0, t("shell.offline"));
    const { fake } = ports(ok({ id: "exp_1", status: "pending" }), [offline, offline, ok(READY)]);
    expect((await run(fake)).last?.phase).toBe("ready");
    const { fake: gone } = ports(ok({ id: "exp_1", status: "pending" }), [offline, offline, offline]);
    expect((await run(gone)).last).toEqual({ phase: "failed", format: "csv", message: t("shell.offline") });
  });

  it("stops asking once the page is left, and tells nobody", async () => {
    const { fake, asked } = ports(ok({ id: "exp_1", status: "pending" }), [], 2);
    const { states, last } = await run(fake);
    expect(last).toBeNull();
    expect(asked).toHaveLength(2);
    expect(states.at(-1)).toEqual({ phase: "working", format: "csv", queued: true, polls: 2 });
  });

  it("gives up after about ten minutes with a sentence", async () => {
    const { fake, asked } = ports(ok({ id: "exp_1", status: "pending" }));
    const { last } = await run(fake);
    expect(asked).toHaveLength(MAX_POLLS);
    expect(last).toEqual({ phase: "failed", format: "csv", message: t("details.export.slow") });
  });
});
