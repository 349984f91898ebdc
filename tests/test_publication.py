"""Cite-this, downloads (each must load in Zotero's importers), scholarly metadata
and the single-page full text, on a small site built for real."""

import json
import re

import bibtexparser
from test_site import BIB, PAGES, REGISTER, make

from ntsbrief.cache import DiskCache

OWN = """
@techreport{brief2011,
  author = {Kaur, Manpavan and Doe, Jane},
  title = {A Brief on {Malaysia}},
  type = {NTS Alert},
  number = {2},
  institution = {RSIS Centre},
  address = {Singapore},
  year = {2011},
  month = aug,
  provenance = {internal note, never exported}
}

@misc{hostile, author = {Evil, Eve}, title = {Click me}, year = {2020}, url = {javascript:alert(1)}}
"""


def build(site, **plugin):
    pages = dict(PAGES)
    pages["b.md"] = pages["b.md"].replace("trafficking persists", "trafficking persists [@hostile]")
    return make(site, pages=pages, plugin={"brief_entry": "brief2011", "cite_title": "Cite this Alert", **plugin},
                extra_files={"refs.bib": BIB + OWN, "interviews.yaml": REGISTER})


def test_cite_box_and_downloads(site):
    built = build(site)
    assert built.returncode == 0, built.log
    home = built.html("")
    assert '<p class="admonition-title" id="cite-this-title">Cite this Alert</p>' in home
    assert "Kaur, M. and Doe, J. (2011) <em>A Brief on" in home
    assert 'href="downloads/brief2011.ris" download' in home
    refs = built.html("references")
    assert 'href="../downloads/references.bib" download' in refs

    downloads = built.root / "site" / "downloads"
    library = bibtexparser.parse_string((downloads / "brief2011.bib").read_text(encoding="utf-8"))
    assert [e.key for e in library.entries] == ["brief2011"] and not library.failed_blocks
    assert "provenance" not in library.entries[0].fields_dict
    cited = bibtexparser.parse_string((downloads / "references.bib").read_text(encoding="utf-8"))
    assert sorted(e.key for e in cited.entries) == ["chuang2006", "hostile", "piper2005"]
    assert all("verified" not in e.fields_dict for e in cited.entries)

    items = json.loads((downloads / "references.json").read_text(encoding="utf-8"))
    assert sorted(i["id"] for i in items) == ["chuang2006", "hostile", "piper2005"]
    assert all({"id", "type", "title"} <= set(i) for i in items)
    own = json.loads((downloads / "brief2011.json").read_text(encoding="utf-8"))[0]
    assert own["type"] == "report" and own["issued"] == {"date-parts": [[2011, 8]]}
    assert own["author"][1] == {"family": "Doe", "given": "Jane"}

    ris = (downloads / "brief2011.ris").read_text(encoding="utf-8")
    records = ris.rstrip("\n").split("\n\n")
    assert len(records) == 1
    lines = records[0].splitlines()
    assert lines[0] == "TY  - RPRT" and lines[-1] == "ER  - "
    assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line) for line in lines)
    assert "AU  - Kaur, Manpavan" in lines and "AU  - Doe, Jane" in lines and "PY  - 2011" in lines
    assert ris.count("TY  - ") == 1
    all_ris = (downloads / "references.ris").read_text(encoding="utf-8")
    assert all_ris.count("TY  - ") == all_ris.count("ER  - ") == 3


def test_scholarly_metadata_on_the_landing_page(site):
    built = build(site)
    head = (built.root / "site" / "index.html").read_text(encoding="utf-8").split("</head>")[0]
    tags = re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)">', head)
    assert tags[:8] == [
        ("citation_title", "A Brief on Malaysia"),
        ("citation_author", "Kaur, Manpavan"),
        ("citation_author", "Doe, Jane"),
        ("citation_publication_date", "2011/08"),
        ("citation_technical_report_institution", "RSIS Centre"),
        ("citation_technical_report_number", "2"),
        ("citation_pdf_url", "brief.pdf"),  # the PDF ntsbrief typesets (tests/test_pdf.py)
        ("citation_reference", tags[7][1]),
    ]
    assert [name for name, _ in tags].count("citation_reference") == 3
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', head, re.DOTALL).group(1))
    assert ld["@type"] == "Report" and ld["datePublished"] == "2011-08"
    assert ld["author"] == [{"@type": "Person", "name": "Manpavan Kaur"}, {"@type": "Person", "name": "Jane Doe"}]
    assert ld["publisher"] == {"@type": "Organization", "name": "RSIS Centre"}
    assert ld["isPartOf"] == {"@type": "CreativeWorkSeries", "name": "NTS Alert"}
    assert len(ld["citation"]) == 3
    other = (built.root / "site" / "b" / "index.html").read_text(encoding="utf-8")
    assert "citation_title" not in other  # one landing page per work, as Scholar expects


def test_pdf_url_only_when_configured(site):
    built = build(site, pdf="https://example.org/brief.pdf")
    head = (built.root / "site" / "index.html").read_text(encoding="utf-8").split("</head>")[0]
    assert '<meta name="citation_pdf_url" content="https://example.org/brief.pdf">' in head


def test_unsafe_urls_are_text_not_links(site):
    built = build(site)
    refs = built.html("references")
    assert "javascript:alert(1)" in refs  # shown
    assert 'href="javascript:' not in refs  # never linked
    for path in (built.root / "site").rglob("*.html"):
        assert 'href="javascript:' not in path.read_text(encoding="utf-8")


def test_full_text_page(site):
    built = build(site)
    whole = built.html("full-text")
    assert re.findall(r'id="noteref-([\d-]+)"', whole) == ["1", "2", "3", "2-2", "4"]
    assert re.findall(r'<li id="note-(\d)"', whole) == ["1", "2", "3", "4"]
    assert 'href="#note-2"' in whole and 'href="#noteref-2-2"' in whole and 'href="#ref-chuang2006"' in whole
    assert whole.index("Home") < whole.index("Second") < whole.index("Third") < whole.index('id="notes"')
    ids = re.findall(r'\sid="([^"]+)"', whole)
    assert len(ids) == len(set(ids))
    # The text is written into the page MkDocs built: one complete document, no marker left.
    document = (built.root / "site" / "full-text" / "index.html").read_text(encoding="utf-8")
    assert document.lstrip().startswith("<!doctype html>") and document.rstrip().endswith("</html>")
    assert "ntsbrief:full-text" not in document and document.count("<article") == 1


def test_full_text_page_when_another_plugin_drops_its_place(site):
    hook = """
        def on_post_page(output, page, config):
            return output.replace("<!-- ntsbrief:full-text -->", "")
    """
    built = make(site, strict=True, config_extra={"hooks": ["strip.py"]}, extra_files={"strip.py": hook})
    assert built.returncode != 0
    assert "full-text.md: another plugin removed the place of the full text" in built.log


def test_downloads_are_read_back_from_the_cache_until_an_input_changes(site):
    first = build(site)
    assert first.returncode == 0, first.log
    cache = DiskCache(first.root / ".cache" / "ntsbrief")  # files are sealed: written through it, as a build would
    values = {path.stem: cache.read_json(path.stem) for path in cache.folder.glob("*.json")}
    [(stored, kept)] = [(key, value) for key, value in values.items()
                        if isinstance(value, dict) and "downloads" in value]
    kept["downloads"]["references.ris"] = "TY  - GEN\nTI  - from the cache\nER  - \n"
    cache.write_json(stored, json.dumps(kept))
    downloads = first.root / "site" / "downloads"

    assert build(site).returncode == 0
    assert "from the cache" in (downloads / "references.ris").read_text(encoding="utf-8")

    # Another option is another key: made afresh, not read back.
    assert build(site, export_exclude_fields=["provenance", "doi"]).returncode == 0
    assert "from the cache" not in (downloads / "references.ris").read_text(encoding="utf-8")
