"""Open a brief's inputs (store, register, style) from plain settings.

Every front end (the MkDocs plugin, ``ntsbrief check``) goes through here, so
they load the same files the same way and report the same diagnostics.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .bibliography import Bibliography
from .brief import Brief
from .citeproc import Formatter
from .diagnostics import Diagnostics, shown_path
from .register import Register
from .style import HOUSE_STYLE, StyleError, is_style_path, resolve_style


@dataclass(frozen=True)
class Settings:
    """The plugin's options that ``open_brief`` needs (its paths relative to ``root``),
    made from the plugin's section of ``mkdocs.yml`` (``plugin.settings_from``)."""

    root: Path  # the project folder; paths below are relative to it
    bibliography: tuple[str, ...] = ()
    style: str = HOUSE_STYLE
    locale: str | None = None
    interviews: str | None = None
    unverified_field: str = "verified"
    unverified_note: str = ""
    export_fields: tuple[str, ...] = ()  # private fields the editor chooses to publish
    config_name: str = "mkdocs.yml"  # where these settings are written, for messages
    style_line: int | None = None  # line of the style option in that file

    @property
    def bibliography_paths(self) -> list[Path]:
        """The BibTeX files, as paths below ``root``."""
        return [self.root / p for p in self.bibliography]

    @property
    def watched(self) -> list[Path]:
        """The inputs outside the docs folder that a live preview must watch."""
        paths = self.bibliography_paths + ([self.root / self.interviews] if self.interviews else [])
        if is_style_path(self.style):
            paths.append(self.root / self.style)
        return paths


def open_brief(settings: Settings, formatter: Formatter, previous: Brief | None = None) -> Brief:
    """Load store, register and style; problems become the brief's diagnostics.

    ``previous`` (a live preview's last build) lends the last valid version of
    entries an editor is in the middle of changing, so the preview keeps working.
    """
    bibliography = Bibliography.load(settings.bibliography_paths, display_root=settings.root, cache=formatter.cache,
                                     previous=previous.bibliography if previous is not None else None)
    if previous is not None and bibliography.unreadable_files and not previous.bibliography.unreadable_files:
        # A file gone or unreadable for a moment (an editor saving it, a switch of
        # branch): the preview goes on with the last store it could read.
        kept = previous.bibliography
        kept.diagnostics = Diagnostics()
        kept.diagnostics.extend(bibliography.diagnostics)
        kept.diagnostics.add(bibliography.unreadable_files[0], None, "showing the last good version of the "
                             "bibliography until it can be read again", severity="warning")
        bibliography = kept
    bibliography.opted_in = frozenset(settings.export_fields)
    _report_empty_files(bibliography, settings)
    if previous is not None:
        bibliography.keep_last_good_from(previous.bibliography)
    register = None
    if settings.interviews:
        register = Register.load(settings.root / settings.interviews, shown=settings.interviews)
        if previous is not None and previous.register is not None:
            register.keep_invalid_from(previous.register)
    problems = Diagnostics()
    try:
        style = resolve_style(settings.style, settings.root)
    except StyleError as error:
        problems.add(settings.config_name, settings.style_line, f"{error}; using the house style '{HOUSE_STYLE}'")
        style = resolve_style(HOUSE_STYLE, settings.root)
    brief = Brief(bibliography, style, formatter, register=register, locale=settings.locale,
                  unverified_field=settings.unverified_field, unverified_note=settings.unverified_note)
    brief.diagnostics.extend(problems)
    return brief


def _report_empty_files(bibliography: Bibliography, settings: Settings) -> None:
    """A file that yields no entry (and says nothing wrong) is most likely not the
    store meant, say a path pointing elsewhere: its citations would all be 'unknown'."""
    counts = Counter(entry.path for entry in bibliography.entries.values())
    reported = {diagnostic.path for diagnostic in bibliography.diagnostics}
    for path in bibliography.sources:
        shown = shown_path(path, settings.root)
        if counts[shown] or shown in reported:
            continue
        try:
            macros_only = _MACRO_RE.search(path.read_text(encoding="utf-8", errors="replace")) is not None
        except OSError:
            continue
        if not macros_only:  # a file of @string abbreviations has no entries, rightly
            others = sum(counts.values())
            bibliography.diagnostics.add(shown, None, "holds no entries: nothing in it reads as a BibTeX entry "
                                         "(is 'bibliography' in mkdocs.yml the right path?)"
                                         + (f"; the other file(s) hold {others}" if others else ""), "warning")


_MACRO_RE = re.compile(r"@string\s*[{(]", re.IGNORECASE)


def read_page(path: Path) -> tuple[str | None, int | None, str | None]:
    """A page's text as MkDocs reads it, or (None, line, message) for why it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, None, f"cannot read this page: {error.strerror or error}"
    data = data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark, as MkDocs drops it ('utf-8-sig')
    try:
        return data.decode("utf-8"), None, None
    except UnicodeDecodeError as error:
        start = error.start
        line_start = data.rfind(b"\n", 0, start) + 1
        column = len(data[line_start:start].decode("utf-8", errors="replace")) + 1
        return None, data.count(b"\n", 0, start) + 1, (
            f"byte 0x{data[start]:02X} (column {column}) is not UTF-8: the page seems to be saved as Latin-1 "
            "or Windows-1252, and cannot be built; save it as UTF-8")


def line_offset(raw: str, markdown: str) -> int:
    """Lines of front matter stripped from ``raw`` to give ``markdown``."""
    return raw[: len(raw) - len(markdown)].count("\n") if raw.endswith(markdown) else 0
