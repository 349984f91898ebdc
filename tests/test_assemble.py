"""The last step on its own: addresses between pages, and pages assembled with
what the brief adds to them."""

from mkdocs.utils import get_relative_url

from ntsbrief import render
from ntsbrief.assemble import Addresses, Layout, assemble
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
