"""Assemble the site's pages from the resolved brief: the last step of the pipeline.

Each page's resolved text gets what the brief adds to it (the Notes and References
lists on their pages, the "Cite this" box on the cite page), for readers and, as
plain text, for the search index; the full-text page gets every page in reading
order. Nothing here knows the site generator: addresses come in as
``Addresses``, built by the front end from its own URLs.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from . import render
from .brief import Resolution
from .publication import Publication, full_text
from .session import TextMemo

EXPORT_FORMATS = (("BibTeX", "bib"), ("RIS", "ris"), ("CSL-JSON", "json"))


@dataclass(frozen=True)
class Layout:
    """Where the brief's generated pages are, and what they are called (the options)."""

    notes_page: str
    notes_title: str
    references_page: str
    references_title: str
    full_text_page: str  # '' when there is none
    cite_page: str | None
    cite_title: str
    own_key: str | None  # the brief's own entry
    downloads_dir: str
    margin_notes: bool = False  # a page's own notes may sit beside their markers on wide screens
    pdf: str | None = None  # the brief's PDF: a path within the site, or a URL (None: there is none)

    def pdf_href(self, addresses: Addresses, key: str) -> str | None:
        """The brief's PDF as a link from page ``key``."""
        if not self.pdf:
            return None
        return self.pdf if self.pdf.startswith("/") or _SCHEME_RE.match(self.pdf) else addresses.file(key, self.pdf)


class Addresses:
    """Each page's address in the site (relative to the site's root, as the front
    end gives them) and the relative links between pages."""

    def __init__(self, urls: dict[str, str], relative: Callable[[str, str], str]):
        self._urls = urls
        self.signature = repr(sorted(urls.items()))  # equal for the same site layout
        self._relative = relative  # relative(to_url, from_url) -> a link usable at from_url
        self._between = functools.lru_cache(maxsize=None)(self._link_between)

    def url(self, key: str) -> str:
        """The page's address (a key with none is its own address)."""
        return self._urls.get(key, key)

    def href(self, from_key: str, to_key: str, anchor: str) -> str:
        """A link on page ``from_key`` to ``anchor`` on page ``to_key`` (to the page itself if ``anchor`` is '')."""
        if not anchor:
            return self._between(from_key, to_key)
        return f"#{anchor}" if from_key == to_key else f"{self._between(from_key, to_key)}#{anchor}"

    def file(self, from_key: str, path: str) -> str:
        """A link on page ``from_key`` to a file of the site."""
        return self._relative(path, self.url(from_key))

    def _link_between(self, from_key: str, to_key: str) -> str:
        return self._relative(self.url(to_key), self.url(from_key))

    def rebase(self, body: str, from_key: str, to_key: str) -> str:
        """A page's relative links rewritten to work from another page's address."""
        from_url, to_url = self.url(from_key), self.url(to_key)

        def fix(match: re.Match[str]) -> str:
            target: str = match.group(2)
            if not target or target.startswith("/") or _SCHEME_RE.match(target):
                return str(match.group(0))
            folder = "/" + from_url if from_url.endswith("/") else posixpath.dirname("/" + from_url)
            absolute = posixpath.normpath(posixpath.join(folder, target))
            if target.endswith("/") and not absolute.endswith("/"):
                absolute += "/"
            return f"{match.group(1)}{self._relative(absolute.lstrip('/') or '.', to_url)}{match.group(3)}"

        return _LINK_ATTR_RE.sub(fix, body)


_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_LINK_ATTR_RE = re.compile(r'(\s(?:href|src)=")([^"#:?][^"]*|)(["#?])')


@dataclass
class AssembledPage:
    """A page as readers get it, and its text for the search index (made on
    demand: a live preview writes only some pages)."""

    content: str
    search_text: Callable[[], str] | None = None
    printed: str = ""  # the page's own text, without what the site adds to it (for print)


@dataclass
class Assembled:
    """Every page but the full text's, assembled; and the full-text page's own text."""

    pages: dict[str, AssembledPage] = field(default_factory=dict)
    full_text_own: str | None = None  # the full-text page's own text, a marker where the brief goes


def assemble(converted: dict[str, str], result: Resolution, publication: Publication, layout: Layout,
             addresses: Addresses, memo: TextMemo | None = None) -> Assembled:
    """Every page's resolved text with what the brief adds to it; ``converted`` is
    each page's HTML as converted, placeholders unresolved. A page's rewriting is
    kept in ``memo``, if given, while its HTML and inputs stay the same (a live
    preview: most pages are as in the build before)."""
    reference_list = result.references_html
    if "references.bib" in publication.downloads:
        reference_list = render.downloads_html("Download these references", {
            name: addresses.file(layout.references_page, f"{layout.downloads_dir}/references.{ext}")
            for name, ext in EXPORT_FORMATS}) + reference_list
    # (marker, listing for readers, listing for the search index)
    listings = {layout.notes_page: (render.NOTES_MARKER, result.notes_html, result.notes_search_html),
                layout.references_page: (render.REFERENCES_MARKER, reference_list, result.references_search_html)}
    assembled = Assembled()
    for key, html_converted in converted.items():
        if key == layout.full_text_page:
            # The text goes in after MkDocs writes the page (see ``full_text_parts``); the
            # page's own text (an introduction, or a whole section) is resolved like any page's.
            own = render.localize_links(result.pages[key](html_converted)) if key in result.pages else html_converted
            assembled.full_text_own = render.insert_listing(own, render.FULL_TEXT_MARKER, render.FULL_TEXT_MARKER)
            continue
        additions = [listings[key]] if key in listings else []
        if key == layout.cite_page and publication.own_html:
            box = render.cite_box_html(layout.cite_title, publication.own_html, {
                name: addresses.file(key, f"{layout.downloads_dir}/{layout.own_key}.{ext}")
                for name, ext in EXPORT_FORMATS}, layout.pdf_href(addresses, key))
            additions.append((render.CITE_MARKER, box, box))
        content = html_converted
        if key in result.pages:
            made_from = f"{result.inputs.get(key)}\x1d{addresses.signature}\x1d{html_converted}"
            content = _kept(memo, key, made_from, functools.partial(result.pages[key], html_converted))
        printed = content
        for marker, addition, _ in additions:
            content = render.insert_listing(content, marker, addition)
        if key in result.page_notes and key != layout.notes_page:  # the Notes page holds them all already
            made_from = f"{result.inputs.get(key)}\x1d{addresses.signature}\x1d{layout}"
            content += _kept(memo, f"notes\0{key}", made_from,
                             functools.partial(_page_notes, key, result, layout, addresses))
        search = None
        if key in result.search_pages:
            made_from = f"{result.inputs.get(key)}\x1d{html_converted}"
            rewrite = functools.partial(_kept, memo, f"search\0{key}", made_from,
                                        functools.partial(result.search_pages[key], html_converted))
            search = functools.partial(_search_text, rewrite, [(marker, searched) for marker, _, searched in additions])
        assembled.pages[key] = AssembledPage(content, search, printed)
    return assembled


def _page_notes(key: str, result: Resolution, layout: Layout, addresses: Addresses) -> str:
    """The page's own notes, which end it (nothing if it has none)."""
    notes = result.page_notes[key]()
    if not notes:
        return ""
    to_notes = [addresses.href(key, layout.notes_page, render.note_anchor(note.number)) for note in notes]
    return "\n" + render.page_notes_html(notes, layout.notes_title, to_notes, layout.margin_notes) + "\n"


def _kept(memo: TextMemo | None, key: str, made_from: str, make: Callable[[], str]) -> str:
    return memo.get(key, made_from, make) if memo is not None else make()


def _search_text(rewrite: Callable[[], str], additions: list[tuple[str, str]]) -> str:
    searched = rewrite()
    for marker, addition in additions:
        searched = render.insert_listing(searched, marker, addition)
    return searched


def full_text_parts(contents: dict[str, str], order: list[str], result: Resolution, layout: Layout,
                    titles: dict[str, str], addresses: Addresses, memo: TextMemo | None = None) -> Iterator[str]:
    """The full text, in pieces: a table of contents, every page's assembled text
    in reading order (its headings one level down, under the page's one h1; its
    own notes left to the end), then the Notes list by page and the References
    list, links kept within the one page (each page's piece kept in ``memo``, if
    given, while the page's text is the same)."""
    generated = (layout.notes_page, layout.references_page, layout.full_text_page)
    sections = [(key, contents[key]) for key in order if key in contents and key not in generated]
    notes_title = titles.get(layout.notes_page, html.escape(layout.notes_title))
    references_title = titles.get(layout.references_page, html.escape(layout.references_title))
    # The Notes list's headings lead to the pages' parts here, not to the pages.
    parts = {key for key, _ in sections}
    groups = [dataclasses.replace(group, href="#" + render.part_anchor(group.page)) if group.page in parts else group
              for group in result.note_groups]
    # Level 2, as on the Notes page: ``within`` puts the list's headings one level down, as any page's.
    notes = render.grouped_notes_html(groups, level=2, page_links=False) if groups else result.notes_html
    lists = [(layout.notes_page, notes, notes_title), (layout.references_page, result.references_html,
                                                         references_title)]

    def within(key: str, body: str) -> str:
        def make() -> str:
            shown = render.demoted_headings(render.without_page_notes(body))
            return addresses.rebase(render.localize_links(shown), key, layout.full_text_page)
        return memo.get(key, body, make) if memo is not None else make()

    contents_list = [("#" + render.part_anchor(key), titles.get(key, html.escape(key))) for key, _ in sections]
    contents_list += [("#notes", notes_title), ("#references", references_title)]
    yield render.contents_html(contents_list) + "\n"
    yield from full_text(sections, lists[0], lists[1], within)
