"""Conformance with pandoc on real documents nobody here wrote (tests/conformance/).

Per document, the clusters the build records (works in order, modes, the text
of prefixes and suffixes) must be those pandoc's own reader finds, but for the
differences ``conformance/dialect.py`` lists; the source scan that predicts
clusters for early formatting must predict exactly what the build records;
and the whole corpus, built as one brief and formatted by citeproc, must put
no citation inside an attribute or a link.

``python tests/conformance/compare.py``-style figures: run
``cd tests && ../.venv/bin/python -m conformance.compare`` for the full report.
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import markdown as python_markdown
import pytest
from conformance import compare, dialect, ntsbrief_reading, pandoc_reading

from ntsbrief.bibliography import Bibliography
from ntsbrief.brief import Brief
from ntsbrief.citeproc import Formatter
from ntsbrief.extension import BriefExtension
from ntsbrief.style import resolve_style

DOCUMENTS = pandoc_reading.documents()
SOURCES = (Path(pandoc_reading.HERE) / "SOURCES.md").read_text(encoding="utf-8")


def test_corpus_is_real_recorded_and_large_enough():
    rows = [line for line in SOURCES.splitlines() if line.startswith("| `")]
    recorded = {re.match(r"\| `([^`]+)`", line).group(1): line for line in rows}
    assert sorted(recorded) == sorted(path.name for path in DOCUMENTS)
    repositories = {re.search(r"\[([^\]]+)\]\(https://github\.com/", line).group(1) for line in rows}
    assert len(DOCUMENTS) >= 50 and len(repositories) >= 15
    for line in rows:
        commit, licence = [cell.strip(" `") for cell in line.split("|")[4:6]]
        assert re.fullmatch(r"[0-9a-f]{40}", commit), line
        assert licence in {"CC-BY-4.0", "CC0-1.0", "MIT", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0"}, line


def test_dialect_list_is_short_and_names_known_documents():
    assert set(dialect.EXPECTED) <= {path.name for path in DOCUMENTS}
    used = {rule for differences in dialect.EXPECTED.values() for rule, _ in differences}
    assert used <= set(dialect.RULES)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Where the site and pandoc differ", 1)[1].split("\n### ", 1)[0]
    for rule in dialect.RULES:
        assert f"({rule})" in section, f"README does not explain the dialect rule {rule!r}"


@pytest.mark.parametrize("path", DOCUMENTS, ids=[path.stem for path in DOCUMENTS])
def test_document_reads_as_pandoc_reads_it(path):
    report = compare.compare_document(path)
    assert not report.unexpected(), report.describe()
    assert not report.unseen(), f"expected differences no longer seen: {report.unseen()}"


@pytest.mark.parametrize("path", DOCUMENTS, ids=[path.stem for path in DOCUMENTS])
def test_source_scan_predicts_what_the_build_records(path):
    page = path.read_text(encoding="utf-8")
    recorded = [c["pandoc_text"] for c in ntsbrief_reading.clusters(page)]
    predicted = [c["pandoc_text"] for c in ntsbrief_reading.predicted(page)]
    assert predicted == recorded


# ----------------------------------------------------------- the corpus built


# What a formatted citation is made of (an author's "<https://...>" in alt text is text).
_MARKUP_RE = re.compile(r"</?(?:span|a|sup|em|i|b|strong)[\s>]")


class _Checker(HTMLParser):
    """Counts citations; finds links inside links, and markup in attribute values."""

    def __init__(self, tokens: tuple[str, ...]):
        super().__init__(convert_charrefs=True)
        self.tokens = tokens
        self.links = 0  # open <a> elements
        self.citations = 0
        self.citations_in_links = 0
        self.in_links: list[str] = []  # links inside links
        self.in_attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (_MARKUP_RE.search(value) or any(token in value for token in self.tokens)):
                self.in_attributes.append(f"<{tag} {name}={value!r}>")
        classes = (dict(attrs).get("class") or "").split()
        if tag == "span" and "citation" in classes:
            self.citations += 1
            self.citations_in_links += bool(self.links)  # shown as text there, unlinked
        if tag == "a":
            if self.links:
                self.in_links.append(f"<a> inside <a>: {attrs}")
            self.links += 1

    def handle_endtag(self, tag):
        if tag == "a" and self.links:
            self.links -= 1


def _bibliography(keys: set[str]) -> Bibliography:
    entries = "\n".join(f"@misc{{{key},\n  author = {{Author{n}, A.}},\n  title = {{Title {n}}},\n  year = {{2000}}\n}}"
                        for n, key in enumerate(sorted(keys)))
    store = Bibliography()
    store.add_text(entries, "corpus.bib")
    return store


def test_corpus_built_as_a_brief_has_no_citation_in_an_attribute_or_a_link():
    pages = {path.stem: ntsbrief_reading.body(path.read_text(encoding="utf-8")) for path in DOCUMENTS}
    keys = {key for path in DOCUMENTS for c in ntsbrief_reading.clusters(path.read_text(encoding="utf-8"))
            for key in c["keys"] if key and "{" not in key and "}" not in key and "," not in key}
    store = _bibliography(keys)
    brief = Brief(store, resolve_style("ntsbrief", Path(".")), Formatter())
    converted = {}
    for name, (markdown, offset) in pages.items():
        extension = BriefExtension()
        record = extension.page = brief.page(name, f"{name}.md", markdown, offset)
        html = python_markdown.Markdown(extensions=[extension, *ntsbrief_reading.EXTENSIONS]).convert(markdown)
        converted[name] = record.finish(html)
    order = sorted(pages)
    result = brief.resolve(order, lambda a, b, anchor: f"{b}.html#{anchor}", "notes", "references",
                           {name: name for name in order})
    formatted, in_links = Counter(), 0
    for name in order:
        page_html = result.pages[name](converted[name])
        checker = _Checker((brief.marks.ref_tag,))
        checker.feed(page_html)
        assert brief.marks.ref_tag not in page_html, name  # every placeholder resolved
        assert not checker.in_attributes, (name, checker.in_attributes[:3])
        assert not checker.in_links, (name, checker.in_links[:3])
        formatted[name] = checker.citations
        in_links += checker.citations_in_links
    recorded = sum(len(record.citations) for record in brief.records.values())
    in_attributes = sum(use.in_attribute for record in brief.records.values() for use in record.citations)
    # Every recorded citation is on its page as a citation, but for those in an
    # image's alt text, which are there as text.
    assert sum(formatted.values()) == recorded - in_attributes
    # The corpus has citations in image alt text and in link text: the test sees them.
    assert in_attributes > 0 and in_links > 0
    unresolved = [d for d in brief.diagnostics if "could not be formatted" in d.message]
    assert not unresolved
