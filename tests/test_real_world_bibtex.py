"""A store as Zotero/Better BibTeX and JabRef export it: @string, crossref,
LaTeX accents and commands, month macros, biblatex fields, protected case."""

import html
import re
from pathlib import Path

import pytest

from ntsbrief.bibformat import format_bibtex
from ntsbrief.bibliography import Bibliography
from ntsbrief.citeproc import Formatter
from ntsbrief.pandoc_input import for_pandoc
from ntsbrief.style import resolve_style

EXPORTED = Path(__file__).parent / "data" / "exported.bib"
KEYS = ["obokata:2005:smuggling", "garcia_lopez-2010/trafficking", "editors2009", "chapter2009", "report2011"]


@pytest.fixture(scope="module")
def formatted():
    store = Bibliography.load([EXPORTED], display_root=EXPORTED.parent)
    assert list(store.diagnostics) == []
    assert list(store.entries) == KEYS
    assert all(store.missing_fields(key) == [] for key in KEYS)  # crossref supplies the booktitle
    clusters = [f"[@{{{key}}}]" for key in KEYS]
    return Formatter().format(resolve_style("ntsbrief", EXPORTED.parent), for_pandoc(store, KEYS).text, clusters)


def text(fragment):
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_citations(formatted):
    assert [text(formatted.clusters[f"[@{{{key}}}]"]) for key in KEYS] == [
        "(Obokata, 2005)", "(García López and Müller, 2010)", "(Smith and Østergaard, 2009)",
        "(Nguyen, 2009)", "(UNODC, 2011)"]


def test_entries_decode_latex_macros_and_biblatex_fields(formatted):
    obokata = text(formatted.entries["obokata:2005:smuggling"])
    assert "International Journal of Refugee Law, 17(2), pp. 394–415" in obokata  # @string macro
    garcia = text(formatted.entries["garcia_lopez-2010/trafficking"])
    assert garcia.startswith("García López, J. and Müller, J. (2010)")
    assert "Trafficking & Protection in Southeast Asia: The ASEAN Case" in garcia  # \& and {protected case}
    assert "Journal of Migration Studies" in garcia  # journaltitle
    assert "https://example.org/article?id=1&lang=en" in garcia
    assert "Oxford: Clarendon Press" in text(formatted.entries["editors2009"])  # location
    chapter = text(formatted.entries["chapter2009"])
    assert "Human Trafficking in Context" in chapter and "pp. 45–67" in chapter  # inherited by crossref
    assert "Global Report on Trafficking in Persons" in text(formatted.entries["report2011"])


def test_fmt_keeps_every_field_and_comment():
    original = EXPORTED.read_text(encoding="utf-8")
    normalised, problems = format_bibtex(original, "exported.bib")
    assert list(problems) == []
    assert format_bibtex(normalised, "exported.bib")[0] == normalised  # idempotent
    for written in original.splitlines():
        line = written.strip().rstrip(",")
        if line and line != "}":
            assert line in normalised, line
    keys = re.findall(r"^@(?!string|comment|preamble)\w+\{([^,\n]+),", normalised, re.MULTILINE)
    assert keys == sorted(KEYS, key=str.lower)


def test_entries_converted_one_by_one_read_as_in_one_file(tmp_path, monkeypatch):
    """CSL-JSON per entry (with its macros and crossref parent) is what one conversion
    of the whole file gives, and a later conversion reads only the entries it lacks."""
    from ntsbrief import citeproc

    store = Bibliography.load([EXPORTED], display_root=EXPORTED.parent)
    whole = Formatter().csl_items(for_pandoc(store, KEYS).text)
    converted = []
    run = citeproc._run

    def counting(command, stdin):
        if "--from=biblatex" in command:
            converted.append(re.findall(r"^@(?!string)\w+\{([^,]+),", stdin, re.MULTILINE | re.IGNORECASE))
        return run(command, stdin)

    monkeypatch.setattr(citeproc, "_run", counting)
    formatter = Formatter(tmp_path / "cache")
    by_entry = formatter.csl_items(for_pandoc(store, KEYS[:3]))
    assert by_entry == [item for item in whole if item["id"] in {"obokata:2005:smuggling",
                                                                 "garcia_lopez-2010/trafficking", "editors2009"}]
    assert formatter.csl_items(for_pandoc(store, KEYS)) == whole  # the chapter inherits from its book
    assert converted == [KEYS[:3], ["chapter2009", "editors2009", "report2011"]]  # the parent comes along
