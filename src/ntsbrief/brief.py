"""A brief: its pages' citations and notes, resolved across the whole brief.

Front ends (the MkDocs plugin, ``ntsbrief check``) drive it in three steps:

1. ``brief.page(...)`` before a page's Markdown is converted: the Markdown
   extension records each citation, note and interview reference on the
   returned ``PageRecord`` (records.py);
2. ``record.finish(html)`` after conversion, to take note texts out of the page;
3. ``brief.resolve(order, href, ...)`` once every page is converted. It runs the
   pipeline's steps, each returning data: number notes, then citations, in
   reading order (numbering.py); format every distinct cluster in one batch
   (citeproc.py); rewrite each page's placeholders (rewrite.py); build the Notes
   and References lists and the link previews (render.py).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import fields, render
from .bibliography import Bibliography, field_line
from .citeproc import FormatError, Formatted, Formatter, PandocSetupError, Rejection
from .diagnostics import Diagnostics, Severity
from .numbering import CitationNumbers, HrefFunction, Links, NoteNumbers, number_citations, number_notes
from .pandoc_input import PandocBibtex, PandocInput
from .records import CitationUse, NoteDefinition, NoteUse, PageRecord  # noqa: F401 - the brief's records, re-exported
from .register import Register
from .rewrite import PageRewriter
from .sameworks import same_works
from .style import Style
from .syntax import alias, parse_whole_cluster, predict_clusters


@dataclass
class Resolution:
    """Everything the front end needs to write the brief's pages."""

    pages: dict[str, Callable[[str], str]] = field(default_factory=dict)
    search_pages: dict[str, Callable[[str], str]] = field(default_factory=dict)  # the same, as plain text
    inputs: dict[str, str] = field(default_factory=dict)  # what each page's rewriting depends on (PageRewriter)
    notes_html: str = ""
    note_groups: list[render.NoteGroup] = field(default_factory=list)  # the Notes list by page
    # Each page's own notes, their texts as shown on the page (made when asked: a live preview reuses them).
    page_notes: dict[str, Callable[[], list[render.NoteItem]]] = field(default_factory=dict)
    references_html: str = ""
    notes_search_html: str = ""  # the lists as a search index gets them: their text, no back-links
    references_search_html: str = ""
    note_texts: list[tuple[int, str]] = field(default_factory=list)  # (number, HTML as on the Notes page)
    references_print_html: str = ""  # the list without "Cited in" (for print)
    cited_keys: list[str] = field(default_factory=list)
    # Preview of each link target ("ref-KEY", "note-N"), and the targets each page links to.
    previews: dict[str, str] = field(default_factory=dict)
    targets: dict[str, list[str]] = field(default_factory=dict)

    _encoded: dict[str, str] = field(default_factory=dict, repr=False)  # target -> its JSON member

    def previews_script(self, key: str) -> str:
        """The page's previews as an embeddable script element ('' if it links to none)."""
        members = {}
        for target in self.targets.get(key, []):
            if target in self.previews:
                if target not in self._encoded:
                    self._encoded[target] = render.json_member(target, self.previews[target])
                members[target] = self._encoded[target]
        return render.previews_script(members) if members else ""


@lru_cache(maxsize=4096)
def _predicted(source: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(pandoc text, keys) of the clusters a page's source appears to hold.

    Remembered per source, so a live-preview rebuild after one page's edit scans
    only that page again; kept as tuples of strings, which the garbage collector
    does not have to rescan in every collection."""
    return tuple((cluster.pandoc_text, tuple(cluster.keys)) for cluster in predict_clusters(source))


class Brief:
    """One brief: its store, register and style, the records of its pages, and
    everything reported about it (``diagnostics``), for one build."""

    def __init__(self, bibliography: Bibliography, style: Style, formatter: Formatter,
                 register: Register | None = None, locale: str | None = None,
                 unverified_field: str = "verified", unverified_note: str = ""):
        self.bibliography = bibliography
        self.pandoc = PandocInput(bibliography)  # the store as pandoc is given it
        self.style = style
        self.formatter = formatter
        self.register = register
        self.locale = locale
        self.unverified_field = unverified_field
        self.unverified_note = unverified_note
        self.diagnostics = Diagnostics()
        self.diagnostics.extend(bibliography.diagnostics)
        if register is not None:
            self.diagnostics.extend(register.diagnostics)
        self.records: dict[str, PageRecord] = {}
        self.marks = render.Marks()
        self._sources_key: str | None = None
        self._sources: frozenset[int] = frozenset()  # hashes of the page sources given to prefetch
        self._formatted: frozenset[str] | None = None  # the clusters resolve formatted
        self._format_failed = False
        self._unreadable: set[str] = set()  # names of cited entries pandoc did not read (reported)

    @property
    def unread_keys(self) -> set[str]:
        """Cited keys whose entry as it stands pandoc did not read (reported; in a
        live preview its last good reading may stand in)."""
        return {self.pandoc.unalias(name) for name in self._unreadable}

    @property
    def store_failed(self) -> bool:
        """Whether the store failed as a whole: a file unreadable, or pandoc unable to format."""
        return bool(self.bibliography.unreadable_files) or self._format_failed

    def page(self, key: str, path: str, markdown: str, line_offset: int = 0) -> PageRecord:
        """A new record for a page about to be converted (its Markdown without front matter)."""
        record = PageRecord(key, path, markdown, line_offset, self.register, self.marks)
        self.records[key] = record
        return record

    def resolve(self, order: list[str], href: HrefFunction, notes_page: str, references_page: str,
                titles: dict[str, str]) -> Resolution:
        """The brief's pages resolved together, in steps that each return data:
        notes numbered in reading order, then citations; every distinct cluster
        formatted in one batch; each page's placeholders rewritten; the Notes and
        References lists and the link previews built."""
        order = [k for k in order if k in self.records] + sorted(k for k in self.records if k not in order)
        records = [self.records[k] for k in order]
        for record in records:  # what recording found, with the rest
            self.diagnostics.extend(record.diagnostics)
        links = Links(href, notes_page, references_page)
        notes = number_notes(records, links, self.diagnostics)
        citations = number_citations(records, notes, links, titles, self.bibliography.__contains__,
                                     self.bibliography.suggest, self.diagnostics)
        cited = citations.cited
        formatted = self._format(list(cited), [use.cluster.pandoc_text for use in citations.formattable])
        self.check_entries([key for key in cited if alias(key) not in self._unreadable])
        self.check_same_works(list(cited))
        self._formatted = frozenset(formatted.clusters)
        if self._sources_key and not self._format_failed:
            self.formatter.set_marker(self._sources_key)  # the cache now holds this build's formatting

        result = Resolution(cited_keys=list(cited))
        self._rewrite_pages(records, formatted, notes, citations, links, result)
        result.note_groups = render.note_groups(notes.items, titles, lambda page: href(notes_page, page, ""))
        result.notes_html = render.grouped_notes_html(result.note_groups)
        # The search index takes words: markup there would only be parsed to be dropped.
        result.notes_search_html = render.as_text(render.grouped_notes_html(result.note_groups, backlinks=False))
        entries = self._reference_items(formatted, cited)
        result.references_html = render.references_html(entries, self.unverified_note)
        result.references_print_html = render.references_html(entries, self.unverified_note, cited_in=False)
        result.references_search_html = render.as_text(result.references_print_html)
        result.note_texts = [(note.number, note.html) for note in notes.items]
        _add_previews(result, records, notes, entries, notes_page)
        return result

    def _rewrite_pages(self, records: list[PageRecord], formatted: Formatted, notes: NoteNumbers,
                       citations: CitationNumbers, links: Links, result: Resolution) -> None:
        """Each page's rewriters, and its notes' texts as the Notes page shows them
        (so their links start there)."""
        plain_texts: dict[str, str] = {}
        for record in records:
            rewriter = PageRewriter(record, formatted.clusters, notes, citations, links,
                                    self.bibliography.__contains__, self.marks, plain_texts)
            result.pages[record.key] = rewriter.html(record.key)
            result.search_pages[record.key] = rewriter.text()
            result.inputs[record.key] = rewriter.inputs()
            in_notes = rewriter.html(links.notes_page)
            own: list[tuple[render.NoteItem, str]] = []  # the page's notes, and their texts as converted
            for definition in record.definitions:
                number = notes.numbers.get((record.key, definition.label))
                if number is not None:
                    own.append((notes.items[number - 1], definition.html))
                    notes.items[number - 1].html = in_notes(definition.html)
            own.sort(key=lambda found: found[0].number)
            result.page_notes[record.key] = functools.partial(_as_shown, own, rewriter.html(record.key))

    def _reference_items(self, formatted: Formatted, cited: dict[str, list[tuple[str, str]]]
                         ) -> list[render.ReferenceItem]:
        """The reference list: the cited works, in the style's order."""
        entries = []
        for key in formatted.entries:
            if key in cited:
                flag = self.bibliography.entries[key].field(self.unverified_field).strip().lower()
                entries.append(render.ReferenceItem(key, formatted.entries[key], cited[key],
                                                    unverified=flag in {"false", "no", "0"}))
        return entries

    def _bibtex(self, keys: list[str]) -> PandocBibtex:
        # Sorted: the same cited works give the same input, however the brief is ordered.
        return self.pandoc.bibtex(sorted(set(keys)))  # remembered there

    def prefetch(self, sources: list[str], previous: Brief | None = None) -> None:
        """Start formatting what the pages' sources cite, while the pages convert.

        A guess from the sources; ``resolve`` uses it only if the guess named
        exactly the works actually cited, and formats anything it missed. Once a
        build has formatted the same sources, store and style, the cache already
        holds everything, and even the guess is skipped; so it is in a live preview
        when the pages changed since the ``previous`` build cite nothing new.
        """
        # Hashes, not the texts (a large brief's sources are megabytes): a collision
        # could only cost a guess, which ``resolve`` makes good.
        self._sources = frozenset(map(hash, sources))
        self._sources_key = self.formatter.key("sources", self.style.text, self.locale or "",
                                               self.bibliography.digest, *sources)
        if self.formatter.has_marker(self._sources_key):
            return
        if previous is not None and self._cites_nothing_new(sources, previous):
            return
        clusters = [c for source in sources for c in _predicted(source)]
        known = [(text, keys) for text, keys in clusters if all(k in self.bibliography for k in keys)]
        cited = [k for _, keys in known for k in keys]
        if cited:
            self.formatter.prefetch(self.style, self._bibtex(cited), [text for text, _ in known], self.locale)

    def _cites_nothing_new(self, sources: list[str], previous: Brief) -> bool:
        """Whether the pages changed since ``previous`` (same store, style and
        locale) hold only clusters that it formatted."""
        if previous._formatted is None or (self.bibliography.digest, self.style.text, self.locale) != (
                previous.bibliography.digest, previous.style.text, previous.locale):
            return False
        changed = [source for source in sources if hash(source) not in previous._sources]
        return all(text in previous._formatted for source in changed for text, _ in _predicted(source))

    def csl_items(self, keys: list[str]) -> list[dict[str, Any]]:
        """CSL-JSON records of the entries, read as for formatting (so usually cached)."""
        return self.formatter.csl_items(self._bibtex(keys))

    def format_entry(self, key: str) -> str:
        """One entry as the style's reference list shows it, formatted on its own
        (so that it does not change the brief's own disambiguation)."""
        try:
            formatted = self.formatter.format(self.style, self._bibtex([key]),
                                              [f"[@{{{alias(key)}}}]"], self.locale)
        except FormatError as error:
            self.diagnostics.add(self.style.name, None, f"pandoc could not format '{key}': {error}")
            return ""
        return render.drop_unsafe_links(formatted.entries.get(alias(key), ""))

    def check_entries(self, keys: list[str]) -> None:
        """Report entries that lack what a reference needs, and local files'
        paths in the fields the site publishes."""
        published = fields.bibtex_fields(self.bibliography.opted_in)
        for key in keys:
            entry = self.bibliography.entries[key]
            missing = self.bibliography.missing_fields(key)
            if missing:
                self.diagnostics.add(entry.path, entry.line, f"entry '{key}' (@{entry.entry_type}) lacks required "
                                                             f"field(s): {', '.join(missing)}")
            for name, value in entry.raw_fields.items():
                path = fields.local_path(value) if name in published else None
                if path:
                    self.diagnostics.add(entry.path, entry.line + field_line(entry.raw, name),
                                         f"field '{name}' of '{key}' holds a local file's path ({path}), which the "
                                         "site would publish: remove it", severity="warning")

    def check_same_works(self, cited: list[str], store_wide: bool = False) -> None:
        """Report one work under two keys: an error where the brief cites both, and
        (``store_wide``, for ``ntsbrief check``) a warning where the store merely has both."""
        entries, cited_keys, reported = self.bibliography.entries, set(cited), set()
        for group in same_works(entries, None if store_wide else cited_keys):
            both = [key for key in group.keys if key in cited_keys]
            pairs: list[tuple[str, str, str, Severity]] = [
                (key, both[0], "cite one key and delete the other", "error") for key in both[1:]]
            if store_wide:
                pairs += [(key, group.keys[0], "keep one key and delete the other", "warning")
                          for key in group.keys[1:] if key not in both[1:]]
            for key, other, hint, severity in pairs:
                if (key, other) not in reported:
                    reported.add((key, other))
                    entry, first = entries[key], entries[other]
                    where = f"line {first.line}" if first.path == entry.path else f"{first.path}:{first.line}"
                    self.diagnostics.add(entry.path, entry.line, f"'{key}' is the same work as '{other}' ({where}): "
                                                                 f"{group.reason}; {hint}", severity)

    def _format(self, keys: list[str], clusters: list[str]) -> Formatted:
        if not clusters:
            return Formatted()
        try:
            formatted = self.formatter.format(self.style, self._bibtex(keys), clusters, self.locale)
        except FormatError as error:
            self._format_failed = True
            self._pandoc_failed(error, self.style.name, "pandoc could not format the citations")
            return Formatted()
        unreadable = self._report_rejected(formatted.rejected)
        self._unreadable = set(formatted.rejected) | {alias(k) for k in self.bibliography.unusable}
        for warning in formatted.warnings:
            if not _about_unreadable(warning, unreadable):
                self.diagnostics.add("pandoc", None, re.sub(r"^\[WARNING\]\s*", "", warning))
        unalias = self.pandoc.unalias
        # A cluster citing an entry pandoc cannot read stays as written, marked, like an unknown key.
        shown = formatted.clusters
        if unreadable:
            shown = {k: v for k, v in shown.items() if not unreadable & set(_keys_of(k))}
        if self.pandoc.has_aliases:
            shown = {k: render.unalias_refs(v, unalias) for k, v in shown.items()}
        return Formatted({k: render.drop_unsafe_links(v) for k, v in shown.items()},
                         {unalias(k): render.drop_unsafe_links(v) for k, v in formatted.entries.items()
                          if k not in unreadable},
                         formatted.warnings)

    def check_readable(self, keys: list[str]) -> None:
        """Report the entries pandoc's reader refuses (each read once, then cached)."""
        try:
            read = self.formatter.read_entries(self._bibtex(keys))
        except FormatError as error:
            self._pandoc_failed(error, "pandoc", "cannot read the bibliography")
            return
        self._report_rejected(read.rejected)

    def _pandoc_failed(self, error: FormatError, where: str, doing: str) -> None:
        """Report a failed pandoc run; pandoc itself broken is said once, however
        many steps meet it."""
        if isinstance(error, PandocSetupError):
            self.diagnostics.add("pandoc", None, str(error))
        else:
            self.diagnostics.add(where, None, f"{doing}: {error}")

    def _report_rejected(self, rejected: dict[str, Rejection]) -> set[str]:
        """Report the entries pandoc cannot read, each at its place in the store;
        the names of those with no good version standing in for them."""
        for name, rejection in rejected.items():
            key = self.pandoc.unalias(name)
            entry = self.bibliography.entries.get(key)
            if entry is None:
                continue
            line = entry.line + rejection.line - 1 if rejection.line else entry.line
            if rejection.message:  # else reported by the store
                self.diagnostics.add(entry.path, line, f"pandoc cannot read entry '{key}': {rejection.message}")
            if rejection.kept:
                self.diagnostics.add(entry.path, entry.line, f"showing the last good version of '{key}' "
                                     "until it can be read again", severity="warning")
        return {name for name, rejection in rejected.items() if not rejection.kept}


def _as_shown(notes: list[tuple[render.NoteItem, str]], resolve: Callable[[str], str]) -> list[render.NoteItem]:
    """A page's notes with their texts resolved for the page itself."""
    return [dataclasses.replace(item, html=resolve(converted)) for item, converted in notes]


def _add_previews(result: Resolution, records: list[PageRecord], notes: NoteNumbers,
                  entries: list[render.ReferenceItem], notes_page: str) -> None:
    """What a reader sees on hovering a link, and the link targets of each page
    (its previews are embedded in it)."""
    for item in notes.items:
        result.previews[render.note_anchor(item.number)] = render.note_preview_html(item.number, item.html)
    for entry in entries:
        result.previews[render.ref_anchor(entry.key)] = render.entry_preview_html(entry)
    for record in records:
        targets = [render.ref_anchor(key) for use in record.citations for key in use.cluster.keys]
        targets += [render.note_anchor(notes.markers[(record.key, index)][1]) for index in range(len(record.note_uses))
                    if (record.key, index) in notes.markers]
        result.targets[record.key] = list(dict.fromkeys(targets))
    result.targets[notes_page] = list(dict.fromkeys(
        result.targets.get(notes_page, []) + [render.ref_anchor(key) for key in result.cited_keys]))


def _keys_of(cluster_text: str) -> list[str]:
    """The keys a formatted cluster (pandoc's text of it) cites."""
    cluster = parse_whole_cluster(cluster_text)
    return cluster.keys if cluster is not None else []


def _about_unreadable(warning: str, names: set[str]) -> bool:
    """Whether a warning of pandoc's is its "citation not found" for an entry
    already reported as unreadable."""
    found = re.search(r"citation (\S+) not found", warning)
    return found is not None and found.group(1) in names
