"""The core without MkDocs: Python-Markdown plus ``Brief``, as another generator would use it."""

import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ntsbrief.bibliography import Bibliography
from ntsbrief.brief import Brief
from ntsbrief.citeproc import Formatter
from ntsbrief.extension import BriefExtension
from ntsbrief.register import Register
from ntsbrief.style import resolve_style

BIB = """
@book{piper2005, author = {Piper, Nicola}, title = {A Problem}, publisher = {IOM}, year = 2005}
@book{chuang2006, author = {Chuang, Janie}, title = {Global Sheriff}, publisher = {UMich}, year = 2006}
"""


FORMATTER = Formatter()  # shared by the property test's examples: the same citations are formatted once


def convert_all(pages, order, register=None, reuse=False):
    """Convert pages in the given (file) order, resolve in ``order`` (reading order);
    with ``reuse``, one Markdown object converts them all (reset in between)."""
    store = Bibliography()
    store.add_text(BIB, "refs.bib")
    brief = Brief(store, resolve_style("ntsbrief", Path(".")), Formatter(), register=register)
    extension = BriefExtension()
    shared = markdown.Markdown(extensions=[extension, "tables", "admonition"])
    html = {}
    for key, (source, offset) in pages.items():
        extension.page = brief.page(key, f"docs/{key}", source, offset)
        md = shared.reset() if reuse else markdown.Markdown(extensions=[extension, "tables", "admonition"])
        converted = md.convert(source)
        html[key] = extension.page.finish(converted)
        extension.page = None

    def href(from_key, to_key, anchor):
        return f"#{anchor}" if from_key == to_key else f"{to_key}#{anchor}"

    result = brief.resolve(order, href, "notes", "refs", {k: k.upper() for k in pages})
    return {k: result.pages[k](v) for k, v in html.items()}, result, [str(d) for d in brief.diagnostics]


@pytest.mark.parametrize("reuse", [False, True])
def test_notes_numbered_in_reading_order_not_file_order(reuse):
    pages = {
        "a": ("A first[^x], again[^x], then[^y].\n\n[^y]: Y.\n[^x]: X.\n", 0),
        "b": ("B's note[^x].\n\n[^x]: B's X.\n", 0),
    }
    html, result, problems = convert_all(pages, order=["b", "a"], reuse=reuse)
    assert problems == []
    assert re.findall(r'id="(noteref-[\d-]+)"', html["b"]) == ["noteref-1"]
    assert re.findall(r'id="(noteref-[\d-]+)"', html["a"]) == ["noteref-2", "noteref-2-2", "noteref-3"]
    assert 'href="#note-2"' in html["a"]  # the note at the page's end
    notes = result.notes_html
    assert re.findall(r'<h2 class="ntsbrief-notes-section"><a href="([^"]+)">([^<]+)</a>', notes) == [
        ("b#", "B"), ("a#", "A")]  # a heading per page, in reading order
    own = result.page_notes["a"]()
    assert [(n.number, n.markers) for n in own] == [(2, ["noteref-2", "noteref-2-2"]), (3, ["noteref-3"])]
    assert re.findall(r'<li id="note-(\d)"', notes) == ["1", "2", "3"]
    assert re.findall(r"<p>([^<]*)", notes) == ["B's X. ", "X. ", "Y. "]
    assert 'href="a#noteref-2"' in notes and 'href="a#noteref-2-2"' in notes


def test_citations_link_both_ways_and_citation_in_note():
    pages = {"a": ("See [@piper2005, 12][^n].\n\n[^n]: Also @chuang2006 [3].\n", 0)}
    html, result, problems = convert_all(pages, order=["a"])
    assert problems == []
    assert '<span class="citation" id="cite-1" data-cites="piper2005">' in html["a"]
    assert 'href="refs#ref-piper2005"' in html["a"]
    # The note's citation is on the Notes page and at the end of its page, where "cited in" leads.
    assert 'id="cite-2"' in result.notes_html and "Chuang (" in result.notes_html
    own = result.page_notes["a"]()
    assert len(own) == 1 and 'id="cite-2"' in own[0].html and 'href="refs#ref-chuang2006"' in own[0].html
    assert 'href="a#cite-1"' in result.references_html
    assert 'href="a#cite-2"' in result.references_html and "notes#cite" not in result.references_html
    assert re.findall(r'id="ref-(\w+)"', result.references_html) == ["chuang2006", "piper2005"]


def test_problems_are_located_and_nothing_is_dropped():
    # As if three lines of front matter had been stripped before conversion.
    pages = {"a": ("Fine [@piper2005].\n\nBad [@chuang206] and[^missing].\n\n[^spare]: Unused.\n", 3)}
    html, _result, problems = convert_all(pages, order=["a"])
    assert sorted(problems) == [
        "docs/a:6: note '[^missing]' is used but not defined in this page",
        "docs/a:6: unknown citation key 'chuang206' (did you mean 'chuang2006'?)",
        "docs/a:8: note '[^spare]' is defined but never used",
    ]
    assert "[?chuang206]" in html["a"] and "[^missing]" in html["a"]
    assert "ntsbrief-unresolved" in html["a"]


def test_code_and_email_left_alone():
    source = "Mail a@b.org, `[@piper2005]`, see <https://x.org/@piper2005>.\n\n    [@piper2005]\n\n```\n[^n]\n```\n"
    html, _result, problems = convert_all({"a": (source, 0)}, order=["a"])
    assert problems == [] and "citation" not in html["a"] and "noteref" not in html["a"]
    assert "<code>[@piper2005]</code>" in html["a"] and "a@b.org" in html["a"]


def test_interview_notes_from_the_register():
    register = Register(path="interviews.yaml")
    register.add_text("interviews:\n  ngo:\n    interviewee: NGO practitioners\n    dates: [2011-06-13, 2011-06-14]\n"
                      "    place: Kuala Lumpur\n    private: {names: [Hidden Name]}\n")
    pages = {"a": ("Text[^1] and[^2].\n\n[^1]: [interviews: ngo]\n[^2]: [interview: nobody]\n", 0)}
    _html, result, problems = convert_all(pages, order=["a"], register=register)
    assert "Personal interviews with NGO practitioners, Kuala Lumpur, 13 and 14 June 2011." in result.notes_html
    assert problems == ["docs/a:4: unknown interview 'nobody' (not in interviews.yaml)"]
    assert "[interview: nobody]" in result.notes_html
    assert "Hidden" not in result.notes_html


def test_a_reused_markdown_object_holds_only_the_current_pages_notes():
    store = Bibliography()
    store.add_text(BIB, "refs.bib")
    brief = Brief(store, resolve_style("ntsbrief", Path(".")), Formatter())
    extension = BriefExtension()
    md = markdown.Markdown(extensions=[extension])
    held = []
    for key, source in (("a", "A[^x][^y].\n\n[^x]: X.\n[^y]: Y.\n"), ("b", "B[^z].\n\n[^z]: Z.\n")):
        extension.page = brief.page(key, f"docs/{key}", source, 0)
        held.append(len(extension.page.marks.split_definitions(md.reset().convert(source))[1]))
    assert held == [2, 1]


def test_a_live_preview_guesses_again_only_when_changed_pages_cite_something_new():
    store = Bibliography()
    store.add_text(BIB, "refs.bib")
    formatter = Formatter()

    def build(sources, previous=None):
        brief = Brief(store, resolve_style("ntsbrief", Path(".")), formatter)
        guesses = []
        formatter.prefetch = lambda style, bibtex, clusters, locale=None: guesses.append(clusters)
        brief.prefetch(list(sources.values()), previous=previous)
        del formatter.prefetch  # the real one again, for resolve
        extension = BriefExtension()
        for key, source in sources.items():
            extension.page = brief.page(key, f"docs/{key}", source, 0)
            extension.page.finish(markdown.Markdown(extensions=[extension]).convert(source))
        brief.resolve(list(sources), lambda f, t, a: f"{t}#{a}", "notes", "refs", {})
        return brief, guesses

    first, guesses = build({"a": "A [@piper2005, 12].\n", "b": "B [@chuang2006].\n"})
    assert len(guesses) == 1
    prose, guesses = build({"a": "A [@piper2005, 12]. More prose.\n", "b": "B [@chuang2006].\n"}, first)
    assert guesses == []  # only prose changed: everything it cites is formatted already
    _, guesses = build({"a": "A [@piper2005, 13]. More prose.\n", "b": "B [@chuang2006].\n"}, prose)
    assert guesses and "[@{piper2005}, 13]" in guesses[0]  # a new locator: the whole guess again


@pytest.mark.parametrize("definitions", [
    "[^a]: A, see[^b].\n[^b]: B, see[^c].\n[^c]: C [@piper2005].\n",
    "[^c]: C [@piper2005].\n[^b]: B, see[^c].\n[^a]: A, see[^b].\n",  # defined in reverse
])
def test_a_chain_of_notes_is_numbered_as_read(definitions):
    """A note reached only from another note, at any depth, is numbered where a
    reader meets it: the page's text, then each note in the Notes list's order."""
    pages = {"p": (f"Text[^a] and[^d].\n\n{definitions}[^d]: D.\n", 0)}
    _html, result, problems = convert_all(pages, order=["p"])
    assert problems == []
    notes = result.notes_html
    assert re.findall(r'<li id="note-(\d)"', notes) == ["1", "2", "3", "4"]
    texts = [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r'<li id="note-\d".*?<p>(.*?)</p>', notes, re.S)]
    assert [t[0] for t in texts] == ["A", "D", "B", "C"]  # a, d from the text; b from a; c from b
    assert "Undefined note" not in notes and "Piper, 2005" in notes
    assert 'href="#note-3"' in notes and 'href="#note-4"' in notes  # markers in notes link on


def test_a_cycle_of_notes_is_numbered_once_each():
    pages = {"p": ("Text[^a].\n\n[^a]: A, see[^b].\n[^b]: B, back to[^a].\n", 0)}
    _html, result, problems = convert_all(pages, order=["p"])
    assert problems == []
    assert re.findall(r'<li id="note-(\d)"', result.notes_html) == ["1", "2"]
    assert "Undefined note" not in result.notes_html
    assert 'id="noteref-1-2"' in result.notes_html  # b's reference back to a


def test_a_note_used_only_in_a_note_never_shown_is_reported():
    pages = {"p": ("Text.\n\n[^x]: X, see[^y].\n[^y]: Y.\n", 0)}
    _html, _result, problems = convert_all(pages, order=["p"])
    assert problems == ["docs/p:3: note '[^x]' is defined but never used",
                        "docs/p:4: note '[^y]' is used only in notes that are never shown"]


ATTRIBUTE_PIECES = ["[@piper2005]", "[@chuang2006, 3]", "@piper2005", "-@chuang2006", "[^n]", "[see @piper2005]",
                    "[@nothere]", "<b>", "&amp;", "&", "'", ">", " ", "x", "*x*", "`c`", "\\[", "[", "]", "@"]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(ATTRIBUTE_PIECES), min_size=1, max_size=8).map("".join))
def test_a_citation_in_an_attribute_value_never_emits_markup_there(value):
    """attr_list values and image alt text: whatever they hold, each attribute of
    the published HTML is text (no tag, no placeholder)."""
    source = (f'Text[^n].\n{{: title="{value}" }}\n\n![{value}](i.png)\n\n[^n]: Note.\n')
    store = Bibliography()
    store.add_text(BIB, "refs.bib")
    brief = Brief(store, resolve_style("ntsbrief", Path(".")), FORMATTER)
    extension = BriefExtension()
    extension.page = brief.page("p", "docs/p", source, 0)
    converted = markdown.Markdown(extensions=[extension, "attr_list"]).convert(source)
    page = extension.page.finish(converted)
    result = brief.resolve(["p"], lambda f, t, a: f"#{a}", "notes", "refs", {})
    published = result.pages["p"](page)

    class Attributes(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.values, self.tags = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.values += [v for _, v in attrs if v is not None]

    parsed = Attributes()
    parsed.feed(published)
    assert parsed.tags.count("p") >= 2, published
    for attribute in parsed.values:
        assert not re.search(r"<(span|a|sup|em|code)\b", attribute), (value, attribute)
        assert "ntsbrief-ref" not in attribute and "\x02" not in attribute and "\x03" not in attribute


def test_a_control_character_in_a_page_is_located():
    pages = {"p": ("Fine.\n\nA NUL \x00 here [@piper2005].\n", 2)}
    _html, _result, problems = convert_all(pages, order=["p"])
    assert problems == ["docs/p:5: control character U+0000 (column 7): the file is damaged or not text"]
