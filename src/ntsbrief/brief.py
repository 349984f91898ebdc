"""A brief: its pages' citations and notes, resolved across the whole brief.

Front ends (the MkDocs plugin, the command line) drive it in three steps:

1. ``brief.page(...)`` before a page's Markdown is converted; the Markdown
   extension records each citation, note and interview reference on it;
2. ``record.finish(html)`` after conversion, to take note texts out of the page;
3. ``brief.resolve(order, href)`` once every page is converted: notes are
   numbered in reading order, all citations are formatted in one batch, and
   the result rewrites each page and fills the Notes and References lists.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterator

from . import fields, render
from .bibliography import Bibliography, PandocBibtex, field_line
from .diagnostics import Diagnostics, suggest
from .register import Register
from .sameworks import same_works
from .citeproc import Formatted, FormatError, Formatter, PandocSetupError, Rejection
from .style import Style
from .syntax import Cluster, alias, normalise, parse_whole_cluster, predict_clusters, scan_source

# href(from_page_key, to_page_key, anchor) -> a link usable on from_page
HrefFunction = Callable[[str, str, str], str]


Where = tuple  # (kind, normalised text, occurrence number, raw text): a line, found on demand


@dataclass(slots=True)
class CitationUse:
    raw: str
    cluster: Cluster
    where: Where
    id: str = ""  # "cite-N", numbered across the brief in reading order
    in_note: str | None = None  # label of the note whose text holds it (shown on the Notes page)
    in_attribute: bool = False  # shown as text in an attribute (an image's alt text): no anchor


@dataclass(slots=True)
class NoteUse:
    label: str
    where: Where
    in_note: str | None = None


@dataclass(slots=True)
class NoteDefinition:
    label: str
    where: Where
    html: str = ""


def _did_you_mean(word: str, known) -> str:
    hint = suggest(word, known)
    return f"; did you mean '{hint}'?" if hint else ""


# Characters no text holds (NUL: a damaged file); STX and ETX are Python-Markdown's
# own markers, which it removes from the source.
_CONTROL_RE = re.compile("[\x00\x01\x04-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _in_reading_order(record: PageRecord) -> Iterator[tuple[int, NoteUse]]:
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

    def __init__(self, key: str, path: str, markdown: str, line_offset: int, diagnostics: Diagnostics,
                 register: Register | None, marks: render.Marks):
        self.key = key
        self.path = path
        self.line_offset = line_offset
        self.citations: list[CitationUse] = []
        self.note_uses: list[NoteUse] = []
        self.definitions: list[NoteDefinition] = []
        self._diagnostics = diagnostics
        self._register = register
        self._markdown = markdown
        self.marks = marks
        self._seen: Counter = Counter()
        self._lines: dict[tuple[str, str], list[int]] | None = None  # scanned on first need
        self.fences = True  # whether ``` fences are code here (the extension says)

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
        first = text.split()[0] if text.split() else text
        for needle in (text, first, first.strip("[]^@-{}")):
            if not needle:
                continue
            for number, line in enumerate(self._markdown.split("\n"), 1):
                if needle in line:
                    return number + self.line_offset
        return None

    def warn(self, line: int | None, message: str) -> None:
        self._diagnostics.add(self.path, line, message)

    # -- called by the Markdown extension, in reading order ------------------

    def cite(self, raw: str, cluster: Cluster, nested: tuple[str, ...] = ()) -> int:
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
        self.note_uses.append(NoteUse(label, self._where("note", raw)))
        return len(self.note_uses) - 1

    def define_note(self, label: str) -> int | None:
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
        if self._register is None:
            problems = ["interview reference but no interview register is configured ('interviews:' option)"]
        else:
            known = self._register.interviews
            problems = [self._register.not_valid(i)  # in the file, but reported there
                        or f"unknown interview '{i}' (not in {self._register.path}{_did_you_mean(i, known)})"
                        for i in ids if i not in known]
            if not ids:
                problems.append("interview reference names no interview")
        if problems:
            line = self.line(where)  # the page is scanned only now, for the message
            for problem in problems:
                self.warn(line, problem)
            return raw
        return self._register.note_text(ids)

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


@dataclass
class Resolution:
    """Everything the front end needs to write the brief's pages."""

    pages: dict[str, Callable[[str], str]] = field(default_factory=dict)
    search_pages: dict[str, Callable[[str], str]] = field(default_factory=dict)  # the same, as plain text
    notes_html: str = ""
    references_html: str = ""
    notes_search_html: str = ""  # the lists as a search index gets them: their text, no back-links
    references_search_html: str = ""
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
    def __init__(self, bibliography: Bibliography, style: Style, formatter: Formatter,
                 register: Register | None = None, locale: str | None = None,
                 unverified_field: str = "verified", unverified_note: str = ""):
        self.bibliography = bibliography
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
        return {self.bibliography.unalias(name) for name in self._unreadable}

    @property
    def store_failed(self) -> bool:
        """Whether the store failed as a whole: a file unreadable, or pandoc unable to format."""
        return bool(self.bibliography.unreadable_files) or self._format_failed

    def page(self, key: str, path: str, markdown: str, line_offset: int = 0) -> PageRecord:
        record = PageRecord(key, path, markdown, line_offset, self.diagnostics, self.register, self.marks)
        self.records[key] = record
        control = _CONTROL_RE.search(markdown)
        if control:  # it would reach the published HTML as it is
            before = markdown[: control.start()]
            record.warn(line_offset + before.count("\n") + 1,
                        f"control character U+{ord(control.group(0)):04X} (column {len(before) - before.rfind(chr(10))}"
                        "): the file is damaged or not text")
        return record

    def resolve(self, order: list[str], href: HrefFunction, notes_page: str, references_page: str,
                titles: dict[str, str]) -> Resolution:
        """Number notes and citations in reading order and format every citation.
        """
        order = [k for k in order if k in self.records] + sorted(k for k in self.records if k not in order)
        records = [self.records[k] for k in order]
        result = Resolution()

        # Notes: numbered 1..N in reading order, each page's in order of first use.
        note_numbers: dict[tuple[str, str], int] = {}
        note_items: list[render.NoteItem] = []
        marker_ids: dict[tuple[str, int], tuple[str, int]] = {}  # (page, use) -> (marker id, number)
        for record in records:
            defined = {d.label: d for d in record.definitions}
            for index, use in _in_reading_order(record):
                definition = defined.get(use.label)
                if definition is None:
                    hint = suggest(use.label, defined)
                    record.warn(record.line(use.where), f"note '[^{use.label}]' is used but not defined in this page"
                                + (f" (did you mean '[^{hint}]'?)" if hint else ""))
                    continue
                if (record.key, use.label) not in note_numbers:
                    note_numbers[(record.key, use.label)] = len(note_items) + 1
                    note_items.append(render.NoteItem(len(note_items) + 1, definition.html))
                number = note_numbers[(record.key, use.label)]
                item = note_items[number - 1]
                marker = render.note_ref_anchor(number, len(item.backrefs) + 1)
                shown_on = notes_page if use.in_note else record.key
                item.backrefs.append(href(notes_page, shown_on, marker))
                marker_ids[(record.key, index)] = (marker, number)
            used = {use.label for use in record.note_uses}
            for definition in record.definitions:
                if definition.label not in used:
                    record.warn(record.line(definition.where), f"note '[^{definition.label}]' is defined but never used")
                elif (record.key, definition.label) not in note_numbers:
                    record.warn(record.line(definition.where), f"note '[^{definition.label}]' is used only in notes "
                                "that are never shown")

        # Citations: check keys, then format every distinct cluster in one batch.
        cited: dict[str, list[tuple[str, str]]] = {}
        formattable: list[CitationUse] = []
        counter = 0
        for record in records:
            for use in record.citations:
                counter += 1
                use.id = render.cite_anchor(counter)
                if use.in_note is not None and (record.key, use.in_note) not in note_numbers:
                    continue  # inside a note that is never shown (reported as unused)
                unknown = [k for k in use.cluster.keys if k not in self.bibliography]
                for key in unknown:
                    hint = self.bibliography.suggest(key)
                    record.warn(record.line(use.where),
                                f"unknown citation key '{key}'" + (f" (did you mean '{hint}'?)" if hint else ""))
                if unknown:
                    continue
                formattable.append(use)
                if use.in_attribute:
                    for key in use.cluster.keys:
                        cited.setdefault(key, [])
                    continue  # no anchor to come back to
                shown_on = notes_page if use.in_note else record.key
                label = titles.get(notes_page, "Notes") if use.in_note else titles.get(record.key, record.key)
                for key in use.cluster.keys:
                    cited.setdefault(key, []).append((href(references_page, shown_on, use.id), label))
        formatted = self._format(list(cited), [u.cluster.pandoc_text for u in formattable])
        self.check_entries([key for key in cited if alias(key) not in self._unreadable])
        self.check_same_works(list(cited))
        self._formatted = frozenset(formatted.clusters)
        if self._sources_key and not self._format_failed:
            self.formatter.set_marker(self._sources_key)  # the cache now holds this build's formatting
        result.cited_keys = list(cited)

        # Per page: replace placeholders with formatted citations and markers;
        # a note's text is shown on the Notes page, so its links start there.
        plain_texts: dict[str, str] = {}
        for record in records:
            result.pages[record.key] = self._page_renderer(record, record.key, formatted, marker_ids, href,
                                                           notes_page, references_page)
            result.search_pages[record.key] = self._page_renderer(record, record.key, formatted, marker_ids, href,
                                                                  notes_page, references_page, plain=True,
                                                                  plain_texts=plain_texts)
            in_notes = self._page_renderer(record, notes_page, formatted, marker_ids, href,
                                           notes_page, references_page)
            for definition in record.definitions:
                number = note_numbers.get((record.key, definition.label))
                if number is not None:
                    note_items[number - 1].html = in_notes(definition.html)
        result.notes_html = render.notes_list_html(note_items)
        # The search index takes words: markup there would only be parsed to be dropped.
        result.notes_search_html = render.as_text(render.notes_list_html(note_items, backlinks=False))
        entries = []
        for key in formatted.entries:  # the style's bibliography order
            if key in cited:
                flag = self.bibliography.entries[key].field(self.unverified_field).strip().lower()
                entries.append(render.ReferenceItem(key, formatted.entries[key], cited[key],
                                                    unverified=flag in {"false", "no", "0"}))
        result.references_html = render.references_html(entries, self.unverified_note)
        result.references_search_html = render.as_text(
            render.references_html(entries, self.unverified_note, cited_in=False))

        # Previews: what a reader sees on hovering a link, embedded in each page.
        for item in note_items:
            result.previews[render.note_anchor(item.number)] = render.preview_html(item.html)
        for entry in entries:
            result.previews[render.ref_anchor(entry.key)] = render.preview_html(entry.html)
        for record in records:
            targets = [render.ref_anchor(k) for u in record.citations for k in u.cluster.keys]
            targets += [render.note_anchor(marker_ids[(record.key, i)][1]) for i in range(len(record.note_uses))
                        if (record.key, i) in marker_ids]
            result.targets[record.key] = list(dict.fromkeys(targets))
        result.targets[notes_page] = list(dict.fromkeys(
            result.targets.get(notes_page, []) + [render.ref_anchor(k) for k in cited]))
        return result

    def _bibtex(self, keys: list[str]) -> PandocBibtex:
        # Sorted: the same cited works give the same input, however the brief is ordered.
        return self.bibliography.for_pandoc(sorted(set(keys)))  # remembered there

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

    def csl_items(self, keys: list[str]) -> list[dict]:
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
                self.diagnostics.add(entry.path, entry.line,
                                     f"entry '{key}' (@{entry.entry_type}) lacks required field(s): {', '.join(missing)}")
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
            pairs = [(key, both[0], "cite one key and delete the other", "error") for key in both[1:]]
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
        unalias = self.bibliography.unalias
        # A cluster citing an entry pandoc cannot read stays as written, marked, like an unknown key.
        clusters = formatted.clusters
        if unreadable:
            clusters = {k: v for k, v in clusters.items() if not unreadable & set(parse_whole_cluster(k).keys)}
        if self.bibliography.has_aliases:
            clusters = {k: render.unalias_refs(v, unalias) for k, v in clusters.items()}
        return Formatted({k: render.drop_unsafe_links(v) for k, v in clusters.items()},
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
            key = self.bibliography.unalias(name)
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

    def _page_renderer(self, record: PageRecord, host: str, formatted: Formatted, marker_ids, href: HrefFunction,
                       notes_page: str, references_page: str, plain: bool = False,
                       plain_texts: dict[str, str] | None = None) -> Callable[[str], str]:
        """Rewrites placeholders of ``record`` in HTML shown on page ``host`` (as
        text without links if ``plain``: what a search index needs)."""
        plain_texts = {} if plain_texts is None else plain_texts  # formatted cluster -> its text

        citation_html = render.ref_linker(lambda key: href(host, references_page, render.ref_anchor(key)))

        def replace(kind: str, index: int, fallback: str, context: str) -> str:
            if context == "attribute":
                return render.attribute_text(text_of(kind, index, fallback, context))
            if kind == "note":
                found = marker_ids.get((record.key, index))
                if found is None:
                    return render.unresolved_note_html(record.note_uses[index].label)
                marker, number = found
                return render.note_marker_html(marker, number, href(host, notes_page, render.note_anchor(number)))
            use = record.citations[index]
            text = formatted.clusters.get(use.cluster.pandoc_text)
            if text is None:
                unknown = [k for k in use.cluster.keys if k not in self.bibliography]
                return render.unresolved_citation_html(use.id, use.raw, unknown)
            return citation_html(use.id, use.cluster.keys, text, linked=context != "link")

        def text_of(kind: str, index: int, fallback: str, context: str) -> str:
            # What render.as_text would make of replace()'s HTML, without building it.
            if kind == "note" and (record.key, index) in marker_ids:
                return str(marker_ids[(record.key, index)][1])
            text = formatted.clusters.get(record.citations[index].cluster.pandoc_text) if kind == "cite" else None
            if text is None:
                return render.as_text(replace(kind, index, fallback, "text"))
            if text not in plain_texts:
                plain_texts[text] = render.as_text(text)
            return plain_texts[text]

        def checked(kind: str, index: int, fallback: str, context: str) -> str:
            uses = record.note_uses if kind == "note" else record.citations
            if index >= len(uses):
                return fallback
            return text_of(kind, index, fallback, context) if plain else replace(kind, index, fallback, context)

        return lambda page_html: self.marks.replace(page_html, checked)


def _about_unreadable(warning: str, names: set[str]) -> bool:
    """Whether a warning of pandoc's is its "citation not found" for an entry
    already reported as unreadable."""
    found = re.search(r"citation (\S+) not found", warning)
    return found is not None and found.group(1) in names
