"""Located diagnostics: every problem in user input is a ``path:line: message``.

Errors are data here (as in bibtexparser v2): the core collects them and the
front end (MkDocs plugin, command line) decides how to report them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem: ``path:line: message`` (``line`` None where no line applies)."""

    path: str
    line: int | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


@dataclass
class Diagnostics:
    """An ordered, de-duplicated collection of diagnostics."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, path: str, line: int | None, message: str, severity: Severity = "error") -> None:
        """Add the diagnostic unless an equal one is already there."""
        diagnostic = Diagnostic(path, line, message, severity)
        if diagnostic not in self.items:
            self.items.append(diagnostic)

    def extend(self, other: Diagnostics) -> None:
        """Add ``other``'s diagnostics in their order, leaving out those already here."""
        for diagnostic in other.items:
            if diagnostic not in self.items:
                self.items.append(diagnostic)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def shown_path(path: Path, root: Path | None) -> str:
    """A file as messages name it: relative to the project folder when inside it."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def suggest(word: str, known: Iterable[str]) -> str | None:
    """The known name closest to a mistyped one, for 'did you mean' hints: the
    same name in other case first, else a close match."""
    known = list(known)
    lowered = {k.lower(): k for k in known}
    if word.lower() in lowered:
        return lowered[word.lower()]
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.75)
    return close[0] if close else None
