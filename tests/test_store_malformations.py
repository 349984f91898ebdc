"""One bad block affects only itself, and is reported where it is in the user's file.

Each malformation is put into a store beside good entries that the same page
cites: the bad block is located (``path:line: message``), never reaches pandoc,
and the good citations and references come out exactly as without it. Most cases
run the core (store, page, resolve); a few run real MkDocs builds."""

from __future__ import annotations

import re
import time
from pathlib import Path

import markdown
import pytest
from conftest import build, write_site

from ntsbrief.bibliography import Bibliography
from ntsbrief.citeproc import Formatter
from ntsbrief.extension import BriefExtension
from ntsbrief.loader import Settings, open_brief
from ntsbrief.pandoc_input import for_pandoc

GOOD = (
    "@book{good1, author = {Piper, Nicola}, title = {A {UN} Problem}, publisher = {IOM}, year = {2005}}\n"
    "\n"
    "@article{good2, author = {Chuang, Janie}, title = {Global Sheriff}, journal = {MJIL},\n"
    "  year = {2006}, pages = {437--494}}\n"
    "\n"
    "@book{good3, author = {Motus, Nenette}, title = {Anti-Trafficking}, publisher = {IOM}, year = {2004}}\n"
)
PAGE = "Good [@good1, 12], [@good2, 479-483] and [@good3]; bad [@bad, 3].\n\nAlso @good2 [5].\n"

# name: (the bad text, put between the first and the second good entry; the line
# of the message, counted in the whole file; what the message says)
CASES = {
    "unclosed brace": ("@book{bad, author = {Bad, A}, title = {Bad, publisher = {P}, year = {2000}}\n", 3,
                       "cannot parse this BibTeX block"),
    "empty key": ("@book{, author = {Bad, A}, title = {Bad}, publisher = {P}, year = {2000}}\n", 3,
                  "entry has no key"),
    "missing comma": ("@book{bad,\n  author = {Bad, A}\n  title = {Bad},\n  year = {2000}}\n", 5,
                      "pandoc cannot read entry 'bad': unexpected 't' (column 3)"),
    "missing equals": ("@book{bad, author {Bad, A}, title = {Bad}, year = {2000}}\n", 3,
                       "cannot parse this BibTeX block"),
    "broken concatenation": ("@book{bad, author = {Bad, A},\n  title = {Bad} # , year = {2000}}\n", 4,
                             "pandoc cannot read entry 'bad'"),
    "stray @": ("Send corrections to someone@example.org\n\n@ book{bad, title = {Bad}, year = {2000}}\n", 3,
                "'@' outside an entry"),
    "NUL byte": ("@book{bad, author = {Bad, A},\n  title = {B\0d}, year = {2000}}\n", 4,
                 "control character U+0000 (column 13): the file is damaged"),
    "invalid UTF-8": (b"@book{bad, author = {Bad, A},\n  title = {Caf\xe9}, year = {2000}}\n", 4,
                      "byte 0xE9 (column 15) is not UTF-8"),
    "undefined @string": ("@book{bad, author = {Bad, A},\n  journal = jmig, title = {Bad}, year = {2000}}\n", 4,
                          "undefined @string macro 'jmig' in field 'journal'"),
    "crossref cycle": ("@incollection{bad, title = {Bad}, crossref = {bad2}, year = {2000}}\n\n"
                       "@book{bad2, title = {Bad}, crossref = {bad}, year = {2000}}\n", 3,
                       "crossref cycle bad → bad2 → bad"),
    "own parent": ("@incollection{bad, title = {Bad}, crossref = {bad}, year = {2000}}\n", 3,
                   "entry 'bad' names itself as its own parent"),
    "duplicate fields": ("@book{bad, author = {Bad, A}, title = {Bad}, title = {Worse}, year = {2000}}\n", 3,
                         "entry 'bad' repeats the field(s) title"),
    "duplicate key": ("@book{good1, author = {Other, A}, title = {Other}, publisher = {P}, year = {2001}}\n", 3,
                      "duplicate BibTeX key 'good1' (first defined at refs.bib:1)"),
    "key differing only in case": ("@book{Good1, author = {Other, A}, title = {Other}, publisher = {P}, "
                                   "year = {2001}}\n", 3, "key 'Good1' differs only in case from 'good1'"),
    "crossref to a missing parent": ("@incollection{bad, author = {Bad, A}, title = {Bad},\n"
                                     "  crossref = {nothere}, year = {2000}}\n", 4,
                                     "crossref 'nothere' of 'bad' is not in the bibliography"),
}
# Whole-file variations that must change nothing at all.
HARMLESS = {
    "byte-order mark": lambda data: b"\xef\xbb\xbf" + data,
    "CRLF line ends": lambda data: data.replace(b"\n", b"\r\n"),
    "CR line ends": lambda data: data.replace(b"\n", b"\r"),
}


def resolve(tmp_path: Path, data: bytes, cache: Path) -> tuple[dict[str, str], str, list[str]]:
    """Citations (id -> HTML), the reference list and the messages of a page citing the store."""
    (tmp_path / "refs.bib").write_bytes(data)
    brief = open_brief(Settings(root=tmp_path, bibliography=("refs.bib",)), Formatter(cache))
    extension = BriefExtension()
    extension.page = brief.page("index.md", "docs/index.md", PAGE)
    html = extension.page.finish(markdown.Markdown(extensions=[extension]).convert(PAGE))
    result = brief.resolve(["index.md"], lambda f, t, a: f"#{a}", "notes.md", "refs.md", {})
    page = result.pages["index.md"](html)
    citations = dict(re.findall(r'(<span class="citation[^"]*" id="(cite-\d)"[^>]*>.*?</span>)', page))
    return {cite_id: span for span, cite_id in citations.items()}, result.references_html, \
        [str(d) for d in brief.diagnostics]


def good_references(references_html: str) -> list[str]:
    return re.findall(r'<div id="ref-good\d".*?</div>', references_html, re.DOTALL)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, cache):
    citations, references, problems = resolve(tmp_path_factory.mktemp("clean"), GOOD.encode(), cache)
    assert [p for p in problems if "bad" not in p] == []
    assert len(good_references(references)) == 3
    return citations, references


def with_bad(bad: str | bytes) -> bytes:
    first, rest = GOOD.split("\n\n", 1)
    bad_bytes = bad if isinstance(bad, bytes) else bad.encode("utf-8")
    return first.encode() + b"\n\n" + bad_bytes + b"\n" + rest.encode()


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_block_is_located_and_spoils_nothing_else(case, tmp_path, cache, baseline):
    bad, line, message = CASES[case]
    started = time.monotonic()
    citations, references, problems = resolve(tmp_path, with_bad(bad), cache)
    assert time.monotonic() - started < 60  # a cycle once made pandoc run without end
    located = [p for p in problems if p.startswith(f"refs.bib:{line}: ")]
    assert any(message in p for p in located), problems
    # Reported once: the same message is not repeated at another place.
    assert sum(message in p for p in problems) == 1, problems
    good_citations, good_list = baseline
    for cite_id in ("cite-1", "cite-2", "cite-3", "cite-5"):  # the good clusters
        assert citations[cite_id] == good_citations[cite_id], case
    assert good_references(references) == good_references(good_list)


@pytest.mark.parametrize("case", ["crossref cycle", "own parent", "missing comma", "NUL byte", "invalid UTF-8",
                                  "undefined @string", "duplicate fields"])
def test_a_citation_of_an_unusable_entry_stays_as_written(case, tmp_path, cache):
    citations, references, problems = resolve(tmp_path, with_bad(CASES[case][0]), cache)
    assert "ntsbrief-unresolved" in citations["cite-4"] and "[@bad, 3]" in citations["cite-4"]
    assert 'id="ref-bad"' not in references
    assert not any("citation bad not found" in p for p in problems)  # no second message from pandoc


@pytest.mark.parametrize("case", list(HARMLESS))
def test_encodings_and_line_ends_change_nothing(case, tmp_path, cache, baseline):
    citations, references, problems = resolve(tmp_path, HARMLESS[case](GOOD.encode()), cache)
    assert [p for p in problems if "bad" not in p] == []
    assert (citations, references) == baseline


def test_a_latin1_file_is_located_entry_by_entry(tmp_path, cache, baseline):
    data = (GOOD + "\n@book{bad, author = {Müller, Jörg}, title = {Über}, publisher = {P}, year = {2000}}\n"
            ).encode("latin-1")
    _, references, problems = resolve(tmp_path, data, cache)
    assert any(p.startswith("refs.bib:8: byte 0xFC") and "Latin-1" in p for p in problems), problems
    assert good_references(references) == good_references(baseline[1])


def test_the_whole_store_as_pandoc_would_refuse_it_still_formats_every_good_entry(tmp_path, cache, baseline):
    """Every malformation at once: pandoc, given the file itself, reads none of it."""
    everything = b"\n".join(bad if isinstance(bad, bytes) else bad.encode() for bad, _, _ in CASES.values())
    citations, references, _ = resolve(tmp_path, with_bad(everything), cache)
    assert good_references(references) == good_references(baseline[1])
    assert citations["cite-1"] == baseline[0]["cite-1"]


@pytest.mark.parametrize("case", ["missing comma", "crossref cycle", "invalid UTF-8"])
def test_a_real_build_fails_strict_with_the_location_and_keeps_the_good_html(case, tmp_path):
    pages = {"index.md": PAGE}
    clean_root, bad_root = tmp_path / "clean", tmp_path / "bad"
    for root in (clean_root, bad_root):
        write_site(root, pages, plugin={"bibliography": "citations/references.bib"})
        (root / "citations").mkdir()
    (clean_root / "citations" / "references.bib").write_bytes(GOOD.encode())
    (bad_root / "citations" / "references.bib").write_bytes(with_bad(CASES[case][0]))
    clean, bad = build(clean_root), build(bad_root, strict=True)
    bad_line, message = CASES[case][1:]
    assert bad.returncode != 0, bad.log
    assert f"citations/references.bib:{bad_line}: {message}" in bad.log or any(
        w.startswith(f"citations/references.bib:{bad_line}: ") and message in w for w in bad.warnings), bad.log
    clean_html, bad_html = clean.html(""), bad.html("")
    for cite_id in ("cite-1", "cite-2", "cite-3", "cite-5"):
        pattern = rf'<span class="citation[^"]*" id="{cite_id}".*?</span>'
        assert re.search(pattern, bad_html).group(0) == re.search(pattern, clean_html).group(0)
    assert good_references(bad.html("references")) == good_references(clean.html("references"))


@pytest.mark.parametrize("breakage", ["missing file", "unreadable file"])
def test_a_store_that_fails_as_a_whole_is_never_published(breakage, tmp_path):
    """Not even without --strict: every citation would show as written, the References page empty."""
    write_site(tmp_path, {"index.md": PAGE}, plugin={"bibliography": "refs.bib"})
    if breakage == "unreadable file":
        (tmp_path / "refs.bib").mkdir()  # a folder where the file should be: reading it fails
    built = build(tmp_path)
    assert built.returncode != 0
    assert "refs.bib: " in built.log and "the site was not written" in built.log, built.log
    assert not (tmp_path / "site" / "references" / "index.html").exists()
    assert not (tmp_path / "site" / "index.html").exists()


def test_a_crossref_cycle_never_reaches_pandoc():
    from ntsbrief.bibliography import Bibliography

    store = Bibliography()
    store.add_text(with_bad(CASES["crossref cycle"][0]).decode() + CASES["own parent"][0].replace("{bad", "{self"),
                   "refs.bib")
    given = for_pandoc(store, ["bad", "bad2", "self", "good1"])
    assert given.names == {"good1"} and "crossref" not in given.text
    assert set(given.withheld) == {"bad", "bad2", "self"}


def test_a_preview_goes_on_with_the_last_store_while_its_file_is_gone(tmp_path, cache):
    """A file missing for a moment in a live preview (an editor saving by rename, a
    switch of branch): the last store read stands in, with a warning; a build
    without a previous one reports the file and publishes nothing (above)."""
    (tmp_path / "refs.bib").write_bytes(GOOD.encode())
    settings = Settings(root=tmp_path, bibliography=("refs.bib",))
    formatter = Formatter(cache)
    first = open_brief(settings, formatter)
    (tmp_path / "refs.bib").unlink()
    second = open_brief(settings, formatter, previous=first)
    assert list(second.bibliography.entries) == list(first.bibliography.entries)
    assert not second.store_failed
    assert [str(d) for d in second.diagnostics] == [
        "refs.bib: bibliography file not found",
        "refs.bib: showing the last good version of the bibliography until it can be read again"]


def test_a_huge_field_is_refused_at_its_line(tmp_path, cache, baseline):
    """Megabytes in a field (a PDF's text pasted into `note`): refused where it is,
    before pandoc, whose reader would take minutes and gigabytes over it."""
    huge = "@book{bad, author = {Bad, A},\n  note = {" + "word " * 400_000 + "}, year = {2000}}\n"
    citations, references, problems = resolve(tmp_path, with_bad(huge), cache)
    assert any(p.startswith("refs.bib:4: field 'note' is 2.0 MB") for p in problems), problems
    assert "ntsbrief-unresolved" in citations["cite-4"]
    assert good_references(references) == good_references(baseline[1])


def test_a_key_with_a_space_or_line_break_is_located_not_read(tmp_path):
    """A '%' in a key starts a comment (as in pandoc), leaving a key that runs on
    over lines: pandoc refuses it; the store says where, and keeps it from pandoc.
    (Found by test_hardening_fuzz.)"""
    path = tmp_path / "refs.bib"
    path.write_text("@article{ok, title = {Fine}}\n\n@article{c%huang2006,\n 2006\n}  author = {A},\n title = {T}\n}\n",
                    encoding="utf-8")
    store = Bibliography.load([path], display_root=tmp_path)
    assert list(store.entries) == ["ok"]
    assert [str(d) for d in store.diagnostics] == [
        "refs.bib:3: this @article entry's key 'c 2006' has a space or line break in it: a key is one word, "
        "followed by a comma (a '%' starts a comment)"]


def test_a_backslash_ending_a_line_does_not_shift_later_lines(tmp_path):
    """bibtexparser's line count loses a line at such a backslash; the store finds
    each block by its text. (Found by test_hardening_fuzz.)"""
    path = tmp_path / "refs.bib"
    path.write_text("\\\n@article{a, title = {T}}\n\nA note \\\nwith a backslash.\n\n@article{b, title = {U}}\n",
                    encoding="utf-8")
    store = Bibliography.load([path], display_root=tmp_path)
    assert {key: entry.line for key, entry in store.entries.items()} == {"a": 2, "b": 7}
