"""An invoice as the PDF a customer downloads, drawn with reportlab.

Only the invoice PDF function imports this module (reportlab costs a noticeable share of a cold start).
The standard Helvetica fonts use WinAnsi encoding, which covers French accents (Montréal, Québec).
The output is invariant (no creation time, no random document id): drawing the same invoice twice gives
the same bytes, so two requests racing to draw and store it leave the same file.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import IO, Any
from xml.sax.saxutils import escape  # nosec B406 # escapes text for reportlab's markup; parses no XML

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from billing_portal.ledger.model import ACCOUNT_CREDIT
from billing_portal.ledger.ports import Account, Address
from billing_portal.shared.money import format_cents

PROVIDER = "net2phone Canada"
BILLING_EMAIL = "billing@net2phone.ca"
BILLING_PHONE = "1-877-498-3772 (option 4)"
PORTAL = "net2phone Canada Billing Portal"

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_CATEGORY_TITLES = {"service": "Services", "usage": "Usage"}

_PAGE_WIDTH, _PAGE_HEIGHT = LETTER
_MARGIN = 0.75 * inch
_FRAME_PADDING = 6  # platypus' default padding inside the page's frame
_LEFT, _RIGHT_EDGE = _MARGIN + _FRAME_PADDING, _PAGE_WIDTH - _MARGIN - _FRAME_PADDING
_BODY_WIDTH = _RIGHT_EDGE - _LEFT
_INK = colors.HexColor("#1f2933")
_MUTED = colors.HexColor("#52606d")
_RULE = colors.HexColor("#cbd2d9")
_SHADE = colors.HexColor("#f0f4f8")

_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=12, textColor=_INK)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8, leading=10, textColor=_MUTED)
_BOLD = ParagraphStyle("bold", parent=_BODY, fontName="Helvetica-Bold")
_RIGHT = ParagraphStyle("right", parent=_BODY, alignment=TA_RIGHT)
_BOLD_RIGHT = ParagraphStyle("bold_right", parent=_BOLD, alignment=TA_RIGHT)
_PROVIDER = ParagraphStyle("provider", parent=_BODY, fontName="Helvetica-Bold", fontSize=18, leading=22)
_TITLE = ParagraphStyle("title", parent=_PROVIDER, alignment=TA_RIGHT)
_HEADING = ParagraphStyle(
    "heading",
    parent=_BODY,
    fontName="Helvetica-Bold",
    fontSize=11,
    leading=14,
    spaceBefore=10,
    spaceAfter=4,
)


def dollars(cents: int) -> str:
    """`123456` -> `"$1,234.56"`, `-2000` -> `"-$20.00"`: integer cents, never floats."""
    whole, _, fraction = format_cents(abs(cents)).partition(".")
    return f"{'-' if cents < 0 else ''}${int(whole):,}.{fraction}"


def long_date(value: str | date) -> str:
    """`2026-10-01` -> `October 1, 2026`, whatever the process's locale."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def applied_label(source_id: str) -> str:
    if source_id == ACCOUNT_CREDIT:
        return "Credit on account"
    if source_id.startswith("PAY-"):
        return f"Payment {source_id}"
    if source_id.startswith("CR-"):
        return f"Credit {source_id}"
    return source_id


def _text(value: object, style: ParagraphStyle = _BODY) -> Paragraph:
    # Paragraphs read a markup language: text from the billing engine is escaped (A&B Telecom, <Main>).
    return Paragraph(escape(str(value)), style)


def _address_lines(address: Address) -> list[str]:
    lines = [address.line1]
    if address.line2:
        lines.append(address.line2)
    lines.append(f"{address.city}, {address.province}  {address.postal_code}")
    lines.append("Canada" if address.country == "CA" else address.country)
    return lines


def _header(invoice: dict[str, Any]) -> Table:
    provider = [
        Paragraph(escape(PROVIDER), _PROVIDER),
        _text("Billing Team", _SMALL),
        _text(BILLING_EMAIL, _SMALL),
        _text(BILLING_PHONE, _SMALL),
    ]
    title = [
        Paragraph("INVOICE", _TITLE),
        _text(f"Invoice number {invoice['id']}", _RIGHT),
        _text(f"Issue date {long_date(invoice['issue_date'])}", _RIGHT),
        _text(f"Due date {long_date(invoice['due_date'])}", _RIGHT),
    ]
    table = Table([[provider, title]], colWidths=[_BODY_WIDTH * 0.55, _BODY_WIDTH * 0.45])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 1, _INK),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 10),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _parties(invoice: dict[str, Any], account: Account) -> Table:
    bill_to = [_text("Bill to", _SMALL), _text(account.name, _BOLD)]
    bill_to += [_text(line) for line in _address_lines(account.billing_address)]
    period = f"{long_date(invoice['period_start'])} to {long_date(invoice['period_end'])}"
    details = [
        ["Account number", account.account_number],
        ["Account name", account.name],
        ["Billing period", period],
        ["Issue date", long_date(invoice["issue_date"])],
        ["Due date", long_date(invoice["due_date"])],
    ]
    account_table = Table(
        [[_text(label, _SMALL), _text(value)] for label, value in details],
        colWidths=[1.1 * inch, _BODY_WIDTH * 0.55 - 1.1 * inch],
    )
    account_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    table = Table([[bill_to, account_table]], colWidths=[_BODY_WIDTH * 0.45, _BODY_WIDTH * 0.55])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return table


def _balance_due(invoice: dict[str, Any]) -> int:
    balance: int = invoice["total_cents"] - invoice["amount_paid_cents"]
    return balance


def _summary(invoice: dict[str, Any]) -> Table:
    """The three figures a customer looks for first, in a shaded band."""
    cells = [
        [
            _text("Total this invoice", _SMALL),
            _text("Payments and credits applied", _SMALL),
            _text(f"Balance due by {long_date(invoice['due_date'])}", _SMALL),
        ],
        [
            _text(dollars(invoice["total_cents"]), _BOLD),
            _text(dollars(-invoice["amount_paid_cents"]), _BOLD),
            _text(dollars(_balance_due(invoice)), _BOLD),
        ],
    ]
    table = Table(cells, colWidths=[_BODY_WIDTH / 3] * 3)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), _SHADE),
                ("TOPPADDING", (0, 0), (-1, 0), 6),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
            ]
        )
    )
    return table


def _lines_table(title: str, lines: list[dict[str, Any]]) -> Table:
    """One section of charges; the column headings repeat on every page the table flows onto."""
    rows: list[list[Any]] = [
        [_text("Description", _BOLD), _text("Quantity", _BOLD_RIGHT), _text("Amount", _BOLD_RIGHT)],
    ]
    rows += [
        [_text(line["description"]), f"{line['quantity']:,}", dollars(line["amount_cents"])] for line in lines
    ]
    rows.append(
        [_text(f"Total {title.lower()}", _BOLD), "", dollars(sum(li["amount_cents"] for li in lines))]
    )
    table = Table(rows, colWidths=[_BODY_WIDTH - 2.4 * inch, 1.0 * inch, 1.4 * inch], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
                ("FONT", (1, 0), (-1, 0), "Helvetica-Bold", 9),
                ("FONT", (1, -1), (-1, -1), "Helvetica-Bold", 9),
                ("TEXTCOLOR", (0, 0), (-1, -1), _INK),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, _INK),
                ("LINEBELOW", (0, 1), (-1, -2), 0.25, _RULE),
                ("LINEABOVE", (0, -1), (-1, -1), 0.75, _INK),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _sections(lines: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Service lines, then usage lines, then any other category, each in the invoice's order."""
    order = list(_CATEGORY_TITLES) + sorted({line["category"] for line in lines} - set(_CATEGORY_TITLES))
    sections = []
    for category in order:
        of_category = [line for line in lines if line["category"] == category]
        if of_category:
            sections.append((_CATEGORY_TITLES.get(category, str(category).capitalize()), of_category))
    return sections


def _totals(invoice: dict[str, Any]) -> Table:
    rows: list[tuple[str, str]] = [("Subtotal", dollars(invoice["subtotal_cents"]))]
    rows += [(str(tax["name"]), dollars(tax["amount_cents"])) for tax in invoice["taxes"]]
    rows.append(("Total", dollars(invoice["total_cents"])))
    total_row = len(rows) - 1
    applied = invoice.get("applied") or []
    rows += [(applied_label(a["source_id"]), dollars(-a["cents"])) for a in applied]
    if not applied:
        rows.append(("Payments and credits applied", dollars(0)))
    rows.append(("Balance due", dollars(_balance_due(invoice))))
    label_width = 2.6 * inch
    table = Table(
        [["", label, amount] for label, amount in rows],
        colWidths=[_BODY_WIDTH - label_width - 1.4 * inch, label_width, 1.4 * inch],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
                ("TEXTCOLOR", (0, 0), (-1, -1), _INK),
                ("ALIGN", (2, 0), (2, -1), "RIGHT"),
                ("FONT", (1, total_row), (-1, total_row), "Helvetica-Bold", 9),
                ("LINEABOVE", (1, total_row), (-1, total_row), 0.75, _INK),
                ("FONT", (1, -1), (-1, -1), "Helvetica-Bold", 11),
                ("LINEABOVE", (1, -1), (-1, -1), 1, _INK),
                ("BACKGROUND", (1, -1), (-1, -1), _SHADE),
                ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _how_to_pay(invoice: dict[str, Any]) -> list[Flowable]:
    return [
        Paragraph("How to pay", _HEADING),
        _text(
            f"Pay online in the {PORTAL}: sign in, then choose Make a Payment on the Account Dashboard "
            "to pay with a saved card or a new one. Please pay the balance due by "
            f"{long_date(invoice['due_date'])}."
        ),
        Spacer(0, 4),
        _text(
            "Auto Pay: turn on Auto Pay in the Billing Portal and each invoice is charged to your chosen "
            "saved card on its due date."
        ),
        Spacer(0, 4),
        _text(
            f"Questions about this invoice? Contact the {PROVIDER} Billing Team at {BILLING_EMAIL} "
            f"or {BILLING_PHONE}."
        ),
    ]


def _story(invoice: dict[str, Any], account: Account) -> list[Flowable]:
    story: list[Flowable] = [_header(invoice), _parties(invoice, account), Spacer(0, 12), _summary(invoice)]
    for title, lines in _sections(invoice["lines"]):
        # A section starts on a new page rather than leave its heading alone at the foot of one.
        story += [CondPageBreak(inch), Paragraph(escape(title), _HEADING), _lines_table(title, lines)]
    # The totals and the payment instructions each stay on one page.
    story += [Spacer(0, 12), KeepTogether([_totals(invoice)]), KeepTogether(_how_to_pay(invoice))]
    return story


def _fit(text: str, width: float, size: float, font: str = "Helvetica") -> str:
    """`text` shortened with an ellipsis to fit on one line of `width` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(f"{text}…", font, size) > width:
        text = text[:-1]
    return f"{text.rstrip()}…"


def _page_decorator(
    invoice: dict[str, Any], account: Account, page_count: int | None
) -> Callable[[Any, Any], None]:
    """The footer of every page: who and what, and `Page N of M` (M from the first pass)."""

    def decorate(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(_MUTED)
        canvas.setStrokeColor(_RULE)
        canvas.line(_LEFT, _MARGIN - 8, _RIGHT_EDGE, _MARGIN - 8)
        about = f"{PROVIDER} · Invoice {invoice['id']} · Account {account.account_number}"
        canvas.drawString(_LEFT, _MARGIN - 20, _fit(about, _BODY_WIDTH - 1.2 * inch, 8))
        number = canvas.getPageNumber()
        canvas.drawRightString(_RIGHT_EDGE, _MARGIN - 20, f"Page {number} of {page_count or 0}")
        if number > 1:
            continued = _fit(f"Invoice {invoice['id']} (continued) · {account.name}", _BODY_WIDTH, 8)
            canvas.drawString(_LEFT, _PAGE_HEIGHT - _MARGIN + 12, continued)
        canvas.restoreState()

    return decorate


def _build(invoice: dict[str, Any], account: Account, target: IO[bytes], page_count: int | None) -> int:
    document = SimpleDocTemplate(
        target,
        pagesize=LETTER,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=f"Invoice {invoice['id']}",
        author=PROVIDER,
        subject=f"{PROVIDER} invoice {invoice['id']} for account {account.account_number}",
        creator=PROVIDER,
        invariant=True,
        pageCompression=1,
        lang="en-CA",
    )
    decorate = _page_decorator(invoice, account, page_count)
    document.build(_story(invoice, account), onFirstPage=decorate, onLaterPages=decorate)
    pages: int = document.page
    return pages


def draw_invoice(invoice: dict[str, Any], account: Account, target: IO[bytes]) -> None:
    """Draw the invoice document (as the ledger store keeps it) into `target`, a writable binary stream.

    Two passes: the first only counts the pages, so that every page can say `Page N of M`. An invoice has
    at most a few hundred lines, so drawing it twice costs little, and nothing needs to hold the pages."""
    page_count = _build(invoice, account, io.BytesIO(), None)
    _build(invoice, account, target, page_count)
