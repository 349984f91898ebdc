"""Pure HTML rewriting: placeholders become citations and note markers, and the
Notes and References lists are built. Every string from user data is escaped
here; formatted citations and entries come from pandoc, already escaped.
"""

from __future__ import annotations

import html
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

# The brief's anchors, unique across the whole brief (so that the full text can hold
# every page). "ref-KEY" is the name pandoc's citeproc gives a reference list's
# entries, and its citations' links; the site keeps it.
REF_PREFIX = "ref-"  # an entry of the References page
NOTE_PREFIX = "note-"  # a note of the Notes page, by its number
NOTE_REF_PREFIX = "noteref-"  # a note's marker in the text
CITE_PREFIX = "cite-"  # a citation in the text, numbered in reading order


def ref_anchor(key: str) -> str:
    """The id of work ``key``'s entry in the References list (pandoc's own ``ref-KEY``)."""
    return REF_PREFIX + key


def note_anchor(number: int) -> str:
    """The id of note ``number`` in the Notes list."""
    return f"{NOTE_PREFIX}{number}"


def note_ref_anchor(number: int, use: int = 1) -> str:
    """The marker of note ``number`` at its ``use``-th place (the first has no suffix)."""
    return f"{NOTE_REF_PREFIX}{number}" if use == 1 else f"{NOTE_REF_PREFIX}{number}-{use}"


def cite_anchor(n: int) -> str:
    """The id of the ``n``-th citation of the brief, in reading order."""
    return f"{CITE_PREFIX}{n}"


_REF_HREF_RE = re.compile(rf'href="#{re.escape(REF_PREFIX)}([^"]*)"')

NOTES_MARKER = "<!-- ntsbrief:notes -->"
REFERENCES_MARKER = "<!-- ntsbrief:references -->"
FULL_TEXT_MARKER = "<!-- ntsbrief:full-text -->"
CITE_MARKER = "<!-- ntsbrief:cite -->"


_SPECIAL_RE = re.compile(r"[&<>\"']")


def esc(text: str) -> str:
    """``text`` escaped for HTML text and attribute values (``&``, ``<``, ``>`` and both quotes)."""
    # Most ids, keys and hrefs hold nothing to escape: one scan instead of five replaces.
    return html.escape(text, quote=True) if _SPECIAL_RE.search(text) else text


# In-page links (pandoc's to reference entries, in every citation) are safe and left unmatched.
_ANCHOR_RE = re.compile(r'<a href="(?!#)([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
_SAFE_HREF_RE = re.compile(r"^(?:https?://|#|mailto:)", re.IGNORECASE)


def drop_unsafe_links(fragment: str) -> str:
    """Keep only http(s), mailto and in-page links; any other (javascript:, data:,
    file:) from a store's url field is shown as text, not linked."""
    def keep(match: re.Match[str]) -> str:
        return match.group(0) if _SAFE_HREF_RE.match(html.unescape(match.group(1)).strip()) else match.group(2)

    return _ANCHOR_RE.sub(keep, fragment)


class Marks:
    """The placeholder markup of one build.

    Its tags carry a random token, so that nothing an author writes as raw HTML
    can pass for a placeholder; every placeholder is replaced before output, so
    the token never reaches the site.
    """

    def __init__(self, token: str | None = None):
        self.token = token or secrets.token_hex(6)
        self.ref_tag = f"ntsbrief-ref-{self.token}"
        self.notedef_tag = f"ntsbrief-notedef-{self.token}"
        self.holder_class = f"ntsbrief-notedefs-{self.token}"
        # A placeholder in text (in="link": inside a link's text), or in an attribute value.
        self._ref = re.compile(rf'<{self.ref_tag} kind="(cite|note)" n="(\d+)"(?: in="(link)")?>(.*?)</{self.ref_tag}>'
                               rf'|{self.ref_tag}-(cite|note)-(\d+)-attr', re.DOTALL)
        self._notedef = re.compile(rf'<{self.notedef_tag} n="(\d+)">(.*?)</{self.notedef_tag}>', re.DOTALL)
        self._holder = re.compile(rf'<div class="{self.holder_class}">(.*)</div>\s*$', re.DOTALL)

    def attribute_mark(self, kind: str, n: int) -> str:
        """A placeholder inside an attribute value: letters, digits and dashes only."""
        return f"{self.ref_tag}-{kind}-{n}-attr"

    def replace(self, page_html: str, render: Callable[[str, int, str, str], str]) -> str:
        """Replace each placeholder by ``render(kind, n, fallback_html, context)``,
        context being "text", "link" (inside a link's text) or "attribute"."""
        def one(m: re.Match[str]) -> str:
            if m.group(1) is None:
                return render(m.group(5), int(m.group(6)), "", "attribute")
            return render(m.group(1), int(m.group(2)), m.group(4), m.group(3) or "text")

        return self._ref.sub(one, page_html)

    def in_attributes(self, fragment: str) -> list[tuple[str, int]]:
        """The placeholders of ``fragment`` that are inside attribute values."""
        return [(m.group(5), int(m.group(6))) for m in self._ref.finditer(fragment) if m.group(1) is None]

    def found(self, fragment: str) -> list[tuple[str, int]]:
        """Every placeholder of ``fragment`` as ``(kind, n)``, in order, in text or in attributes."""
        return [(m.group(1) or m.group(5), int(m.group(2) or m.group(6))) for m in self._ref.finditer(fragment)]

    def split_definitions(self, page_html: str) -> tuple[str, dict[int, str]]:
        """Take the rendered note definitions out of a page's HTML."""
        block = self._holder.search(page_html)
        if block is None:
            return page_html, {}
        definitions = {int(m.group(1)): m.group(2).strip() for m in self._notedef.finditer(block.group(1))}
        return page_html[: block.start()].rstrip() + "\n", definitions


_BRIEF_ANCHOR_RE = re.compile(r'href="[^"#]*#((?:cite|noteref|note|ref)-[^"]*)"')


def as_text(fragment: str) -> str:
    """A fragment's text, markup removed (entities kept: it stays valid HTML)."""
    return re.sub(r"<[^>]+>", "", fragment)


def localize_links(fragment: str) -> str:
    """Links to a brief's anchors on any page, made links within the page."""
    return _BRIEF_ANCHOR_RE.sub(r'href="#\1"', fragment)


def unalias_refs(fragment: str, unalias: Callable[[str], str]) -> str:
    """pandoc's links to ``#ref-ALIAS`` back to the real keys."""
    return _REF_HREF_RE.sub(lambda m: f'href="#{esc(ref_anchor(unalias(html.unescape(m.group(1)))))}"', fragment)


def ref_linker(ref_href: Callable[[str], str]) -> Callable[[str, list[str], str], str]:
    """``citation_html`` for one page, whose links to reference entries are
    ``ref_href(key)``: each work's link is made once per page, not per citation."""
    links: dict[str, str] = {}  # pandoc's href="#ref-..." -> ours

    def link(match: re.Match[str]) -> str:
        found = links.get(match.group(1))
        if found is None:
            found = links[match.group(1)] = f'href="{esc(ref_href(html.unescape(match.group(1))))}"'
        return found

    def citation_html(cite_id: str, keys: list[str], formatted: str, linked: bool = True) -> str:
        """A formatted cluster, each cited work linked to its reference entry
        (unless ``linked`` is false: the citation is inside a link's text)."""
        body = _REF_HREF_RE.sub(link, formatted) if linked else _LINK_RE.sub("", formatted)
        return f'<span class="citation" id="{esc(cite_id)}" data-cites="{esc(" ".join(keys))}">{body}</span>'

    return citation_html


def attribute_text(fragment: str) -> str:
    """A fragment as an attribute value's text: no markup, quotes escaped."""
    return as_text(fragment).replace('"', "&quot;").replace("'", "&#x27;")


def unresolved_citation_html(cite_id: str, text: str, unknown: list[str]) -> str:
    """A cluster that cannot be formatted stays visible as written, marked '?'."""
    shown = text
    for key in unknown:
        shown = re.sub(r"(-?)@(\{?)" + re.escape(key), r"\1?\2" + key.replace("\\", r"\\"), shown, count=1)
    title = "Unknown citation key: " + ", ".join(unknown) if unknown else "Citation could not be formatted"
    return (f'<span class="citation ntsbrief-unresolved" id="{esc(cite_id)}" title="{esc(title)}">'
            f"{esc(shown)}</span>")


def note_marker_html(marker_id: str, number: int, href: str) -> str:
    """A note's superscript number in the text, linked to ``href`` (the note in the Notes list)."""
    return (f'<sup class="ntsbrief-noteref" id="{esc(marker_id)}">'
            f'<a href="{esc(href)}" role="doc-noteref" aria-label="Note {number}">{number}</a></sup>')


def unresolved_note_html(label: str) -> str:
    """A reference to an undefined note, shown as the author wrote it (``[^label]``)."""
    return (f'<sup class="ntsbrief-noteref ntsbrief-unresolved" title="Undefined note">'
            f"[^{esc(label)}]</sup>")


@dataclass
class NoteItem:
    """A note of the Notes list: its number, its text (HTML) and its markers' hrefs (``backrefs``);
    the page whose note it is, and the link from the Notes list to the note at that page's end."""

    number: int
    html: str
    backrefs: list[str] = field(default_factory=list)  # hrefs of the markers, in order
    page: str = ""  # the page the note belongs to (its key)
    page_href: str = ""  # the note in that page's own notes, as linked from the Notes page
    markers: list[str] = field(default_factory=list)  # ids of its markers, all on that page


@dataclass(frozen=True)
class NoteGroup:
    """The notes of one page, as the Notes list shows them under the page's title (HTML)."""

    page: str
    title: str
    href: str  # the page, as linked from where the list is shown
    items: list[NoteItem]


def note_groups(items: list[NoteItem], titles: dict[str, str], href: Callable[[str], str]) -> list[NoteGroup]:
    """The notes by page, pages in reading order (numbers run on from page to page);
    ``href(page)`` links to a page from where the list is shown."""
    groups: list[NoteGroup] = []
    for item in items:
        if not groups or groups[-1].page != item.page:
            groups.append(NoteGroup(item.page, titles.get(item.page, esc(item.page)), href(item.page), []))
        groups[-1].items.append(item)
    return groups


def _back_to_markers(note: NoteItem, hrefs: list[str]) -> list[str]:
    links = []
    for index, href in enumerate(hrefs, 1):
        label = f"Back to note {note.number} in the text" + (f" ({index})" if index > 1 else "")
        mark = "↩︎" + (f"<sup>{index}</sup>" if index > 1 else "")
        links.append(f'<a href="{esc(href)}" class="ntsbrief-backref" role="doc-backlink" '
                     f'aria-label="{esc(label)}">{mark}</a>')
    return links


def _note_li(note: NoteItem, links: list[str]) -> str:
    return (f'<li id="{note_anchor(note.number)}" value="{note.number}">'
            f"{_append_inline(note.html, ' '.join(links))}</li>")


def notes_list_html(notes: list[NoteItem], backlinks: bool = True, page_links: bool = False) -> str:
    """The Notes list; without ``backlinks`` for a search index, which wants words;
    with ``page_links``, each note also links to its copy at the end of its page."""
    if not notes:
        return '<p class="ntsbrief-empty">This brief has no notes.</p>'
    items = []
    for note in notes:
        links = _back_to_markers(note, note.backrefs) if backlinks else []
        if backlinks and page_links and note.page_href:
            # Visible words inside the accessible name (WCAG 2.5.3), the number for context.
            links.append(f'<a href="{esc(note.page_href)}" class="ntsbrief-backref ntsbrief-to-page-notes" '
                         f'aria-label="Note {note.number} at the end of the section">end of the section</a>')
        items.append(_note_li(note, links))
    return '<ol class="ntsbrief-notes">\n' + "\n".join(items) + "\n</ol>"


def grouped_notes_html(groups: list[NoteGroup], level: int = 2, backlinks: bool = True,
                       page_links: bool = True) -> str:
    """The Notes list under a heading per page (``<h{level}>``, linked to the page),
    brief-wide numbers kept."""
    if not groups:
        return notes_list_html([])
    parts = []
    for group in groups:
        heading = f'<h{level} class="ntsbrief-notes-section"><a href="{esc(group.href)}">{group.title}</a></h{level}>'
        parts.append(heading + "\n" + notes_list_html(group.items, backlinks, page_links))
    return "\n".join(parts)


PAGE_NOTES_ID = "ntsbrief-page-notes"
_PAGE_NOTES_START = f'<section class="ntsbrief-page-notes" id="{PAGE_NOTES_ID}"'


def page_notes_html(notes: list[NoteItem], title: str, notes_hrefs: list[str], margin: bool = False) -> str:
    """A page's own notes at its end, numbered as in the brief: each links back to
    its markers (on the page) and to itself in the Notes list (``notes_hrefs``, in
    order). With ``margin``, the reader's script may set them beside their markers
    on wide screens (the list stays where it is for keyboards and screen readers)."""
    if not notes:
        return ""
    items = []
    for note, notes_href in zip(notes, notes_hrefs, strict=True):
        links = _back_to_markers(note, [f"#{marker}" for marker in note.markers])
        links.append(f'<a href="{esc(notes_href)}" class="ntsbrief-backref ntsbrief-to-notes" '
                     f'aria-label="Note {note.number} in all notes">all notes</a>')
        items.append(_note_li(note, links))
    flag = " data-ntsbrief-margin-notes" if margin else ""
    return (f'{_PAGE_NOTES_START} role="doc-endnotes" aria-labelledby="{PAGE_NOTES_ID}-title"{flag}>\n'
            f'<h2 id="{PAGE_NOTES_ID}-title">{esc(title)}</h2>\n'
            '<ol class="ntsbrief-notes">\n' + "\n".join(items) + "\n</ol>\n</section>")


def without_page_notes(page_html: str) -> str:
    """A page's text without its own notes, which always end it (the full text
    gathers every note at its end)."""
    at = page_html.rfind(_PAGE_NOTES_START)
    return page_html if at < 0 else page_html[:at].rstrip() + "\n"


@dataclass
class ReferenceItem:
    """An entry of the References list: the work's key, its formatted entry (HTML), where it is
    cited and whether its details are unverified (marked with a dagger)."""

    key: str
    html: str
    citations: list[tuple[str, str]] = field(default_factory=list)  # (href, page title)
    unverified: bool = False


# The dagger of an unverified entry, and what a screen reader says instead.
UNVERIFIED_MARK = ('<span class="ntsbrief-unverified" title="Details not fully verified">'
                   '<span aria-hidden="true">†</span>'
                   '<span class="ntsbrief-sr">(details not fully verified)</span></span>')


def references_html(entries: list[ReferenceItem], unverified_note: str, cited_in: bool = True) -> str:
    """The reference list; without ``cited_in`` for a search index, where thousands
    of "Cited in" links would only be parsed to be thrown away."""
    if not entries:
        return '<p class="ntsbrief-empty">This brief cites no works.</p>'
    rows = []
    for entry in entries:
        body = entry.html
        if entry.unverified:
            body = _append_inline(body, UNVERIFIED_MARK)
        if entry.citations and cited_in:
            body += ' <span class="ntsbrief-citedin">Cited in: ' + _cited_in(entry.citations) + "</span>"
        rows.append(f'<div id="{esc(ref_anchor(entry.key))}" class="csl-entry" role="listitem">{body}</div>')
    listing = ('<div class="ntsbrief-references csl-bib-body hanging-indent" role="list">\n'
               + "\n".join(rows) + "\n</div>")
    if unverified_note and any(e.unverified for e in entries):
        listing += f'\n<p class="ntsbrief-unverified-note"><span aria-hidden="true">†</span> {esc(unverified_note)}</p>'
    return listing


_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")


def title_text(title: str) -> str:
    """A page's title as themes show it. MkDocs' titles are HTML, printed as they
    are: a heading's comes escaped, as does a generated page's (``plugin``), and a
    title from front matter or the nav is read as HTML too."""
    return html.unescape(_TAG_RE.sub("", title)) if "<" in title or "&" in title else title


def place_letter(n: int) -> str:
    """The ``n``-th place (from 1) as a letter: a…z, then aa, ab, … (as a spreadsheet's columns)."""
    letters = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _cited_in(citations: list[tuple[str, str]]) -> str:
    """"Introduction a, b; Conclusion": each page once, by its title, in reading
    order; a page cited in several places has a lettered link to each. A letter's
    accessible name says where and which ("Introduction, citation b"): meaningful
    in a list of links, and it holds the visible letter (WCAG 2.5.3)."""
    pages: dict[str, list[str]] = {}  # title -> hrefs, in reading order
    for href, title in citations:
        pages.setdefault(title, []).append(href)
    shown = []
    for title, hrefs in pages.items():
        name = esc(title_text(title))
        if len(hrefs) == 1:
            shown.append(f'<a href="{esc(hrefs[0])}" class="ntsbrief-backref">{name}</a>')
            continue
        letters = [f'<a href="{esc(href)}" class="ntsbrief-backref" aria-label="{name}, citation {place_letter(n)}">'
                   f"{place_letter(n)}</a>" for n, href in enumerate(hrefs, 1)]
        shown.append(f'{name} {", ".join(letters)}')
    return "; ".join(shown)


def _append_inline(fragment: str, addition: str) -> str:
    """Put ``addition`` at the end of the fragment's last paragraph, if it has one."""
    if not addition:
        return fragment
    stripped = fragment.rstrip()
    if stripped.endswith("</p>"):
        return stripped[: -len("</p>")] + " " + addition + "</p>"
    return stripped + " " + addition


_ID_ATTR_RE = re.compile(r'\s(?:id|aria-label|role)="[^"]*"')
_LINK_RE = re.compile(r"</?a\b[^>]*>")
_BACKREF_RE = re.compile(r'\s*<a [^>]*class="ntsbrief-backref"[^>]*>.*?</a>', re.DOTALL)


def preview_html(fragment: str) -> str:
    """A note or entry as a hover preview: no ids (they live on their page), no
    back-links, and links reduced to their text (a tooltip holds no controls)."""
    fragment = _BACKREF_RE.sub("", fragment)
    return _LINK_RE.sub("", _ID_ATTR_RE.sub("", fragment)).strip()


def note_preview_html(number: int, note_html: str) -> str:
    """A note's preview, headed by its number (the marker's digit is small, the note may be far)."""
    return f'<p class="ntsbrief-preview-label">Note {number}</p>\n' + preview_html(note_html)


def entry_preview_html(entry: ReferenceItem) -> str:
    """A reference entry's preview, with the reference list's dagger if its details are unverified."""
    body = preview_html(entry.html)
    return _append_inline(body, UNVERIFIED_MARK) if entry.unverified else body


_SCRIPT_ESCAPES = (("<", "\\u003c"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def script_json(value: object, sort_keys: bool = False) -> str:
    r"""``value`` as JSON for the text of a ``<script>`` data block (JSON-LD, the
    previews): every data block of the site is written by this function.

    It holds no "<" at all: each is written ``\u003c``, which JSON reads back as
    "<". In a script element's text the HTML parser acts only on "<" (``</script``
    ends the element early; ``<!--`` then ``<script`` makes it read on past the
    real ``</script>``, taking the page's body as script), so nothing in any
    string can end or extend the element. U+2028 and U+2029 are escaped too:
    older JavaScript parsers read them as line breaks."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=sort_keys)
    for char, escaped in _SCRIPT_ESCAPES:
        if char in text:
            text = text.replace(char, escaped)
    return text


def json_member(name: str, value: str) -> str:
    """``"name": value`` of a JSON object, safe inside a script element."""
    return script_json(name) + ": " + script_json(value)


def previews_script(members: dict[str, str]) -> str:
    """Previews as JSON in a script element, safe to put anywhere in a page, from
    members encoded by ``json_member`` (a brief's pages share most of their
    previews: each is encoded once)."""
    payload = "{" + ", ".join(members[target] for target in sorted(members)) + "}"
    return f'<script type="application/json" id="ntsbrief-previews">{payload}</script>'


def downloads_html(label: str, links: dict[str, str]) -> str:
    """A line ``label: name · name``, each name a download link (``links`` maps names to hrefs)."""
    items = " · ".join(f'<a href="{esc(href)}" download>{esc(name)}</a>' for name, href in links.items())
    return f'<p class="ntsbrief-downloads">{esc(label)}: {items}</p>\n'


def cite_box_html(title: str, entry_html: str, links: dict[str, str], pdf_href: str | None = None) -> str:
    """The "Cite this" box: the brief's own reference, its downloads and the brief's PDF."""
    pdf = downloads_html("Download the brief", {"PDF": pdf_href}) if pdf_href else ""
    return (f'<aside class="admonition quote ntsbrief-cite" id="cite-this" aria-labelledby="cite-this-title">\n'
            f'<p class="admonition-title" id="cite-this-title">{esc(title)}</p>\n'
            f'<p class="ntsbrief-cite-entry">{entry_html}</p>\n'
            + downloads_html("Download the reference", links) + pdf + "</aside>")


def part_anchor(key: str) -> str:
    """The id of page ``key``'s part of the full text."""
    return "part-" + re.sub(r"[^A-Za-z0-9_-]+", "-", re.sub(r"\.md$", "", key)).strip("-")


_HEADING_TAG_RE = re.compile(r"<(/?)h([1-6])(?=[\s>])", re.IGNORECASE)


def demoted_headings(fragment: str) -> str:
    """Every heading one level down (h1 → h2, …, h6 stays h6): a page inside the
    full text, whose one h1 is the full text's own title."""
    return _HEADING_TAG_RE.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 6)}", fragment)


def contents_html(entries: list[tuple[str, str]]) -> str:
    """An in-page table of contents from ``(href, title HTML)`` pairs."""
    items = "\n".join(f'<li><a href="{esc(href)}">{title}</a></li>' for href, title in entries)
    return (f'<nav class="ntsbrief-contents ntsbrief-full-text-contents" aria-labelledby="ntsbrief-contents-title">\n'
            f'<h2 id="ntsbrief-contents-title">Contents</h2>\n<ol>\n{items}\n</ol>\n</nav>')


def insert_listing(page_html: str, marker: str, listing: str) -> str:
    """Put a generated list where the page's marker comment is, or at its end."""
    if marker in page_html:
        return page_html.replace(marker, listing, 1)
    return page_html.rstrip() + "\n" + listing + "\n"
