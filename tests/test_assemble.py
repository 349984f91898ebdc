"""The last step on its own: addresses between pages, and pages assembled with
what the brief adds to them."""

import re

from mkdocs.utils import get_relative_url

from ntsbrief import render
from ntsbrief.assemble import Addresses, Layout, assemble, full_text_parts
from ntsbrief.brief import Resolution
from ntsbrief.publication import Publication

URLS = {"index.md": "", "part/one.md": "part/one/", "notes.md": "notes/", "references.md": "references/"}


def addresses():
    return Addresses(URLS, get_relative_url)


def test_links_between_pages_are_relative_and_within_a_page_bare():
    assert addresses().href("part/one.md", "notes.md", "note-3") == "../../notes/#note-3"
    assert addresses().href("notes.md", "notes.md", "note-3") == "#note-3"
    assert addresses().file("part/one.md", "downloads/references.bib") == "../../downloads/references.bib"


def test_a_pages_links_are_rebased_for_another_address():
    body = ('<a href="../two/">two</a> <a href="#x">x</a> <img src="img/a.png"> '
            '<a href="https://example.org/p">web</a> <a href="/abs">abs</a>')
    rebased = addresses().rebase(body, "part/one.md", "index.md")
    assert '<a href="part/two/">two</a>' in rebased
    assert '<img src="part/one/img/a.png">' in rebased
    assert 'href="#x"' in rebased and 'href="https://example.org/p"' in rebased and 'href="/abs"' in rebased


def layout(**changes):
    values = {"notes_page": "notes.md", "notes_title": "Notes", "references_page": "references.md",
              "references_title": "References", "full_text_page": "", "cite_page": "index.md",
              "cite_title": "Cite this", "own_key": "me", "downloads_dir": "downloads"}
    values.update(changes)
    return Layout(**values)


def test_the_lists_and_the_cite_box_go_where_their_markers_are():
    result = Resolution(notes_html="<ol>notes</ol>", references_html="<div>refs</div>",
                        notes_search_html="notes", references_search_html="refs")
    result.pages["index.md"] = lambda page: page.replace("PH", "resolved")
    result.search_pages["index.md"] = lambda page: page.replace("PH", "text")
    publication = Publication(own_html="<p>Me (2011)</p>")
    converted = {"index.md": f"<p>PH</p>\n{render.CITE_MARKER}", "notes.md": f"<h1>Notes</h1>\n{render.NOTES_MARKER}",
                 "references.md": f"<h1>References</h1>\n{render.REFERENCES_MARKER}"}
    pages = assemble(converted, result, publication, layout(), addresses()).pages
    assert "<ol>notes</ol>" in pages["notes.md"].content and render.NOTES_MARKER not in pages["notes.md"].content
    assert "<div>refs</div>" in pages["references.md"].content
    index = pages["index.md"]
    assert "<p>resolved</p>" in index.content and "Me (2011)" in index.content
    assert 'href="downloads/me.bib"' in index.content
    assert index.search_text is not None and "<p>text</p>" in index.search_text()
    # nothing is downloadable: no download links above the reference list
    assert "Download" not in pages["references.md"].content


def test_the_full_text_page_keeps_a_marker_for_the_text():
    result = Resolution()
    converted = {"full.md": f"<h1>Full text</h1>\n{render.FULL_TEXT_MARKER}"}
    assembled = assemble(converted, result, Publication(), layout(full_text_page="full.md"), addresses())
    assert "full.md" not in assembled.pages
    assert assembled.full_text_own is not None and render.FULL_TEXT_MARKER in assembled.full_text_own


def test_a_page_ends_with_its_own_notes_linked_to_the_notes_page_but_the_notes_page_does_not():
    note = render.NoteItem(1, "<p>One.</p>", page="part/one.md", markers=["noteref-1"])
    result = Resolution(notes_html="<ol>all</ol>")
    result.pages["part/one.md"] = lambda page: page
    result.page_notes["part/one.md"] = lambda: [note]
    result.page_notes["notes.md"] = lambda: [note]  # an existing Notes page with notes of its own
    result.page_notes["index.md"] = list
    converted = {"part/one.md": "<p>Text.</p>\n", "notes.md": f"<h1>Notes</h1>\n{render.NOTES_MARKER}",
                 "index.md": "<p>Home.</p>\n"}
    pages = assemble(converted, result, Publication(), layout(margin_notes=True), addresses()).pages
    one = pages["part/one.md"].content
    assert one.startswith("<p>Text.</p>\n") and one.rstrip().endswith("</section>")
    assert '<a href="../../notes/#note-1" class="ntsbrief-backref ntsbrief-to-notes"' in one
    assert "data-ntsbrief-margin-notes" in one
    assert "ntsbrief-page-notes" not in pages["notes.md"].content  # its notes are in the list already
    assert pages["index.md"].content == "<p>Home.</p>\n"  # no notes, no list


def test_the_full_text_has_one_h1_contents_and_the_notes_by_section_at_its_end():
    note = render.NoteItem(1, "<p>One.</p>", ["../part/one/#noteref-1"], page="part/one.md",
                           page_href="../part/one/#note-1")
    result = Resolution(references_html="<div>refs</div>")
    result.note_groups = render.note_groups([note], {"part/one.md": "One"}, lambda page: "../part/one/")
    own = render.page_notes_html([note], "Notes", ["../../notes/#note-1"])
    contents = {"index.md": "<h1>Home</h1>\n<p>Hi.</p>\n",
                "part/one.md": f'<h1 id="one">One</h1>\n<h2>Sub</h2>\n<p>A<a href="#note-1">1</a></p>\n{own}\n'}
    urls = {**URLS, "full.md": "full/"}
    order = ["index.md", "part/one.md", "notes.md", "references.md", "full.md"]
    titles = {"index.md": "Home", "part/one.md": "One"}
    pieces = "".join(full_text_parts(contents, order, result, layout(full_text_page="full.md"), titles,
                                     Addresses(urls, get_relative_url)))
    assert "<h1" not in pieces  # the full text's own title is its one h1
    assert '<h2 id="one">One</h2>' in pieces and "<h3>Sub</h3>" in pieces
    assert pieces.index('<nav class="ntsbrief-contents ntsbrief-full-text-contents"') < pieces.index('id="part-index"')
    assert re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', pieces) == [
        ("#part-index", "Home"), ("#part-part-one", "One"), ("#notes", "Notes"), ("#references", "References")]
    assert "ntsbrief-page-notes" not in pieces and pieces.count('id="note-1"') == 1
    assert '<h3 class="ntsbrief-notes-section"><a href="#part-part-one">One</a></h3>' in pieces
    assert "end of the section" not in pieces
    assert 'href="#noteref-1"' in pieces  # the note's way back, within the page
    assert pieces.index('id="note-1"') > pieces.index('<h2 id="notes">') > pieces.index('id="part-part-one"')
