"""``mkdocs serve --dirty``: after any sequence of edits, the site on disk is
byte-identical to a clean build of the same sources.

MkDocs converts and writes only the pages whose source changed; the plugin's
session gives back the others and has every page whose output changed (shifted
note or citation numbers, a citation whose text changed) written again.

The preview runs in this process as ``mkdocs serve --dirty`` runs it (one plugin
object across builds, ``on_startup(command="serve", dirty=True)``, then
``build(config, serve_url=..., dirty=True)`` after each edit); each clean build
runs in its own process, as ``mkdocs build``.
"""

from __future__ import annotations

import gzip
import os
import random
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port, wait_for, write_site
from mkdocs.commands.build import build
from mkdocs.config import load_config

SERVE_URL = "http://127.0.0.1:8000/"

BIB = """\
@article{smith2001a, author = {Smith, Ann}, title = {Borders}, journal = {Migration Review}, year = {2001}}
@article{smith2001b, author = {Smith, Ann}, title = {Camps}, journal = {Migration Review}, year = {2001}}
@book{lee1999, author = {Lee, Chan}, title = {Trafficking in {Asia}}, publisher = {Routledge}, year = {1999}}
@article{kaur2011, author = {Kaur, Manpavan}, title = {Protection Gaps}, journal = {NTS Alert}, year = {2011}}
@report{ilo2005, author = {{International Labour Office}}, title = {A Global Alliance}, institution = {ILO},
  year = {2005}}
"""
KEYS = ["smith2001a", "smith2001b", "lee1999", "kaur2011", "ilo2005"]

PAGES = {
    "index.md": "# Home\n\nA brief on protection gaps [@kaur2011].\n",
    "one.md": ("# One\n\nTrafficking grew [@lee1999, 12].[^a]\n\nCamps were closed [@smith2001b].\n\n"
               "[^a]: See the report [@ilo2005] and the later note.[^b]\n[^b]: A note in a note.\n"),
    "two.md": "# Two [@smith2001a]\n\nBorders matter [@smith2001a; @lee1999].[^c]\n\n[^c]: As [@kaur2011] says.\n",
    "three.md": "# Three\n\nNothing cited here yet.\n\n## Later\n\nMore prose.\n",
}


class Preview:
    """``mkdocs serve --dirty`` without the server: the same plugin object, one
    dirty build per edit."""

    def __init__(self, root: Path, first_config: str | None = None):
        self.root, self.site = root, root / "preview"
        # ``mkdocs serve -f mkdocs.yml`` loads the first configuration from the file
        # it opened (its path as typed, relative), and every later one by an absolute path.
        if first_config is None:
            config = self._config()
        else:
            with open(first_config, "rb") as opened:
                config = load_config(opened, site_dir=str(self.site), site_url=SERVE_URL)
        config.plugins.on_startup(command="serve", dirty=True)
        self._plugins = config.plugins
        build(config, serve_url=SERVE_URL, dirty=True)

    def _config(self):
        return load_config(str(self.root / "mkdocs.yml"), site_dir=str(self.site), site_url=SERVE_URL)

    def build(self) -> None:
        build(self._config(), serve_url=SERVE_URL, dirty=True)

    def close(self) -> None:
        self._plugins.on_shutdown()


def clean_build(root: Path, site: Path) -> None:
    (root / "clean.yml").write_text(f"INHERIT: mkdocs.yml\nsite_url: {SERVE_URL}\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--clean", "-f", str(root / "clean.yml"),
                             "-d", str(site)], check=False, capture_output=True, text=True, cwd=root,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


def site_files(site: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        data = path.read_bytes()
        name = path.relative_to(site).as_posix()
        if name.endswith(".gz"):  # the gzip header holds a time
            data = gzip.decompress(data)
        files[name] = data
    return files


def differences(preview: Path, clean: Path) -> list[str]:
    ours, theirs = site_files(preview), site_files(clean)
    found = [f"only in the preview: {name}" for name in ours.keys() - theirs.keys()]
    found += [f"only in the clean build: {name}" for name in theirs.keys() - ours.keys()]
    for name in sorted(ours.keys() & theirs.keys()):
        if ours[name] != theirs[name]:
            a, b = ours[name].decode(errors="replace"), theirs[name].decode(errors="replace")
            at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
            found.append(f"{name} differs at {at}: preview {a[max(0, at - 80):at + 80]!r}\n"
                         f"   clean {b[max(0, at - 80):at + 80]!r}")
    return found


# ---------------------------------------------------------------- edits

def edit_prose(text: str, rng: random.Random) -> str:
    return text.replace("\n\n", f"\n\nProse {rng.randrange(1000)}.\n\n", 1)


def add_citation(text: str, rng: random.Random) -> str:
    key = rng.choice(KEYS)
    lines = text.split("\n")
    spots = [i for i, line in enumerate(lines) if line and not line.startswith(("#", "[^"))]
    at = rng.choice(spots)
    lines[at] += f" As shown [@{key}, {rng.randrange(1, 99)}]."
    return "\n".join(lines)


def remove_citation(text: str, rng: random.Random) -> str:
    found = list(re.finditer(r" ?\[@[^\]]*\]", text))
    if not found:
        return add_citation(text, rng)
    chosen = rng.choice(found)
    return text[: chosen.start()] + text[chosen.end():]


def add_note(text: str, rng: random.Random) -> str:
    label = f"n{rng.randrange(10_000)}"
    lines = text.split("\n")
    spots = [i for i, line in enumerate(lines) if line and not line.startswith(("#", "[^"))]
    at = rng.choice(spots)
    lines[at] += f"[^{label}]"
    cite = f" [@{rng.choice(KEYS)}]" if rng.random() < 0.5 else ""
    return "\n".join(lines).rstrip("\n") + f"\n\n[^{label}]: A new note{cite}.\n"


def remove_note(text: str, rng: random.Random) -> str:
    labels = re.findall(r"^\[\^(\w+)\]:", text, re.MULTILINE)
    if not labels:
        return add_note(text, rng)
    label = rng.choice(labels)
    text = re.sub(rf"^\[\^{label}\]:.*\n?", "", text, flags=re.MULTILINE)
    return text.replace(f"[^{label}]", "")


def reword_note(text: str, rng: random.Random) -> str:
    """Only a note's text changes: the page's converted text does not (its notes end it)."""
    labels = re.findall(r"^\[\^(\w+)\]:", text, re.MULTILINE)
    if not labels:
        return add_note(text, rng)
    label = rng.choice(labels)
    return re.sub(rf"^(\[\^{label}\]:)", rf"\1 Reworded {rng.randrange(1000)}.", text, count=1, flags=re.MULTILINE)


def retitle(text: str, rng: random.Random) -> str:
    return re.sub(r"^# (.*)$", lambda m: f"# {m.group(1).split(' (')[0]} ({rng.randrange(100)})", text, count=1,
                  flags=re.MULTILINE)


PAGE_EDITS = [edit_prose, add_citation, remove_citation, add_note, remove_note, reword_note, retitle]


def edit_store(root: Path, rng: random.Random) -> str:
    path = root / "refs.bib"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"title = \{Camps[^}]*\}", f"title = {{Camps {rng.randrange(100)}}}", text),
                    encoding="utf-8")
    return "refs.bib: a title changed"


def random_edit(root: Path, rng: random.Random) -> str:
    if rng.random() < 0.1:
        return edit_store(root, rng)
    page = rng.choice(sorted(PAGES))
    edit = rng.choice(PAGE_EDITS)
    path = root / "docs" / page
    path.write_text(edit(path.read_text(encoding="utf-8"), rng), encoding="utf-8")
    return f"{page}: {edit.__name__}"


@pytest.mark.parametrize("seed", [1, 2])
def test_any_sequence_of_dirty_preview_edits_gives_the_clean_site(tmp_path, seed):
    # The PDF typeset at every rebuild: it too must be the clean build's.
    write_site(tmp_path, PAGES, extra_files={"refs.bib": BIB},
               plugin={"bibliography": "refs.bib", "brief_entry": "kaur2011", "pdf_in_preview": True},
               extensions=["admonition", "tables", "attr_list", {"toc": {"permalink": True}}])
    rng = random.Random(seed)
    preview = Preview(tmp_path)
    try:
        done = []
        for step in range(7):
            done.append(random_edit(tmp_path, rng))
            preview.build()
            clean_build(tmp_path, tmp_path / f"clean{step}")
            found = differences(preview.site, tmp_path / f"clean{step}")
            assert not found, "after " + " → ".join(done) + ":\n" + "\n".join(found[:6])
    finally:
        preview.close()


def test_a_reworded_note_changes_its_page_and_the_notes_page_as_a_clean_build(tmp_path):
    """A page's notes end it, but are not in its converted text: rewording one
    (with margin notes on) must still reach the page, as in a clean build."""
    write_site(tmp_path, PAGES, extra_files={"refs.bib": BIB},  # the PDF too, typeset at each rebuild
               plugin={"bibliography": "refs.bib", "margin_notes": True, "pdf_in_preview": True})
    preview = Preview(tmp_path)
    try:
        page = tmp_path / "docs" / "one.md"
        for words in ("First words", "Second words"):
            page.write_text(re.sub(r"^\[\^b\]: .*$", f"[^b]: {words}.", page.read_text(encoding="utf-8"),
                                   flags=re.MULTILINE), encoding="utf-8")
            preview.build()
            for shown in ("one/index.html", "notes/index.html"):
                assert f"{words}." in (preview.site / shown).read_text(encoding="utf-8"), shown
            assert "data-ntsbrief-margin-notes" in (preview.site / "one/index.html").read_text(encoding="utf-8")
            clean_build(tmp_path, tmp_path / "clean")
            found = differences(preview.site, tmp_path / "clean")
            assert not found, "\n".join(found[:6])
    finally:
        preview.close()


@pytest.mark.parametrize("first_config", [None, "mkdocs.yml"], ids=["absolute", "relative then absolute"])
def test_a_dirty_preview_converts_only_the_edited_page(tmp_path, monkeypatch, first_config):
    """The point of --dirty: a prose edit converts one page, not every page (also
    the first edit after serve's own first build)."""
    write_site(tmp_path, PAGES, extra_files={"refs.bib": BIB}, plugin={"bibliography": "refs.bib"})
    monkeypatch.chdir(tmp_path)
    preview = Preview(tmp_path, first_config)
    try:
        built = {path: path.stat().st_mtime_ns for path in preview.site.rglob("*.html")}
        page = tmp_path / "docs" / "three.md"
        page.write_text(page.read_text(encoding="utf-8").replace("More prose.", "Other prose."), encoding="utf-8")
        preview.build()
        rewritten = sorted(path.relative_to(preview.site).as_posix() for path in built
                           if path.stat().st_mtime_ns != built[path])
        # The edited page, and the pages MkDocs always builds: generated ones and the theme's.
        assert rewritten == ["404.html", "full-text/index.html", "notes/index.html", "references/index.html",
                             "three/index.html"]
    finally:
        preview.close()


def test_a_real_dirty_preview_renumbers_later_pages_and_says_so_once(tmp_path):
    """``mkdocs serve --dirty`` as a process: a note added to the first page
    renumbers the notes of a later page the preview did not convert again, and
    MkDocs' warning at each dirty build is replaced by one line of information."""
    write_site(tmp_path, PAGES, extra_files={"refs.bib": BIB}, plugin={"bibliography": "refs.bib"},
               nav=["index.md", "one.md", "two.md", "three.md"])
    port = free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dirty", "-a", f"127.0.0.1:{port}"],
                                  cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                                  env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    try:
        def page(path):
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=2).read().decode()
            except OSError:
                return ""

        assert wait_for(lambda: 'href="../notes/#note-3"' in page("two/")), log_path.read_text()
        time.sleep(1.5)  # the watcher's first snapshot
        index = tmp_path / "docs" / "index.md"
        index.write_text(index.read_text(encoding="utf-8") + "\nA new note.[^new]\n\n[^new]: New.\n", encoding="utf-8")
        assert wait_for(lambda: 'href="../notes/#note-4"' in page("two/")), log_path.read_text()
        text = log_path.read_text()
        assert "dirty' build is being performed" not in text
        assert text.count("--dirty: each rebuild converts only the pages you changed") == 1
    finally:
        server.terminate()
        server.wait(timeout=10)
