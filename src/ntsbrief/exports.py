"""The brief's and its references' data for readers and indexers: BibTeX, RIS and
CSL-JSON downloads, Highwire Press meta tags and schema.org JSON-LD.

Bibliographic data comes from the store through pandoc's BibTeX reader
(CSL-JSON), so names, dates and LaTeX are decoded by the same tool that
formats citations; this module only re-serialises those records.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from .bibliography import Bibliography
from .render import script_json

RIS_TYPES = {
    "article-journal": "JOUR", "article-magazine": "MGZN", "article-newspaper": "NEWS", "book": "BOOK",
    "chapter": "CHAP", "paper-conference": "CPAPER", "report": "RPRT", "thesis": "THES", "webpage": "ELEC",
    "dataset": "DATA", "manuscript": "UNPB", "entry-encyclopedia": "ENCYC", "entry-dictionary": "DICT",
}
SCHEMA_TYPES = {"article-journal": "ScholarlyArticle", "book": "Book", "chapter": "Chapter", "report": "Report",
                "thesis": "Thesis", "webpage": "WebPage"}
_LINKABLE = re.compile(r"^(https?://|doi:)", re.IGNORECASE)

# A CSL-JSON record (or a part of one: a name, a date) as pandoc writes it.
CslItem = dict[str, Any]


def bibtex(bibliography: Bibliography, keys: list[str], published: frozenset[str]) -> str:
    """The entries as written in the store, with only the ``published`` fields
    (see ``fields``): nothing private or internal to the store."""
    blocks = []
    for key in keys:
        entry = bibliography.entries[key]
        fields = [f"  {name} = {value}" for name, value in entry.raw_fields.items() if name in published]
        blocks.append(f"@{entry.entry_type}{{{key},\n" + ",\n".join(fields) + "\n}\n")
    return "\n".join(blocks)


def csl_json(items: list[CslItem]) -> str:
    """A JSON array with one record per line: readable and diffable, and written by
    the json module's C encoder (``indent`` would take its slow pure-Python path)."""
    if not items:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False, sort_keys=True) for item in items) + "\n]\n"


def ris(items: list[CslItem]) -> str:
    """RIS records (as Zotero, EndNote and Mendeley import them) from CSL-JSON."""
    records = []
    for item in items:
        lines = [("TY", RIS_TYPES.get(item.get("type", ""), "GEN"))]
        lines += [("AU", _name(n)) for n in item.get("author", [])]
        lines += [("ED", _name(n)) for n in item.get("editor", [])]
        lines.append(("TI", _plain(item.get("title", ""))))
        container = _plain(item.get("container-title", ""))
        if container:
            lines.append(("JO" if item.get("type") == "article-journal" else "T2", container))
        date = _date_parts(item)
        if date:
            lines.append(("PY", str(date[0])))
            lines.append(("DA", "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(date)) + "/"))
        for tag, variable in (("VL", "volume"), ("IS", "issue"), ("M1", "number"), ("PB", "publisher"),
                              ("CY", "publisher-place"), ("SN", "ISBN"), ("SN", "ISSN"), ("DO", "DOI"),
                              ("UR", "URL"), ("M3", "genre")):
            if item.get(variable):
                lines.append((tag, _plain(str(item[variable]))))
        pages = str(item.get("page", ""))
        if pages:
            parts = re.split(r"\s*[-–]+\s*", pages)
            lines.append(("SP", parts[0]))
            if len(parts) > 1:
                lines.append(("EP", parts[-1]))
        lines.append(("ER", ""))
        # "TAG  - value", and "ER  - " closing the record, as the RIS specification writes them.
        records.append("\n".join(f"{tag}  - {value}" for tag, value in lines if value or tag == "ER"))
    return "\n\n".join(records) + "\n"


def highwire_tags(brief: CslItem, cited: list[CslItem], pdf_url: str | None = None) -> list[tuple[str, str]]:
    """Google Scholar's citation_* meta tags for the brief's landing page."""
    tags = [("citation_title", _plain(brief.get("title", "")))]
    tags += [("citation_author", _name(n)) for n in brief.get("author", [])]
    date = _date_parts(brief)
    if date:
        tags.append(("citation_publication_date", "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(date))))
    if brief.get("type") == "report":
        if brief.get("publisher"):
            tags.append(("citation_technical_report_institution", _plain(brief["publisher"])))
        if brief.get("number"):
            tags.append(("citation_technical_report_number", str(brief["number"])))
    elif brief.get("publisher"):
        tags.append(("citation_publisher", _plain(brief["publisher"])))
    if pdf_url and pdf_url_problem(pdf_url) is None:  # the plugin refuses any other value
        tags.append(("citation_pdf_url", pdf_url))
    tags += [("citation_reference", _citation_reference(item)) for item in cited]
    return tags


def _citation_reference(item: CslItem) -> str:
    """A cited work as one ``citation_reference`` tag's content: ``name=value`` pairs
    (the citation_* names of the brief's own tags), separated by "; "."""
    parts = [f"citation_title={_plain(item.get('title', ''))}"]
    names: list[CslItem] = item["author"] if "author" in item else item.get("editor", [])
    parts += [f"citation_author={_name(n)}" for n in names]
    item_date = _date_parts(item)
    if item_date:
        parts.append(f"citation_publication_date={item_date[0]}")
    for name, variable in (("citation_journal_title", "container-title"), ("citation_volume", "volume"),
                           ("citation_issue", "issue"), ("citation_doi", "DOI")):
        if item.get(variable):
            parts.append(f"{name}={_plain(str(item[variable]))}")
    pages = re.split(r"\s*[-–]+\s*", str(item.get("page", ""))) if item.get("page") else []
    if pages:
        parts.append(f"citation_firstpage={pages[0]}")
        if len(pages) > 1:
            parts.append(f"citation_lastpage={pages[-1]}")
    return "; ".join(p.replace(";", ",") for p in parts)


def meta_html(tags: list[tuple[str, str]]) -> str:
    """``(name, content)`` pairs as HTML ``<meta>`` elements, one a line, escaped."""
    return "\n".join(f'<meta name="{html.escape(n)}" content="{html.escape(c, quote=True)}">' for n, c in tags)


def json_ld(brief: CslItem, cited: list[CslItem], url: str | None = None) -> dict[str, Any]:
    """schema.org description of the brief (a Report in its series) and what it cites."""
    data: dict[str, Any] = {"@context": "https://schema.org",
                            "@type": SCHEMA_TYPES.get(brief.get("type", ""), "CreativeWork"),
                            "name": _plain(brief.get("title", ""))}
    data["headline"] = data["name"]
    data["author"] = [_person(n) for n in brief.get("author", [])]
    if brief.get("publisher"):
        data["publisher"] = {"@type": "Organization", "name": _plain(brief["publisher"])}
    date = _date_parts(brief)
    if date:
        data["datePublished"] = "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(date))
    if brief.get("genre"):
        data["isPartOf"] = {"@type": "CreativeWorkSeries", "name": _plain(brief["genre"])}
    if brief.get("number"):
        data["reportNumber"] = str(brief["number"])
    if url:
        data["url"] = url
    data["citation"] = [_creative_work(item) for item in cited]
    return data


def json_ld_script(data: dict[str, Any]) -> str:
    """``data`` (``json_ld``'s) as a JSON-LD script element, safe in a page (``script_json``)."""
    return f'<script type="application/ld+json">{script_json(data, sort_keys=True)}</script>'


def pdf_url_problem(value: str) -> str | None:
    r"""Why ``value`` cannot be the brief's ``citation_pdf_url`` (None if it can):
    it must be an http(s) URL or a path within the site (``brief.pdf``,
    ``/files/brief.pdf``), never another scheme (``javascript:``, ``data:``,
    ``file:``) or another host without one (``//host/x``, ``\host\x``)."""
    problem: str | None
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        problem = "holds white space or a control character (write a space as %20)"
    elif "\\" in value:
        problem = "holds a backslash (a URL's separator is /)"
    elif _URL_SCHEME_RE.match(value):
        scheme = value.split(":", 1)[0]
        problem = (None if _HTTP_URL_RE.match(value) else "names no host" if scheme.lower() in ("http", "https")
                   else f"uses the scheme '{scheme}:'")
    elif value.startswith("//"):
        problem = "names another host without a scheme"
    else:
        problem = None
    if problem is None:
        return None
    return (f"'pdf' must be an http(s) URL or a path within the site (such as downloads/brief.pdf): "
            f"{value!r} {problem}")


_URL_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_HTTP_URL_RE = re.compile(r"^https?://[^/?#]+", re.IGNORECASE)


def safe_url(value: str) -> str | None:
    """A URL fit for an href: http(s) only (doi: becomes https://doi.org/)."""
    value = value.strip()
    if value.lower().startswith("doi:"):
        return "https://doi.org/" + value[4:]
    return value if _LINKABLE.match(value) else None


def _creative_work(item: CslItem) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": SCHEMA_TYPES.get(item.get("type", ""), "CreativeWork"),
                            "name": _plain(item.get("title", ""))}
    people = item.get("author") or item.get("editor") or []
    if people:
        work["author"] = [_person(n) for n in people]
    date = _date_parts(item)
    if date:
        work["datePublished"] = str(date[0])
    if item.get("container-title"):
        work["isPartOf"] = {"@type": "Periodical" if item.get("type") == "article-journal" else "CreativeWork",
                            "name": _plain(item["container-title"])}
    if item.get("DOI"):
        work["sameAs"] = "https://doi.org/" + str(item["DOI"])
    elif item.get("URL") and safe_url(str(item["URL"])):
        work["url"] = str(item["URL"])
    return work


def _person(name: CslItem) -> dict[str, str]:
    if "literal" in name:
        return {"@type": "Organization", "name": name["literal"]}
    full = " ".join(p for p in (name.get("given"), name.get("non-dropping-particle"), name.get("family")) if p)
    return {"@type": "Person", "name": full}


def _name(name: CslItem) -> str:
    if "literal" in name:
        literal: str = name["literal"]
        return literal
    family = " ".join(p for p in (name.get("non-dropping-particle"), name.get("family")) if p)
    return f"{family}, {name['given']}" if name.get("given") else family


def _date_parts(item: CslItem) -> list[int]:
    parts = (item.get("issued") or {}).get("date-parts") or [[]]
    return [int(p) for p in parts[0] if str(p).isdigit()]


def _plain(text: str) -> str:
    """CSL-JSON strings may carry pandoc's markup for protected case and italics."""
    return " ".join(re.sub(r"</?(span|i|b|sup|sub)[^>]*>", "", str(text)).split())
