"""Printing the benchmark: headings, aligned tables, and the tally of targets met."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

PASS = "PASS"  # noqa: S105 - a status, not a password  # nosec B105
OVER = "OVER"
ERROR = "ERROR"
INFO = "info"


@dataclass
class Report:
    out: TextIO = sys.stdout
    met: int = 0
    missed: list[str] = field(default_factory=list)

    @property
    def targets(self) -> int:
        return self.met + len(self.missed)

    def target(self, name: str, within: bool) -> str:
        """Record one target; answers the status to print beside it."""
        if within:
            self.met += 1
            return PASS
        self.missed.append(name)
        return OVER

    def error(self, name: str) -> str:
        """A target that could not be measured counts as not met."""
        self.missed.append(f"{name} (not measured)")
        return ERROR

    def heading(self, title: str) -> None:
        self.line()
        self.line(title)
        self.line("=" * len(title))

    def line(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> None:
        """Columns padded to their widest cell; the columns numbered in `right` are right-aligned."""
        widths = [len(h) for h in headers]
        for row in rows:
            widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

        def render(cells: Sequence[str]) -> str:
            padded = [
                cell.rjust(width) if i in right else cell.ljust(width)
                for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
            ]
            return "  ".join(padded).rstrip()

        self.line(render(headers))
        self.line("  ".join("-" * w for w in widths))
        for row in rows:
            self.line(render(row))
