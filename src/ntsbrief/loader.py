"""Open a brief's inputs (store, register, style) from plain settings.

Every front end (the MkDocs plugin, ``ntsbrief check``) goes through here, so
they load the same files the same way and report the same diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .bibliography import Bibliography
from .brief import Brief
from .diagnostics import Diagnostics
from .register import Register
from .citeproc import Formatter
from .style import HOUSE_STYLE, StyleError, is_style_path, resolve_style


@dataclass(frozen=True)
class Settings:
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


def line_offset(raw: str, markdown: str) -> int:
    """Lines of front matter stripped from ``raw`` to give ``markdown``."""
    return raw[: len(raw) - len(markdown)].count("\n") if raw.endswith(markdown) else 0
