"""Nothing private is published: a reference manager's personal fields never leave
the store (an allow-list of bibliographic fields), unless the editor names them."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
from conftest import build, write_site

from ntsbrief import fields

# What Zotero (Better BibTeX), JabRef, BibDesk and Mendeley put in an export beside
# the bibliographic description, each value a token that must appear nowhere.
PRIVATE = {
    "file": "{Full Text PDF:/Users/meitan/Zotero/storage/SECRETFILE/tan.pdf:application/pdf}",
    "annote": "{SECRETANNOTE my reading notes}",
    "annotation": "{SECRETANNOTATION}",
    "abstract": "{SECRETABSTRACT}",
    "keywords": "{SECRETKEYWORDS, trafficking}",
    "mendeley-tags": "{SECRETMENDELEY}",
    "bdsk-file-1": "{YnBsaXN0MDDSAQIDBFxyZWxhdGl2ZVBhdGhZYWxpYXNEYXRhXxAQU0VDUkVUQkRTSw==}",
    "owner": "{SECRETOWNER}",
    "timestamp": "{2019.05.01 SECRETSTAMP}",
    "groups": "{SECRETGROUPS}",
    "comment": "{SECRETCOMMENT}",
    "library": "{SECRETLIBRARY}",
    "extra": "{SECRETEXTRA}",
    "x-reading-status": "{SECRETSTATUS}",
    "provenance": "{SECRETPROVENANCE}",
    "verified": "{false}",
}
HOSTILE = ("@article{tan_debt_2019,\n  author = {Tan, Mei},\n  title = {Debt and {Trafficking} in Malaysia},\n"
           "  journal = {Journal of Migration},\n  volume = {12},\n  number = {3},\n  pages = {1--20},\n"
           "  year = {2019},\n  doi = {10.1000/jm.2019.12},\n  url = {https://example.org/tan},\n"
           "  note = {PUBLICNOTE},\n"
           + "".join(f"  {name} = {value},\n" for name, value in PRIVATE.items()) + "}\n")
BRIEF = "@report{brief, author = {Kaur, Manpavan}, title = {The Brief}, institution = {RSIS}, year = {2011}}\n"


def tokens(value: str) -> set[str]:
    return set(re.findall(r"SECRET[A-Z]+|meitan|Zotero/storage|YnBsaXN0", value))


def build_site(tmp_path: Path, **plugin):
    write_site(tmp_path, {"index.md": "# Brief\n\nDebt [@tan_debt_2019, 3].\n"},
               plugin={"bibliography": "refs.bib", "brief_entry": "brief", **plugin},
               extra_files={"refs.bib": HOSTILE + "\n" + BRIEF})
    return build(tmp_path, strict=True)


def site_text(root: Path) -> str:
    """Every text the site publishes: its files', and the PDF's text and metadata."""
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in (root / "site").rglob("*")
             if p.is_file() and p.suffix in {".html", ".json", ".bib", ".ris", ".xml", ".js", ".txt"}]
    for path in (root / "site").rglob("*.pdf"):
        reader = pypdf.PdfReader(path)
        texts += [page.extract_text() for page in reader.pages] + [str(dict(reader.metadata or {}))]
    return "\n".join(texts)


def test_no_value_of_a_personal_field_reaches_any_file_of_the_site(tmp_path):
    built = build_site(tmp_path)
    assert built.returncode == 0, built.log
    published = site_text(tmp_path)
    assert (tmp_path / "site" / "brief.pdf").is_file()  # its text is searched too
    secrets = set().union(*(tokens(v) for v in PRIVATE.values()))
    assert secrets and not tokens(published) & secrets, tokens(published)
    # The bibliographic description is all there, downloads included.
    downloads = tmp_path / "site" / "downloads"
    bib = (downloads / "references.bib").read_text(encoding="utf-8")
    for field in ("author", "title", "journal", "volume", "number", "pages", "year", "doi", "url", "note"):
        assert re.search(rf"^  {field} = ", bib, re.MULTILINE), field
    assert "10.1000/jm.2019.12" in (downloads / "references.json").read_text(encoding="utf-8")
    assert "PUBLICNOTE" in published


def test_the_editor_opts_in_by_name(tmp_path):
    built = build_site(tmp_path, export_fields=["abstract", "keywords"])
    assert built.returncode == 0, built.log
    downloads = tmp_path / "site" / "downloads"
    assert "SECRETABSTRACT" in (downloads / "references.bib").read_text(encoding="utf-8")
    csl = (downloads / "references.json").read_text(encoding="utf-8")
    assert "SECRETABSTRACT" in csl and "SECRETKEYWORDS" in csl
    assert not tokens(site_text(tmp_path)) & {"SECRETANNOTE", "SECRETFILE", "SECRETOWNER", "meitan"}


def test_a_local_path_in_a_published_field_is_a_located_warning(tmp_path):
    write_site(tmp_path, {"index.md": "Debt [@tan, 3].\n"}, plugin={"bibliography": "refs.bib"},
               extra_files={"refs.bib": "@article{tan, author = {Tan, Mei}, title = {Debt}, journal = {J},\n"
                                        "  year = {2019},\n  url = {file:///Users/meitan/Documents/tan.pdf}}\n"})
    built = build(tmp_path, strict=True)
    assert built.returncode != 0
    assert any(w.startswith("refs.bib:3: field 'url' of 'tan' holds a local file's path "
                            "(file:///Users/meitan/Documents/tan.pdf)") for w in built.warnings), built.log


def test_local_paths_are_recognised():
    for value in ("{file:///home/a/x.pdf}", "{C:\\Users\\a\\x.pdf}", "{/Users/a/Zotero/x.pdf}", "{~/papers/x.pdf}",
                  "{Full Text:/home/a/x.pdf:application/pdf}"):
        assert fields.local_path(value), value
    for value in ("{https://example.org/a/home/x}", "{10.1000/xyz}", "{Politics/Users and Home}", "{1--20}"):
        assert fields.local_path(value) is None, value


def test_what_is_published_is_an_allow_list():
    record = {"t": "MetaMap", "c": {name: {"t": "MetaString", "c": "x"} for name in
                                    ("title", "doi", "abstract", "annote", "keyword", "call-number", "file",
                                     "something-new")}}
    assert set(fields.published_record(record)["c"]) == {"title", "doi"}
    assert set(fields.published_record(record, frozenset({"abstract"}))["c"]) == {"title", "doi", "abstract"}
    assert not {"file", "annote", "annotation", "abstract", "keywords", "mendeley-tags", "owner", "timestamp",
                "groups", "comment", "bdsk-file-1", "library", "extra"} & fields.bibtex_fields()
