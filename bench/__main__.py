"""Runs every section of the benchmark in turn and ends with the tally of targets met."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from bench import aws_calls, cdr_export, cold_start, web
from bench.report import Report


@dataclass(frozen=True)
class Section:
    title: str
    run: Callable[[Report], None]


SECTIONS = [
    Section("Cold start (target: each function <= 1.25x the floor)", cold_start.run),
    Section("AWS calls per request (moto in-process)", aws_calls.run),
    Section("Billed CDR export", cdr_export.run),
    Section("Customer portal (first load, dashboard calls, Lighthouse)", web.run),
]


def main() -> int:
    report = Report()
    started = time.perf_counter()
    broken = []
    for section in SECTIONS:
        report.heading(section.title)
        section_started = time.perf_counter()
        try:
            section.run(report)
        except Exception:  # noqa: BLE001 - one broken section must not hide the others' results
            broken.append(section.title)
            report.line("This section failed:")
            report.line(traceback.format_exc().rstrip())
        report.line(f"({time.perf_counter() - section_started:.0f} s)")
    report.line()
    report.line(f"{report.met} of {report.targets} targets met ({time.perf_counter() - started:.0f} s).")
    for name in report.missed:
        report.line(f"  not met: {name}")
    if broken:
        report.line(f"Sections that could not run: {', '.join(broken)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
