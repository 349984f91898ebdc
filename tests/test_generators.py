"""The brief under other site generators (issue 17).

- ProperDocs (a maintained MkDocs 1.x continuation, the fallback if MkDocs breaks)
  builds the repository's brief into the same site as MkDocs: only the generator
  tag may differ.
- A generator that does not run the plugin (MkDocs with the plugin left out here;
  Zensical where it is installed) still has every page the nav links to, because
  the generated pages exist as placeholder files in the docs folder, and those
  pages say that the brief was built without ntsbrief.
- A placeholder the editor wrote in is never replaced silently.
"""

from __future__ import annotations

import filecmp
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import build, write_site
from test_cli import run
from test_hardening_site import SITE_URL, broken_links

from ntsbrief import render
from ntsbrief.placeholders import editor_text_line, placeholder_file

ROOT = Path(__file__).resolve().parents[1]
NOTICE = "This brief was built without ntsbrief"
GENERATED = {"notes": ("Notes", render.NOTES_MARKER), "references": ("References", render.REFERENCES_MARKER),
             "full-text": ("Full text", render.FULL_TEXT_MARKER)}
GENERATOR_TAG = re.compile(r'<meta name="generator" content="[^"]*">')


def _copy_brief(to: Path, plugin: bool = True) -> Path:
    """The repository's brief (configuration, sections, store) in ``to``; without the plugin if asked."""
    to.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "content", to / "content")
    shutil.copytree(ROOT / "citations", to / "citations")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))  # it uses no custom tags
    config["site_url"] = SITE_URL  # where the link check takes 404.html's absolute links to be
    if not plugin:
        config["plugins"] = [p for p in config["plugins"] if not (isinstance(p, dict) and "ntsbrief" in p)]
    (to / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return to


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _mkdocs_build(root: Path, site: str = "site", strict: bool = True) -> tuple[Path, str]:
    """Build the brief (strict: no -q, which would hide warnings from the strict count); the site and the log."""
    result = _run([sys.executable, "-m", "mkdocs", "build", *(["--strict"] if strict else []), "-d", site], root)
    return root / site, result.stdout + result.stderr


# ------------------------------------------------------------- placeholders


@pytest.mark.parametrize("page", sorted(GENERATED))
def test_the_placeholder_files_are_ntsbriefs_own(page):
    """content/notes.md etc. are exactly what ntsbrief would write (so the plugin
    recognises and replaces them): a changed wording changes them too."""
    title, marker = GENERATED[page]
    assert (ROOT / "content" / f"{page}.md").read_text(encoding="utf-8") == placeholder_file(title, marker)
    assert editor_text_line(placeholder_file(title, marker)) is None


def test_an_editors_line_in_a_placeholder_is_found():
    text = placeholder_file("Notes", render.NOTES_MARKER)
    assert editor_text_line(text.replace("# Notes\n", "# Notes\n\nMy introduction to the notes.\n")) == 7
    assert editor_text_line(text + "\nAfter the notice.\n") == text.count("\n") + 2
    assert editor_text_line(text.replace("\n", "\r\n")) is None  # saved on Windows


def test_the_plugin_replaces_the_placeholders_whole(tmp_path):
    site, _ = _mkdocs_build(_copy_brief(tmp_path))
    for page in GENERATED:
        built = (site / page / "index.html").read_text(encoding="utf-8")
        assert NOTICE not in built and "ntsbrief:placeholder" not in built
    assert 'id="note-1"' in (site / "notes" / "index.html").read_text(encoding="utf-8")


def test_a_placeholder_the_editor_wrote_in_stops_the_build_at_their_line(tmp_path):
    pages = {"index.md": "# Home\n\nText.\n",
             "notes.md": placeholder_file("Notes", render.NOTES_MARKER).replace(
                 "# Notes\n", "# Notes\n\nWhat these notes are.\n")}
    root = write_site(tmp_path, pages)
    built = build(root)
    assert built.returncode == 1
    assert "docs/notes.md:7: this file is the placeholder of a page ntsbrief generates" in built.log
    assert "What these notes are." in (root / "docs" / "notes.md").read_text(encoding="utf-8")  # never lost
    checked = run(root, "check")  # the same message, without building
    assert checked.returncode == 1 and "docs/notes.md:7: this file is the placeholder" in checked.stdout


# ----------------------------------------------------- without the plugin


def test_a_build_without_the_plugin_has_working_links_and_says_so(tmp_path):
    root = _copy_brief(tmp_path, plugin=False)
    _mkdocs_build(root)
    assert broken_links(root) == []
    for page, (title, _) in GENERATED.items():
        built = (root / "site" / page / "index.html").read_text(encoding="utf-8")
        assert NOTICE in built and re.search(rf"<h1[^>]*>{title}<", built), page


def test_without_the_placeholder_files_such_a_build_would_break_links(tmp_path):
    """What the placeholders prevent (the check above can fail)."""
    root = _copy_brief(tmp_path, plugin=False)
    for page in GENERATED:
        (root / "content" / f"{page}.md").unlink()
    _, log = _mkdocs_build(root, strict=False)  # a nav entry to a missing file: a warning, which --strict fails
    assert "A reference to 'notes.md' is included in the 'nav' configuration" in log
    assert not (root / "site" / "notes" / "index.html").exists()
    assert "conclusion/index.html: ../references.md (no file)" in broken_links(root)


ZENSICAL = os.environ.get("NTSBRIEF_ZENSICAL") or shutil.which("zensical")


@pytest.mark.skipif(not ZENSICAL, reason="Zensical is not installed: it is kept out of the test extra (its 0.1 "
                                         "releases need a zensical-ui package the index may not have, and it brings "
                                         "its own Markdown stack); install it in a venv of its own and set "
                                         "NTSBRIEF_ZENSICAL to its 'zensical' command to run this test")
def test_zensical_ignores_the_plugin_and_the_brief_says_so(tmp_path):
    root = _copy_brief(tmp_path)  # as it is: Zensical reads mkdocs.yml and skips the plugin
    _run([str(ZENSICAL), "build", "-f", "mkdocs.yml"], root)
    # Zensical's theme (0.0.60) gives its 404 page a "skip to content" link to an anchor it lacks.
    assert [link for link in broken_links(root) if link != "404.html: #__skip (no id '__skip')"] == []
    for page in GENERATED:
        assert NOTICE in (root / "site" / page / "index.html").read_text(encoding="utf-8"), page


# ------------------------------------------------------------- ProperDocs


@pytest.mark.skipif(importlib.util.find_spec("properdocs") is None,
                    reason="ProperDocs is not installed (it is in the test extra: pip install -c constraints.txt "
                           "-e '.[test]')")
def test_properdocs_builds_the_same_site_as_mkdocs(tmp_path):
    """The fallback generator (README, "If MkDocs breaks"): every file of the site
    the same, but for the generator tag of each page."""
    root = _copy_brief(tmp_path)
    _mkdocs_build(root, "site-mkdocs")
    _run([sys.executable, "-m", "properdocs", "build", "--strict", "-d", "site-properdocs"], root)
    one, other = root / "site-mkdocs", root / "site-properdocs"
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(other) for p in other.rglob("*") if p.is_file())
    differing = [f for f in files if not filecmp.cmp(one / f, other / f, shallow=False)]
    tags = set()
    for name in differing:
        assert name.suffix == ".html", name
        mine, theirs = ((site / name).read_text(encoding="utf-8") for site in (one, other))
        assert GENERATOR_TAG.sub("", mine) == GENERATOR_TAG.sub("", theirs), name
        tags.add(GENERATOR_TAG.search(theirs).group(0))  # type: ignore[union-attr]
    assert Path("notes/index.html") in differing  # the comparison compared something
    assert all("ProperDocs" in tag for tag in tags), tags
