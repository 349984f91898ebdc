"""Small sites built for real with MkDocs: HTML checks and strict-mode failures."""

import re

BIB = """\
@article{chuang2006,
  author = {Chuang, Janie},
  title = {The {United States} as Global Sheriff},
  journal = {Michigan Journal of International Law},
  volume = {27}, number = {2}, pages = {437--494}, year = {2006}
}

@book{piper2005, author = {Piper, Nicola}, title = {A Problem by a Different Name?}, year = {2005},
  publisher = {IOM}, verified = {false}}

@misc{uncited, title = {Never cited here}}
"""

REGISTER = """\
interviews:
  ngo:
    interviewee: NGO practitioners
    dates: [2011-06-13, 2011-06-14]
    place: Kuala Lumpur
    private:
      names: [Zed Confidential]
      contact: zed@example.org
"""

# File order (a, b, index) differs from nav order (index, b, a).
PAGES = {
    "index.md": """
        # Home

        The brief[^intro].

        [^intro]: The home page's note.
        """,
    "b.md": """
        # Second

        As shown [@chuang2006, 490], trafficking persists[^b1]. @piper2005 [212] agrees[^b2].

        !!! note "Inside an admonition"
            See [see @piper2005, 212; also @chuang2006].

        | Source | Point |
        |---|---|
        | [-@chuang2006] | again[^b1] |

        Write to someone@example.org; `[@chuang2006]` is code.

            [@piper2005] in an indented code block

        [^b1]: A note that cites [@piper2005, 3].
        [^b2]: [interviews: ngo]
        """,
    "a.md": """
        ---
        title: Third page
        ---

        # Third

        Last page[^z].

        [^z]: Its note.
        """,
}

PLUGIN = {"bibliography": "refs.bib", "interviews": "interviews.yaml"}
NAV = [{"Home": "index.md"}, {"Second": "b.md"}, {"Third": "a.md"}]


def make(site, pages=PAGES, strict=True, **overrides):
    return site(pages, strict=strict, plugin={**PLUGIN, **overrides.pop("plugin", {})}, nav=overrides.pop("nav", NAV),
                extra_files={"refs.bib": BIB, "interviews.yaml": REGISTER, **overrides.pop("extra_files", {})},
                **overrides)


def test_clean_brief_builds_strict(site):
    built = make(site)
    assert built.returncode == 0, built.log
    assert built.warnings == []


def test_notes_numbered_across_pages_in_nav_order(site):
    built = make(site)
    home, second, third = built.html(""), built.html("b"), built.html("a")
    # Markers lead to the notes at their page's end; those lead on to the Notes page.
    assert re.findall(r'id="(noteref-[\d-]+)"><a href="([^"]+)"', home) == [("noteref-1", "#note-1")]
    assert re.findall(r'id="(noteref-[\d-]+)"', second) == ["noteref-2", "noteref-3", "noteref-2-2"]
    assert re.findall(r'id="(noteref-[\d-]+)"><a href="([^"]+)"', third) == [("noteref-4", "#note-4")]
    assert re.findall(r'<li id="note-(\d+)"', second) == ["2", "3"]
    assert '<a href="../notes/#note-4" class="ntsbrief-backref ntsbrief-to-notes"' in third
    notes = built.html("notes")
    assert re.findall(r'<li id="note-(\d+)"', notes) == ["1", "2", "3", "4"]
    assert '<a href="../b/#noteref-2" ' in notes and '<a href="../b/#noteref-2-2" ' in notes
    assert '<a href="../#noteref-1" ' in notes
    assert '<a href="../b/#note-2" class="ntsbrief-backref ntsbrief-to-page-notes"' in notes


def test_citations_rendered_linked_and_backlinked(site):
    built = make(site)
    second = built.html("b")
    assert ('<span class="citation" id="cite-1" data-cites="chuang2006">(<a href="../references/#ref-chuang2006" '
            'role="doc-biblioref">Chuang, 2006:490</a>)</span>') in second
    text = re.sub(r"<[^>]+>", "", second)
    assert "Piper (2005:212) agrees" in text
    assert "(see Piper, 2005:212; also Chuang, 2006)" in text  # in an admonition
    cell = re.search(r"<td>(.*?)</td>", second, re.S)  # in a table, author suppressed
    assert cell and re.sub(r"<[^>]+>", "", cell.group(1)) == "(2006)", second
    refs = built.html("references")
    assert re.findall(r'<div id="ref-([^"]+)" class="csl-entry"', refs) == ["chuang2006", "piper2005"]
    assert "uncited" not in refs  # only cited works are listed
    assert 'Second <a href="../b/#cite-1" class="ntsbrief-backref" aria-label="Second, citation a">a</a>' in refs
    # the citation inside a note links back to it at the end of its page
    assert 'href="../notes/#cite-' not in refs
    assert "†" in refs and "could not be fully verified" in refs


def test_citation_inside_a_note_and_interview_note(site):
    built = make(site)
    notes = built.html("notes")
    assert re.search(r'A note that cites <span class="citation" id="cite-\d+" data-cites="piper2005">'
                     r'\(<a href="../references/#ref-piper2005"', notes)
    assert "Personal interviews with NGO practitioners, Kuala Lumpur, 13 and 14 June 2011." in notes


def test_code_and_email_left_alone(site):
    second = make(site).html("b")
    assert "someone@example.org" in second
    assert "<code>[@chuang2006]</code>" in second
    assert "[@piper2005] in an indented code block" in second


def test_private_register_fields_never_reach_the_site(site):
    built = make(site)
    for path in (built.root / "site").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"Confidential" not in data and b"zed@example.org" not in data, path


def test_strict_failures_are_located(site):
    pages = dict(PAGES)
    pages["b.md"] = PAGES["b.md"].replace("[@chuang2006, 490]", "[@chuang206, 490]").replace(
        "[^b2]: [interviews: ngo]", "[^b2]: [interviews: ngo, nobody]\n        [^spare]: Never used.")
    pages["a.md"] = PAGES["a.md"].replace("Last page[^z]", "Last page[^y]")
    built = make(site, pages=pages)
    assert built.returncode != 0
    assert built.warnings == [  # sorted by file, then line
        "docs/a.md:7: note '[^y]' is used but not defined in this page",
        "docs/a.md:9: note '[^z]' is defined but never used",
        "docs/b.md:3: unknown citation key 'chuang206' (did you mean 'chuang2006'?)",
        "docs/b.md:17: unknown interview 'nobody' (not in interviews.yaml)",
        "docs/b.md:18: note '[^spare]' is defined but never used",
    ]
    assert "Aborted with 5 warnings in strict mode" in built.log


def test_non_strict_build_keeps_the_problem_visible(site):
    pages = {"index.md": "# Home\n\nBad [@chuang206, 490] here.\n"}
    built = make(site, pages=pages, strict=False, nav=None)
    assert built.returncode == 0
    assert '[?chuang206, 490]' in built.html("")
    assert built.warnings == ["docs/index.md:3: unknown citation key 'chuang206' (did you mean 'chuang2006'?)"]


def test_store_and_style_errors_are_located(site):
    bad_bib = BIB + "\n@book{chuang2006, title = {dup}}\n\n@article{broken, title = {oops\n"
    built = make(site, extra_files={"refs.bib": bad_bib}, plugin={"style": "chicago-authr-date"})
    assert built.returncode != 0
    assert "refs.bib:13: duplicate BibTeX key 'chuang2006' (first defined at refs.bib:1)" in built.warnings
    assert ("refs.bib:15: cannot parse this BibTeX block: Unexpectedly reached end of file. "
            "(an unclosed brace or quote?)") in built.warnings
    style_line = next(i for i, line in enumerate((built.root / "mkdocs.yml").read_text().splitlines(), 1)
                      if "style:" in line)
    assert any(w.startswith(f"mkdocs.yml:{style_line}: unknown style 'chicago-authr-date'") for w in built.warnings)


def test_configured_style_and_user_pages(site):
    pages = dict(PAGES)
    pages["sources.md"] = "# Works cited\n\nIntro text.\n\n<!-- ntsbrief:references -->\n\nAfter the list.\n"
    nav = [*NAV, {"Sources": "sources.md"}]
    built = make(site, pages=pages, nav=nav, plugin={"style": "apa", "references_page": "sources.md"})
    assert built.returncode == 0, built.log
    refs = built.html("sources")
    assert refs.index("Intro text.") < refs.index('id="ref-chuang2006"') < refs.index("After the list.")
    assert "(Chuang, 2006, p. 490)" in re.sub(r"<[^>]+>", "", built.html("b"))


def test_footnotes_extension_is_replaced(site):
    built = make(site, extensions=["footnotes", "admonition", "tables"])
    assert built.returncode == 0, built.log
    assert 'class="footnote"' not in built.html("b")
    assert 'id="noteref-2"' in built.html("b")


def test_sources_are_never_modified(site, tmp_path):
    make(site)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and "site" not in p.parts}
    from conftest import build
    build(tmp_path, strict=True)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and "site" not in p.parts
             and ".cache" not in p.parts}
    assert {p: b for p, b in before.items() if ".cache" not in p.parts} == after


def test_search_index_has_citations_and_notes_as_text(site):
    import json

    built = make(site)
    docs = json.loads((built.root / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    second = " ".join(d["text"] for d in docs if d["location"].startswith("b/"))
    assert "(Chuang, 2006:490)" in second and "Piper (2005:212)" in second
    assert "ref-chuang2006" not in second and "noteref" not in second  # words, not link markup
    notes = " ".join(d["text"] for d in docs if d["location"].startswith("notes/"))
    assert "A note that cites" in notes and "↩" not in notes  # back-links are not words
    references = " ".join(d["text"] for d in docs if d["location"].startswith("references/"))
    assert "Global Sheriff" in references and "Cited in" not in references
    assert "Cited in" in built.html("references")
    assert not any(d["location"].startswith("full-text/") for d in docs)  # its text is the other pages'
    assert 'id="cite-1"' in built.html("b")  # readers still get the links
