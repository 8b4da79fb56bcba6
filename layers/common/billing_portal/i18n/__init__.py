"""English and French, everywhere a customer reads.

Every sentence the portal says to a person is a `Text` made with `_()`: its English words are the message
id of the gettext catalogues (`locale/<language>/LC_MESSAGES/portal.po`, compiled by the build), and its
values are kept apart, so that it is put into words only where the reader's language is known (`Words`).
Numbers, amounts, dates and times are written as each language writes them (`formats`). The provider's name
and its billing team's contacts are settings (`brand`), filled into any message that names them.
"""

from billing_portal.i18n.text import LANGUAGES, N_, Amount, Continued, Language, Moment, Percent, Text, _

__all__ = ["LANGUAGES", "N_", "Amount", "Continued", "Language", "Moment", "Percent", "Text", "_"]
