"""What a published brief offers beyond its pages: a way to cite it, downloads
of its references, metadata for indexers, and the whole text on one page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import exports, render
from .brief import Brief, Resolution
from .citeproc import FormatError

FULL_TEXT = "\0full-text"  # the key the single-page view hosts everything under


@dataclass
class Publication:
    own_html: str = ""  # the brief's own entry, formatted in the site's style
    head_html: str = ""  # Highwire meta tags and JSON-LD for the landing page
    downloads: dict[str, str] = field(default_factory=dict)  # file name -> content


def publish(brief: Brief, result: Resolution, own_key: str | None, exclude_fields: set[str],
            pdf_url: str | None = None, site_url: str | None = None) -> Publication:
    """Cite-this data and downloads; problems become the brief's diagnostics."""
    publication = Publication()
    keys = [k for k in ([own_key] if own_key in brief.bibliography else []) + result.cited_keys]
    if not keys:
        return publication
    try:
        items = {}
        for item in brief.formatter.csl_items(brief.bibliography.bibtex_for(keys)):
            item["id"] = brief.bibliography.unalias(item["id"])
            items[item["id"]] = item
    except FormatError as error:
        brief.diagnostics.add("pandoc", None, f"cannot read the cited entries for downloads: {error}")
        return publication
    for item in items.values():  # titles as written, not sentence-cased, for readers and indexers
        raw = brief.bibliography.entries[item["id"]].fields.get("title")
        if raw:
            item["title"] = exports.title_as_written(raw, item.get("title", ""))
    cited = [items[k] for k in result.cited_keys if k in items]
    if cited:
        publication.downloads.update({
            "references.bib": exports.bibtex(brief.bibliography, result.cited_keys, exclude_fields),
            "references.ris": exports.ris(cited),
            "references.json": exports.csl_json(cited),
        })
    if own_key and own_key in items:
        own = items[own_key]
        publication.own_html = brief.format_entry(own_key)
        publication.downloads.update({
            f"{own_key}.bib": exports.bibtex(brief.bibliography, [own_key], exclude_fields),
            f"{own_key}.ris": exports.ris([own]),
            f"{own_key}.json": exports.csl_json([own]),
        })
        publication.head_html = (exports.meta_html(exports.highwire_tags(own, cited, pdf_url)) + "\n"
                                 + exports.json_ld_script(exports.json_ld(own, cited, site_url)))
    return publication


def full_text(brief: Brief, order: list[str], contents: dict[str, str], skip: set[str],
              rebase: Callable[[str, str], str], titles: dict[str, str]) -> str:
    """Every page in reading order on one page, with the same note numbers, then
    the notes and the references; links between the parts stay in the page.

    ``contents`` are the pages' converted HTML before resolution; ``rebase(key,
    html)`` rewrites a page's relative links for the full-text page's address.
    """
    result = brief.resolve(order, lambda _from, _to, anchor: f"#{anchor}", FULL_TEXT, FULL_TEXT,
                           {**titles, FULL_TEXT: "Notes"}, host=lambda _key: FULL_TEXT)
    parts = []
    for key in [k for k in order if k in contents and k not in skip]:
        body = rebase(key, result.pages[key](contents[key])) if key in result.pages else rebase(key, contents[key])
        parts.append(f'<section class="ntsbrief-part" data-source="{render.esc(key)}">\n{body}\n</section>')
    parts.append('<section class="ntsbrief-part ntsbrief-endmatter">\n<h2 id="notes">Notes</h2>\n'
                 f"{result.notes_html}\n</section>")
    parts.append('<section class="ntsbrief-part ntsbrief-endmatter">\n<h2 id="references">References</h2>\n'
                 f"{result.references_html}\n</section>")
    return "\n".join(parts)
