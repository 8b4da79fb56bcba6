"""The message catalogues: compile each language's .po into the .mo the functions read (the build does this,
before sam build and before the tests), and keep the .po files in step with the code.

    python -m localrun.catalogues           compile what changed
    python -m localrun.catalogues --update  add the code's new messages to both .po files (English filled in,
                                            French left empty for the translator) and drop those it no
                                            longer uses; then compile

Babel reads and writes the files: the standard tooling of Python's gettext, and a development dependency
only (the functions read the compiled catalogues with the standard library's gettext)."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "layers" / "common" / "billing_portal" / "i18n" / "locale"
DOMAIN = "portal"
LANGUAGES = ("en", "fr")
# Where the code's messages are: the shared package and the functions.
SOURCES = (ROOT / "layers" / "common" / "billing_portal", ROOT / "functions")
INCOMING = ROOT / "build" / "i18n"
LOCK = ROOT / "build" / "catalogues.lock"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
NAMES = {"en": "English", "fr": "French (Canada)"}
HEADER = """\
# The Billing Portal's messages in {language}; each message id is the English sentence.
# Words in braces are filled in by the portal: its own values, and the provider's names and the
# billing team's contacts ({{provider}}, {{portal}}, {{billing_email}}, {{billing_phone}},
# {{billing_team}}), from the stack's settings. `python -m localrun.catalogues --update` adds the
# code's new messages; translate them here."""


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as file:
        return read_po(file, locale=language, domain=DOMAIN)


def code_messages() -> dict[str, list[tuple[str, int]]]:
    """Every message id given to `_()` in the code, with where it is."""
    found: dict[str, list[tuple[str, int]]] = {}
    for source in SOURCES:
        for filename, line, message, _comments, _context in extract_from_dir(
            str(source), method_map=[("**.py", "python")], keywords={"_": None, "N_": None}
        ):
            if isinstance(message, str):
                where = (str((source / filename).relative_to(ROOT)), line)
                found.setdefault(message, []).append(where)
    return found


def placeholders(sentence: str) -> set[str]:
    return set(PLACEHOLDER.findall(sentence))


def compile_catalogues(languages: Iterable[str] = LANGUAGES, *, force: bool = False) -> list[Path]:
    """Write each .mo whose .po is newer; the ones written."""
    with _locked():
        return _compile(languages, force=force)


def _compile(languages: Iterable[str], *, force: bool) -> list[Path]:
    written = []
    for language in languages:
        source, target = po_path(language), mo_path(language)
        if not force and target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        catalog = read(language)
        partial = target.with_suffix(".mo.partial")
        with partial.open("wb") as file:
            write_mo(file, catalog, use_fuzzy=False)
        partial.replace(target)  # whole or not at all, for a reader in another process
        written.append(target)
    return written


def _incoming(language: str) -> dict[str, str]:
    """Translations waiting in `build/i18n/*.<language>.po` (work in progress, never committed), which
    `--update` takes into the catalogue."""
    found: dict[str, str] = {}
    for path in sorted(INCOMING.glob(f"*.{language}.po")):
        with path.open("rb") as file:
            for message in read_po(file, locale=language, domain=DOMAIN):
                if (
                    message.id
                    and isinstance(message.id, str)
                    and isinstance(message.string, str)
                    and message.string
                ):
                    found[message.id] = message.string
    return found


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One update or compilation at a time, whichever process asks (a test session, the build)."""
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def update_catalogues() -> None:
    """Both .po files hold exactly the code's messages, keeping every translation already written."""
    with _locked():
        _update()


def _update() -> None:
    wanted = code_messages()
    for language in LANGUAGES:
        catalog = read(language)
        incoming = _incoming(language)
        fresh = Catalog(
            locale=language,
            domain=DOMAIN,
            header_comment=HEADER.format(language=NAMES[language]),
            project="Billing Portal",
            version="1",
            msgid_bugs_address="",
            creation_date=catalog.creation_date,
            revision_date=catalog.revision_date,
            last_translator="",
            language_team="",
            fuzzy=False,
        )
        for msgid in sorted(wanted, key=str.lower):
            known = catalog.get(msgid)
            translation = incoming.get(msgid) or (known.string if known is not None and known.string else "")
            if language == "en" and not translation:
                translation = msgid
            fresh.add(msgid, translation, locations=wanted[msgid])
        with po_path(language).open("wb") as file:
            write_po(file, fresh, width=110, omit_header=False, sort_output=False, include_lineno=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--update", action="store_true", help="bring the .po files in step with the code")
    arguments = parser.parse_args(argv)
    if arguments.update:
        update_catalogues()
    for written in compile_catalogues():
        print(f"compiled {written.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
