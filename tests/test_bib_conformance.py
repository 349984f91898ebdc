"""BibTeX conformance (issue 13): ntsbrief's formatting against pandoc run directly on the same .bib.

Real .bib files by others (``tests/bibconformance/data``, recorded in
``SOURCES.md``) are formatted in three styles by ``pandoc --citeproc
--bibliography=FILE.bib`` and by ntsbrief's store and formatter, with the same
clusters; every entry of the reference list and every cluster must come out
identical, but for the rows of ``bibconformance/known.py``.

For the full report, every difference with both HTML strings:
``cd tests && ../.venv/bin/python -m bibconformance.compare``.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from bibconformance import compare, known

SOURCES = (compare.HERE / "SOURCES.md").read_text(encoding="utf-8")
LICENCES = {"CC-BY-4.0", "CC0-1.0", "MIT", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "LPPL-1.3c"}


@pytest.fixture(scope="module")
def outcome(tmp_path_factory) -> compare.Run:
    return compare.run(work=tmp_path_factory.mktemp("bibconformance"))


def test_corpus_is_real_recorded_and_large_enough():
    rows = [line for line in SOURCES.splitlines() if line.startswith("| `")]
    recorded = {re.match(r"\| `([^`]+)`", line).group(1): line for line in rows}
    files = compare.bib_files()
    assert sorted(recorded) == sorted(path.name for path in files)
    entries = 0
    for line in rows:
        cells = [cell.strip(" `") for cell in line.split("|")[1:-1]]
        name, commit, licence, count = cells[0], cells[3], cells[4], cells[6]
        assert re.fullmatch(r"[0-9a-f]{40}", commit), line
        assert licence in LICENCES, line
        text = (compare.DATA / name).read_text(encoding="utf-8-sig")
        blocks = len(re.findall(r"^[ \t]*@(?!string\b|preamble\b|comment\b)\w+[ \t]*[{(]", text,
                                flags=re.MULTILINE | re.IGNORECASE))
        assert int(count) == blocks, f"{name}: SOURCES.md says {count} entries, the file has {blocks}"
        entries += blocks
    assert len(files) >= 5 and entries >= 1000
    assert sum(path.stat().st_size for path in files) < 3_000_000


def test_pandoc_direct_lists_every_compared_entry(outcome):
    """The comparison is real: pandoc ran on each file and formatted every compared work."""
    for result in outcome.results:
        prepared = outcome.prepared[result.file]
        assert result.pandoc_entries == len(prepared.cited), result.file
        assert result.clusters == len(prepared.clusters)
        assert not [w for w in result.pandoc_warnings if "not found" in w], result.file
    assert sum(len(p.cited) for p in outcome.prepared.values()) >= 1000


def _summary(differences: list[compare.Difference], stale: list[known.Known]) -> str:
    lines = [f"{len(differences)} unexpected difference(s):"]
    for (kind, cause), count in Counter((d.kind, d.cause) for d in differences).most_common():
        example = next(d for d in differences if (d.kind, d.cause) == (kind, cause))
        lines.append(f"  {count:5} {kind:7} {cause}\n"
                     f"        e.g. {example.file} {example.key!r}{': ' + example.detail if example.detail else ''}\n"
                     f"          pandoc  : {(example.pandoc or '')[:300]}\n"
                     f"          ntsbrief: {(example.ntsbrief or '')[:300]}")
    if stale:
        lines.append(f"{len(stale)} row(s) of known.py match no difference: "
                     + ", ".join(f"{row.file}:{row.key} ({row.style})" for row in stale))
    return "\n".join(lines)


@pytest.mark.parametrize("style", compare.STYLES)
def test_identical_to_pandoc_direct(outcome, style):
    differences = [d for r in outcome.results if r.style == style for d in r.differences]
    unexpected = known.unexpected(differences)
    stale = known.stale(differences, style)
    if unexpected or stale:
        pytest.fail(_summary(unexpected, stale), pytrace=False)
