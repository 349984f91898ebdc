"""Number the brief's notes and citations in reading order.

Two steps of the pipeline, each a function of the pages' records that returns
what it numbered: notes first (a citation inside a note that is never shown is
not cited), then citations, which also collects each cited work's "cited in"
links for the reference list. Problems are reported to the ``Diagnostics`` given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import render
from .diagnostics import Diagnostics, suggest
from .records import CitationUse, PageRecord, in_reading_order

# href(from_page_key, to_page_key, anchor) -> a link usable on from_page
HrefFunction = Callable[[str, str, str], str]


@dataclass(frozen=True)
class Links:
    """How one page of the brief links to another, and where its lists are."""

    href: HrefFunction
    notes_page: str
    references_page: str


@dataclass
class NoteNumbers:
    """The Notes list and, for each note reference, its marker."""

    items: list[render.NoteItem] = field(default_factory=list)  # in reading order: items[n - 1] is note n
    numbers: dict[tuple[str, str], int] = field(default_factory=dict)  # (page, label) -> number
    markers: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)  # (page, use) -> (marker id, number)

    def shown(self, page: str, label: str) -> bool:
        """Whether the note ``label`` of ``page`` is in the Notes list."""
        return (page, label) in self.numbers


@dataclass
class CitationNumbers:
    """Each citation's anchor, the ones to format, and the works cited."""

    ids: dict[tuple[str, int], str] = field(default_factory=dict)  # (page, use) -> "cite-N"
    formattable: list[CitationUse] = field(default_factory=list)  # every key known, shown somewhere
    # key -> (link from the References page back to each citation, the title of the page it is on)
    cited: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def number_notes(records: list[PageRecord], links: Links, diagnostics: Diagnostics) -> NoteNumbers:
    """Notes numbered 1..N in reading order: pages in order, and on each page as a
    reader meets them (its text first, then the notes that the Notes list shows)."""
    notes = NoteNumbers()
    for record in records:
        defined = {definition.label: definition for definition in record.definitions}
        for index, use in in_reading_order(record):
            definition = defined.get(use.label)
            if definition is None:
                hint = suggest(use.label, defined)
                diagnostics.add(record.path, record.line(use.where),
                                f"note '[^{use.label}]' is used but not defined in this page"
                                + (f" (did you mean '[^{hint}]'?)" if hint else ""))
                continue
            number = notes.numbers.setdefault((record.key, use.label), len(notes.items) + 1)
            if number > len(notes.items):
                notes.items.append(render.NoteItem(
                    number, definition.html, page=record.key,
                    page_href=links.href(links.notes_page, record.key, render.note_anchor(number))))
            item = notes.items[number - 1]
            marker = render.note_ref_anchor(number, len(item.backrefs) + 1)
            shown_on = links.notes_page if use.in_note else record.key
            item.backrefs.append(links.href(links.notes_page, shown_on, marker))
            item.markers.append(marker)
            notes.markers[(record.key, index)] = (marker, number)
        used = {use.label for use in record.note_uses}
        for definition in record.definitions:
            if definition.label not in used:
                diagnostics.add(record.path, record.line(definition.where),
                                f"note '[^{definition.label}]' is defined but never used")
            elif not notes.shown(record.key, definition.label):
                diagnostics.add(record.path, record.line(definition.where),
                                f"note '[^{definition.label}]' is used only in notes that are never shown")
    return notes


def number_citations(records: list[PageRecord], notes: NoteNumbers, links: Links, titles: dict[str, str],
                     known: Callable[[str], bool], hint: Callable[[str], str | None],
                     diagnostics: Diagnostics) -> CitationNumbers:
    """Citations numbered 1..N in reading order (their anchors), with the works
    they cite; a citation of an unknown key is reported and left unformatted."""
    result = CitationNumbers()
    counter = 0
    for record in records:
        for index, use in enumerate(record.citations):
            counter += 1
            result.ids[(record.key, index)] = render.cite_anchor(counter)
            if use.in_note is not None and not notes.shown(record.key, use.in_note):
                continue  # inside a note that is never shown (reported as such)
            unknown = [key for key in use.cluster.keys if not known(key)]
            for key in unknown:
                similar = hint(key)
                diagnostics.add(record.path, record.line(use.where), f"unknown citation key '{key}'"
                                + (f" (did you mean '{similar}'?)" if similar else ""))
            if unknown:
                continue
            result.formattable.append(use)
            if use.in_attribute:  # shown as text (an image's alt text): no anchor to come back to
                for key in use.cluster.keys:
                    result.cited.setdefault(key, [])
                continue
            # A citation in a note is shown at the end of its page too: readers
            # are sent there, under the page's title, as for one in its text.
            label = titles.get(record.key, record.key)
            back = links.href(links.references_page, record.key, result.ids[(record.key, index)])
            for key in use.cluster.keys:
                result.cited.setdefault(key, []).append((back, label))
    return result
