"""A small streaming PDF 1.4 writer: text only, in the standard Helvetica fonts.

reportlab keeps every page of a document in memory until it saves, so a PDF of a million billed calls
(tens of thousands of pages) would grow with the invoice. This writer sends each page to the target as
soon as the page is finished, as one zlib-compressed content stream, and remembers only the byte offset of
each object and the id of each page; the page tree, catalog, cross-reference table and trailer are written
at the end. It never seeks, so the target can be any writable stream (an S3 multipart upload).
"""

from __future__ import annotations

import zlib
from typing import Protocol


class WritableTarget(Protocol):
    """Where a document is written: anything with `write` (a file, an S3 multipart upload)."""

    def write(self, data: bytes, /) -> object: ...


REGULAR = "F1"
BOLD = "F2"

# Advance widths (thousandths of the font size) of the characters that right-aligned columns hold, from
# Helvetica's metrics; anything else counts as the width of a digit.
_WIDTHS = {
    " ": 278,
    "\u00a0": 278,  # the no-break space of French amounts ("1 234,56 $")
    "$": 556,
    ",": 278,
    "-": 333,
    ".": 278,
    ":": 278,
    **{digit: 556 for digit in "0123456789"},
}
_DEFAULT_WIDTH = 556

_CATALOG_ID = 1
_PAGES_ID = 2
_REGULAR_FONT_ID = 3
_BOLD_FONT_ID = 4
_FIRST_FREE_ID = 5


def text_width(text: str, size: float) -> float:
    """The width of `text` in points at `size` (exact for digits and the usual punctuation)."""
    return sum(_WIDTHS.get(char, _DEFAULT_WIDTH) for char in text) * size / 1000


def escape(text: str) -> str:
    """A string literal's content: backslash and parentheses escaped, line breaks as spaces."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "(" in text or ")" in text:
        text = text.replace("(", "\\(").replace(")", "\\)")
    if "\n" in text or "\r" in text:
        text = text.replace("\r", " ").replace("\n", " ")
    return text


class PageContent:
    """The drawing operators of one page, kept as text until the page is written."""

    def __init__(self) -> None:
        self._parts: list[str] = ["BT\n"]
        self._font = ""

    def text(self, x: float, y: float, text: str, size: float = 8, font: str = REGULAR) -> None:
        """`text` with its baseline starting at (x, y); `text` is already escaped."""
        selected = f"{font} {size:g}"
        if selected != self._font:
            self._parts.append(f"/{font} {size:g} Tf\n")
            self._font = selected
        self._parts.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm ({text}) Tj\n")

    def text_right(self, right: float, y: float, text: str, size: float = 8, font: str = REGULAR) -> None:
        self.text(right - text_width(text, size), y, text, size, font)

    def encoded(self) -> bytes:
        # cp1252 is what /WinAnsiEncoding means; characters outside it print as "?".
        return "".join([*self._parts, "ET\n"]).encode("cp1252", errors="replace")


class StreamingPdfWriter:
    """Write pages one at a time with `add_page`, then `close` (which does not close the target)."""

    def __init__(self, target: WritableTarget, width: float, height: float, title: str = "") -> None:
        self._target = target
        self.width = width
        self.height = height
        self._title = title
        self._written = 0
        self._offsets: dict[int, int] = {}
        self._page_ids: list[int] = []
        self._next_id = _FIRST_FREE_ID
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        for object_id, font in ((_REGULAR_FONT_ID, "Helvetica"), (_BOLD_FONT_ID, "Helvetica-Bold")):
            self._object(
                object_id,
                f"<< /Type /Font /Subtype /Type1 /BaseFont /{font} /Encoding /WinAnsiEncoding >>".encode(),
            )

    @property
    def page_count(self) -> int:
        return len(self._page_ids)

    def _write(self, data: bytes) -> None:
        self._target.write(data)
        self._written += len(data)

    def _object(self, object_id: int, body: bytes) -> None:
        self._offsets[object_id] = self._written
        self._write(b"%d 0 obj\n" % object_id + body + b"\nendobj\n")

    def _new_id(self) -> int:
        object_id = self._next_id
        self._next_id += 1
        return object_id

    def add_page(self, content: PageContent) -> None:
        stream = zlib.compress(content.encoded(), 6)
        content_id, page_id = self._new_id(), self._new_id()
        self._object(
            content_id,
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        )
        resources = f"<< /Font << /{REGULAR} {_REGULAR_FONT_ID} 0 R /{BOLD} {_BOLD_FONT_ID} 0 R >> >>"
        self._object(
            page_id,
            (
                f"<< /Type /Page /Parent {_PAGES_ID} 0 R /MediaBox [0 0 {self.width:g} {self.height:g}] "
                f"/Resources {resources} /Contents {content_id} 0 R >>"
            ).encode(),
        )
        self._page_ids.append(page_id)

    def close(self) -> None:
        if not self._page_ids:
            self.add_page(PageContent())  # a PDF needs at least one page
        kids = " ".join(f"{page_id} 0 R" for page_id in self._page_ids)
        self._object(
            _PAGES_ID, f"<< /Type /Pages /Kids [{kids}] /Count {len(self._page_ids)} >>".encode("ascii")
        )
        self._object(_CATALOG_ID, f"<< /Type /Catalog /Pages {_PAGES_ID} 0 R >>".encode("ascii"))
        info_id = self._new_id()
        title = escape(self._title).encode("cp1252", errors="replace")
        self._object(info_id, b"<< /Title (" + title + b") >>")
        xref_offset = self._written
        lines = [f"xref\n0 {self._next_id}\n", "0000000000 65535 f \n"]
        lines.extend(f"{self._offsets[object_id]:010d} 00000 n \n" for object_id in range(1, self._next_id))
        lines.append(
            f"trailer\n<< /Size {self._next_id} /Root {_CATALOG_ID} 0 R /Info {info_id} 0 R >>\n"
            f"startxref\n{xref_offset}\n%%EOF\n"
        )
        self._write("".join(lines).encode("ascii"))
