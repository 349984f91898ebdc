"""The landing page as the first page of an article: a title block made from the
brief's own entry, the summary set as an abstract, and contents made from the nav.

Each is put where the page has its marker, so a brief chooses what its landing
page shows and in which order; a page without a marker is left as it is. The
facts (authors, series, issue, date, publisher) are the store's, as pandoc read
the brief's own entry (CSL-JSON): nothing here is typed into a template. Pure
functions of their arguments: nothing here knows the site generator.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .render import esc

TITLE_MARKER = "<!-- ntsbrief:title -->"
CONTENTS_MARKER = "<!-- ntsbrief:contents -->"
ABSTRACT_START = "<!-- ntsbrief:abstract -->"
ABSTRACT_END = "<!-- ntsbrief:abstract-end -->"

# English month names: the site's text is in the brief's language, and its dates
# are written out as the Alert's own front matter writes them ("August 2011").
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class Facts:
    """What the title block says of the brief, as text (not yet escaped)."""

    authors: tuple[str, ...] = ()
    series: str = ""
    number: str = ""
    date: str = ""  # as shown: "August 2011"
    iso_date: str = ""  # as machines read it: "2011-08"
    publisher: str = ""
    place: str = ""


@dataclass(frozen=True)
class ContentsEntry:
    """One line of the contents: a page (or a section of the nav) and what it holds."""

    title_html: str  # HTML text, as the site shows the title
    href: str | None  # None for a nav section without a page of its own
    children: tuple[ContentsEntry, ...] = field(default_factory=tuple)


def facts(item: dict[str, Any]) -> Facts:
    """The title block's facts from the brief's own CSL-JSON record (pandoc's reading of its entry)."""
    names = tuple(_person(name) for name in item.get("author", []) if _person(name))
    parts = [int(p) for p in ((item.get("issued") or {}).get("date-parts") or [[]])[0] if str(p).isdigit()]
    date = iso = ""
    if parts:
        iso = "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts[:3]))
        shown = [str(parts[0])]
        if len(parts) > 1 and 1 <= parts[1] <= 12:
            shown.insert(0, MONTHS[parts[1] - 1])
            if len(parts) > 2:
                shown.insert(0, str(parts[2]))
        date = " ".join(shown)
    series = _text(item.get("genre") or item.get("collection-title") or item.get("container-title") or "")
    number = _text(str(item.get("number") or item.get("collection-number") or item.get("issue") or ""))
    return Facts(names, series, number, date, iso, _text(item.get("publisher", "")),
                 _text(item.get("publisher-place", "")))


def issue_line(found: Facts) -> str:
    """The series line as text, as the title block shows it: "NTS Alert, August 2011 (Issue 2)"."""
    shown = ", ".join(part for part in (found.series, found.date) if part)
    return f"{shown} (Issue {found.number})" if found.number else shown


def title_block_html(found: Facts, cite_href: str | None, cite_label: str, pdf_href: str | None = None) -> str:
    """The byline, series line and publisher line, then the buttons: the PDF (only
    when the brief has one) and "Cite this" (when the page has the box)."""
    lines = []
    if found.authors:
        lines.append(f'<p class="ntsbrief-byline">{esc(_and(found.authors))}</p>')
    series = [f'<span class="ntsbrief-series">{esc(found.series)}</span>'] if found.series else []
    if found.date:
        series.append(f'<time datetime="{esc(found.iso_date)}">{esc(found.date)}</time>')
    if series or found.number:
        issue = f" (Issue {esc(found.number)})" if found.number else ""
        lines.append(f'<p class="ntsbrief-issue">{", ".join(series)}{issue}</p>')
    publisher = ", ".join(esc(part) for part in (found.publisher, found.place) if part)
    if publisher:
        lines.append(f'<p class="ntsbrief-publisher">{publisher}</p>')
    buttons = []
    if pdf_href:  # the brief's PDF: the `pdf` option (and whatever makes the PDF) gives its address
        buttons.append(f'<a class="md-button md-button--primary ntsbrief-pdf-button" href="{esc(pdf_href)}">PDF</a>')
    if cite_href:
        buttons.append(f'<a class="md-button ntsbrief-cite-button" href="{esc(cite_href)}">{esc(cite_label)}</a>')
    if buttons:
        lines.append('<p class="ntsbrief-actions">' + " ".join(buttons) + "</p>")
    return '<div class="ntsbrief-title-block">\n' + "\n".join(lines) + "\n</div>"


def contents_html(entries: Sequence[ContentsEntry], label: str = "Contents") -> str:
    """The contents as a navigation landmark: a list of the nav's pages, nested as the nav is."""
    return f'<nav class="ntsbrief-contents" aria-label="{esc(label)}">\n{_list(entries)}\n</nav>'


def _list(entries: Sequence[ContentsEntry]) -> str:
    items = []
    for entry in entries:
        text = f'<a href="{esc(entry.href)}">{entry.title_html}</a>' if entry.href else entry.title_html
        if entry.children:
            text += "\n" + _list(entry.children)
        items.append(f"<li>{text}</li>")
    return "<ol>\n" + "\n".join(items) + "\n</ol>"


def mark_abstract(page_html: str) -> str:
    """The part of the page between the abstract's markers set as its abstract
    (``role="doc-abstract"``); a page without both markers is returned as it is."""
    start = page_html.find(ABSTRACT_START)
    end = page_html.find(ABSTRACT_END, start + len(ABSTRACT_START)) if start >= 0 else -1
    if start < 0 or end < 0:
        return page_html
    inside = page_html[start + len(ABSTRACT_START):end]
    return (page_html[:start] + '<div class="ntsbrief-abstract" role="doc-abstract">' + inside + "</div>"
            + page_html[end + len(ABSTRACT_END):])


# The contents marker, with the heading that introduces it (the nearest one before it).
_CONTENTS_RE = re.compile(r"(?:<h([1-6])[\s>](?:(?!<h[1-6]).)*?</h\1>\s*)?" + re.escape(CONTENTS_MARKER), re.S)


def without_contents(page_html: str) -> str:
    """The page without its contents marker and the heading that introduces it: for a
    view that has contents of its own (the full text, the PDF)."""
    return _CONTENTS_RE.sub("", page_html)


def fill(page_html: str, title_block: str | None, contents: str | None) -> str:
    """The landing page with its title block, abstract and contents where its markers are."""
    if title_block is not None and TITLE_MARKER in page_html:
        page_html = page_html.replace(TITLE_MARKER, title_block, 1)
    if contents is not None and CONTENTS_MARKER in page_html:
        page_html = page_html.replace(CONTENTS_MARKER, contents, 1)
    return mark_abstract(page_html)


def _person(name: dict[str, Any]) -> str:
    if "literal" in name:
        return _text(str(name["literal"]))
    return " ".join(_text(str(p)) for p in (name.get("given"), name.get("dropping-particle"),
                                            name.get("non-dropping-particle"), name.get("family"),
                                            name.get("suffix")) if p)


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _text(value: str) -> str:
    """CSL-JSON text without pandoc's markup (protected case, italics), spaces collapsed."""
    return " ".join(_MARKUP_RE.sub("", value).split())


_MARKUP_RE = re.compile(r"</?(?:span|i|b|sup|sub)\b[^>]*>")
