"""ntsbrief's reading of a document compared with pandoc's, cluster by cluster.

A cluster is compared by its works (keys, in order), their modes, and the
text of each prefix and suffix. pandoc's affixes are its inlines as plain text
(``pandoc_reading.stringify``); ntsbrief's are the Markdown it sends to
pandoc, so they are read by pandoc too (one run per document) and compared as
the same plain text: what a reader sees in the formatted citation.

The two lists are aligned (``difflib``); whatever does not match is a
disagreement, unless ``dialect.py`` expects it for that document.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from conformance import ntsbrief_reading, pandoc_reading
from conformance.dialect import EXPECTED

_OPEN, _CLOSE = "\u27e6", "\u27e7"  # brackets no Markdown rule reads: each affix stays one paragraph
_SPACES_RE = re.compile(r"\s+")


def _plain(text: str) -> str:
    return _SPACES_RE.sub(" ", text).strip()


def _read_affixes(affixes: list[str]) -> list[str]:
    """Each affix (pandoc Markdown) as pandoc prints it in plain text."""
    if not affixes:
        return []
    document = "\n\n".join(f"{_OPEN}{_SPACES_RE.sub(' ', affix)}{_CLOSE}" for affix in affixes)
    blocks = pandoc_reading.read(document)["blocks"]
    texts = [pandoc_reading.stringify(block["c"]) for block in blocks]
    if len(texts) != len(affixes):
        raise AssertionError(f"affixes read as {len(texts)} blocks, not {len(affixes)}: {affixes!r}")
    return [_plain(text.removeprefix(_OPEN).removesuffix(_CLOSE)) for text in texts]


def signature(cluster: dict) -> tuple:
    return (tuple(cluster["keys"]), tuple(cluster["modes"]),
            tuple(cluster["prefixes"]), tuple(cluster["suffixes"]))


def describe(cluster: dict) -> str:
    parts = []
    for key, mode, prefix, suffix in zip(cluster["keys"], cluster["modes"], cluster["prefixes"], cluster["suffixes"],
                                         strict=True):
        mark = {"AuthorInText": "@", "NormalCitation": "@", "SuppressAuthor": "-@"}[mode]
        intext = "(in-text)" if mode == "AuthorInText" else ""
        parts.append(f"{prefix + ' ' if prefix else ''}{mark}{key}{intext}{' |' + suffix if suffix else ''}")
    return "[" + "; ".join(parts) + "]"


def pandoc_side(page: str) -> list[dict]:
    """pandoc's clusters of the page that ntsbrief should read alike: not those
    nested in another's affix (kept as text in that affix, on both sides), not
    a figure caption's second reading as the image's alt text."""
    found = []
    for cluster in pandoc_reading.clusters(pandoc_reading.read(page)):
        context = cluster["context"]
        if "Cite" in context or ("Figure" in context and "Image" in context):
            continue
        found.append({**cluster, "prefixes": [_plain(p) for p in cluster["prefixes"]],
                      "suffixes": [_plain(s) for s in cluster["suffixes"]]})
    return found


def ntsbrief_side(page: str) -> list[dict]:
    found = ntsbrief_reading.clusters(page)
    affixes = [affix for cluster in found for affix in cluster["prefixes"] + cluster["suffixes"]]
    plain = iter(_read_affixes(affixes))
    for cluster in found:
        cluster["prefixes"] = [next(plain) for _ in cluster["prefixes"]]
        cluster["suffixes"] = [next(plain) for _ in cluster["suffixes"]]
    return found


@dataclass
class Report:
    name: str
    ours: list[dict]
    theirs: list[dict]
    # (ours, theirs): clusters that differ, or are read by one side only (the other empty)
    differences: list[tuple[list[dict], list[dict]]] = field(default_factory=list)

    @property
    def agreed(self) -> int:
        return len(self.theirs) - sum(len(theirs) for _, theirs in self.differences)

    def unexpected(self) -> list[tuple[list[dict], list[dict]]]:
        """Differences ``dialect.EXPECTED`` does not list for this document."""
        allowed = Counter(text for _, text in EXPECTED.get(self.name, []))
        found = []
        for ours, theirs in self.differences:
            key = key_of(ours, theirs)
            if allowed[key]:
                allowed[key] -= 1
            else:
                found.append((ours, theirs))
        return found

    def unseen(self) -> list[str]:
        """Expected differences that did not occur (the list must stay exact)."""
        left = Counter(text for _, text in EXPECTED.get(self.name, []))
        left.subtract(key_of(ours, theirs) for ours, theirs in self.differences)
        return sorted(text for text, count in left.items() if count > 0)

    def describe(self) -> str:
        lines = [f"{self.name}: pandoc {len(self.theirs)} clusters, ntsbrief {len(self.ours)}, "
                 f"{self.agreed} agree"]
        for ours, theirs in self.differences:
            lines.append(f"  difference {key_of(ours, theirs)!r}")
            lines += [f"    pandoc:   {describe(c)}   <- {c['text']!r} {'/'.join(c['context'])}" for c in theirs]
            lines += [f"    ntsbrief: {describe(c)}   <- {c['raw']!r}" for c in ours]
        return "\n".join(lines)


def key_of(ours: list[dict], theirs: list[dict]) -> str:
    """How a difference is named in ``dialect.EXPECTED``: pandoc's source text of
    the clusters it read there (ntsbrief's where pandoc read none)."""
    if theirs:
        return " ".join(c["text"] for c in theirs)
    return " ".join(c["raw"] for c in ours)


def compare(name: str, page: str) -> Report:
    ours, theirs = ntsbrief_side(page), pandoc_side(page)
    report = Report(name, ours, theirs)
    matcher = difflib.SequenceMatcher(None, [signature(c) for c in ours], [signature(c) for c in theirs],
                                      autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # One difference per cluster where both sides read as many, else one for the run.
        if i2 - i1 == j2 - j1:
            report.differences += [([ours[i]], [theirs[j]]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
        elif i2 - i1 == 0 or j2 - j1 == 0:
            report.differences += [([], [theirs[j]]) for j in range(j1, j2)]
            report.differences += [([ours[i]], []) for i in range(i1, i2)]
        else:
            report.differences.append((ours[i1:i2], theirs[j1:j2]))
    return report


def compare_document(path: Path) -> Report:
    return compare(path.name, path.read_text(encoding="utf-8"))


def compare_corpus() -> list[Report]:
    return [compare_document(path) for path in pandoc_reading.documents()]


if __name__ == "__main__":
    import sys

    reports = compare_corpus()
    total = sum(len(r.theirs) for r in reports)
    agreed = sum(r.agreed for r in reports)
    for report in reports:
        if report.differences:
            print(report.describe())
    print(f"\ndocuments {len(reports)}, pandoc clusters {total}, agree {agreed}, "
          f"differences {sum(len(r.differences) for r in reports)}, "
          f"unexpected {sum(len(r.unexpected()) for r in reports)}", file=sys.stderr)
