"""The store as pandoc is given it.

pandoc's BibTeX reader gets each entry as the store holds it, except where
pandoc would read it differently from BibTeX and biblatex: a key it cannot
read (with ``#``, ``%``, ``~`` ...) is renamed, with the crossref fields that
name it, and mapped back in the results (``unalias``); a crossref child gets its
parent's title as container, as biblatex's inheritance gives it; and each entry
goes with its crossref parents and the store's macros, so that it can be read
on its own. The store itself (bibliography.py) only reads and checks BibTeX.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .bibliography import PARENT_FIELDS, TITLE_INHERITANCE, Bibliography, Entry
from .fields import published_record
from .syntax import alias


@dataclass(frozen=True)
class PandocBibtex:
    """Entries as pandoc reads them: the whole text, and each entry with what
    converting it on its own needs (the macros and its parents' entries)."""

    text: str
    macros: str
    entries: tuple[tuple[str, str, tuple[str, ...]], ...]  # (key as pandoc reads it, BibTeX, parents' keys)
    opted_in: frozenset[str] = frozenset()  # private fields the editor publishes (see ``fields``)
    withheld: tuple[str, ...] = ()  # asked-for entries the store keeps from pandoc (reported there)

    @property
    def identity(self) -> str:
        """Everything in here that can change a result."""
        return "\0".join((self.text, ",".join(sorted(self.opted_in)), ",".join(self.withheld)))

    @property
    def names(self) -> set[str]:
        """The entries' keys as pandoc reads them (aliased: see ``alias``)."""
        return {name for name, _, _ in self.entries}

    def only(self, names: list[str]) -> PandocBibtex:
        """These entries (and their parents) alone."""
        wanted = set(names) | {p for name, _, parents in self.entries if name in names for p in parents}
        entries = tuple(e for e in self.entries if e[0] in wanted)
        text = "\n\n".join(([self.macros] if self.macros else []) + [block for _, block, _ in entries]) + "\n"
        return PandocBibtex(text, self.macros, entries, self.opted_in, tuple(n for n in self.withheld if n in names))

    def published(self, record: dict[str, Any]) -> dict[str, Any]:
        """pandoc's reading of an entry (a MetaMap) with only the fields that may be published."""
        return published_record(record, self.opted_in)


class PandocInput:
    """The entries of one store as pandoc is given them (see the module's docstring)."""

    def __init__(self, store: Bibliography):
        self.store = store
        self._made: dict[tuple[str, ...], PandocBibtex] = {}
        self._alias_map: dict[str, str] | None = None

    def bibtex(self, keys: list[str]) -> PandocBibtex:
        """The given entries and their crossref parents as pandoc reads them.

        Remembered for the last few key lists: a build asks for the same cited
        works several times (to format them, for the downloads, to check them)."""
        asked = (*keys, "\0", *sorted(self.store.opted_in))
        if asked not in self._made:
            self._made[asked] = self._make(keys)
            while len(self._made) > 4:
                del self._made[next(iter(self._made))]
        return self._made[asked]

    def _make(self, keys: list[str]) -> PandocBibtex:
        wanted = self._with_parents(keys)
        blocks = [(alias(k), self._entry_text(self.store.entries[k])) for k in wanted]
        return PandocBibtex(
            text="\n\n".join(self.store.macros + [block for _, block in blocks]) + "\n",
            macros="\n\n".join(self.store.macros),
            entries=tuple((name, block, tuple(alias(p) for p in self._with_parents([key])[1:]))
                          for (name, block), key in zip(blocks, wanted, strict=True)),
            opted_in=self.store.opted_in,
            withheld=tuple(alias(k) for k in dict.fromkeys(keys) if k in self.store.unusable),
        )

    def _with_parents(self, keys: list[str]) -> list[str]:
        """The keys (those in the store), then the parents they name, transitively."""
        wanted: dict[str, None] = {}  # ordered, with quick membership
        pending = deque(k for k in keys if k in self.store.entries and k not in self.store.unusable)
        while pending:
            key = pending.popleft()
            if key in wanted:
                continue
            wanted[key] = None
            entries, unusable = self.store.entries, self.store.unusable
            pending.extend(parent for _, parent in entries[key].parents()
                           if parent in entries and parent not in wanted and parent not in unusable)
        return list(wanted)

    def _entry_text(self, entry: Entry) -> str:
        """The entry's BibTeX for pandoc: its key as pandoc can read it, and the
        container title a crossref parent gives it."""
        raw = self._aliased(entry)
        parent = self.store.entries.get(entry.field("crossref").strip())
        if parent is None or "booktitle" in entry.fields or "title" not in parent.fields:
            return raw
        if (parent.entry_type, entry.entry_type) not in TITLE_INHERITANCE:
            return raw
        body = raw.rstrip()
        if not body.endswith(("}", ")")):
            return entry.raw
        body = body[:-1].rstrip().rstrip(",")
        return f"{body},\n  booktitle = {parent.raw_fields['title']}\n{raw.rstrip()[-1]}"

    def _aliased(self, entry: Entry) -> str:
        """Keys pandoc cannot read (with # % ~ < | ^ …) are renamed, as are the
        crossref fields that name them; ``unalias`` maps results back."""
        raw = entry.raw
        if alias(entry.key) != entry.key:
            raw = raw.replace(entry.key, alias(entry.key), 1)
        for name in PARENT_FIELDS:
            target = entry.field(name).strip()
            stand_in = alias(target)
            if target and stand_in != target:
                raw = re.sub(rf"({name}\s*=\s*[{{\"]?){re.escape(target)}", _first_group_then(stand_in),
                             raw, count=1, flags=re.IGNORECASE)
        return raw

    def unalias(self, key: str) -> str:
        """The store's key for a key as pandoc got it (``alias``); other keys as they are."""
        return self._aliases().get(key, key)

    @property
    def has_aliases(self) -> bool:
        """Whether some key reaches pandoc through a stand-in."""
        return bool(self._aliases())

    def _aliases(self) -> dict[str, str]:
        if self._alias_map is None:
            self._alias_map = {alias(k): k for k in self.store.entries if alias(k) != k}
        return self._alias_map


def for_pandoc(store: Bibliography, keys: list[str]) -> PandocBibtex:
    """The given entries of ``store`` and their crossref parents as pandoc is given them."""
    return PandocInput(store).bibtex(keys)


def _first_group_then(text: str) -> Callable[[re.Match[str]], str]:
    """A ``re.sub`` replacement: the match's first group, then ``text`` as it is (no escapes read)."""
    return lambda match: match.group(1) + text
