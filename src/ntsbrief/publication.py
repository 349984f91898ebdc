"""What a published brief offers beyond its pages: a way to cite it, downloads
of its references, metadata for indexers, and the whole text on one page."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

from . import exports, fields, render
from .brief import Brief, Resolution
from .cache import code_digest
from .citeproc import FormatError


@dataclass
class Publication:
    """What ``publish`` makes of the brief: its own entry, its landing page's metadata and its downloads."""

    own_html: str = ""  # the brief's own entry, formatted in the site's style
    head_html: str = ""  # Highwire meta tags and JSON-LD for the landing page
    downloads: dict[str, str] = field(default_factory=dict)  # file name -> content
    own_item: dict[str, object] = field(default_factory=dict)  # the brief's own CSL-JSON record (its title block)


def publish(brief: Brief, result: Resolution, own_key: str | None, exclude_fields: set[str],
            pdf_url: str | None = None, site_url: str | None = None) -> Publication:
    """Cite-this data and downloads; problems become the brief's diagnostics.

    Kept in the brief's cache under everything they are made from (store, cited
    works in order, style, options, pandoc and this package's code), so a build
    that changed none of it reads them back instead of exporting a large store again."""
    key = brief.formatter.key("publication", code_digest(), brief.bibliography.digest, brief.style.text,
                              brief.locale or "", own_key or "", "\0".join(result.cited_keys),
                              "\0".join(sorted(exclude_fields)), "\0".join(sorted(brief.bibliography.opted_in)),
                              pdf_url or "", site_url or "")
    cached = brief.formatter.cache.read_json(key)
    if isinstance(cached, dict) and set(cached) == set(Publication.__dataclass_fields__):
        return Publication(**cached)
    problems = len(brief.diagnostics)
    publication = _publish(brief, result, own_key, exclude_fields, pdf_url, site_url)
    if len(brief.diagnostics) == problems:  # a failure is tried again next time
        brief.formatter.cache.write_json(key, json.dumps(asdict(publication), ensure_ascii=False))
    return publication


def _publish(brief: Brief, result: Resolution, own_key: str | None, exclude_fields: set[str],
             pdf_url: str | None, site_url: str | None) -> Publication:
    publication = Publication()
    published = fields.bibtex_fields(brief.bibliography.opted_in) - exclude_fields
    own = [own_key] if own_key is not None and own_key in brief.bibliography else []
    if not own and not result.cited_keys:
        return publication
    try:
        # The cited works as citeproc read them (the same conversion, from the cache),
        # and the brief's own entry on its own.
        items: dict[str, exports.CslItem] = {}
        for keys in (result.cited_keys, own):
            for item in brief.csl_items(keys) if keys else []:
                item["id"] = brief.pandoc.unalias(item["id"])
                items[item["id"]] = dict(item)
    except FormatError as error:
        brief.diagnostics.add("pandoc", None, f"cannot read the cited entries for downloads: {error}")
        return publication
    # Titles as written, not sentence-cased as pandoc's reader gives them to CSL,
    # for citation managers and indexers; decoded by pandoc's LaTeX reader.
    unread = brief.unread_keys
    titled = [item for item in items.values()
              if item["id"] not in unread and brief.bibliography.entries[item["id"]].fields.get("title")]
    try:
        decoded = brief.formatter.latex_to_text([brief.bibliography.entries[i["id"]].fields["title"] for i in titled])
    except FormatError as error:
        brief.diagnostics.add("pandoc", None, f"cannot read the cited titles for downloads: {error}")
        decoded = [None] * len(titled)
    for item, title in zip(titled, decoded, strict=True):
        item["title"] = title if title is not None else item.get("title", "")
    cited = [items[k] for k in result.cited_keys if k in items]
    if cited:
        publication.downloads.update({
            # Only what pandoc read: an entry it could not read is never published.
            "references.bib": exports.bibtex(brief.bibliography, [k for k in result.cited_keys if k in items],
                                             published),
            "references.ris": exports.ris(cited),
            "references.json": exports.csl_json(cited),
        })
    if own_key and own_key in items:
        own_item = items[own_key]
        publication.own_html = brief.format_entry(own_key)
        publication.own_item = dict(own_item)
        publication.downloads.update({
            f"{own_key}.bib": exports.bibtex(brief.bibliography, [own_key], published),
            f"{own_key}.ris": exports.ris([own_item]),
            f"{own_key}.json": exports.csl_json([own_item]),
        })
        publication.head_html = (exports.meta_html(exports.highwire_tags(own_item, cited, pdf_url)) + "\n"
                                 + exports.json_ld_script(exports.json_ld(own_item, cited, site_url)))
    return publication


def full_text(sections: list[tuple[str, str]], notes: tuple[str, str, str], references: tuple[str, str, str],
              within: Callable[[str, str], str]) -> Iterator[str]:
    """Every page (``(key, html)`` in reading order) on one page, then the notes and
    the references (``(key, html, title)`` of their lists, the title as the site
    shows it, HTML), with the links between them
    kept inside the page: the page's HTML in pieces, to be written one by one
    (a large brief's whole text would be held several times over as one string).

    The pages' HTML is as published (already resolved); ``within(key, html)`` makes
    it work inside the full text: note, citation and reference anchors are unique
    across the brief, so a link to one on any page becomes a link within the full
    text (``render.localize_links``), and other relative links are rebased for the
    full text's address.
    """
    def part(key: str, body: str, heading: str = "") -> str:
        return (f'<section class="ntsbrief-part" id="{render.part_anchor(key)}" data-source="{render.esc(key)}">\n'
                f"{heading}"
                f"{within(key, body)}\n</section>")

    parts = [(key, body, "") for key, body in sections]
    for (key, body, title), anchor in ((notes, "notes"), (references, "references")):
        parts.append((key, body, f'<h2 id="{anchor}">{title}</h2>\n'))
    for index, (key, body, heading) in enumerate(parts):
        yield ("\n" if index else "") + part(key, body, heading)
