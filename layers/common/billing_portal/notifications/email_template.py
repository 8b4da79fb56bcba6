"""The one layout of every email the portal sends, in the spirit of a provider's receipt: a header with the
provider's name, a greeting and what happened, the figure that matters most set large, a short summary table,
one button to the portal page concerned, and a footer that says why the reader gets the email and how to
reach the billing team. The text part carries the same, line by line.

Email clients strip `<style>` and block images, so the HTML is tables with inline styles and no image: it
reads the same without images, and fits a phone (fluid up to 600px wide). Every value is escaped; every
sentence comes from the catalogues, in the reader's language (`Words`)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from string import Template
from typing import Any, NamedTuple

from billing_portal.i18n import Text, _
from billing_portal.i18n.words import Words

FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
TYPED_FONT = "SFMono-Regular,Menlo,Consolas,'Liberation Mono','Courier New',monospace"

# Contrast with their background, well above WCAG AA's 4.5:1: ink 14.8:1 on white, muted 7.5:1 on white and
# 6.7:1 on the page, white 11.9:1 on the header and 7.1:1 on the button.
INK = "#1f2933"
MUTED = "#4a5663"
PAGE = "#eef2f6"
HEADER = "#0b3a5b"
HEADER_SUBTLE = "#cfe0ef"
ACCENT = "#0a58a6"
PANEL = "#f3f6f9"
RULE = "#dce3ea"


@dataclass(frozen=True)
class Row:
    """A line of the summary: its label, and a value as `Words.value` writes it (a Text, an `Amount`, a
    `Moment`, a date, or a plain string)."""

    label: Text
    value: Any
    typed: bool = False  # a value to type in as shown (a password, a code): set in a fixed-width font


@dataclass(frozen=True)
class Content:
    """What one email says, before it is put into words."""

    subject: Text
    title: Text
    first_name: str  # of the reader, whom it greets
    lead: tuple[Text, ...]  # what happened, before the summary
    summary: tuple[Row, ...]
    button: Text  # what the button does
    url: str  # the portal page it opens
    reason: Text  # why the reader gets this email
    highlight: Row | None = None  # the figure that matters most (an amount, a code), set large
    notes: tuple[Text, ...] = ()  # what to know or do next, after the button


class Rendered(NamedTuple):
    subject: str
    text: str
    html: str


_BUTTON_FALLBACK = _("If the button does not work, copy this link into your browser:")
_CONTACT = _("Questions? Contact {billing_team}.")

_DOCUMENT = Template(
    """<!DOCTYPE html>
<html lang="$lang" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light">
<meta name="supported-color-schemes" content="light">
<title>$subject</title>
</head>
<body style="margin:0;padding:0;width:100%;background-color:$page;">
<div style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;">$preheader</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" \
style="width:100%;background-color:$page;">
<tr><td align="center" style="padding:24px 6px;">
<!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0">\
<tr><td><![endif]-->
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" \
style="width:100%;max-width:600px;">
<tr><td style="background-color:$header;border-radius:8px 8px 0 0;padding:20px 24px;font-family:$font;">
<div style="font-size:20px;line-height:28px;font-weight:bold;color:#ffffff;">$provider</div>
<div style="font-size:14px;line-height:20px;color:$header_subtle;">$portal</div>
</td></tr>
<tr><td style="background-color:#ffffff;border:1px solid $rule;border-top:0;border-radius:0 0 8px 8px;\
padding:28px 22px;font-family:$font;font-size:16px;line-height:24px;color:$ink;\
overflow-wrap:anywhere;word-break:break-word;">
<h1 style="margin:0 0 16px;font-family:$font;font-size:22px;line-height:30px;font-weight:bold;color:$ink;">\
$title</h1>
<p style="margin:0 0 16px;">$greeting</p>
$lead$highlight$summary$button$notes</td></tr>
<tr><td style="padding:20px 24px 8px;font-family:$font;font-size:13px;line-height:20px;color:$muted;\
overflow-wrap:anywhere;word-break:break-word;">
<p style="margin:0 0 8px;">$reason</p>
<p style="margin:0 0 8px;">$contact</p>
<p style="margin:0;">$provider &middot; $portal</p>
</td></tr>
</table>
<!--[if mso]></td></tr></table><![endif]-->
</td></tr>
</table>
</body>
</html>
"""
)

_PARAGRAPH = Template('<p style="margin:0 0 16px;">$text</p>\n')

_HIGHLIGHT = Template(
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
    'style="width:100%;margin:0 0 20px;">\n'
    '<tr><td style="padding:16px;background-color:$panel;border-radius:6px;font-family:$font;">\n'
    '<div style="font-size:14px;line-height:20px;color:$muted;">$label</div>\n'
    '<div style="font-family:$value_font;font-size:28px;line-height:36px;font-weight:bold;color:$ink;">'
    "$value</div>\n"
    "</td></tr>\n</table>\n"
)

_SUMMARY = Template(
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
    'style="width:100%;margin:0 0 24px;border-collapse:collapse;border-bottom:1px solid $rule;">\n'
    "$rows</table>\n"
)

_ROW = Template(
    "<tr>"
    '<td valign="top" style="width:35%;padding:10px 12px 10px 0;border-top:1px solid $rule;'
    'font-family:$font;font-size:14px;line-height:20px;color:$muted;">$label</td>'
    '<td valign="top" align="right" style="padding:10px 0;border-top:1px solid $rule;font-family:$value_font;'
    'font-size:14px;line-height:20px;font-weight:bold;color:$ink;text-align:right;">$value</td>'
    "</tr>\n"
)

# A link styled as a button inside a table cell that carries its colour, so that it shows as a button even
# where the link's own padding and background are dropped (Outlook); as wide as the email, for a thumb.
_BUTTON = Template(
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
    'style="width:100%;margin:0 0 12px;">\n'
    '<tr><td align="center" bgcolor="$accent" style="border-radius:6px;background-color:$accent;">'
    '<a href="$url" target="_blank" style="display:block;padding:13px 20px;font-family:$font;'
    "font-size:16px;line-height:22px;font-weight:bold;color:#ffffff;text-decoration:none;text-align:center;"
    'border-radius:6px;">$label</a></td></tr>\n'
    "</table>\n"
    '<p style="margin:0 0 20px;font-family:$font;font-size:13px;line-height:20px;color:$muted;">$fallback<br>'
    '<a href="$url" style="color:$accent;text-decoration:underline;word-break:break-all;">'
    "$link_text</a></p>\n"
)

_COLOURS = {
    "font": FONT,
    "ink": INK,
    "muted": MUTED,
    "page": PAGE,
    "header": HEADER,
    "header_subtle": HEADER_SUBTLE,
    "accent": ACCENT,
    "panel": PANEL,
    "rule": RULE,
}


def render(content: Content, words: Words) -> Rendered:
    """The subject, the text part and the HTML part, in `words`' language."""
    return Rendered(words(content.subject), _text(content, words), _html(content, words))


def _greeting(content: Content) -> Text:
    return _("Hello {first_name},", first_name=content.first_name)


def _line(label: Text, value: Any) -> Text:
    """A line of the text part: "Amount due: $113.00"."""
    return _("{label}: {value}", label=label, value=value)


def _text(content: Content, words: Words) -> str:
    brand = words.brand
    rows = ((content.highlight,) if content.highlight else ()) + content.summary
    blocks = [
        f"{brand['provider']} - {brand['portal']}",
        words(content.title),
        words(_greeting(content)),
        *(words(sentence) for sentence in content.lead),
        "\n".join(words(_line(row.label, row.value)) for row in rows),
        words(_line(content.button, content.url)),
        *(words(sentence) for sentence in content.notes),
        "\n".join(["---", words(content.reason), words(_CONTACT), brand["provider"]]),
    ]
    return "\n\n".join(block for block in blocks if block) + "\n"


def _html(content: Content, words: Words) -> str:
    brand = words.brand

    def say(text: Text) -> str:
        return escape(words(text))

    def value(row: Row) -> str:
        return escape(words.value(row.value))

    def font(row: Row) -> str:
        return TYPED_FONT if row.typed else FONT

    highlight = ""
    if content.highlight:
        shown = content.highlight
        highlight = _HIGHLIGHT.substitute(
            _COLOURS, label=say(shown.label), value=value(shown), value_font=font(shown)
        )
    rows = "".join(
        _ROW.substitute(_COLOURS, label=say(row.label), value=value(row), value_font=font(row))
        for row in content.summary
    )
    email, phone = escape(brand["billing_email"]), escape(brand["billing_phone"])
    contact = (
        say(_CONTACT)
        .replace(email, f'<a href="mailto:{email}" style="color:{MUTED};">{email}</a>', 1)
        .replace(phone, f'<span style="white-space:nowrap;">{phone}</span>', 1)
    )
    return _DOCUMENT.substitute(
        _COLOURS,
        lang=escape(words.language),
        subject=say(content.subject),
        preheader=say(content.lead[0]) if content.lead else "",
        provider=escape(brand["provider"]),
        portal=escape(brand["portal"]),
        title=say(content.title),
        greeting=say(_greeting(content)),
        lead="".join(_PARAGRAPH.substitute(text=say(sentence)) for sentence in content.lead),
        highlight=highlight,
        summary=_SUMMARY.substitute(_COLOURS, rows=rows) if rows else "",
        button=_BUTTON.substitute(
            _COLOURS,
            url=escape(content.url, quote=True),
            label=say(content.button),
            fallback=say(_BUTTON_FALLBACK),
            link_text=escape(content.url),
        ),
        notes="".join(_PARAGRAPH.substitute(text=say(sentence)) for sentence in content.notes),
        reason=say(content.reason),
        contact=contact,
    )
