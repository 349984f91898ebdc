"""Rewrite one page's placeholders into the brief's citations and note markers.

The last step of the pipeline, per page: given what the earlier steps returned
(the numbers, the formatted clusters), a ``PageRewriter`` turns the page's
converted HTML, with its placeholders, into the HTML readers get, or into the
plain text a search index gets.
"""

from __future__ import annotations

from collections.abc import Callable

from . import render
from .numbering import CitationNumbers, Links, NoteNumbers
from .records import CitationUse, PageRecord


class PageRewriter:
    """The placeholders of one page, resolved for HTML shown on some page (its
    own, or the Notes page for the texts of its notes)."""

    def __init__(self, record: PageRecord, clusters: dict[str, str], notes: NoteNumbers,
                 citations: CitationNumbers, links: Links, known: Callable[[str], bool], marks: render.Marks,
                 plain_texts: dict[str, str]):
        self.record = record
        self.clusters = clusters  # pandoc text of a cluster -> its formatted HTML
        self.notes = notes
        self.citations = citations
        self.links = links
        self.known = known
        self.marks = marks
        self.plain_texts = plain_texts  # formatted cluster -> its text, shared by a build's pages

    def inputs(self) -> str:
        """What rewriting this page depends on besides its converted HTML and the
        site's addresses (each citation's anchor and text, or its unknown keys;
        each note marker), as one string: equal strings, equal results."""
        parts = []
        for index, use in enumerate(self.record.citations):
            text = self.clusters.get(use.cluster.pandoc_text)
            unknown = "" if text is not None else ",".join(self._unknown(use))
            parts.append(f"{self.citations.ids[(self.record.key, index)]}\x1e{text}\x1e{unknown}")
        parts += [repr(self.notes.markers.get((self.record.key, index))) for index in range(len(self.record.note_uses))]
        # The page's own notes end it: their texts are not in its converted HTML.
        parts += [f"{self.notes.numbers.get((self.record.key, d.label))}\x1e{d.html}" for d in self.record.definitions]
        return "\x1f".join(parts)

    def html(self, host: str) -> Callable[[str], str]:
        """Resolves the page's placeholders in HTML shown on page ``host``."""
        ref_html = render.ref_linker(
            lambda key: self.links.href(host, self.links.references_page, render.ref_anchor(key)))

        def one(kind: str, index: int, fallback: str, context: str) -> str:
            if context == "attribute":
                return render.attribute_text(self._text(kind, index, host, ref_html))
            return self._html(kind, index, context, host, ref_html)

        return lambda page_html: self.marks.replace(page_html, self._checked(one))

    def text(self) -> Callable[[str], str]:
        """Resolves the page's placeholders as plain text (what a search index needs)."""
        host = self.record.key
        ref_html = render.ref_linker(
            lambda key: self.links.href(host, self.links.references_page, render.ref_anchor(key)))
        return lambda page_html: self.marks.replace(page_html, self._checked(
            lambda kind, index, fallback, context: self._text(kind, index, host, ref_html)))

    def _html(self, kind: str, index: int, context: str, host: str, ref_html: Callable[..., str]) -> str:
        if kind == "note":
            found = self.notes.markers.get((self.record.key, index))
            if found is None:
                return render.unresolved_note_html(self.record.note_uses[index].label)
            marker, number = found
            # On its own page a marker leads to the note at the page's end; elsewhere
            # (the Notes page) to the Notes list.
            shown_at = host if host == self.record.key else self.links.notes_page
            return render.note_marker_html(marker, number,
                                           self.links.href(host, shown_at, render.note_anchor(number)))
        use = self.record.citations[index]
        text = self.clusters.get(use.cluster.pandoc_text)
        anchor = self.citations.ids[(self.record.key, index)]
        if text is None:
            return render.unresolved_citation_html(anchor, use.raw, self._unknown(use))
        return ref_html(anchor, use.cluster.keys, text, linked=context != "link")

    def _unknown(self, use: CitationUse) -> list[str]:
        """The keys of a citation that are not in the store."""
        return [key for key in use.cluster.keys if not self.known(key)]

    def _text(self, kind: str, index: int, host: str, ref_html: Callable[..., str]) -> str:
        """What ``render.as_text`` would make of the placeholder's HTML, mostly without building it."""
        if kind == "note" and (self.record.key, index) in self.notes.markers:
            return str(self.notes.markers[(self.record.key, index)][1])
        text = self.clusters.get(self.record.citations[index].cluster.pandoc_text) if kind == "cite" else None
        if text is None:
            return render.as_text(self._html(kind, index, "text", host, ref_html))
        if text not in self.plain_texts:
            self.plain_texts[text] = render.as_text(text)
        return self.plain_texts[text]

    def _checked(self, resolve: Callable[[str, int, str, str], str]) -> Callable[[str, int, str, str], str]:
        """A placeholder with no recorded construct (HTML an author copied from
        elsewhere would need the build's random token) is left as it was."""
        def checked(kind: str, index: int, fallback: str, context: str) -> str:
            uses = self.record.note_uses if kind == "note" else self.record.citations
            return fallback if index >= len(uses) else resolve(kind, index, fallback, context)
        return checked
