"""Citations and notes in headings, and a full-text page that is a content page:
what the table of contents, the anchors and every built file show."""

from __future__ import annotations

import json
import re

import pytest

BIB = ("@article{chuang2006, author = {Chuang, Janie}, title = {Sheriff}, journal = {MJIL}, year = {2006}}\n"
       "@book{piper2005, author = {Piper, Nicola}, title = {A Problem}, publisher = {IOM}, year = {2005}}\n")
PLUGIN = {"bibliography": "refs.bib"}
PLACEHOLDER = re.compile(r"ntsbrief-(ref|notedef|notedefs)-[0-9a-f]{12}")  # render.Marks, with the build's token


def toc_titles(html: str) -> list[str]:
    """The page's table of contents (Material's secondary nav), as text."""
    secondary = html[html.rindex('md-nav--secondary'):]
    secondary = secondary[: secondary.index("</nav>")]
    return [" ".join(t.split()) for t in re.findall(r'class="md-ellipsis">(.*?)</span>', secondary, re.S)]


def built_files(root) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in (root / "site").rglob("*")
                     if p.is_file() and p.suffix in {".html", ".json", ".xml", ".js"})


@pytest.mark.parametrize("extensions", [["toc"], [{"toc": {"permalink": True}}, "attr_list"]])
def test_a_citation_in_a_heading_is_formatted_in_the_contents_with_a_clean_anchor(site, tmp_path, extensions):
    built = site({"index.md": "# Home\n\n## Trafficking in Asia [@chuang2006, 490]\n\nText.\n\n"
                              "## Views of @piper2005 [12] & more[^n]\n\nMore.\n\n"
                              "## Views of @chuang2006 [13] & more\n\n[^n]: A note.\n"},
                 plugin=PLUGIN, extra_files={"refs.bib": BIB}, extensions=extensions, strict=True)
    assert built.returncode == 0, built.log
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<h2 id="(?!ntsbrief-)([^"]+)"', page) == ["trafficking-in-asia", "views-of-more",
                                                                     "views-of-more_1"]
    assert toc_titles(page) == ["Trafficking in Asia (Chuang, 2006:490)", "Views of Piper (2005:12) &amp; more",
                                "Views of Chuang (2006:13) &amp; more"]
    # The heading itself: the citation linked, the note marker in place.
    heading = re.search(r'<h2 id="views-of-more">(.*?)</h2>', page, re.S).group(1)
    assert 'href="references/#ref-piper2005"' in heading and 'class="ntsbrief-noteref"' in heading
    index = json.loads((tmp_path / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    titles = {doc["location"]: doc["title"] for doc in index["docs"]}
    assert titles["#trafficking-in-asia"] == "Trafficking in Asia (Chuang, 2006:490)"
    site_text = built_files(tmp_path)
    assert not PLACEHOLDER.search(site_text) and "[@chuang2006" not in site_text and "\x02" not in site_text


def test_an_explicit_toc_label_is_kept(site, tmp_path):
    built = site({"index.md": "# Home\n\n## Trafficking [@chuang2006] { data-toc-label='Trafficking' }\n"},
                 plugin=PLUGIN, extra_files={"refs.bib": BIB}, extensions=["toc", "attr_list"], strict=True)
    assert built.returncode == 0, built.log
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert toc_titles(page) == ["Trafficking"]
    assert not PLACEHOLDER.search(page)


def test_full_text_page_may_be_a_content_page_with_its_own_citations(site, tmp_path):
    """``full_text_page`` naming a page that has text of its own: that text is
    resolved like any page's (no placeholders with the build's token published)."""
    built = site({"index.md": "# Home\n\nAs argued [@chuang2006, 490].[^a]\n\n[^a]: Note A.\n",
                  "whole.md": "# The whole brief\n\nRead it all, as [@piper2005] did.[^b]\n\n"
                              "<!-- ntsbrief:full-text -->\n\n[^b]: Note B.\n"},
                 plugin={**PLUGIN, "full_text_page": "whole.md"}, extra_files={"refs.bib": BIB},
                 nav=[{"Home": "index.md"}, {"Whole": "whole.md"}], strict=True)
    assert built.returncode == 0, built.log
    whole = (tmp_path / "site" / "whole" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", whole)
    assert "Read it all, as (Piper, 2005) did." in text and "As argued (Chuang, 2006:490)." in text
    assert 'href="#ref-piper2005"' in whole  # the page's own links stay within the page, as the sections' do
    assert re.search(r'aria-label="Note 2"', whole)  # the page's own note, numbered after the home page's
    assert not PLACEHOLDER.search(built_files(tmp_path))


def test_the_full_text_uses_the_configured_titles_of_notes_and_references(site, tmp_path):
    built = site({"index.md": "# Home\n\nAs argued [@chuang2006].[^a]\n\n[^a]: Note A.\n"},
                 plugin={**PLUGIN, "notes_title": "Endnotes & more", "references_title": "Works cited"},
                 extra_files={"refs.bib": BIB}, strict=True)
    assert built.returncode == 0, built.log
    whole = (tmp_path / "site" / "full-text" / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="notes">Endnotes &amp; more</h2>' in whole and '<h2 id="references">Works cited</h2>' in whole
