"""An invoice as the PDF a customer downloads, drawn with reportlab in the reader's language: its labels,
amounts ("$1,234.56", "1 234,56 $"), dates, the taxes' names (GST or TPS) and the provider's names.

Only the invoice PDF function imports this module (reportlab costs a noticeable share of a cold start).
The standard Helvetica fonts use WinAnsi encoding, which covers French accents (Montréal, Québec); it has
one space glyph, which draws the no-break spaces of French amounts too.
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

from billing_portal.i18n import _
from billing_portal.i18n.words import Words
from billing_portal.ledger.model import ACCOUNT_CREDIT
from billing_portal.ledger.ports import Account, Address
from billing_portal.ledger.taxes import tax_label

_CATEGORY_TITLES = {"service": _("Services"), "usage": _("Usage")}
_CATEGORY_TOTALS = {"service": _("Total services"), "usage": _("Total usage")}

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


def _day(value: str | date) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def applied_label(source_id: str, words: Words) -> str:
    if source_id == ACCOUNT_CREDIT:
        return words(_("Credit on account"))
    if source_id.startswith("PAY-"):
        return words(_("Payment {payment_id}", payment_id=source_id))
    if source_id.startswith("CR-"):
        return words(_("Credit {credit_id}", credit_id=source_id))
    return source_id


def line_description(line: dict[str, Any], words: Words) -> str:
    """The line as the billing engine describes it, in French when it gives a French description."""
    if words.language == "fr" and line.get("description_fr"):
        return str(line["description_fr"])
    return str(line["description"])


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


def _header(invoice: dict[str, Any], words: Words) -> Table:
    brand = words.brand
    provider = [
        Paragraph(escape(brand["provider"]), _PROVIDER),
        _text(words(_("Billing Team")), _SMALL),
        _text(brand["billing_email"], _SMALL),
        _text(brand["billing_phone"], _SMALL),
    ]
    title = [
        Paragraph(escape(words(_("INVOICE"))), _TITLE),
        _text(words(_("Invoice number {invoice_id}", invoice_id=invoice["id"])), _RIGHT),
        _text(words(_("Issue date {date}", date=_day(invoice["issue_date"]))), _RIGHT),
        _text(words(_("Due date {date}", date=_day(invoice["due_date"]))), _RIGHT),
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


def _parties(invoice: dict[str, Any], account: Account, words: Words) -> Table:
    bill_to = [_text(words(_("Bill to")), _SMALL), _text(account.name, _BOLD)]
    bill_to += [_text(line) for line in _address_lines(account.billing_address)]
    period = _("{start} to {end}", start=_day(invoice["period_start"]), end=_day(invoice["period_end"]))
    details = [
        (_("Account number"), account.account_number),
        (_("Account name"), account.name),
        (_("Billing period"), words(period)),
        (_("Issue date"), words.date(_day(invoice["issue_date"]))),
        (_("Due date"), words.date(_day(invoice["due_date"]))),
    ]
    label_width = 1.2 * inch  # "Période de facturation" on one line
    account_table = Table(
        [[_text(words(label), _SMALL), _text(value)] for label, value in details],
        colWidths=[label_width, _BODY_WIDTH * 0.6 - label_width],
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
    # Wide enough for the billing period on one line in either language.
    table = Table([[bill_to, account_table]], colWidths=[_BODY_WIDTH * 0.4, _BODY_WIDTH * 0.6])
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


def _summary(invoice: dict[str, Any], words: Words) -> Table:
    """The three figures a customer looks for first, in a shaded band."""
    cells = [
        [
            _text(words(_("Total this invoice")), _SMALL),
            _text(words(_("Payments and credits applied")), _SMALL),
            _text(words(_("Balance due by {date}", date=_day(invoice["due_date"]))), _SMALL),
        ],
        [
            _text(words.money(invoice["total_cents"]), _BOLD),
            _text(words.money(-invoice["amount_paid_cents"]), _BOLD),
            _text(words.money(_balance_due(invoice)), _BOLD),
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


def _lines_table(total_label: str, lines: list[dict[str, Any]], words: Words) -> Table:
    """One section of charges; the column headings repeat on every page the table flows onto."""
    rows: list[list[Any]] = [
        [
            _text(words(_("Description")), _BOLD),
            _text(words(_("Quantity")), _BOLD_RIGHT),
            _text(words(_("Amount")), _BOLD_RIGHT),
        ],
    ]
    rows += [
        [
            _text(line_description(line, words)),
            words.number(int(line["quantity"])),
            words.money(line["amount_cents"]),
        ]
        for line in lines
    ]
    rows.append([_text(total_label, _BOLD), "", words.money(sum(li["amount_cents"] for li in lines))])
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


def _sections(lines: list[dict[str, Any]], words: Words) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """Service lines, then usage lines, then any other category, each in the invoice's order: each
    section's title, the label of its total, and its lines."""
    order = list(_CATEGORY_TITLES) + sorted({line["category"] for line in lines} - set(_CATEGORY_TITLES))
    sections = []
    for category in order:
        of_category = [line for line in lines if line["category"] == category]
        if not of_category:
            continue
        if category in _CATEGORY_TITLES:
            title, total = words(_CATEGORY_TITLES[category]), words(_CATEGORY_TOTALS[category])
        else:  # a category of the billing engine's own, named as it names it
            title = str(category).capitalize()
            total = words(_("Total {category}", category=title))
        sections.append((title, total, of_category))
    return sections


def _totals(invoice: dict[str, Any], words: Words) -> Table:
    money = words.money
    rows: list[tuple[str, str]] = [(words(_("Subtotal")), money(invoice["subtotal_cents"]))]
    rows += [
        (words(tax_label(str(tax["name"]), str(tax["rate"]))), money(tax["amount_cents"]))
        for tax in invoice["taxes"]
    ]
    rows.append((words(_("Total")), money(invoice["total_cents"])))
    total_row = len(rows) - 1
    applied = invoice.get("applied") or []
    rows += [(applied_label(a["source_id"], words), money(-a["cents"])) for a in applied]
    if not applied:
        rows.append((words(_("Payments and credits applied")), money(0)))
    rows.append((words(_("Balance due")), money(_balance_due(invoice))))
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


def _how_to_pay(invoice: dict[str, Any], words: Words) -> list[Flowable]:
    due = _day(invoice["due_date"])
    return [
        Paragraph(escape(words(_("How to pay"))), _HEADING),
        _text(
            words(
                _(
                    "Pay online in the {provider} {portal}: sign in, then choose Make a Payment on the "
                    "Account Dashboard to pay with a saved card or a new one. Please pay the balance due by "
                    "{date}.",
                    date=due,
                )
            )
        ),
        Spacer(0, 4),
        _text(
            words(
                _(
                    "Auto Pay: turn on Auto Pay in the {portal} and each invoice is charged to your chosen "
                    "saved card on its due date."
                )
            )
        ),
        Spacer(0, 4),
        _text(words(_("Questions about this invoice? Contact {billing_team}."))),
    ]


def _story(invoice: dict[str, Any], account: Account, words: Words) -> list[Flowable]:
    story: list[Flowable] = [
        _header(invoice, words),
        _parties(invoice, account, words),
        Spacer(0, 12),
        _summary(invoice, words),
    ]
    for title, total, lines in _sections(invoice["lines"], words):
        # A section starts on a new page rather than leave its heading alone at the foot of one.
        story += [
            CondPageBreak(inch),
            Paragraph(escape(title), _HEADING),
            _lines_table(total, lines, words),
        ]
    # The totals and the payment instructions each stay on one page.
    story += [
        Spacer(0, 12),
        KeepTogether([_totals(invoice, words)]),
        KeepTogether(_how_to_pay(invoice, words)),
    ]
    return story


def _fit(text: str, width: float, size: float, font: str = "Helvetica") -> str:
    """`text` shortened with an ellipsis to fit on one line of `width` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(f"{text}…", font, size) > width:
        text = text[:-1]
    return f"{text.rstrip()}…"


def _page_decorator(
    invoice: dict[str, Any], account: Account, words: Words, page_count: int | None
) -> Callable[[Any, Any], None]:
    """The footer of every page: who and what, and `Page N of M` (M from the first pass)."""
    about = words(
        _(
            "{provider} · Invoice {invoice_id} · Account {account_number}",
            invoice_id=invoice["id"],
            account_number=account.account_number,
        )
    )
    continued = words(
        _(
            "Invoice {invoice_id} (continued) · {account_name}",
            invoice_id=invoice["id"],
            account_name=account.name,
        )
    )

    def decorate(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(_MUTED)
        canvas.setStrokeColor(_RULE)
        canvas.line(_LEFT, _MARGIN - 8, _RIGHT_EDGE, _MARGIN - 8)
        canvas.drawString(_LEFT, _MARGIN - 20, _fit(about, _BODY_WIDTH - 1.2 * inch, 8))
        number = canvas.getPageNumber()
        page_of = words(_("Page {number} of {count}", number=number, count=page_count or 0))
        canvas.drawRightString(_RIGHT_EDGE, _MARGIN - 20, page_of)
        if number > 1:
            canvas.drawString(_LEFT, _PAGE_HEIGHT - _MARGIN + 12, _fit(continued, _BODY_WIDTH, 8))
        canvas.restoreState()

    return decorate


def _build(
    invoice: dict[str, Any], account: Account, words: Words, target: IO[bytes], page_count: int | None
) -> int:
    provider = words.brand["provider"]
    document = SimpleDocTemplate(
        target,
        pagesize=LETTER,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=words(_("Invoice {invoice_id}", invoice_id=invoice["id"])),
        author=provider,
        subject=words(
            _(
                "{provider} invoice {invoice_id} for account {account_number}",
                invoice_id=invoice["id"],
                account_number=account.account_number,
            )
        ),
        creator=provider,
        invariant=True,
        pageCompression=1,
        lang=f"{words.language}-CA",
    )
    decorate = _page_decorator(invoice, account, words, page_count)
    document.build(_story(invoice, account, words), onFirstPage=decorate, onLaterPages=decorate)
    pages: int = document.page
    return pages


def draw_invoice(invoice: dict[str, Any], account: Account, target: IO[bytes], words: Words) -> None:
    """Draw the invoice document (as the ledger store keeps it) into `target`, a writable binary stream, in
    the reader's `words`: labels, amounts, dates, the taxes' names and the provider's names.

    Two passes: the first only counts the pages, so that every page can say `Page N of M`. An invoice has
    at most a few hundred lines, so drawing it twice costs little, and nothing needs to hold the pages."""
    page_count = _build(invoice, account, words, io.BytesIO(), None)
    _build(invoice, account, words, target, page_count)
