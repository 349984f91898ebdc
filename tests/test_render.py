"""render.py on its own: anchors, escaping, links, the generated lists."""

from __future__ import annotations

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
    assert "Cited in: " in listing and 'aria-label="Intro, citation 2">2</a>' in listing
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
