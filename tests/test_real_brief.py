"""The repository's own brief, built for real with ``mkdocs build --strict``."""

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SECTIONS = [
    ("", "Responding to Protection Gaps in Malaysia’s Anti-Human Trafficking Policies"),
    ("introduction", "Introduction"),
    ("unaddressed-protection-concerns", "Unaddressed Protection Concerns of Trafficked Persons"),
    ("role-of-the-non-government-sector",
     "The Role of the Non-Government Sector in the Protection of Trafficked Persons"),
    ("conclusion", "Conclusion"),
    ("notes", "Notes"),
    ("references", "References"),
    ("full-text", "Full text"),
]

CLUSTERS = [
    "(Chuang, 2006:490)", "(Kaur, 2011)", "(Kaur, 2011)", "(Chuang, 2006:471)",
    "(Joshi, 2002:32–6)", "(Piper, 2005:212)", "(Piper, 2005:212)", "(Inglis, 2001:70)",
    "(Salt and Stein, 1997:472)", "(Joshi, 2002:47)", "(Salt and Stein, 1997:479–83)", "(Marshall, 2001:9)",
    "(Srikantiah, 2007:163–4)", "(Laczko and Gozdziak, 2005:64)", "(Motus, 2004:40; Vijeyarasa, 2010:91–2)",
    "(Jones et al., 2007:115–6)", "(Tzvetkova, 2002)", "(Brunovskis and Surtees, 2008:64)",
    "(Obokata, 2005:411; Haynes, 2003:25–6)",
    # The store spells Chacón as its facts do; the source's PDF text lost the accent.
    "(Hendrix, 2010:182, 185; Chacón, 2006:333, 375, 378)",
    "(US Department of State, 2011)",
]

EXPERT = "expert on Malaysian national human rights issues"
OFFICIAL = "government official with work experience at shelters for trafficked victims"
KL = "Kuala Lumpur"
NOTES = [
    "This NTS Alert relies on research conducted in Kuala Lumpur, Malaysia, between 13 and 17 June 2011. The "
    "material is used as contextual evidence alongside scholarly writing on the themes discussed in the NTS Alert. "
    "Qualitative research on the dynamics of human trafficking in Malaysia was conducted through open-ended "
    "interviews and observational interaction. A cross-section of views was solicited, from non-partisan "
    "organisations, and government and non-government agencies. All interviews were conducted in confidentiality, "
    "and the names of interviewees are withheld by mutual agreement.",
    f"Personal interviews with (1) {EXPERT}; and (2) NGO practitioners, {KL}, 13 and 14 June 2011.",
    f"Personal interviews with NGO practitioners, {KL}, 13 and 14 June 2011.",
    f"Personal interview with {EXPERT}, {KL}, 14 June 2011.",
    f"Personal interview with {EXPERT}, {KL}, 14 June 2011.",
    f"Personal interview with {EXPERT}, {KL}, 14 June 2011.",
    f"Personal interviews with (1) NGO practitioners; and (2) legal specialist, {KL}, 13 and 14 June 2011.",
    f"Personal interviews with (1) legal specialist; and (2) NGO practitioner, {KL}, 14 June 2011.",
    f"Personal interviews with NGO representatives, {KL}, 13 and 14 June 2011.",
    f"Personal interviews with a {OFFICIAL}, 16 June 2011.",
    f"Personal interviews with (1) NGO practitioner; (2) {EXPERT}, {KL}, 13–14 June 2011.",
    f"Personal interview with a {OFFICIAL}, {KL}, 16 June 2011.",
    f"Personal interviews with (1) NGO practitioner; (2) {EXPERT}; and (3) {OFFICIAL}, {KL}, 13–14, and 16 June "
    "2011, respectively.",
    f"Personal interviews with legal specialist, {KL}, 14 June 2011.",
    f"Personal interviews with (1) legal specialists; (2) NGO practitioners; and (3) {EXPERT}, {KL}, 13–15 June 2011.",
    f"Personal interview with legal specialists, {KL}, 13 and 14 June 2011.",
    f"Personal interview with NGO practitioner, {KL}, 15 June 2011.",
    f"Personal interview with NGO practitioner, {KL}, 15 June 2011.",
    f"Personal interviews with NGO practitioners, {KL}, 13 and 14 June 2011.",
    f"Personal interviews with (1) NGO practitioners; and (2) {OFFICIAL}, {KL}, 13, and 15–16 June 2011 respectively.",
    f"Personal interview with a {OFFICIAL}, {KL}, 16 June 2011.",
    f"Personal interview with NGO practitioner, {KL}, 13 June 2011.",
    f"Personal interview with NGO practitioner, {KL}, 13 June 2011.",
    f"Personal interview with NGO practitioner, {KL}, 15 June 2011.",
    f"Personal interviews with NGO practitioners, {KL}, 14 and 15 June 2011.",
]


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    site = tmp_path_factory.mktemp("brief") / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    return site


def page(site: Path, name: str) -> str:
    document = (site / name / "index.html").read_text(encoding="utf-8")
    return document[document.index("<article"): document.index("</article>")]


def test_sections_in_reading_order(built):
    document = (built / "index.html").read_text(encoding="utf-8")
    hrefs = list(re.findall(r'<a href="([^"#]*)" class="md-nav__link', document))
    nav = list(dict.fromkeys("" if h == "." else h.rstrip("/") for h in hrefs))
    assert nav == [name for name, _ in SECTIONS]
    for name, title in SECTIONS:
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", page(built, name), re.DOTALL).group(1)
        assert text(heading).removesuffix("¶").strip() == title


def test_citation_clusters_as_rendered(built):
    rendered = []
    for name, _ in SECTIONS[1:5]:
        rendered += [text(m) for m in re.findall(r'<span class="citation"[^>]*>(.*?)</span>(?= |\.|,|;|<)',
                                                 page(built, name))]
    assert rendered == CLUSTERS
    cited = set()
    for name, _ in SECTIONS[1:5]:
        for keys in re.findall(r'data-cites="([^"]+)"', page(built, name)):
            cited.update(keys.split())
    assert len(cited) == 19


def test_notes_numbered_and_worded(built):
    notes = page(built, "notes")
    items = re.findall(r'<li id="note-(\d+)" value="\d+">(.*?)</li>', notes, re.DOTALL)
    assert [int(n) for n, _ in items] == list(range(1, 26))
    backlinks = re.compile(r'<a [^>]*class="ntsbrief-backref[^"]*"[^>]*>.*?</a>', re.DOTALL)
    assert [text(backlinks.sub("", body)) for _, body in items] == NOTES
    markers = []
    for name, _ in SECTIONS[:5]:
        markers += [int(n) for n in re.findall(r'id="noteref-(\d+)"', page(built, name))]
    assert markers == list(range(1, 26))


def test_full_text_has_every_part_in_reading_order(built):
    whole = page(built, "full-text")
    assert [int(n) for n in re.findall(r'id="noteref-(\d+)"', whole)] == list(range(1, 26))
    assert re.findall(r'<li id="note-(\d+)"', whole) == [str(n) for n in range(1, 26)]
    assert len(re.findall(r'<div id="ref-', whole)) == 19
    texts = [text(m) for m in re.findall(r'<span class="citation"[^>]*>(.*?)</span>(?= |\.|,|;|<)', whole)]
    assert texts == CLUSTERS
    sections = [title for _, title in SECTIONS[1:5]]
    after_contents = whole.index("</nav>")  # the table of contents lists them first
    positions = [whole.index(f">{title}", after_contents) for title in sections]
    assert positions == sorted(positions)
    assert len(re.findall(r"<h1[\s>]", whole)) == 1
    ids = re.findall(r'\sid="([^"]+)"', whole)
    assert len(ids) == len(set(ids))
    for anchor in re.findall(r'href="#([^"]+)"', whole):
        assert anchor in ids, anchor


def test_cite_this_alert_and_its_metadata(built):
    home = page(built, "")
    assert "Cite this Alert" in home
    assert ("Kaur, M. (2011) Responding to Protection Gaps in Malaysia’s Anti-Human Trafficking Policies, "
            "NTS Alert 2.") in text(home)
    head = (built / "index.html").read_text(encoding="utf-8").split("</head>")[0]
    assert '<meta name="citation_technical_report_number" content="2">' in head
    assert head.count('<meta name="citation_reference"') == 19
    assert '<meta name="citation_pdf_url" content="brief.pdf">' in head  # ntsbrief typesets it
    assert (built / "brief.pdf").read_bytes().startswith(b"%PDF")
    for name in ("kaur2011protection.bib", "kaur2011protection.ris", "kaur2011protection.json", "references.bib"):
        assert (built / "downloads" / name).is_file()


def test_references_list_the_cited_works_with_daggers(built):
    refs = page(built, "references")
    keys = re.findall(r'<div id="ref-([^"]+)" class="csl-entry"', refs)
    assert len(keys) == 19 and "kaur2011protection" not in keys  # the Alert itself is not cited
    assert refs.count('class="ntsbrief-unverified"') == 13
    assert "reconstructed from the in-text citations" in refs
    assert "MEDIUM" not in refs and "provenance" not in refs  # provenance notes are never printed
