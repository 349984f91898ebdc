"""The brief's PDF: the same text, citations, note numbers and references as the site.

Unit tests of each step of ``ntsbrief.pdf`` (pandoc's document model made for
print, the Typst source, the title block), then real builds: the Alert's PDF
against its site, paragraph by paragraph, note by note and reference by
reference, with its metadata and fonts; and the options. Rendered pages of the
Alert's PDF are saved in artifacts/pdf/ to be looked at.
"""

from __future__ import annotations

import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pypdf
import pytest
from conftest import build, write_site

from ntsbrief import pdf
from ntsbrief.citeproc import _run, pandoc_path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "pdf"


# -- the steps ------------------------------------------------------------------

def printed_blocks(brief: pdf.PrintedBrief) -> list[dict]:
    """``for_print`` of what pandoc's HTML reader reads of ``pandoc_parts``, as one document."""
    document = json.loads(_run([pandoc_path(), "--from=html", "--to=json"], "\n".join(pdf.pandoc_parts(brief)))[0])
    return pdf.for_print(document["blocks"], brief)


def typst_of(blocks: list[dict]) -> str:
    document = {"pandoc-api-version": json.loads(_run([pandoc_path(), "--from=html", "--to=json"], "")[0])[
        "pandoc-api-version"], "meta": {}, "blocks": blocks}
    return _run([pandoc_path(), "--from=json", "--to=typst", "--wrap=none"], json.dumps(document))[0]


def marker(number: int, page: str = "../notes/") -> str:
    """A note marker as the site writes it (render.note_marker_html)."""
    return (f'<sup class="ntsbrief-noteref" id="noteref-{number}"><a href="{page}#note-{number}" '
            f'role="doc-noteref" aria-label="Note {number}">{number}</a></sup>')


SECTIONS = (
    pdf.Section("One", "one/", '<h1 id="one">One<a class="headerlink" href="#one">¶</a></h1>'
                f'<p>First{marker(1)} and again{marker(1)}, twice{marker(2)}{marker(3)}.</p>'
                '<h2 id="aims">Aims</h2><p>See <a href="#aims">aims</a>, <a href="../two/#aims">their aims</a>, '
                '<a href="../two/">Two</a>, <a href="../notes/">the notes</a> and '
                '<a href="https://example.org/x">a site</a>; <span class="citation" id="cite-1">'
                '(<a href="../references/#ref-lee1999">Lee, 1999</a>)</span>'
                '<span class="ntsbrief-sr">(screen readers only)</span>.</p>'),
    pdf.Section("Two", "two/", '<h2 id="aims">Aims</h2><p>Their aims.</p>'),
)
NOTES = ((1, "<p>Note one.</p>"), (2, f'<p>Note two, with a note in it{marker(4, "")}.</p>'),
         (3, "<p>Note three.</p>"), (4, "<p>Note four.</p>"))
REFERENCES = '<div id="ref-lee1999" class="csl-entry">Lee, C. (1999) <em>Trafficking in Asia</em>.</div>'


def brief(**changes) -> pdf.PrintedBrief:
    made = pdf.PrintedBrief(pdf.TitleBlock("T"), SECTIONS, NOTES, "notes/", REFERENCES, "references/",
                            base_url="https://example.org/brief/")
    return pdf.PrintedBrief(**{**made.__dict__, **changes})


def test_footnotes_keep_the_sites_numbers():
    source = typst_of(printed_blocks(brief()))
    # Each note once, numbered as on the site: a note marked twice refers to its footnote,
    # a note marked only inside another note is placed there.
    assert source.count("#footnote[") == 4
    assert "#counter(footnote).update(0)#footnote[Note one.]<note-1>" in source
    assert "again#footnote(<note-1>)" in source
    assert "#counter(footnote).update(1)#footnote[Note two, with a note in it" in source
    assert "#counter(footnote).update(3)#footnote[Note four.]<note-4>.]<note-2>" in source
    assert "#counter(footnote).update(2)#footnote[Note three.]<note-3>" in source  # adjacent markers
    assert "#super" not in source


def test_links_within_the_brief_become_internal_and_web_only_parts_go():
    source = typst_of(printed_blocks(brief()))
    assert "¶" not in source and "screen readers only" not in source
    assert "#link(<ref-lee1999>)[Lee, 1999]" in source
    # Each page's heading ids are its own: the second page's "aims" is renamed,
    # and each page's links lead to its own.
    assert "<aims>" in source and "<aims-2>" in source
    assert "See #link(<aims>)[aims], #link(<aims-2>)[their aims], #link(<two>)[Two]" in source
    assert "= Two\n<two>" in source
    # A page the PDF does not hold, by the site's address; another site as it is.
    assert '#link("https://example.org/brief/notes/")[the notes]' in source
    assert '#link("https://example.org/x")[a site]' in source


def test_endnotes_come_before_the_references():
    source = typst_of(printed_blocks(brief(endnotes=True)))
    assert "#footnote" not in source
    notes_at, references_at = source.index("= Notes"), source.index("= References")
    assert notes_at < references_at
    assert source.index("Note one.") > notes_at and "#link(<note-1>)[1]" in source
    assert "#super[4] Note four." in source


def test_typst_strings_are_literal():
    assert pdf.typst_string('a "b" \\ #c\n$d') == '"a \\"b\\" \\\\ #c\\n$d"'
    title = 'Debt "bondage" #1 \\ $5 *not bold* ]'
    made = pdf.typeset(pdf.typst_document(pdf.TitleBlock(title, ("A. Author",), subject="S", keywords=("k",)), "Body"))
    metadata = pypdf.PdfReader(_as_file(made)).metadata
    assert (metadata.title, metadata.author, metadata.subject) == (title, "A. Author", "S")


def test_title_block_of_the_briefs_entry():
    item = {"title": "A Brief", "author": [{"family": "Kaur", "given": "Manpavan"}, {"literal": "RSIS"}],
            "genre": "NTS Alert", "number": "2", "issued": {"date-parts": [[2011, 8]]},
            "publisher": "RSIS Centre", "publisher-place": "Singapore"}
    block = pdf.title_block(item, "About it", ("trafficking",), "en-GB")
    assert block == pdf.TitleBlock("A Brief", ("Manpavan Kaur", "RSIS"), "NTS Alert, August 2011 (Issue 2)",
                                   "RSIS Centre, Singapore", "About it", ("trafficking",), "en-GB")
    assert pdf.title_block({"title": "X", "issued": {"date-parts": [[2011]]}}).issue == "2011"


def _as_file(data: bytes):
    import io

    return io.BytesIO(data)


# -- the Alert's PDF against its site ------------------------------------------------

class _Text(html.parser.HTMLParser):
    """The text of each paragraph and list item inside an element of class ``within``."""

    def __init__(self, within: str, blocks: tuple[str, ...] = ("p", "li")):
        super().__init__()
        self.within, self.blocks = within, blocks
        self.depth = 0  # inside ``within``
        self.skip = 0  # inside a part not printed
        self.items: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.depth:
            self.depth += tag not in ("br", "img", "hr", "meta", "input")
            # Not printed: permalinks, screen-reader text, back-links; a section's own notes (footnotes there).
            if self.skip or {"headerlink", "ntsbrief-sr", "ntsbrief-citedin", "ntsbrief-backref",
                             "ntsbrief-page-notes"} & set(classes):
                self.skip += tag not in ("br", "img", "hr")
            elif tag in self.blocks and self._open is None:
                self._open = []
        elif self.within in classes:
            self.depth = 1

    def handle_endtag(self, tag):
        if not self.depth:
            return
        self.depth -= 1
        if self.skip:
            self.skip -= 1
        elif tag in self.blocks and self._open is not None:
            self.items.append("".join(self._open))
            self._open = None

    def handle_data(self, data):
        if self.depth and not self.skip and self._open is not None:
            self._open.append(data)


def letters(text: str) -> str:
    """Only the letters: what survives typesetting (hyphenation, ligatures, note numbers)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalpha())


def texts(path: Path, within: str, blocks: tuple[str, ...] = ("p", "li")) -> list[str]:
    parser = _Text(within, blocks)
    parser.feed(path.read_text(encoding="utf-8"))
    return [t for t in (letters(item) for item in parser.items) if t]


def pdf_text(path: Path, header: str) -> str:
    """The PDF's text, without its running header and page numbers."""
    pages = []
    for page in pypdf.PdfReader(path).pages:
        lines = page.extract_text().splitlines()
        lines = [line for line in lines if line.strip() != header and not re.fullmatch(r"\s*\d+ / \d+\s*", line)]
        pages.append("\n".join(lines))
    return letters("\n".join(pages))


def found_in_order(items: list[str], text: str) -> tuple[int, str]:
    """How many of ``items`` are found one after the other in ``text``, and ``text``
    without them."""
    at, found = 0, 0
    for item in items:
        index = text.find(item, at)
        if index < 0:
            continue
        found += 1
        text = text[:index] + text[index + len(item):]
        at = index
    return found, text


@pytest.fixture(scope="module")
def alert_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("alert") / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT,
                            capture_output=True, text=True, check=False, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return site


def test_the_alerts_pdf_holds_the_sites_text_in_order(alert_site):
    sections = ["introduction", "unaddressed-protection-concerns", "role-of-the-non-government-sector", "conclusion"]
    paragraphs = [t for page in sections for t in texts(alert_site / page / "index.html", "md-content__inner")]
    notes = texts(alert_site / "notes" / "index.html", "ntsbrief-notes", ("li",))
    references = texts(alert_site / "references" / "index.html", "ntsbrief-references", ("div",))
    text = pdf_text(alert_site / "brief.pdf", "Responding to Protection Gaps in Malaysia’s Anti-Human Trafficking "
                                              "Policies NTS Alert, August 2011 (Issue 2)")
    # Notes first: footnotes sit at the foot of their pages, between the paragraphs.
    found_notes, text = found_in_order(notes, text)
    assert not [note for note in notes if note in text]  # each note once: not again at its section's end
    found_paragraphs, rest = found_in_order(paragraphs, text)
    found_references, _ = found_in_order(references, rest[rest.find(letters("References")):])
    figure = (f"paragraphs {found_paragraphs}/{len(paragraphs)}, notes {found_notes}/{len(notes)}, "
              f"references {found_references}/{len(references)}")
    print("PDF text fidelity:", figure)
    assert len(paragraphs) >= 18 and len(notes) == 25 and len(references) >= 19, figure  # the Alert as transcribed
    assert (found_paragraphs, found_notes, found_references) == (len(paragraphs), len(notes), len(references)), figure


def test_the_alerts_pdf_metadata_fonts_and_pages(alert_site):
    path = alert_site / "brief.pdf"
    reader = pypdf.PdfReader(path)
    assert 6 <= len(reader.pages) <= 30
    metadata = reader.metadata
    assert metadata.title == "Responding to Protection Gaps in Malaysia’s Anti-Human Trafficking Policies"
    assert metadata.author == "Manpavan Kaur"
    assert metadata.subject.startswith("NTS Alert, August 2011 (Issue 2)")
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert [item.title for item in reader.outline if not isinstance(item, list)] == [
        "Introduction", "Unaddressed Protection Concerns of Trafficked Persons",
        "The Role of the Non-Government Sector in the Protection of Trafficked Persons", "Conclusion", "References"]
    fonts = {}
    for page in reader.pages:
        for reference in page["/Resources"].get("/Font", {}).values():
            font = reference.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font)["/FontDescriptor"].get_object()
            fonts[font["/BaseFont"]] = any(name.startswith("/FontFile") for name in descriptor)
    assert fonts and all(fonts.values()), fonts  # every font embedded
    # Internal links: note markers and citations lead within the document.
    links = [a.get_object() for page in reader.pages for a in page.get("/Annots", []) or []]
    internal = [a for a in links if a.get("/Dest") is not None or a.get("/A", {}).get("/S") == "/GoTo"]
    assert len(internal) > 40
    _render(path, ARTIFACTS)


def _render(path: Path, folder: Path) -> None:
    """Each page as a PNG (artifacts/pdf/), to be looked at."""
    import pypdfium2

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    document = pypdfium2.PdfDocument(str(path))
    for number, page in enumerate(document, 1):
        page.render(scale=1.2).to_pil().save(folder / f"alert-page-{number:02}.png")


# -- options --------------------------------------------------------------------------

BIB = """\
@book{lee1999, author = {Lee, Chan}, title = {Trafficking in {Asia}}, publisher = {Routledge}, year = {1999}}
@report{brief, author = {Kaur, Manpavan}, title = {The Brief}, institution = {RSIS}, year = {2011}}
"""
PAGES = {"index.md": "# The Brief\n\nAbout it.\n",
         "one.md": "# One\n\nTrafficking grew [@lee1999, 12].[^a]\n\n[^a]: A note.\n"}


def make(tmp_path: Path, **plugin):
    write_site(tmp_path, PAGES, plugin={"bibliography": "refs.bib", "brief_entry": "brief", **plugin},
               extra_files={"refs.bib": BIB})
    return build(tmp_path, strict=True)


def test_no_pdf_when_asked(tmp_path):
    built = make(tmp_path, pdf=False)
    assert built.returncode == 0, built.log
    assert not list((tmp_path / "site").rglob("*.pdf"))
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "citation_pdf_url" not in home and "Download the brief" not in home


def test_a_pdf_made_elsewhere_is_linked_not_typeset(tmp_path):
    built = make(tmp_path, pdf="https://example.org/brief.pdf")
    assert built.returncode == 0, built.log
    assert not list((tmp_path / "site").rglob("*.pdf"))
    assert ('<meta name="citation_pdf_url" content="https://example.org/brief.pdf">'
            in (tmp_path / "site" / "index.html").read_text(encoding="utf-8"))


def test_pdf_file_and_endnotes(tmp_path):
    built = make(tmp_path, pdf_file="downloads/the-brief.pdf", pdf_notes="endnotes")
    assert built.returncode == 0, built.log
    path = tmp_path / "site" / "downloads" / "the-brief.pdf"
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    note = text.index("1 A note.")
    assert text.index("Trafficking grew") < text.rindex("Notes", 0, note) < note < text.rindex("References")
    assert text.rindex("References") < text.rindex("Lee, C.")
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="citation_pdf_url" content="downloads/the-brief.pdf">' in home
    # The "Cite this" box offers it, from any page's address.
    assert 'Download the brief: <a href="downloads/the-brief.pdf" download>PDF</a>' in home


@pytest.mark.parametrize(("value", "message"), [
    ({"pdf": True}, "option 'pdf' is true: leave it out to have the PDF typeset"),
    ({"pdf_file": "../brief.pdf"}, "pdf_file '../brief.pdf' must be a path inside the site ending in .pdf"),
    ({"pdf_file": "brief.html"}, "pdf_file 'brief.html' must be a path inside the site ending in .pdf"),
    ({"pdf_notes": "margin"}, "pdf_notes must be 'footnotes' or 'endnotes', not 'margin'"),
    ({"keywords": "trafficking"}, "option 'keywords' must be a list"),
])
def test_bad_pdf_options_are_located(tmp_path, value, message):
    built = make(tmp_path, **value)
    option = next(iter(value))
    line = next(n for n, text in enumerate((tmp_path / "mkdocs.yml").read_text().splitlines(), 1)
                if text.strip().startswith(f"{option}:"))
    assert built.returncode != 0
    assert f"mkdocs.yml:{line}: {message}" in built.log, built.log


def test_the_latest_pdf_is_kept_under_what_it_is_made_of(tmp_path, monkeypatch):
    from ntsbrief.cache import DiskCache

    cache = DiskCache(tmp_path / "cache")
    first = pdf.make_pdf(brief(), cache)
    assert first.startswith(b"%PDF")

    def no_typesetting(*_):
        raise AssertionError("typeset again")

    monkeypatch.setattr(pdf, "typeset", no_typesetting)
    assert pdf.make_pdf(brief(), cache) == first  # nothing changed: the kept PDF
    with pytest.raises(AssertionError, match="typeset again"):
        pdf.make_pdf(brief(endnotes=True), cache)  # anything changed: typeset again
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["brief-pdf"]  # only the latest is kept


def test_images_of_the_site_are_typeset_and_others_are_their_text(tmp_path):
    from PIL import Image

    images = "\n![A chart](img/chart.png)\n\n![Remote map](https://example.org/map.png)\n"
    pages = {**PAGES, "one.md": PAGES["one.md"] + images}
    write_site(tmp_path, pages, plugin={"bibliography": "refs.bib", "brief_entry": "brief"},
               extra_files={"refs.bib": BIB})
    (tmp_path / "docs" / "img").mkdir()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(tmp_path / "docs" / "img" / "chart.png")
    built = build(tmp_path, strict=True)
    assert built.returncode == 0, built.log
    reader = pypdf.PdfReader(tmp_path / "site" / "brief.pdf")
    images = [name for page in reader.pages for name in page.images]
    assert len(images) == 1  # the site's own image; nothing fetched from another site
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Remote map" in text
    links = [a.get_object().get("/A", {}).get("/URI") for page in reader.pages for a in page.get("/Annots", []) or []]
    assert "https://example.org/map.png" in links
