"""Direct unit tests of modules otherwise tested only through a build: the disk
cache, the loader and the Markdown extension."""

from __future__ import annotations

import markdown

from ntsbrief import render
from ntsbrief.cache import DiskCache, digest
from ntsbrief.citeproc import Formatter
from ntsbrief.extension import BriefExtension, with_brief_extension
from ntsbrief.loader import Settings, line_offset, open_brief, read_page
from ntsbrief.records import PageRecord

# -- cache.py ------------------------------------------------------------------------


def test_digest_keeps_parts_apart():
    assert digest("ab", "c") != digest("a", "bc")
    assert digest("x") == digest("x")


def test_a_cache_without_a_folder_keeps_nothing():
    cache = DiskCache(None)
    cache.write_json("k", "[1]")
    cache.set_marker("m")
    assert cache.read_json("k") is None and not cache.has_marker("m")


def test_values_read_back_as_written_and_misses_are_none(tmp_path):
    cache = DiskCache(tmp_path / "c")
    cache.write_json("k", '{"a": [1, 2]}')
    cache.write_marshal("t", ("x", (1, 2)))
    cache.set_marker("m")
    assert cache.read_json("k") == {"a": [1, 2]}
    assert cache.read_marshal("t") == ("x", (1, 2))  # tuples stay tuples
    assert cache.has_marker("m")
    assert cache.read_json("other") is None and cache.read_marshal("other") is None


def test_a_file_that_cannot_be_written_only_costs_time(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    cache = DiskCache(blocked)
    cache.write_json("k", "[1]")  # no exception
    assert cache.read_json("k") is None


def test_no_temporary_file_is_left_behind(tmp_path):
    cache = DiskCache(tmp_path)
    cache.write_json("k", "[1]")
    assert [path.name for path in tmp_path.iterdir()] == ["k.json"]


# -- loader.py -----------------------------------------------------------------------


def test_read_page_drops_a_byte_order_mark_and_locates_bytes_that_are_not_utf8(tmp_path):
    page = tmp_path / "p.md"
    page.write_bytes(b"\xef\xbb\xbf# Title\n")
    assert read_page(page) == ("# Title\n", None, None)
    page.write_bytes("Line one\nCaf\xe9 au lait\n".encode("latin-1"))
    text, line, problem = read_page(page)
    assert text is None and line == 2 and problem is not None and "column 4" in problem
    assert read_page(tmp_path / "missing.md")[2].startswith("cannot read this page")


def test_line_offset_counts_the_front_matter_taken_off():
    raw = "---\ntitle: T\n---\n\n# Body\n"
    assert line_offset(raw, "# Body\n") == 4
    assert line_offset(raw, raw) == 0
    assert line_offset(raw, "something else") == 0


def test_open_brief_reports_a_bad_style_and_goes_on_with_the_house_style(tmp_path):
    (tmp_path / "refs.bib").write_text("@book{a, title = {T}, author = {A, B}, year = {2001}}\n",
                                       encoding="utf-8")
    settings = Settings(root=tmp_path, bibliography=("refs.bib",), style="no-such-style", style_line=7)
    brief = open_brief(settings, Formatter(None))
    assert list(brief.bibliography.entries) == ["a"]
    assert brief.style.name == "ntsbrief"
    assert [(d.path, d.line) for d in brief.diagnostics] == [("mkdocs.yml", 7)]


def test_settings_watch_the_inputs_outside_the_docs(tmp_path):
    settings = Settings(root=tmp_path, bibliography=("a.bib", "b.bib"), interviews="people.yaml",
                        style="house.csl")
    assert settings.watched == [tmp_path / "a.bib", tmp_path / "b.bib", tmp_path / "people.yaml",
                                tmp_path / "house.csl"]


# -- extension.py --------------------------------------------------------------------


def convert(source: str, extensions: list | None = None) -> tuple[str, PageRecord]:
    extension = BriefExtension()
    record = PageRecord("p.md", "docs/p.md", source, 0, None, render.Marks("t0k3n"))
    extension.page = record
    html = markdown.Markdown(extensions=with_brief_extension(extensions or [], extension)).convert(source)
    return record.finish(html), record


def test_footnotes_give_way_to_the_brief_extension():
    extension = BriefExtension()
    assert with_brief_extension(["toc", "footnotes", "markdown.extensions.footnotes"], extension) == [
        "toc", extension]


def test_constructs_become_placeholders_recorded_in_reading_order():
    html, record = convert("Text [@a, 12] and @b [3].[^n]\n\n[^n]: A note citing [@c].\n")
    assert [use.raw for use in record.citations] == ["[@a, 12]", "@b [3]", "[@c]"]
    assert [use.in_note for use in record.citations] == [None, None, "n"]
    assert [use.label for use in record.note_uses] == ["n"]
    assert [definition.label for definition in record.definitions] == ["n"]
    assert "A note citing" not in html  # the note's text went to the record
    assert html.count('<ntsbrief-ref-t0k3n kind="cite"') == 2 and 'kind="note"' in html


def test_code_is_left_as_written():
    html, record = convert("`[@a]` and\n\n    [@b]\n")
    assert record.citations == [] and "[@a]" in html and "[@b]" in html


def test_an_escaped_at_is_text_as_in_pandoc():
    html, record = convert("Write \\@a or [\\@a].\n")
    assert record.citations == [] and "@a" in html


def test_a_page_converted_without_a_record_is_left_alone():
    extension = BriefExtension()
    html = markdown.Markdown(extensions=[extension]).convert("Text [@a].\n")
    assert html == "<p>Text [@a].</p>"



def test_a_page_read_once_is_the_text_mkdocs_reads(tmp_path):
    """The plugin reads each page once a build (``read_page``) and gives that text
    where MkDocs' own reading was used: the same text, line ends included."""
    from mkdocs.structure.files import File

    from ntsbrief.plugin import _as_mkdocs_reads

    (tmp_path / "p.md").write_bytes(b"\xef\xbb\xbf# T\r\n\r\nOne\rtwo\nthree\r\n")
    text, _, _ = read_page(tmp_path / "p.md")
    file = File("p.md", str(tmp_path), str(tmp_path / "site"), use_directory_urls=True)
    assert _as_mkdocs_reads(text) == file.content_string
