"""Which of an entry's fields may leave the store: an allow-list.

A reference manager's export carries the researcher's own data next to the
bibliographic description: Zotero's ``file`` (a path with their user name and
folders), reading notes (``annote``/``annotation``), ``abstract``, ``keywords``,
JabRef's ``owner``/``timestamp``/``groups``, BibDesk's ``bdsk-file-*``,
Mendeley's ``mendeley-tags``, and whatever the next tool adds. So nothing is
published unless it is named here (what CSL and citation managers use to
describe and import a reference), or the editor opts in by name
(``export_fields``). Everything the site shows or offers (formatted references,
previews, downloads, JSON-LD, meta tags) is made from these fields only.
"""

from __future__ import annotations

import re
from typing import Any

# CSL 1.0.2's variables, as pandoc's reader names them in its references: all
# describe a work, except those of OPT_IN (a reader's notes and keywords, an
# abstract, and the library the record came from).
CSL_VARIABLES = frozenset({
    "id", "type", "language",
    # standard
    "archive", "archive_collection", "archive_location", "archive-place", "authority", "chapter-number",
    "citation-key", "collection-number", "collection-title", "container-title", "container-title-short",
    "dimensions", "division", "DOI", "edition", "event", "event-title", "event-place", "genre", "ISBN", "ISSN",
    "issue", "jurisdiction", "license", "medium", "note", "number", "number-of-pages", "number-of-volumes",
    "original-publisher", "original-publisher-place", "original-title", "page", "page-first", "part-number",
    "part-title", "PMCID", "PMID", "printing-number", "publisher", "publisher-place", "references",
    "reviewed-genre", "reviewed-title", "scale", "section", "source", "status", "supplement-number", "title",
    "title-short", "URL", "version", "volume", "volume-title", "volume-title-short",
    # names
    "author", "chair", "collection-editor", "compiler", "composer", "container-author", "contributor", "curator",
    "director", "editor", "editorial-director", "editor-translator", "executive-producer", "guest", "host",
    "illustrator", "interviewer", "narrator", "organizer", "original-author", "performer", "producer", "recipient",
    "reviewed-author", "script-writer", "series-creator", "translator",
    # dates
    "accessed", "available-date", "event-date", "issued", "original-date", "submitted",
})

# BibTeX and biblatex fields that describe a work (those pandoc's reader turns
# into the variables above), plus the ones that tie entries together.
BIBTEX_FIELDS = frozenset({
    "author", "editor", "editora", "editorb", "editorc", "editortype", "editoratype", "editorbtype",
    "editorctype", "translator", "bookauthor", "annotator", "commentator", "introduction", "foreword",
    "afterword", "holder",
    "title", "subtitle", "titleaddon", "shorttitle", "booktitle", "booksubtitle", "booktitleaddon", "maintitle",
    "mainsubtitle", "maintitleaddon", "journal", "journaltitle", "journalsubtitle", "shortjournal", "series",
    "eventtitle", "venue", "origtitle", "origlocation", "origpublisher", "issuetitle", "issuesubtitle",
    "date", "year", "month", "day", "eventdate", "origdate", "urldate",
    "pages", "pagetotal", "volume", "volumes", "number", "issue", "edition", "version", "chapter", "part",
    "publisher", "institution", "organization", "school", "location", "address", "howpublished", "type",
    "note", "addendum", "pubstate", "language", "langid", "entrysubtype",
    "doi", "url", "isbn", "issn", "eprint", "eprinttype", "eprintclass", "archiveprefix", "primaryclass",
    "pmid", "pmcid",
    "crossref", "xdata", "ids",
})

# Fields kept back unless the editor names them in ``export_fields``, with the
# variable pandoc's reader makes of each.
OPT_IN = {"abstract": "abstract", "keywords": "keyword", "annotation": "annote", "annote": "annote",
          "library": "call-number"}


def csl_variables(opted_in: frozenset[str] = frozenset()) -> frozenset[str]:
    """In lower case: pandoc's citeproc reads variable names in any case (its
    metadata writes ``doi``, its CSL-JSON ``DOI``)."""
    return frozenset(name.lower() for name in CSL_VARIABLES | {OPT_IN[n] for n in opted_in if n in OPT_IN})


def bibtex_fields(opted_in: frozenset[str] = frozenset()) -> frozenset[str]:
    """The BibTeX fields that may be published: ``BIBTEX_FIELDS`` and the editor's
    ``opted_in`` ones (``export_fields``)."""
    return BIBTEX_FIELDS | opted_in


def published_record(record: dict[str, Any], opted_in: frozenset[str] = frozenset()) -> dict[str, Any]:
    """pandoc's reference (a MetaMap) with only the published variables."""
    allowed = csl_variables(opted_in)
    return {"t": record["t"], "c": {name: value for name, value in record["c"].items() if name.lower() in allowed}}


_LOCAL_PATH_RE = re.compile(
    r"file:/|(?:^|[\s{:;\"'=(])(?:~/|/(?:Users|home|mnt|Volumes|media|private|tmp|var/folders)/|[A-Za-z]:[\\/])",
    re.IGNORECASE)


def local_path(value: str) -> str | None:
    """A local file's path or ``file:`` URL in a field's value (as written), if any."""
    match = _LOCAL_PATH_RE.search(value)
    if match is None:
        return None
    start = match.start() + (0 if match.group(0)[0] not in " \t\n{:;\"'=(" else 1)
    return value[start:].split(maxsplit=1)[0].rstrip("},\"'")
