"""The ``ntsbrief`` command: check, new-section, fmt — output and exit codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import write_site

BIB = """\
% the store
@article{chuang2006,
  author = {Chuang, Janie},
  title = {Global Sheriff},
  journal = {Michigan Journal of International Law},
  year = {2006}
}

@book{uncited2001, author = {Nobody, A.}, title = {Never cited}, publisher = {X}, year = {2001}}
"""


def run(root: Path, *args: str):
    result = subprocess.run([sys.executable, "-m", "ntsbrief.cli", *args], capture_output=True, text=True, cwd=root,
                            check=False, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert "Traceback" not in result.stderr, result.stderr
    return result


def project(tmp_path, pages=None, bib=BIB, nav=None):
    pages = pages or {"index.md": "# Home\n\nAs argued [@chuang2006, 490].[^n]\n\n[^n]: A note.\n"}
    # A site_url, as a published brief has (without it check warns: test_check_warns_without_site_url).
    write_site(tmp_path, pages, plugin={"bibliography": "refs.bib"}, nav=nav, extra_files={"refs.bib": bib},
               config_extra={"site_url": "https://example.org/brief/"})
    return tmp_path


def test_check_clean_brief(tmp_path):
    result = run(project(tmp_path), "check")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "refs.bib:9: warning: entry 'uncited2001' is not cited in this brief",
        "0 error(s), 1 warning(s)",
    ]


def test_check_warns_without_site_url(tmp_path):
    """Without site_url there is no canonical URL and citation_pdf_url cannot be
    absolute: a warning (exit 0), naming both reasons."""
    root = project(tmp_path)
    (root / "mkdocs.yml").write_text((root / "mkdocs.yml").read_text(encoding="utf-8").replace(
        "site_url: https://example.org/brief/\n", ""), encoding="utf-8")
    result = run(root, "check")
    assert result.returncode == 0
    warning = next(line for line in result.stdout.splitlines() if "site_url" in line)
    assert warning.startswith("mkdocs.yml: warning: site_url is not set")
    assert "canonical URL" in warning and "citation_pdf_url cannot be absolute" in warning


def test_check_reports_the_plugins_diagnostics(tmp_path):
    pages = {
        "index.md": "---\ntitle: Home\n---\n# Home\n\nBad [@chuang206].[^gone]\n\n[^spare]: Unused.\n",
        "other.md": "# Other\n\n[@chuang2006] fine.\n",
    }
    bib = BIB + "\n@article{chuang2006, title = {dup}}\n@article{nofields, title = {T}}\n"
    root = project(tmp_path, pages=pages, bib=bib, nav=["index.md", "other.md", "missing.md"])
    result = run(root, "check")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "docs/index.md:6: note '[^gone]' is used but not defined in this page",
        "docs/index.md:6: unknown citation key 'chuang206' (did you mean 'chuang2006'?)",
        "docs/index.md:8: note '[^spare]' is defined but never used",
        "mkdocs.yml:15: nav entry 'missing.md' names a file that does not exist in docs/",
        "refs.bib:9: warning: entry 'uncited2001' is not cited in this brief",
        "refs.bib:11: duplicate BibTeX key 'chuang2006' (first defined at refs.bib:2)",
        "refs.bib:12: entry 'nofields' (@article) lacks required field(s): author, journal or journaltitle, "
        "year or date",
        "refs.bib:12: warning: entry 'nofields' is not cited in this brief",
        "6 error(s), 2 warning(s)",
    ]
    data = json.loads(run(root, "check", "--format", "json").stdout)
    assert (data["errors"], data["warnings"]) == (6, 2)
    assert data["diagnostics"][0] == {"path": "docs/index.md", "line": 6, "severity": "error",
                                      "message": "note '[^gone]' is used but not defined in this page"}


def test_check_without_the_plugin_or_config(tmp_path):
    result = run(tmp_path, "check")
    assert result.returncode == 2 and "mkdocs.yml: not found" in result.stderr
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    (tmp_path / "docs").mkdir()
    result = run(tmp_path, "check")
    assert result.returncode == 2 and "plugin is not configured" in result.stderr


def test_new_section_adds_file_and_nav_entry_only(tmp_path):
    root = project(tmp_path, nav=["index.md", {"Notes": "notes.md"}, {"References": "references.md"}])
    config = root / "mkdocs.yml"
    before = config.read_text(encoding="utf-8")
    result = run(root, "new-section", "Debt Bondage: A Case")
    assert result.returncode == 0, result.stderr
    created = (root / "docs" / "debt-bondage-a-case.md").read_text(encoding="utf-8")
    assert created.startswith('---\ntitle: "Debt Bondage: A Case"\n---\n\n# Debt Bondage: A Case\n')
    after = config.read_text(encoding="utf-8")
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ['- "Debt Bondage: A Case": debt-bondage-a-case.md']
    assert after.index("debt-bondage-a-case.md") < after.index("notes.md")  # before the generated pages
    assert after.replace('- "Debt Bondage: A Case": debt-bondage-a-case.md\n', "") == before
    assert run(root, "check").returncode == 0  # the new page is valid as created
    again = run(root, "new-section", "Debt Bondage: A Case")  # the same title: another file, nothing overwritten
    assert again.returncode == 0 and "created docs/debt-bondage-a-case-2.md" in again.stdout
    assert (root / "docs" / "debt-bondage-a-case.md").read_text(encoding="utf-8") == created


@pytest.mark.parametrize("title, name", [
    ("Buôn bán người ở Sabah", "buon-ban-nguoi-o-sabah.md"),  # Vietnamese
    ("人口贩卖问题", "ren-kou-fan-mai-wen-ti.md"),  # Chinese
    ("الاتجار بالبشر", "ltjr-blbshr.md"),  # Arabic
    ("हिन्दी अनुभाग", "hindii-anubhaag.md"),  # Devanagari: vowel signs kept in the reading
    ("Ελληνικά", "ellenika.md"),
    ("🙂", "section.md"),  # no letters at all
])
def test_new_section_names_a_title_in_any_script(tmp_path, title, name):
    root = project(tmp_path, nav=["index.md", {"Notes": "notes.md"}])
    result = run(root, "new-section", title)
    assert result.returncode == 0, result.stderr
    created = (root / "docs" / name).read_text(encoding="utf-8")
    assert f"\n# {title}\n" in created
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    assert {title: name} in config["nav"]  # the nav keeps the title in its script
    assert run(root, "check").returncode == 0


def test_new_section_never_fails_on_titles_that_slug_alike(tmp_path):
    root = project(tmp_path, nav=["index.md", {"Notes": "notes.md"}, {"Full": "full-text.md"}])
    (root / "docs" / "Trafficking.md").write_text("# Mine\n", encoding="utf-8")  # another case: one file on macOS
    names = []
    for title in ("Trafficking", "Trafficking!", "trafficking?", "Notes", "Full text"):
        result = run(root, "new-section", title)
        assert result.returncode == 0, result.stderr
        names.append(result.stdout.split()[1])
    assert names == ["docs/trafficking-2.md", "docs/trafficking-3.md", "docs/trafficking-4.md", "docs/notes-2.md",
                     "docs/full-text-2.md"]
    assert (root / "docs" / "Trafficking.md").read_text(encoding="utf-8") == "# Mine\n"


def test_fmt_normalises_and_check_mode(tmp_path):
    root = project(tmp_path)
    bib = root / "refs.bib"
    original = bib.read_text(encoding="utf-8")
    check = run(root, "fmt", "--check")
    assert check.returncode == 1 and "would be reformatted" in check.stdout
    assert bib.read_text(encoding="utf-8") == original  # --check changes nothing
    assert run(root, "fmt").returncode == 0
    formatted = bib.read_text(encoding="utf-8")
    assert formatted.startswith("% the store\n")
    assert "@book{uncited2001,\n  author = {Nobody, A.},\n  title = {Never cited},\n" in formatted
    assert run(root, "fmt", "--check").returncode == 0


def test_fmt_leaves_an_unparseable_file_untouched(tmp_path):
    root = project(tmp_path, bib=BIB + "\n@article{broken, title = {oops\n")
    before = (root / "refs.bib").read_bytes()
    result = run(root, "fmt")
    assert result.returncode == 1
    assert "refs.bib:11: cannot parse this block; the file was left as it is" in result.stdout
    assert (root / "refs.bib").read_bytes() == before


def test_fmt_names_a_duplicate_key_and_prints_project_paths(tmp_path):
    root = project(tmp_path, bib=BIB + "\n@book{chuang2006, author = {Other}, title = {T}, year = {2001}}\n")
    (root / "citations").mkdir()
    (root / "refs.bib").rename(root / "citations" / "refs.bib")
    before = (root / "citations" / "refs.bib").read_bytes()
    result = run(root, "fmt", str(root / "citations" / "refs.bib"))
    assert result.returncode == 1
    assert result.stdout.strip() == ("citations/refs.bib:11: duplicate BibTeX key 'chuang2006' (first defined at "
                                     "line 2); the file was left as it is")
    assert (root / "citations" / "refs.bib").read_bytes() == before


def test_fmt_refuses_a_file_that_is_not_utf8(tmp_path):
    root = project(tmp_path, bib=BIB)
    (root / "refs.bib").write_bytes(BIB.encode() + "@book{x, title = {Caf\u00e9}, year = 2000}\n".encode("latin-1"))
    before = (root / "refs.bib").read_bytes()
    result = run(root, "fmt")
    assert result.returncode == 1 and result.stdout.startswith("refs.bib:10: not UTF-8 text"), result.stdout
    assert (root / "refs.bib").read_bytes() == before


def test_check_reads_every_entry_as_pandoc_does(tmp_path):
    """An entry no page cites is still read by pandoc in ``check`` (the build reads the cited ones)."""
    bad = "\n@book{broken,\n  author = {Nobody, A.}\n  title = {Oops}, publisher = {X}, year = {2001}}\n"
    result = run(project(tmp_path, bib=BIB + bad), "check")
    assert result.returncode == 1
    assert "refs.bib:13: pandoc cannot read entry 'broken': unexpected 't' (column 3)" in result.stdout, result.stdout


SAME_WORKS = BIB + """
@article{chuang_sheriff_2006,
  author = {Janie Chuang},
  title = {Global {S}heriff},
  journal = {Mich. J. Int'l L.},
  year = {2006}
}

@book{nobody2001, author = {A. Nobody}, title = {NEVER CITED}, publisher = {Y}, date = {2001-05}}
"""


def test_check_reports_one_work_under_two_keys(tmp_path):
    pages = {"index.md": "# Home\n\nAs argued [@chuang2006, 490] and [@chuang_sheriff_2006].\n"}
    result = run(project(tmp_path, pages=pages, bib=SAME_WORKS), "check")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "refs.bib:9: warning: entry 'uncited2001' is not cited in this brief",
        "refs.bib:11: 'chuang_sheriff_2006' is the same work as 'chuang2006' (line 2): "
        "same title, year and first author; cite one key and delete the other",
        "refs.bib:18: warning: 'nobody2001' is the same work as 'uncited2001' (line 9): "
        "same title, year and first author; keep one key and delete the other",
        "refs.bib:18: warning: entry 'nobody2001' is not cited in this brief",
        "1 error(s), 3 warning(s)",
    ]
    # Citing one copy only: the store still holds two, which check reports as a warning.
    (tmp_path / "docs" / "index.md").write_text("# Home\n\nAs argued [@chuang2006, 490].\n", encoding="utf-8")
    result = run(tmp_path, "check")
    assert result.returncode == 0
    assert ("refs.bib:11: warning: 'chuang_sheriff_2006' is the same work as 'chuang2006' (line 2): "
            "same title, year and first author; keep one key and delete the other") in result.stdout.splitlines()


def test_check_names_the_other_file_of_a_copy(tmp_path):
    root = project(tmp_path, pages={"index.md": "# Home\n\n[@chuang2006] and [@copy].\n"})
    (root / "more.bib").write_text("@article{copy, author = {Chuang, J.}, title = {Global sheriff}, journal = {M},"
                                   " year = {2006}, doi = {10.1/z}}\n", encoding="utf-8")
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(config.replace("bibliography: refs.bib", "bibliography: [refs.bib, more.bib]"),
                                     encoding="utf-8")
    result = run(root, "check")
    assert ("more.bib:1: 'copy' is the same work as 'chuang2006' (refs.bib:2): same title, year and first author; "
            "cite one key and delete the other") in result.stdout.splitlines()


def test_check_suggests_note_labels_and_interview_ids(tmp_path):
    pages = {"index.md": "# Home\n\nA claim.[^lable] Fieldwork.[^who]\n\n[^label]: A note.\n"
                         "[^who]: [interviews: ngo-13, legal-14]\n"}
    register = ("interviews:\n  ngo-13-14: {interviewee: NGO practitioners, date: 2011-06-13}\n"
                "  legal-14: {interviewee: a lawyer, date: 2011-06-14}\n")
    write_site(tmp_path, pages, plugin={"bibliography": "refs.bib", "interviews": "interviews.yaml"},
               extra_files={"refs.bib": BIB, "interviews.yaml": register})
    assert run(tmp_path, "check").stdout.splitlines()[:3] == [
        "docs/index.md:3: note '[^lable]' is used but not defined in this page (did you mean '[^label]'?)",
        "docs/index.md:5: note '[^label]' is defined but never used",
        "docs/index.md:6: unknown interview 'ngo-13' (not in interviews.yaml; did you mean 'ngo-13-14'?)",
    ]


def test_check_reports_a_crossref_cycle_without_running_into_it(tmp_path):
    """pandoc's reader loops without end on a cycle (growing to gigabytes): check
    reports it at its line before pandoc ever sees it."""
    cycle = ("\n@incollection{a, author = {A, B}, title = {A}, crossref = {b}, year = 2001}\n"
             "@book{b, editor = {C, D}, title = {B}, crossref = {a}, year = 2001, publisher = {P}}\n")
    result = subprocess.run([sys.executable, "-m", "ntsbrief.cli", "check"], capture_output=True, text=True,
                            cwd=project(tmp_path, bib=BIB + cycle), timeout=120, check=False,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 1 and "refs.bib:11: crossref cycle a → b → a" in result.stdout, result.stdout


def test_new_section_keeps_the_line_ends_of_mkdocs_yml(tmp_path):
    """A CRLF (Windows) mkdocs.yml stays CRLF: only the new line is added, with the file's line end."""
    for ending in ("\r\n", "\n", "\r"):
        root = project(tmp_path / repr(ending), nav=["index.md", {"Notes": "notes.md"}])
        config = root / "mkdocs.yml"
        original = config.read_text(encoding="utf-8").replace("\n", ending)
        config.write_bytes(original.encode("utf-8"))
        assert run(root, "new-section", "Debt Bondage").returncode == 0
        after = config.read_bytes().decode("utf-8")
        added = f"- Debt Bondage: debt-bondage.md{ending}"
        assert added in after and after.replace(added, "", 1) == original


def test_a_note_citing_an_invalid_register_entry_points_to_it(tmp_path):
    pages = {"index.md": "# Home\n\n[@chuang2006] Fieldwork.[^who]\n\n[^who]: [interviews: ngo-13-14]\n"}
    register = "interviews:\n  ngo-13-14: {interviewee: NGO practitioners, date: 13 June 2011}\n"
    write_site(tmp_path, pages, plugin={"bibliography": "refs.bib", "interviews": "interviews.yaml"},
               extra_files={"refs.bib": BIB, "interviews.yaml": register})
    lines = run(tmp_path, "check").stdout.splitlines()
    assert "docs/index.md:5: interview 'ngo-13-14' is not valid (see the message at interviews.yaml:2)" in lines
    assert ("interviews.yaml:2: interview 'ngo-13-14': dates are written YYYY-MM-DD, e.g. 2011-06-13 "
            "(not '13 June 2011')") in lines
    assert not [line for line in lines if "not in interviews.yaml" in line]


def test_fmt_and_new_section_stop_on_a_bad_option_as_the_build_does(tmp_path):
    write_site(tmp_path, {"index.md": "# Home\n"}, plugin={"bibliography": ["refs.bib", 5]}, nav=["index.md"],
               extra_files={"refs.bib": BIB})
    for command in (["fmt"], ["new-section", "X"]):
        result = run(tmp_path, *command)
        assert result.returncode == 2
        assert result.stderr.startswith("ntsbrief: mkdocs.yml:11: option 'bibliography' must be a list of paths to "
                                        "BibTeX files, but it holds the number 5"), result.stderr
    assert not (tmp_path / "docs" / "x.md").exists()
