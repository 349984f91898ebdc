"""exports.py on its own: RIS, CSL-JSON, Highwire tags and JSON-LD from CSL-JSON records."""

from __future__ import annotations

import json

from ntsbrief import exports

ARTICLE = {"id": "chuang2006", "type": "article-journal", "title": "The United States as Global Sheriff",
           "author": [{"family": "Chuang", "given": "Janie"}],
           "container-title": "Michigan Journal of International Law",
           "issued": {"date-parts": [[2006, 3]]}, "volume": "27", "issue": "2", "page": "437-494",
           "DOI": "10.1000/x"}
BRIEF = {"id": "kaur2011", "type": "report", "title": "Responding to Protection Gaps",
         "author": [{"family": "Kaur", "given": "Manpavan"}], "publisher": "RSIS", "number": "2",
         "genre": "NTS Alert", "issued": {"date-parts": [[2011, 8]]}}


def test_ris_record():
    assert exports.ris([ARTICLE]).splitlines() == [
        "TY  - JOUR", "AU  - Chuang, Janie", "TI  - The United States as Global Sheriff",
        "JO  - Michigan Journal of International Law", "PY  - 2006", "DA  - 2006/03/", "VL  - 27", "IS  - 2",
        "DO  - 10.1000/x", "SP  - 437", "EP  - 494", "ER  - "]


def test_csl_json_is_one_record_a_line_and_reads_back():
    text = exports.csl_json([ARTICLE, BRIEF])
    assert len(text.strip().splitlines()) == 4 and json.loads(text) == [ARTICLE, BRIEF]
    assert exports.csl_json([]) == "[]\n"


def test_highwire_tags_for_a_report_and_its_references():
    tags = exports.highwire_tags(BRIEF, [ARTICLE], pdf_url="brief.pdf")
    assert tags[:6] == [("citation_title", "Responding to Protection Gaps"), ("citation_author", "Kaur, Manpavan"),
                        ("citation_publication_date", "2011/08"), ("citation_technical_report_institution", "RSIS"),
                        ("citation_technical_report_number", "2"), ("citation_pdf_url", "brief.pdf")]
    reference = dict(tags)["citation_reference"]
    assert "citation_doi=10.1000/x" in reference and "citation_firstpage=437" in reference
    assert 'content="Kaur, Manpavan"' in exports.meta_html(tags)


def test_json_ld_describes_the_report_in_its_series():
    data = exports.json_ld(BRIEF, [ARTICLE], url="https://example.org/")
    assert data["@type"] == "Report" and data["isPartOf"] == {"@type": "CreativeWorkSeries", "name": "NTS Alert"}
    assert data["citation"][0]["sameAs"] == "https://doi.org/10.1000/x"
    assert data["datePublished"] == "2011-08" and data["url"] == "https://example.org/"


def test_only_http_urls_are_linked():
    assert exports.safe_url("doi:10.1/x") == "https://doi.org/10.1/x"
    assert exports.safe_url(" https://e.org ") == "https://e.org"
    assert exports.safe_url("javascript:alert(1)") is None and exports.safe_url("file:///x") is None
