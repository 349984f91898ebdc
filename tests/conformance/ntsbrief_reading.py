"""How ntsbrief reads the citations of a page, as its build records them.

The counterpart of ``pandoc_reading``: ``clusters`` converts a page exactly as
a build does (front matter taken off as MkDocs does, Python-Markdown with the
extensions MkDocs always enables plus those of the project's ``mkdocs.yml``,
and ntsbrief's extension) and lists every cluster the page record holds, in
the order the build numbers them, in the same shape as
``pandoc_reading.clusters`` (keys, modes, prefixes, suffixes).

``predicted`` is what the pure source parser (``syntax.predict_clusters``,
used to start formatting early) expects of the same page.

Run as a script to compare one document with pandoc::

    .venv/bin/python tests/conformance/ntsbrief_reading.py DOCUMENT.md
"""

from __future__ import annotations

import sys
from pathlib import Path

import markdown as python_markdown
from mkdocs.utils.meta import get_data

from ntsbrief.bibliography import Bibliography
from ntsbrief.brief import Brief
from ntsbrief.citeproc import Formatter
from ntsbrief.extension import BriefExtension
from ntsbrief.loader import line_offset
from ntsbrief.style import resolve_style
from ntsbrief.syntax import Cluster, predict_clusters

# MkDocs' own (toc, tables, fenced_code) and those the brief's mkdocs.yml adds.
EXTENSIONS = ["toc", "tables", "fenced_code", "attr_list", "admonition"]


def _shape(cluster: Cluster, **extra) -> dict:
    return {
        "keys": list(cluster.keys),
        "modes": cluster.modes,
        "prefixes": [item.prefix for item in cluster.items],
        "suffixes": [item.suffix for item in cluster.items],
        "pandoc_text": cluster.pandoc_text,  # what is formatted (and cached)
        **extra,
    }


def body(page: str) -> tuple[str, int]:
    """The page without its front matter, as MkDocs gives it to Markdown, and
    how many lines the front matter took."""
    markdown, _ = get_data(page)
    return markdown, line_offset(page, markdown)


def clusters(page: str) -> list[dict]:
    """Every cluster the build records on ``page``, in the order it numbers them."""
    markdown, offset = body(page)
    brief = Brief(Bibliography(), resolve_style("ntsbrief", Path(".")), Formatter())
    extension = BriefExtension()
    record = extension.page = brief.page("doc", "doc.md", markdown, offset)
    converted = python_markdown.Markdown(extensions=[extension, *EXTENSIONS]).convert(markdown)
    record.finish(converted)
    return [_shape(use.cluster, raw=use.raw, in_attribute=use.in_attribute, in_note=use.in_note)
            for use in record.citations]


def predicted(page: str) -> list[dict]:
    markdown, _ = body(page)
    return [_shape(cluster) for cluster in predict_clusters(markdown)]


def main(argv: list[str]) -> int:
    from conformance import compare

    for arg in argv:
        report = compare.compare_document(Path(arg))
        print(report.describe())
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main(sys.argv[1:]))
