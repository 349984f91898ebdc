"""The brief as a typeset PDF, from the same resolved pages as the site.

Three steps, each returning a value:

1. ``pandoc_parts``: the pages as readers see them (citations formatted, notes
   numbered), in reading order, with the notes' texts and the reference list,
   in HTML for pandoc's HTML reader (``printed_brief`` gathers them);
2. ``typst_body``: pandoc reads them into its document model, where the note
   markers become footnotes (or stay links to endnotes), links between the
   site's pages become links within the document and web-only parts (heading
   permalinks, screen-reader text) are dropped; pandoc's Typst writer writes the body;
3. ``typst_document`` puts the title block, the metadata, the running footer and
   the contents around it, and ``typeset`` has Typst make the PDF.

Why Typst: it installs from PyPI as a wheel with the compiler inside (Linux,
macOS, Windows), embeds its own fonts (no system fonts are read, so the PDF is
the same everywhere), writes tagged PDFs, and pandoc, which the project ships,
writes Typst. Nothing here knows the site generator.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import landing
from .cache import DiskCache, code_digest, digest
from .citeproc import FormatError, pandoc_api_version, pandoc_path, pandoc_version
from .citeproc import _run as run_pandoc
from .pandoc_ast import Node

if TYPE_CHECKING:
    from .brief import Resolution

# Typst's own fonts, embedded in its wheel: the PDF looks the same on every machine.
BODY_FONT = "Libertinus Serif"
NOTE_ANCHOR_RE = re.compile(r"^note-(\d+)$")


@dataclass(frozen=True)
class TitleBlock:
    """What the PDF's first page and its metadata say of the brief (plain text)."""

    title: str
    authors: tuple[str, ...] = ()
    issue: str = ""  # e.g. "NTS Alert, August 2011 (Issue 2)", as the site's title block says it
    publisher: str = ""  # e.g. "RSIS Centre …, Singapore"
    subject: str = ""  # the site's description
    keywords: tuple[str, ...] = ()
    language: str = "en"
    url: str = ""  # where the brief is published, if known


@dataclass(frozen=True)
class Section:
    """A page of the brief: its title, its address in the site and its HTML as readers see it."""

    title: str
    url: str
    html: str


@dataclass(frozen=True)
class PrintedBrief:
    """Everything the PDF shows."""

    title_block: TitleBlock
    sections: tuple[Section, ...]
    notes: tuple[tuple[int, str], ...] = ()  # (number, HTML as on the Notes page)
    notes_url: str = ""  # the Notes page's address: its notes' links start there
    references_html: str = ""  # the reference list (no "Cited in"), with its dagger note
    references_url: str = ""
    notes_title: str = "Notes"
    references_title: str = "References"
    front_html: str = ""  # the landing page's text, under the title block
    endnotes: bool = False  # notes at the end instead of at the foot of their page
    cite_as_html: str = ""  # the brief's own entry, formatted in the site's style
    base_url: str = ""  # how the PDF links to pages of the site it does not hold (site_url, or relative)
    files: str = ""  # the built site's folder, where the pages' images are (none: images become their text)


class _Anchors:
    """Every anchor of the document by the page it comes from. A heading's id is
    unique only on its page: where two pages have the same one, the later gets a
    suffix, and each page's links lead to its own."""

    def __init__(self) -> None:
        self.names: dict[tuple[str, str], str] = {}  # (page, anchor) -> the anchor in the document
        self.starts: dict[str, str] = {}  # page -> the anchor of its start
        self._first: dict[str, str] = {}  # anchor -> its name where it first occurs
        self._taken: set[str] = set()

    def add(self, page: str, anchor: str, start: bool = False) -> None:
        """Record ``anchor`` of ``page`` (in document order); ``start``: where the page starts."""
        if (page, anchor) in self.names:
            if start:
                self.starts.setdefault(page, self.names[(page, anchor)])
            return
        name, n = anchor, 1
        while name in self._taken:
            n += 1
            name = f"{anchor}-{n}"
        self._taken.add(name)
        self.names[(page, anchor)] = name
        self._first.setdefault(anchor, name)
        if start:
            self.starts.setdefault(page, name)

    def target(self, page: str, fragment: str) -> str | None:
        """Where a link to ``page#fragment`` leads in the document, if it is there."""
        if fragment:
            # The brief's own anchors (ref-, note-, cite-) are unique: found from any page.
            return self.names.get((page, fragment)) or self._first.get(fragment)
        return self.starts.get(page)


# -- 1. one HTML document ------------------------------------------------------

_NOTES_HOLDER = "ntsbrief-pdf-notes"
_SECTION_PREFIX = "ntsbrief-section-"
_REFERENCES_ANCHOR, _REFERENCES_PART = "ntsbrief-references", "ntsbrief-references-part"
_CITE_AS, _CONTENTS, _FRONT = "ntsbrief-cite-as", "ntsbrief-contents", "ntsbrief-front"
# Typst set around and in place of those two parts.
_RAW = {_CONTENTS: ["#outline(depth: 2)"], _CITE_AS: ["#block(inset: (x: 1.5em, y: 0.6em))[#set text(size: 9pt)", "]"]}
_PART = "ntsbrief-part"  # a part of the document, from one page: unwrapped once its links are made


def section_anchor(index: int) -> str:
    """The anchor of a section's start."""
    return f"{_SECTION_PREFIX}{index}"


def pandoc_parts(brief: PrintedBrief) -> list[str]:
    """The brief's parts in HTML, each read by pandoc on its own: sections in reading
    order, each headed by its title, then the notes (held aside for footnotes) and
    the references."""
    parts = []
    if brief.front_html:
        parts.append(f'<div id="{_FRONT}" class="{_PART}" data-url="">{brief.front_html}</div>')
    if brief.cite_as_html:
        parts.append(f'<div id="{_CITE_AS}"><p><strong>Cite as:</strong> {brief.cite_as_html}</p></div>')
    parts.append(f'<div id="{_CONTENTS}"></div>')
    for index, section in enumerate(brief.sections):
        parts.append(f'<div id="{section_anchor(index)}" class="{_PART}" data-url="{html.escape(section.url)}">'
                     f"{_headed(section)}</div>")
    if brief.notes:
        notes = "".join(f'<div id="note-{number}" data-url="{html.escape(brief.notes_url)}">{text}</div>'
                        for number, text in brief.notes)
        parts.append(f'<div id="{_NOTES_HOLDER}">{notes}</div>')
    if brief.references_html:
        heading = f'<h1 id="{_REFERENCES_ANCHOR}">{html.escape(brief.references_title)}</h1>'
        parts.append(f'<div id="{_REFERENCES_PART}" class="{_PART}" data-url="{html.escape(brief.references_url)}">'
                     f"{heading}{brief.references_html}</div>")
    # pandoc's reader takes a link with this role to a local anchor for a note of its
    # own, and loses its number: the markers are found by their target instead.
    return [part.replace(' role="doc-noteref"', "") for part in parts]


def _headed(section: Section) -> str:
    """The section's HTML under a first-level heading: its own, or its title."""
    if re.search(r"<h1[\s>]", section.html):
        return section.html
    return f"<h1>{html.escape(section.title)}</h1>{section.html}"


# -- 2. pandoc's document model: notes, links, web-only parts ----------------------

def typst_body(brief: PrintedBrief, run: Callable[[list[str], str], tuple[str, str]] = run_pandoc) -> str:
    """The brief's body in Typst, written by pandoc from ``pandoc_parts``. pandoc's
    HTML reader and Typst writer are most of a long brief's PDF time: the parts go to
    two processes at a time (the machines this runs on have two cores), blocks being
    independent."""
    def read(part: str) -> Node:
        return dict(json.loads(run([pandoc_path(), "--from=html", "--to=json"], part)[0]))

    def write(blocks: list[Node]) -> str:
        document = {"pandoc-api-version": pandoc_api_version(), "meta": {}, "blocks": blocks}
        return run([pandoc_path(), "--from=json", "--to=typst", "--wrap=preserve"], json.dumps(document))[0]

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ntsbrief-pdf") as pool:
        blocks = for_print([block for document in pool.map(read, pandoc_parts(brief)) for block in document["blocks"]],
                           brief)
        return "\n".join(pool.map(write, [blocks[: len(blocks) // 2], blocks[len(blocks) // 2:]]))


def for_print(blocks: list[Node], brief: PrintedBrief) -> list[Node]:
    """The document's blocks made for print: the notes' texts taken out of their
    holder (into footnotes, or a Notes section at the end), links within the brief
    made internal, web-only parts dropped."""
    blocks, held = _take_notes(blocks)
    anchors = _Anchors()
    for number in held:
        anchors.add(brief.notes_url, f"note-{number}")
    _collect(blocks, anchors, "")
    for note in held.values():
        _collect(note, anchors, brief.notes_url)
    if not brief.endnotes:
        footnotes = _Printer(anchors, brief, _Footnotes(held, brief.notes_url))
        return [block for part in footnotes.blocks(blocks, "") for block in _unwrapped(part)]
    notes = {n: _Printer(anchors, brief).blocks(note, brief.notes_url) for n, note in held.items()}
    body = _Printer(anchors, brief).blocks(blocks, "")
    body = [block for part in body for block in _unwrapped(part)]
    if notes:
        listing: list[Node] = [{"t": "Header", "c": [1, ["ntsbrief-notes", [], []],
                                                      [{"t": "Str", "c": brief.notes_title}]]}]
        listing += [{"t": "Div", "c": [[f"note-{n}", [], []], _numbered(n, note)]} for n, note in notes.items()]
        at = next((i for i, b in enumerate(body) if _attr(b)[0] == _REFERENCES_ANCHOR), len(body))
        body[at:at] = listing
    return body


def _unwrapped(block: Node) -> list[Node]:
    """A part's blocks (its anchor is on its first heading, see ``_collect``): a
    heading inside a container could not start a page. The contents and the
    cite-as line are Typst's."""
    anchor, classes, _ = _attr(block)
    if anchor in _RAW:
        before, *after = [_raw_block(raw) for raw in _RAW[anchor]]
        return [before, *block["c"][1], *after]
    if _PART not in classes:
        return [block]
    blocks: list[Node] = block["c"][1]
    if anchor == _FRONT:  # the landing page's headings are not the brief's sections
        for heading in (b for b in blocks if b.get("t") == "Header"):
            heading["c"][1][1].append("unlisted")
    if anchor == _REFERENCES_PART:  # entries with a hanging indent, as on the site
        return [blocks[0], _raw_block("#[#set par(hanging-indent: 1.5em, justify: false)"), *blocks[1:],
                _raw_block("]")]
    return blocks


def _take_notes(blocks: list[Node]) -> tuple[list[Node], dict[int, list[Node]]]:
    kept, held = [], {}
    for block in blocks:
        if _attr(block)[0] == _NOTES_HOLDER:
            for note in block["c"][1]:
                match = NOTE_ANCHOR_RE.match(_attr(note)[0])
                if match:
                    held[int(match.group(1))] = note["c"][1]
        else:
            kept.append(block)
    return kept, held


def _numbered(number: int, note: list[Node]) -> list[Node]:
    """An endnote's blocks, its number first."""
    mark: list[Node] = [{"t": "Superscript", "c": [{"t": "Str", "c": str(number)}]}, {"t": "Space"}]
    if note and note[0]["t"] in ("Para", "Plain"):
        return [{"t": note[0]["t"], "c": mark + note[0]["c"]}, *note[1:]]
    return [{"t": "Para", "c": mark}, *note]


# In a page's own text: a heading's permalink, and text only screen readers get on
# the site (the PDF is tagged instead). What the site adds to pages (the Cite box,
# downloads, back-links, "Cited in") never reaches the PDF: see ``printed_brief``.
_WEB_ONLY = frozenset({"headerlink", "ntsbrief-sr"})
_WITH_ATTR = frozenset({"Div", "Span", "Link", "Image", "Code", "CodeBlock", "Table", "Figure"})


def _attr(node: Any) -> tuple[str, list[str], list[list[str]]]:
    """A Div's, Span's, Header's or Link's (id, classes, attributes); empty for others."""
    if not isinstance(node, dict):
        return "", [], []
    if node.get("t") in _WITH_ATTR:
        attr = node["c"][0]
    elif node.get("t") == "Header":
        attr = node["c"][1]
    else:
        return "", [], []
    return attr[0], attr[1], attr[2]


def _collect(value: Any, anchors: _Anchors, page: str) -> None:
    """Record every anchor under the page it comes from (a part's ``data-url``)."""
    if isinstance(value, list):
        for item in value:
            _collect(item, anchors, page)
        return
    if not isinstance(value, dict):
        return
    anchor, classes, attributes = _attr(value)
    page = _part_url(attributes, page)
    if _PART in classes:
        anchor = _first_heading_anchor(value["c"][1], anchor)
        anchors.add(page, anchor, start=True)
    elif anchor:
        anchors.add(page, anchor)
    _collect(value.get("c"), anchors, page)


def _first_heading_anchor(blocks: list[Node], anchor: str) -> str:
    """The anchor of a part's first block if it is a heading (given ``anchor`` if it has none)."""
    if blocks and blocks[0].get("t") == "Header":
        attr = blocks[0]["c"][1]
        if not attr[0]:
            attr[0] = anchor
        return str(attr[0])
    return anchor


def _part_url(attributes: list[list[str]], page: str) -> str:
    """The page a part of the document comes from (pandoc reads ``data-url`` as ``url``)."""
    return next((value for name, value in attributes if name in ("url", "data-url")), page)


@dataclass
class _Footnotes:
    """The notes' texts (pandoc's blocks, links as on the Notes page), and those placed so far."""

    texts: dict[int, list[Node]]
    page: str  # the Notes page's address
    placed: set[int] = field(default_factory=set)


class _Printer:
    """One pass over pandoc's blocks: ids made unique, links made internal, web-only
    parts dropped, note markers made footnotes (when given the notes)."""

    def __init__(self, anchors: _Anchors, brief: PrintedBrief, notes: _Footnotes | None = None):
        self.anchors = anchors
        self.base_url = brief.base_url
        self.files = Path(brief.files) if brief.files else None
        self.notes = notes

    def blocks(self, blocks: list[Node], page: str) -> list[Node]:
        """``blocks`` (of ``page``) for print."""
        return _ended(list(self._items(blocks, page)))

    def _items(self, items: list[Any], page: str) -> Iterator[Any]:
        for item in items:
            yield from self._node(item, page)

    def _node(self, node: Any, page: str) -> Iterator[Any]:
        if isinstance(node, list):
            yield _ended(list(self._items(node, page)))
            return
        if not isinstance(node, dict) or "c" not in node:
            yield node
            return
        anchor, classes, attributes = _attr(node)
        if _WEB_ONLY.intersection(classes):
            return
        page = _part_url(attributes, page)
        if self.notes is not None and node["t"] == "Superscript":
            note = self._footnote(node["c"])
            if note is not None:
                yield from note
                return
        if node["t"] == "Image":
            yield self._image(node, page)
            return
        content = node["c"]
        if anchor:
            content = self._with_id(node, self.anchors.names.get((page, anchor), anchor))
        if node["t"] == "Link":
            content = [*content[:2], [self._target(content[2][0], page), content[2][1]]]
        yield {"t": node["t"], "c": next(self._node(content, page))}

    @staticmethod
    def _with_id(node: Node, name: str) -> list[Any]:
        content = list(node["c"])
        at = 1 if node["t"] == "Header" else 0
        content[at] = [name, *content[at][1:]]
        return content

    def _footnote(self, inlines: list[Node]) -> list[Node] | None:
        """Note markers (a superscript of links to ``note-N``; pandoc joins adjacent
        ones) as the notes themselves, or None if it is another superscript."""
        assert self.notes is not None, "only called with notes"
        numbers = [self._note_number(inline) for inline in inlines]
        if not numbers or 0 in numbers:
            return None
        return [inline for number in numbers for inline in self._placed(number)]

    def _note_number(self, inline: Node) -> int:
        """N for a link to ``note-N`` of the brief's notes (else 0)."""
        assert self.notes is not None, "only called with notes"
        if inline.get("t") != "Link":
            return 0
        match = NOTE_ANCHOR_RE.match(inline["c"][2][0].rpartition("#")[2])
        number = int(match.group(1)) if match else 0
        return number if number in self.notes.texts else 0

    def _placed(self, number: int) -> list[Node]:
        """Note ``number`` as a footnote numbered as on the site (Typst would count its
        footnotes in order: a note marked twice, or only inside another note, would
        shift the rest); a note marked again refers to the footnote already placed."""
        assert self.notes is not None, "only called with notes"
        label = self.anchors.names.get((self.notes.page, f"note-{number}"), f"note-{number}")
        if number in self.notes.placed:
            return [_raw(f"#footnote(<{label}>)")]
        self.notes.placed.add(number)
        text = self.blocks(self.notes.texts[number], self.notes.page)  # its own markers too
        return [_raw(f"#counter(footnote).update({number - 1})"), {"t": "Note", "c": text}, _raw(f"<{label}>")]

    def _image(self, node: Node, page: str) -> Node:
        """An image of the site as Typst finds it (a path from the site's folder, its
        root); any other (another site's: nothing is fetched; a format Typst cannot
        read) as its text, linked to where it is."""
        attr, alt, (target, title) = node["c"]
        alt = list(self._items(alt, page))
        if not _SCHEME_RE.match(target) and not target.startswith("//") and self.files is not None:
            path = _resolve(page, target.partition("#")[0].partition("?")[0])
            if path.rpartition(".")[2].lower() in _IMAGE_FORMATS and (self.files / path).is_file():
                return {"t": "Image", "c": [attr, alt, ["/" + path, title]]}
        return {"t": "Link", "c": [["", [], []], alt or [{"t": "Str", "c": target}],
                                   [self._target(target, page), title]]}

    def _target(self, target: str, page: str) -> str:
        """A link's target: within the document where it leads into the brief; other
        pages of the site by ``base_url``; other sites as they are."""
        if _SCHEME_RE.match(target) or target.startswith("//"):
            return target
        path, _, fragment = target.partition("#")
        linked = _resolve(page, path) if path else page
        inside = self.anchors.target(linked, fragment)
        if inside is not None:
            return f"#{inside}"
        return self.base_url + linked + (f"#{fragment}" if fragment else "")


_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_IMAGE_FORMATS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp"})  # what Typst reads


# Inlines pandoc writes as a Typst call (``#link(…)[…]``, ``#emph[…]``): Typst reads a
# "." and a name right after one as a field of its result (pandoc 3.9 does not
# escape it), so such a call is ended with ";", which Typst does not show.
_CALLS = frozenset({"Link", "Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps",
                    "Note", "Span", "Quoted", "Cite", "Image", "Code", "RawInline"})
_FIELD_RE = re.compile(r"^\.[^\W\d]")


def _ended(items: list[Any]) -> list[Any]:
    """Inlines with a call ended where the text after it would be read as a field."""
    if not any(isinstance(i, dict) and i.get("t") == "Str" and _FIELD_RE.match(i.get("c", "")) for i in items):
        return items
    ended: list[Any] = []
    for item in items:
        if (ended and isinstance(item, dict) and item.get("t") == "Str" and _FIELD_RE.match(item["c"])
                and isinstance(ended[-1], dict) and ended[-1].get("t") in _CALLS):
            ended.append(_raw(";"))
        ended.append(item)
    return ended


def _raw(typst: str) -> Node:
    return {"t": "RawInline", "c": ["typst", typst]}


def _raw_block(typst: str) -> Node:
    return {"t": "RawBlock", "c": ["typst", typst]}


def _resolve(page: str, path: str) -> str:
    """``path``, relative to the page at ``page`` (a site address), as a site address."""
    folder = page if page.endswith("/") or not page else posixpath.dirname(page) + "/"
    joined = posixpath.normpath(posixpath.join("/" + folder, path)).lstrip("/")
    return joined + "/" if path.endswith("/") and joined else joined


# -- 3. the document and the PDF --------------------------------------------------

def typst_string(text: str) -> str:
    """``text`` as a Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def typst_document(title_block: TitleBlock, body: str) -> str:
    """The whole Typst source: metadata, page set-up, title block, contents, body."""
    t = title_block
    authors = ", ".join(typst_string(a) for a in t.authors)
    keywords = ", ".join(typst_string(k) for k in t.keywords)
    running = t.issue
    lines = [
        f"#set document(title: {typst_string(t.title)}, author: ({authors}{',' if len(t.authors) == 1 else ''}),"
        f" keywords: ({keywords}{',' if len(t.keywords) == 1 else ''}),"
        f" description: {typst_string(t.subject) if t.subject else 'none'}, date: none)",
        f"#set text(font: {typst_string(BODY_FONT)}, size: 11pt, lang: {typst_string(t.language.split('-')[0])})",
        "#set par(justify: true, leading: 0.62em, spacing: 1em)",
        "#set heading(numbering: none)",
        # Each section starts a page; the contents' own title does not.
        "#show heading.where(level: 1, outlined: true): it => { pagebreak(weak: true); v(1em); text(size: 17pt, it);"
        " v(0.4em) }",
        "#show heading.where(level: 2): set text(size: 13pt)",
        "#show link: it => { if type(it.dest) == str { it } else { text(fill: rgb(\"#1a3f8f\"), it) } }",
        "#set footnote.entry(separator: line(length: 30%, stroke: 0.5pt))",
        "#set page(paper: \"a4\", margin: (x: 2.5cm, top: 2.5cm, bottom: 2.8cm),",
        "  header: context { if counter(page).get().first() > 1 {",
        f"    set text(size: 8.5pt); {typst_string(t.title)}; h(1fr); {typst_string(running)} }} }},",
        "  footer: context { set text(size: 9pt); h(1fr); counter(page).display(\"1 / 1\", both: true); h(1fr) })",
        "",
        "#align(center)[",
        f"  #block(text(size: 21pt, weight: \"bold\", {typst_string(t.title)}))",
        f"  #v(0.6em) #text(size: 13pt, {typst_string(', '.join(t.authors))})" if t.authors else "",
        f"  #v(0.3em) #text(style: \"italic\", {typst_string(running)})" if running else "",
        f"  #v(0.2em) #text(size: 10pt, {typst_string(t.publisher)})" if t.publisher else "",
        f"  #v(0.2em) #text(size: 9pt, link({typst_string(t.url)}))" if t.url else "",
        "]",
        "#v(1.2em)",
    ]
    lines += ["", body]
    return "\n".join(line for line in lines if line != "") + "\n"


def typeset(source: str, files: str = "") -> bytes:
    """The PDF Typst makes of ``source``, with its own embedded fonts only; images are
    read from ``files`` (the built site's folder)."""
    import typst  # imported here: only a build that makes a PDF needs it

    # Typed as Any: typst's stubs make the source and the root one type (bytes and a path are both right).
    compile_source: Any = typst.compile
    try:
        return bytes(compile_source(source.encode("utf-8"), root=files or None, ignore_system_fonts=True))
    except typst.TypstError as error:  # a fault of ours: the source is generated
        raise FormatError(f"Typst could not typeset it: {_first_line(str(error))}", str(error)) from None


def make_pdf(brief: PrintedBrief, cache: DiskCache | None = None) -> bytes:
    """The brief's PDF; the latest is kept in ``cache`` under everything it is made
    of (a build that changed none of it writes the same bytes again)."""
    import typst

    key = digest("pdf", code_digest(), pandoc_version(), str(getattr(typst, "__version__", "")), repr(brief))
    made = cache.read_latest("brief-pdf", key) if cache is not None else None
    if made is None:
        made = typeset(typst_document(brief.title_block, typst_body(brief)), brief.files)
        if cache is not None:
            cache.write_latest("brief-pdf", key, made)
    return made


_FIRST_H1_RE = re.compile(r"<h1[\s>].*?</h1>\s*", re.S)


@dataclass(frozen=True)
class Places:
    """Where things are in the site: the cite page, the generated lists (and their
    titles), and the PDF itself."""

    cite_url: str | None
    notes_url: str
    references_url: str
    notes_title: str = "Notes"
    references_title: str = "References"
    pdf_file: str = "brief.pdf"


@dataclass(frozen=True)
class SiteFacts:
    """What the site's configuration says of the brief."""

    name: str  # the brief's title as written (pandoc reads a BibTeX title in sentence case)
    description: str = ""
    author: str = ""
    url: str = ""
    language: str = "en"
    keywords: tuple[str, ...] = ()


def printed_brief(result: Resolution, sections: list[Section], places: Places, site: SiteFacts,
                  own: dict[str, Any] | None = None, cite_as_html: str = "", endnotes: bool = False,
                  files: str = "") -> PrintedBrief:
    """What the PDF shows: the pages of ``sections`` in reading order (the cite
    page's text, its title left to the title block, as front matter), the notes
    and the reference list of ``result``; a title block from the brief's own entry
    (``own``, CSL-JSON) and the site's facts."""
    front = ""
    own_sections = []
    for section in sections:
        if section.url == places.cite_url and not front:
            # Its title and its contents are the PDF's own (the title block, the outline).
            front = landing.without_contents(_FIRST_H1_RE.sub("", section.html, count=1))
        else:
            own_sections.append(section)
    title = title_block({**(own or {}), "title": site.name}, site.description, site.keywords, site.language, site.url)
    if not title.authors and site.author:
        title = replace(title, authors=(site.author,))
    # Pages the PDF does not hold are linked on the site: absolute where its address is known.
    folder = posixpath.dirname(places.pdf_file)
    base_url = site.url or ("../" * (folder.count("/") + 1) if folder else "")
    return PrintedBrief(title, tuple(own_sections), tuple(result.note_texts), places.notes_url,
                        result.references_print_html, places.references_url, places.notes_title,
                        places.references_title, front, endnotes, cite_as_html, base_url, files)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def title_block(item: dict[str, Any], subject: str = "", keywords: tuple[str, ...] = (), language: str = "en",
                url: str = "") -> TitleBlock:
    """The title block of the brief's own entry (CSL-JSON, as pandoc read it), as
    the site's landing page has it (``landing.facts``)."""
    found = landing.facts(item)
    publisher = ", ".join(p for p in (found.publisher, found.place) if p)
    return TitleBlock(str(item.get("title", "")), found.authors, landing.issue_line(found), publisher, subject,
                      keywords, language or "en", url)
