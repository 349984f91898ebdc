"""The landing page as an article (landing.py) and the tags a shared link shows
(social.py): the pure functions, then small real sites built with the plugin."""

from __future__ import annotations

import html
import re
import subprocess
import sys

from conftest import build, write_site

from ntsbrief import landing, social
from ntsbrief.options import site_url_problem

REPORT = {"id": "brief2011", "type": "report", "title": "A Brief", "genre": "NTS Alert", "number": "2",
          "publisher": "RSIS Centre", "publisher-place": "Singapore", "issued": {"date-parts": [[2011, 8]]},
          "author": [{"family": "Kaur", "given": "Manpavan"}]}


# -- landing.py ------------------------------------------------------------------------


def test_facts_come_from_the_entry():
    found = landing.facts(REPORT)
    assert found == landing.Facts(("Manpavan Kaur",), "NTS Alert", "2", "August 2011", "2011-08", "RSIS Centre",
                                  "Singapore")


def test_a_view_with_contents_of_its_own_drops_the_pages_and_their_heading():
    heading = '<h2 id="contents">Contents<a class="headerlink" href="#contents">¶</a></h2>'
    page = f"<p>Text.</p>\n{heading}\n{landing.CONTENTS_MARKER}"
    assert landing.without_contents(page) == "<p>Text.</p>\n"
    assert landing.without_contents(f"<p>A</p>{landing.CONTENTS_MARKER}<h2>Next</h2>") == "<p>A</p><h2>Next</h2>"
    # Only the heading right before the marker goes: an earlier one keeps its section.
    page = f"<h2>Aims</h2><p>Text.</p>{landing.CONTENTS_MARKER}"
    assert landing.without_contents(page) == "<h2>Aims</h2><p>Text.</p>"
    assert landing.without_contents("<p>No marker.</p>") == "<p>No marker.</p>"
    assert landing.issue_line(landing.facts(REPORT)) == "NTS Alert, August 2011 (Issue 2)"


def test_facts_of_other_entries():
    assert landing.facts({"author": [{"literal": "World Bank"}, {"family": "Doe", "given": "J.",
                                                                 "non-dropping-particle": "van"}],
                          "issued": {"date-parts": [[2020, 3, 9]]}, "collection-title": "Series <i>X</i>",
                          "collection-number": 7}) == landing.Facts(
        ("World Bank", "J. van Doe"), "Series X", "7", "9 March 2020", "2020-03-09")
    assert landing.facts({"issued": {"date-parts": [[2011]]}}).date == "2011"
    assert landing.facts({}) == landing.Facts()


def test_title_block_escapes_and_offers_what_exists():
    block = landing.title_block_html(landing.Facts(("A <b> & \"C\"", "D"), "S&P", "3", "May 2001", "2001-05"),
                                     "#cite-this", "Cite <this>")
    assert '<p class="ntsbrief-byline">A &lt;b&gt; &amp; &quot;C&quot; and D</p>' in block
    assert '<span class="ntsbrief-series">S&amp;P</span>, <time datetime="2001-05">May 2001</time> (Issue 3)' in block
    assert '<a class="md-button ntsbrief-cite-button" href="#cite-this">Cite &lt;this&gt;</a>' in block
    assert "ntsbrief-pdf-button" not in block and "ntsbrief-publisher" not in block
    with_pdf = landing.title_block_html(landing.Facts(), None, "Cite", pdf_href='brief.pdf?a="1"')
    assert '<a class="md-button md-button--primary ntsbrief-pdf-button" href="brief.pdf?a=&quot;1&quot;">PDF</a>' \
        in with_pdf
    assert "ntsbrief-cite-button" not in with_pdf and "ntsbrief-byline" not in with_pdf


def test_contents_nest_as_the_nav():
    entries = [landing.ContentsEntry("One &amp; two", "one/"),
               landing.ContentsEntry("Part", None, (landing.ContentsEntry("Three", "part/three/"),))]
    assert landing.contents_html(entries) == (
        '<nav class="ntsbrief-contents" aria-label="Contents">\n<ol>\n<li><a href="one/">One &amp; two</a></li>\n'
        '<li>Part\n<ol>\n<li><a href="part/three/">Three</a></li>\n</ol></li>\n</ol>\n</nav>')


def test_fill_puts_each_part_at_its_marker_and_leaves_other_pages_alone():
    page = (f"<h1>T</h1>\n{landing.TITLE_MARKER}\n{landing.ABSTRACT_START}\n<p>Summary.</p>\n"
            f"{landing.ABSTRACT_END}\n<h2>Contents</h2>\n{landing.CONTENTS_MARKER}\n")
    filled = landing.fill(page, "<div>BLOCK</div>", "<nav>LIST</nav>")
    assert filled == ('<h1>T</h1>\n<div>BLOCK</div>\n<div class="ntsbrief-abstract" role="doc-abstract">\n'
                      '<p>Summary.</p>\n</div>\n<h2>Contents</h2>\n<nav>LIST</nav>\n')
    assert landing.fill("<p>No markers.</p>", "<div>B</div>", "<nav/>") == "<p>No markers.</p>"
    unclosed = f"{landing.ABSTRACT_START}<p>x</p>"
    assert landing.fill(unclosed, None, None) == unclosed


# -- social.py ----------------------------------------------------------------------------


def test_social_tags_are_escaped():
    facts = social.PageFacts(title='Say "no" <now> & \'then\'', site_name="Brief", description="a < b",
                             url="https://example.org/a/?x=1&y=2", authors=("Kaur, M.",), date="2011-08")
    tags = social.tags_html(facts)
    assert '<meta property="og:title" content="Say &quot;no&quot; &lt;now&gt; &amp; &#x27;then&#x27;">' in tags
    assert '<meta property="og:url" content="https://example.org/a/?x=1&amp;y=2">' in tags
    assert '<meta name="twitter:card" content="summary">' in tags
    assert '<meta property="article:published_time" content="2011-08">' in tags
    for match in re.finditer(r'content="([^"]*)"', tags):
        assert "<" not in match.group(1) and ">" not in match.group(1)
    assert "og:url" not in social.tags_html(social.PageFacts("T", "S"))
    assert social.plain("R&amp;D <em>now</em>") == "R&D now"


def test_site_url_problem():
    assert site_url_problem("mkdocs.yml", "https://example.org/") is None
    problem = site_url_problem("mkdocs.yml", None)
    assert problem is not None and problem.severity == "warning" and "canonical URL" in problem.message


# -- sites built with the plugin ----------------------------------------------------------

BIB = """\
@techreport{brief2011,
  author = {Kaur, Manpavan and Doe, Jane},
  title = {A Brief on "Quotes" & <Things>},
  type = {NTS Alert},
  number = {2},
  institution = {RSIS Centre},
  address = {Singapore},
  year = {2011},
  month = {aug}
}

@article{chuang2006,
  author = {Chuang, Janie},
  title = {The United States as Global Sheriff},
  journal = {Michigan Journal of International Law},
  year = {2006}
}
"""
LANDING = f"""\
# A Brief

{landing.TITLE_MARKER}

{landing.ABSTRACT_START}

The summary [@chuang2006].

{landing.ABSTRACT_END}

## Contents

{landing.CONTENTS_MARKER}
"""


def _brief(tmp_path, **plugin):
    nav = [{"Home": "index.md"}, {"One": "one.md"}, {"Part": [{"Two": "part/two.md"}]}]
    return write_site(tmp_path, {"index.md": LANDING, "one.md": "# Section One\n\nText.\n",
                                 "part/two.md": "# Section Two\n\nMore.\n"},
                      plugin={"bibliography": "refs.bib", "brief_entry": "brief2011", **plugin}, nav=nav,
                      extra_files={"refs.bib": BIB}, config_extra={"site_description": 'On "gaps" & <things>'})


def test_the_landing_page_gets_its_title_block_abstract_and_contents(tmp_path):
    built = build(_brief(tmp_path), strict=True)
    assert built.returncode == 0, built.log
    page = built.html("")
    assert '<p class="ntsbrief-byline">Manpavan Kaur and Jane Doe</p>' in page
    assert ('<p class="ntsbrief-issue"><span class="ntsbrief-series">NTS Alert</span>, '
            '<time datetime="2011-08">August 2011</time> (Issue 2)</p>') in page
    assert '<p class="ntsbrief-publisher">RSIS Centre, Singapore</p>' in page
    assert '<a class="md-button ntsbrief-cite-button" href="#cite-this">Cite this brief</a>' in page
    assert 'id="cite-this"' in page
    # The PDF ntsbrief typesets (tests/test_pdf.py).
    assert '<a class="md-button md-button--primary ntsbrief-pdf-button" href="brief.pdf">PDF</a>' in page
    assert re.search(r'<div class="ntsbrief-abstract" role="doc-abstract">\s*<p>The summary <span class="citation"',
                     page)
    contents = re.search(r'<nav class="ntsbrief-contents".*?</nav>', page, re.DOTALL).group(0)
    titles = re.findall(r'<a href="([^"]*)">([^<]*)</a>', contents)
    assert titles == [("one/", "Section One"), ("part/two/", "Section Two"), ("notes/", "Notes"),
                      ("references/", "References"), ("full-text/", "Full text")]
    assert "<li>Part\n<ol>" in contents
    assert "ntsbrief:" not in page  # every marker replaced
    # The full text has its own contents: the landing page's part has its title block and abstract, not its list.
    whole = (tmp_path / "site" / "full-text" / "index.html").read_text(encoding="utf-8")
    assert whole.count('<nav class="ntsbrief-contents') == 1 and "ntsbrief-full-text-contents" in whole
    assert '<div class="ntsbrief-title-block">' in whole and 'role="doc-abstract"' in whole
    assert "site_url is not set" in built.log and "WARNING" not in built.log  # said, not a --strict failure


def test_a_section_added_by_new_section_is_in_the_contents(tmp_path):
    root = _brief(tmp_path)
    added = subprocess.run([sys.executable, "-m", "ntsbrief.cli", "new-section", "Methods & Sources"], cwd=root,
                           capture_output=True, text=True, check=False)
    assert added.returncode == 0, added.stderr
    built = build(root)
    contents = re.search(r'<nav class="ntsbrief-contents".*?</nav>', built.html(""), re.DOTALL).group(0)
    assert "Methods &amp; Sources</a>" in contents
    assert contents.index("Section Two") < contents.index("Methods &amp; Sources") < contents.index(">Notes<")


def test_the_pdf_button_leads_to_the_pdf_made_elsewhere_and_is_gone_without_one(tmp_path):
    built = build(_brief(tmp_path / "elsewhere", pdf="files/brief.pdf"), strict=True)
    assert built.returncode == 0, built.log
    assert '<a class="md-button md-button--primary ntsbrief-pdf-button" href="files/brief.pdf">PDF</a>' \
        in built.html("")
    built = build(_brief(tmp_path / "none", pdf=False), strict=True)
    assert built.returncode == 0, built.log
    assert "ntsbrief-pdf-button" not in built.html("")


def test_a_page_without_markers_is_unchanged(tmp_path):
    write_site(tmp_path, {"index.md": "# Home\n\nText [@chuang2006].\n"},
               plugin={"bibliography": "refs.bib", "brief_entry": "brief2011"}, extra_files={"refs.bib": BIB})
    built = build(tmp_path, strict=True)
    assert built.returncode == 0, built.log
    page = built.html("")
    assert "ntsbrief-title-block" not in page and "ntsbrief-contents" not in page and "ntsbrief-abstract" not in page


def _head(built, page: str) -> str:
    path = built.root / "site" / page / "index.html"
    text = path.read_text(encoding="utf-8")
    return text[:text.index("</head>")]


def test_every_page_has_open_graph_and_twitter_tags_escaped(tmp_path):
    built = build(_brief(tmp_path), strict=True)
    for page, title in (("", 'A Brief on "Quotes" & <Things>'), ("one", "One"), ("part/two", "Two"), ("notes", "Notes"),
                        ("references", "References"), ("full-text", "Full text")):
        head = _head(built, page)
        tags = {m.group(1): html.unescape(m.group(2)) for m in
                re.finditer(r'<meta (?:property|name)="((?:og|twitter|article):[^"]+)" content="([^"]*)">', head)}
        assert tags["og:title"] == tags["twitter:title"] == title, (page, tags)
        assert tags["og:description"] == tags["twitter:description"] == 'On "gaps" & <things>'
        assert tags["article:author"] == "Jane Doe"  # the last of the two; both are written
        assert head.count('property="article:author"') == 2
        assert tags["article:published_time"] == "2011-08" and tags["twitter:card"] == "summary"
        assert "og:url" not in tags and 'rel="canonical"' not in head  # no site_url: no address


def test_with_site_url_one_canonical_link_and_og_url(tmp_path):
    root = _brief(tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "site_url: https://example.org/brief/\n",
                      encoding="utf-8")
    built = build(root, strict=True)
    assert built.returncode == 0, built.log
    head = _head(built, "one")
    assert head.count('rel="canonical"') == 1  # the theme's; the plugin adds none
    assert '<link rel="canonical" href="https://example.org/brief/one/">' in head
    assert '<meta property="og:url" content="https://example.org/brief/one/">' in head
    assert "site_url is not set" not in built.log
