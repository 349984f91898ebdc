"""The real brief's 25 notes, as published, against the Alert's own notes.

The Alert's notes are in ``tests/data/alert-source-notes.txt``, transcribed from
the source's "Notes" list (see its header). Each published note must read as the
source prints it, word for word, once the PDF's listed artefacts are repaired:
whitespace, U+037E for ";" (Unicode canonical equivalence) and the hyphens note 1
lost. Notes 2–25 are generated from the interview register, so this holds the
register (its rules, articles and wordings) to the source.
"""

import html
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE_NOTES = Path(__file__).parent / "data" / "alert-source-notes.txt"
# The hyphens the PDF text lost in the notes (all in note 1; see the data file's header).
LOST_HYPHENS = {"openended": "open-ended", "crosssection": "cross-section",
                "nonpartisan": "non-partisan", "nongovernment": "non-government"}


def source_notes() -> list[str]:
    notes = []
    for line in SOURCE_NOTES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        number, text = re.fullmatch(r"(\d+)\. (.+)", line).groups()
        assert int(number) == len(notes) + 1, line
        notes.append(text)
    return notes


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text)  # U+037E GREEK QUESTION MARK is ';'
    return [LOST_HYPHENS.get(word, word) for word in text.split()]


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> list[str]:
    site = tmp_path_factory.mktemp("alert") / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    notes = _notes_of(site / "notes" / "index.html")
    assert list(notes) == list(range(1, 26))
    # Each section's own notes, at its end, read the same.
    at_the_ends = {}
    for page in sorted(site.glob("*/index.html")):
        if page.parent.name not in ("notes", "full-text"):
            at_the_ends.update(_notes_of(page))
    assert at_the_ends == notes
    return [notes[number] for number in sorted(notes)]


_BACKLINK_RE = re.compile(r'<a [^>]*class="ntsbrief-backref[^"]*"[^>]*>.*?</a>', re.DOTALL)


def _notes_of(page: Path) -> dict[int, str]:
    """The notes of a built page, by number, as text (without their links back)."""
    document = page.read_text(encoding="utf-8")
    document = document[document.index("<article"): document.index("</article>")]
    items = re.findall(r'<li id="note-(\d+)" value="\d+">(.*?)</li>', document, re.DOTALL)
    return {int(n): " ".join(html.unescape(re.sub(r"<[^>]+>", "", _BACKLINK_RE.sub("", body))).split())
            for n, body in items}


def test_the_source_has_25_notes():
    notes = source_notes()
    assert len(notes) == 25
    assert all(note.startswith("Personal interview") for note in notes[1:])


@pytest.mark.parametrize("number", range(1, 26))
def test_each_note_reads_as_the_source_prints_it(published, number):
    assert words(published[number - 1]) == words(source_notes()[number - 1])
