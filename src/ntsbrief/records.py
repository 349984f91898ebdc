"""What the Markdown extension finds on one page: its citations, note references
and note definitions, each with a way back to its source line.

A record is made before a page is converted and filled while it converts; after
that it is only read, so a live preview can reuse the record of a page that did
not change.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from . import render
from .diagnostics import Diagnostics, suggest
from .register import Register
from .syntax import Cluster, normalise, scan_source

Where = tuple[str, str, int, str]  # (kind, normalised text, occurrence number, raw text): a line, found on demand


@dataclass(slots=True)
class CitationUse:
    """One citation as written on a page, and where it is shown."""

    raw: str
    cluster: Cluster
    where: Where
    in_note: str | None = None  # label of the note whose text holds it (shown on the Notes page)
    in_attribute: bool = False  # shown as text in an attribute (an image's alt text): no anchor


@dataclass(slots=True)
class NoteUse:
    """One note reference (``[^label]``) on a page."""

    label: str
    where: Where
    in_note: str | None = None


@dataclass(slots=True)
class NoteDefinition:
    """One note's definition (``[^label]: text``), its text as converted."""

    label: str
    where: Where
    html: str = ""


def _did_you_mean(word: str, known: Iterable[str]) -> str:
    hint = suggest(word, known)
    return f"; did you mean '{hint}'?" if hint else ""


# Characters no text holds (NUL: a damaged file); STX and ETX are Python-Markdown's
# own markers, which it removes from the source.
_CONTROL_RE = re.compile("[\x00\x01\x04-\x08\x0b\x0c\x0e-\x1f\x7f]")


def in_reading_order(record: PageRecord) -> Iterator[tuple[int, NoteUse]]:
    """The page's note references that a reader meets, as (index, use), in the
    order met: the page's text first, then each note as the Notes list shows it
    (a note referred to only from another note, at any depth, is met there; a
    note never reached this way is never shown)."""
    uses_in: dict[str | None, list[tuple[int, NoteUse]]] = defaultdict(list)
    for index, use in enumerate(record.note_uses):
        uses_in[use.in_note].append((index, use))
    holders: deque[str | None] = deque([None])  # None: the page's own text
    read: set[str | None] = set()
    while holders:
        holder = holders.popleft()
        if holder in read:
            continue
        read.add(holder)
        for index, use in uses_in.get(holder, ()):
            yield index, use
            holders.append(use.label)  # its note is read in its turn


class PageRecord:
    """What the Markdown extension found on one page, with source lines."""

    def __init__(self, key: str, path: str, markdown: str, line_offset: int, register: Register | None,
                 marks: render.Marks):
        self.key = key
        self.path = path
        self.line_offset = line_offset
        self.citations: list[CitationUse] = []
        self.note_uses: list[NoteUse] = []
        self.definitions: list[NoteDefinition] = []
        # What recording found wrong: kept with the record, so that a page reused
        # unchanged in a later build (a live preview) reports it again.
        self.diagnostics = Diagnostics()
        self._register = register
        self._markdown = markdown
        self.marks = marks
        self._seen: Counter[tuple[str, str]] = Counter()
        self._lines: dict[tuple[str, str], list[int]] | None = None  # scanned on first need
        self.fences = True  # whether ``` fences are code here (the extension says)
        control = _CONTROL_RE.search(markdown)
        if control:  # it would reach the published HTML as it is
            before = markdown[: control.start()]
            self.warn(line_offset + before.count("\n") + 1,
                      f"control character U+{ord(control.group(0)):04X} (column {len(before) - before.rfind(chr(10))}"
                      "): the file is damaged or not text")

    def _where(self, kind: str, raw: str) -> Where:
        text = normalise(raw)
        number = self._seen[(kind, text)]
        self._seen[(kind, text)] += 1
        return (kind, text, number, raw)

    def line(self, where: Where) -> int | None:
        """The source line of a construct: the page is scanned only when a message
        needs a line, and the n-th construct written alike gets the n-th such line."""
        if self._lines is None:
            self._lines = defaultdict(list)
            for occurrence in scan_source(self._markdown, self.fences):
                self._lines[(occurrence.kind, occurrence.text)].append(occurrence.line + self.line_offset)
        kind, text, number, raw = where
        lines = self._lines.get((kind, text), [])
        return lines[number] if number < len(lines) else self._search(raw)

    def _search(self, text: str) -> int | None:
        """Where the scan and Python-Markdown disagree: the first line that has the
        construct's text, or failing that its first word (a key or label)."""
        first = text.split(maxsplit=1)[0] if text.split() else text
        for needle in (text, first, first.strip("[]^@-{}")):
            if not needle:
                continue
            for number, line in enumerate(self._markdown.split("\n"), 1):
                if needle in line:
                    return number + self.line_offset
        return None

    def warn(self, line: int | None, message: str) -> None:
        """Report a problem found while recording, at a line of the page."""
        self.diagnostics.add(self.path, line, message)

    # -- called by the Markdown extension, in reading order ------------------

    def cite(self, raw: str, cluster: Cluster, nested: tuple[str, ...] = ()) -> int:
        """Record a citation; its index on the page (the placeholder's number)."""
        use = CitationUse(raw, cluster, self._where("cluster", raw))
        self.citations.append(use)
        for key in nested:
            # pandoc reads a citation inside another's prefix or suffix, and its
            # citeproc then prints the inner one alone: it is kept as text instead.
            self.warn(self.line(use.where), f"'@{key}' inside the citation of '{cluster.keys[0]}' is printed as "
                                            f"text; to cite both works, separate them with ';'")
        return len(self.citations) - 1

    def inline_note(self, raw: str) -> None:
        """pandoc's ``^[text]``: not a note here, so never silently shown as text."""
        self.warn(self.line(self._where("inline-note", raw)),
                  "'^[...]' is an inline note in pandoc, not here: write '[^label]' and define "
                  "'[^label]: text' in the same file")

    def use_note(self, label: str, raw: str) -> int:
        """Record a note reference; its index on the page."""
        self.note_uses.append(NoteUse(label, self._where("note", raw)))
        return len(self.note_uses) - 1

    def define_note(self, label: str) -> int | None:
        """Record a note's definition; its index, or None for a second definition of the label (reported)."""
        where = self._where("notedef", label)
        for earlier in self.definitions:
            if earlier.label == label:
                first = self.line(earlier.where)
                at = f" (first at line {first})" if first else ""
                self.warn(self.line(where), f"note '[^{label}]' is defined twice{at}; the second definition is ignored")
                return None
        self.definitions.append(NoteDefinition(label, where))
        return len(self.definitions) - 1

    def interviews(self, raw: str, ids: list[str]) -> str:
        """The generated note text for ``[interviews: ...]``, or the raw text if it cannot be."""
        where = self._where("interviews", raw)
        register = self._register
        if register is None:
            problems = ["interview reference but no interview register is configured ('interviews:' option)"]
        else:
            known = register.interviews
            problems = [register.not_valid(i)  # in the file, but reported there
                        or f"unknown interview '{i}' (not in {register.path}{_did_you_mean(i, known)})"
                        for i in ids if i not in known]
            if not ids:
                problems.append("interview reference names no interview")
        if register is None or problems:
            line = self.line(where)  # the page is scanned only now, for the message
            for problem in problems:
                self.warn(line, problem)
            return raw
        return register.note_text(ids)

    # -- after conversion -----------------------------------------------------

    def finish(self, page_html: str) -> str:
        """Keep the rendered note texts and return the page without them."""
        for kind, index in self.marks.in_attributes(page_html):
            if kind == "cite" and index < len(self.citations):
                self.citations[index].in_attribute = True
        page_html, texts = self.marks.split_definitions(page_html)
        for index, text in texts.items():
            if index >= len(self.definitions):
                continue
            self.definitions[index].html = text
            for kind, use in self.marks.found(text):
                uses = self.citations if kind == "cite" else self.note_uses
                if use < len(uses):
                    uses[use].in_note = self.definitions[index].label
        return page_html
