"""render.py on its own: anchors, escaping, links, the generated lists."""

from __future__ import annotations

import re

import pytest

from ntsbrief import render


def test_anchors_are_named_once():
    assert render.ref_anchor("chuang2006") == "ref-chuang2006"
    assert render.note_anchor(7) == "note-7"
    assert render.note_ref_anchor(7) == "noteref-7" and render.note_ref_anchor(7, 3) == "noteref-7-3"
    assert render.cite_anchor(12) == "cite-12"


@pytest.mark.parametrize("text, expected", [("plain", "plain"), ('a<b>&"\'', "a&lt;b&gt;&amp;&quot;&#x27;")])
def test_esc(text, expected):
    assert render.esc(text) == expected


def test_text_and_attribute_text_keep_entities_and_drop_markup():
    fragment = '(<a href="#ref-a">Smith &amp; Jones</a>, "2001")'
    assert render.as_text(fragment) == '(Smith &amp; Jones, "2001")'
    assert render.attribute_text(fragment) == "(Smith &amp; Jones, &quot;2001&quot;)"


def test_unsafe_links_become_text():
    fragment = ('<a href="javascript:alert(1)">x</a> <a href="https://e.org/">y</a> <a href="#ref-a">z</a> '
                '<a href="file:///etc/passwd">w</a> <a href="mailto:a@b.c">m</a>')
    assert render.drop_unsafe_links(fragment) == (
        'x <a href="https://e.org/">y</a> <a href="#ref-a">z</a> w <a href="mailto:a@b.c">m</a>')


def test_pandoc_links_are_unaliased_and_linked_to_the_references_page():
    formatted = '(<a href="#ref-ntsbrief-abc" role="doc-biblioref">Smith, 2001</a>)'
    unaliased = render.unalias_refs(formatted, {"ntsbrief-abc": "a#b"}.get)
    assert 'href="#ref-a#b"' in unaliased
    citation = render.ref_linker(lambda key: f"../references/#{render.ref_anchor(key)}")
    html = citation("cite-1", ["a#b"], unaliased)
    assert html == ('<span class="citation" id="cite-1" data-cites="a#b">(<a href="../references/#ref-a#b" '
                    'role="doc-biblioref">Smith, 2001</a>)</span>')
    assert "<a " not in citation("cite-2", ["a#b"], unaliased, linked=False)  # inside a link's text


def test_notes_list_numbers_and_links_back_to_every_marker():
    notes = [render.NoteItem(1, "<p>One.</p>", ["a/#noteref-1"]),
             render.NoteItem(2, "<p>Two.</p>", ["a/#noteref-2", "b/#noteref-2-2"])]
    listing = render.notes_list_html(notes)
    assert '<li id="note-1" value="1"><p>One. <a href="a/#noteref-1"' in listing
    assert 'href="b/#noteref-2-2" class="ntsbrief-backref" role="doc-backlink" ' \
           'aria-label="Back to note 2 in the text (2)">↩︎<sup>2</sup></a></p></li>' in listing
    assert "backref" not in render.notes_list_html(notes, backlinks=False)
    assert "no notes" in render.notes_list_html([])


def test_references_list_with_dagger_and_cited_in():
    entries = [render.ReferenceItem("a", "Smith (2001) <em>T</em>.",
                                    [("../p/#cite-1", "Intro"), ("../p/#cite-4", "Intro")], unverified=True)]
    listing = render.references_html(entries, "† Not fully verified.")
    assert '<div id="ref-a" class="csl-entry" role="listitem">Smith (2001) <em>T</em>.' in listing
    assert ('Cited in: Intro <a href="../p/#cite-1" class="ntsbrief-backref" aria-label="Intro, citation a">a</a>, '
            '<a href="../p/#cite-4" class="ntsbrief-backref" aria-label="Intro, citation b">b</a></span>') in listing
    assert listing.endswith('<p class="ntsbrief-unverified-note"><span aria-hidden="true">†</span> '
                            "† Not fully verified.</p>")
    assert "Cited in" not in render.references_html(entries, "", cited_in=False)


def test_listing_goes_at_the_marker_or_at_the_end():
    assert render.insert_listing("<p>a</p>\n<!-- m -->\n<p>b</p>", "<!-- m -->", "L") == "<p>a</p>\nL\n<p>b</p>"
    assert render.insert_listing("<p>a</p>\n", "<!-- m -->", "L") == "<p>a</p>\nL\n"


def test_marks_replace_placeholders_and_attribute_marks():
    marks = render.Marks("0123456789ab")
    page = (f'<p>x <{marks.ref_tag} kind="cite" n="0">[@a]</{marks.ref_tag}> '
            f'<{marks.ref_tag} kind="note" n="1" in="link">[^n]</{marks.ref_tag}></p>'
            f'<img alt="{marks.attribute_mark("cite", 0)}">')
    seen = []

    def render_one(kind, n, fallback, context):
        seen.append((kind, n, fallback, context))
        return f"{kind}{n}"

    assert marks.replace(page, render_one) == '<p>x cite0 note1</p><img alt="cite0">'
    assert seen == [("cite", 0, "[@a]", "text"), ("note", 1, "[^n]", "link"), ("cite", 0, "", "attribute")]


def test_cited_in_names_each_page_once_with_a_letter_for_each_of_several_places():
    places = [("i/#cite-1", "Intro"), ("i/#cite-2", "Intro"), ("c/#cite-9", "Conclusion &amp; after")]
    cited = render.references_html([render.ReferenceItem("a", "A.", places)], "")
    shown = re.sub(r"<[^>]+>", "", cited.split("Cited in: ")[1].split("</span></div>")[0])
    assert shown == "Intro a, b; Conclusion &amp; after"
    assert '<a href="c/#cite-9" class="ntsbrief-backref">Conclusion &amp; after</a>' in cited  # one place: its title
    assert [render.place_letter(n) for n in (1, 2, 26, 27, 28, 52, 53)] == ["a", "b", "z", "aa", "ab", "az", "ba"]


def test_notes_grouped_by_page_under_a_linked_heading_keep_their_numbers():
    notes = [render.NoteItem(1, "<p>One.</p>", ["a/#noteref-1"], page="a.md", page_href="a/#note-1"),
             render.NoteItem(2, "<p>Two.</p>", ["b/#noteref-2"], page="b.md", page_href="b/#note-2"),
             render.NoteItem(3, "<p>Three.</p>", ["b/#noteref-3"], page="b.md", page_href="b/#note-3")]
    groups = render.note_groups(notes, {"a.md": "Alpha &amp; A"}, lambda page: page[:-3] + "/")
    assert [(g.title, g.href, [n.number for n in g.items]) for g in groups] == [
        ("Alpha &amp; A", "a/", [1]), ("b.md", "b/", [2, 3])]
    listing = render.grouped_notes_html(groups)
    assert re.findall(r'<h2 class="ntsbrief-notes-section"><a href="([^"]+)">([^<]+)</a></h2>', listing) == [
        ("a/", "Alpha &amp; A"), ("b/", "b.md")]
    assert re.findall(r'<li id="note-(\d)" value="(\d)">', listing) == [("1", "1"), ("2", "2"), ("3", "3")]
    assert ('<a href="b/#note-3" class="ntsbrief-backref ntsbrief-to-page-notes" '
            'aria-label="Note 3 at the end of the section">end of the section</a>') in listing
    assert "<h3" in render.grouped_notes_html(groups, level=3)
    assert "end of the section" not in render.grouped_notes_html(groups, page_links=False)
    assert "backref" not in render.grouped_notes_html(groups, backlinks=False)
    assert "no notes" in render.grouped_notes_html([])


def test_a_pages_own_notes_link_to_their_markers_and_to_the_notes_list():
    note = render.NoteItem(2, "<p>Two.</p>", page="b.md", markers=["noteref-2", "noteref-2-2"])
    block = render.page_notes_html([note], "Notes", ["../notes/#note-2"])
    assert block.startswith('<section class="ntsbrief-page-notes" id="ntsbrief-page-notes" role="doc-endnotes" '
                            'aria-labelledby="ntsbrief-page-notes-title">')
    assert '<h2 id="ntsbrief-page-notes-title">Notes</h2>' in block
    assert '<li id="note-2" value="2"><p>Two. <a href="#noteref-2" ' in block
    assert 'href="#noteref-2-2" class="ntsbrief-backref" role="doc-backlink"' in block
    assert ('<a href="../notes/#note-2" class="ntsbrief-backref ntsbrief-to-notes" '
            'aria-label="Note 2 in all notes">all notes</a>') in block
    assert "data-ntsbrief-margin-notes" not in block
    assert "data-ntsbrief-margin-notes" in render.page_notes_html([note], "Notes", ["n"], margin=True)
    assert render.page_notes_html([], "Notes", []) == ""
    page = "<h1>B</h1>\n<p>Text.</p>\n" + block + "\n"
    assert render.without_page_notes(page) == "<h1>B</h1>\n<p>Text.</p>\n"
    assert render.without_page_notes("<p>x</p>\n") == "<p>x</p>\n"


def test_previews_carry_the_notes_number_and_an_unverified_works_dagger():
    preview = render.note_preview_html(7, '<p id="x">Seven <a href="y">link</a>.</p>')
    assert preview == '<p class="ntsbrief-preview-label">Note 7</p>\n<p>Seven link.</p>'
    unverified = render.ReferenceItem("a", "<p>Smith.</p>", unverified=True)
    assert render.entry_preview_html(unverified) == f"<p>Smith. {render.UNVERIFIED_MARK}</p>"
    assert "†" not in render.entry_preview_html(render.ReferenceItem("a", "<p>Smith.</p>"))


def test_the_full_text_helpers_demote_headings_and_list_contents():
    assert render.demoted_headings('<h1 id="a">A</h1><h2>B</h2><h6>F</h6><header>x</header>') == (
        '<h2 id="a">A</h2><h3>B</h3><h6>F</h6><header>x</header>')
    assert render.part_anchor("part/one two.md") == "part-part-one-two"
    toc = render.contents_html([("#part-a", "A &amp; B")])
    assert ('<nav class="ntsbrief-contents ntsbrief-full-text-contents" '
            'aria-labelledby="ntsbrief-contents-title">') in toc
    assert '<li><a href="#part-a">A &amp; B</a></li>' in toc
