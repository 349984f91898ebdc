"""The ``ntsbrief`` command: check, new-section, fmt — output and exit codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

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
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert "Traceback" not in result.stderr, result.stderr
    return result


def project(tmp_path, pages=None, bib=BIB, nav=None):
    pages = pages or {"index.md": "# Home\n\nAs argued [@chuang2006, 490].[^n]\n\n[^n]: A note.\n"}
    write_site(tmp_path, pages, plugin={"bibliography": "refs.bib"}, nav=nav, extra_files={"refs.bib": bib})
    return tmp_path


def test_check_clean_brief(tmp_path):
    result = run(project(tmp_path), "check")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "refs.bib:9: warning: entry 'uncited2001' is not cited in this brief",
        "0 error(s), 1 warning(s)",
    ]


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
        "refs.bib:12: entry 'nofields' (@article) lacks required field(s): author, journal or journaltitle, year or date",
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
    again = run(root, "new-section", "Debt Bondage: A Case")
    assert again.returncode == 2 and "already exists" in again.stderr


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
