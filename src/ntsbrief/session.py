"""What outlives one build: a live preview's session.

``mkdocs serve`` rebuilds the site after every edit, with the same plugin object.
Everything a rebuild may reuse has one owner, the session:

- the ``Formatter`` (formatted clusters and pandoc's readings, in memory and in
  the disk cache);
- the previous build's ``Brief`` (its store and register lend the last good
  version of an entry or interview an editor is in the middle of changing);
- the placeholder marks (one random token for the session, so that a page
  converted in an earlier build can be resolved in a later one);
- each converted page, as conversion left it (its record, its HTML with
  placeholders, and whatever the front end needs to show it again), so that a
  page whose source did not change is neither converted nor recorded again;
- a digest of each page as last written, so that only pages whose output
  changed (their numbers shifted, a citation's text changed) are written again.

The session knows nothing of MkDocs: what the front end keeps of a converted
page besides the record and HTML is opaque here (``ConvertedPage.shown``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import render
from .brief import Brief
from .citeproc import Formatter
from .records import PageRecord


@dataclass(frozen=True)
class ConvertedPage:
    """One page as converted, reusable while its source and the inputs that
    shape conversion (the register, the configuration) stay the same."""

    record: PageRecord
    html: str  # the converted HTML, placeholders unresolved
    shown: Any  # the front end's own data to show the page again (title, contents, ...)


@dataclass(frozen=True)
class PageOutput:
    """The parts of a written page that the brief decides, as strings found
    verbatim in the page's file."""

    content: str  # the page's text, resolved
    previews: str  # the script element of its link previews ('' if none)
    head: str  # what the brief adds to its head ('' if nothing)
    contents: tuple[str, ...]  # its table of contents' titles


class LiveSession:
    """State that crosses builds, for one brief in one process."""

    def __init__(self, cache_dir: Path | None):
        self.cache_dir = cache_dir
        self.formatter = Formatter(cache_dir)
        self.marks = render.Marks()
        self.templates: Any = None  # the front end's compiled templates (MkDocs: a Jinja bytecode cache)
        self.previous: Brief | None = None
        self.pdf: bytes | None = None  # the PDF typeset at the preview's start (see the plugin's ``pdf_in_preview``)
        self._inputs: list[bytes] = []  # what conversion depends on besides each page's source
        self._start_over()

    def _start_over(self) -> None:
        """Forget every page: converted, written, indexed, rewritten."""
        self._converted: dict[str, ConvertedPage] = {}
        self._written: dict[str, PageOutput] = {}  # page -> what it showed when last written
        self._navigation = ""  # the navigation all pages last showed
        self.search_entries: dict[str, list[Any]] = {}  # page -> what the search index took of it when last written
        self.full_text = TextMemo()  # each page's piece of the full text
        self.rewritten = TextMemo()  # each page's text resolved, for readers and for search

    def begin(self, inputs: list[bytes]) -> None:
        """A build starts; ``inputs`` are what shapes every page's conversion (the
        configuration, the register): when they change, no converted page is reused."""
        if inputs != self._inputs:
            self._inputs = inputs
            self._start_over()

    def keep(self, key: str, page: ConvertedPage) -> None:
        """Remember a page converted in this build."""
        self._converted[key] = page

    def converted(self, key: str) -> ConvertedPage | None:
        """The page as last converted, if it can be reused."""
        return self._converted.get(key)

    def keep_only(self, keys: set[str]) -> None:
        """Forget pages that are no longer in the site."""
        for key in [key for key in self._converted if key not in keys]:
            del self._converted[key]
        for known in (self._written, self.search_entries):
            for key in [key for key in known if key not in keys]:
                del known[key]

    def written(self, key: str, output: PageOutput) -> PageOutput | None:
        """Record what the page shows in this build; what it showed when last
        written (None if unknown, or if the navigation changed since)."""
        before = self._written.get(key)
        self._written[key] = output
        return before

    def navigation(self, signature: str) -> bool:
        """Record the navigation every page shows; if it changed, every page's
        output counts as changed. Whether it changed."""
        changed = self._navigation != signature
        if changed:
            self._navigation = signature
            self._written.clear()
        return changed


class TextMemo:
    """Texts made from a page's text, kept while that text stays the same: a live
    preview writes the full text again after every edit, most pages unchanged.
    What a build did not use is forgotten after it (``forget_unused``)."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, str], str] = {}
        self._used: dict[tuple[str, str], str] = {}

    def get(self, key: str, text: str, make: Callable[[], str]) -> str:
        """What ``make`` makes of page ``key``'s ``text``, made again only if the text changed."""
        found = self._kept.get((key, text))
        if found is None:
            found = make()
        self._used[(key, text)] = found
        return found

    def forget_unused(self) -> None:
        """A build is over: keep only what it used."""
        self._kept, self._used = self._used, {}


def patched(built: str, before: PageOutput, after: PageOutput) -> str | None:
    """A written page with the brief's parts changed from ``before`` to ``after``,
    the rest (the theme's layout, the navigation) as it was; None if that cannot
    be done safely (a part not found exactly once, a part newly added, or the
    table of contents changed), and the page must be built again."""
    if before.contents != after.contents:
        return None
    for old, new in ((before.content, after.content), (before.previews, after.previews), (before.head, after.head)):
        if old == new:
            continue
        if not old or built.count(old) != 1:
            return None
        built = built.replace(old, new)
    return built
