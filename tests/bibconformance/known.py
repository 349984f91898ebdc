"""Differences from pandoc direct that are expected, each with its cause.

A row covers the entry ``key`` of ``file`` in ``style`` ("*": all three
styles) and every cluster whose difference ``compare`` puts down to that key,
when the difference is of the class ``cause`` (as ``compare`` names it). Any
other difference fails ``tests/test_bib_conformance.py``, and so does a row
that no longer matches anything (the table must not outlive its causes).

Only differences that are ntsbrief's choice belong here, where pandoc's own
reading is not what the user wrote (BibTeX and biber read these otherwise):

- a key defined twice: pandoc silently uses the last definition; BibTeX and
  biber use the first, and so does the store, reporting the later one (one
  bad block affects only itself: a pasted copy must not change a cited work);
- an undefined @string macro: pandoc prints the macro's name in lower case
  (``journal = AIJ`` becomes "aij"); BibTeX prints nothing and warns. The store
  reports it at its line and keeps the entry from pandoc, like every other
  malformed entry (its citations stay as written, marked).
"""

from __future__ import annotations

from dataclasses import dataclass

from bibconformance.compare import Difference

DUPLICATE = "duplicate key: the sides format different definitions"
WHY_DUPLICATE = ("the store keeps a key's first definition and reports the others as errors "
                 "('duplicate BibTeX key', fatal in a strict build); pandoc silently uses the last")


@dataclass(frozen=True)
class Known:
    file: str
    key: str
    style: str  # a style name, or "*" for all three
    cause: str
    why: str

    def covers(self, difference: Difference) -> bool:
        return (difference.file == self.file and self.style in ("*", difference.style)
                and difference.cause == self.cause and self.key in difference.keys)


UNDEFINED_MACRO = "missing on ntsbrief's side"
WHY_UNDEFINED_MACRO = ("an undefined @string macro (AIJ, CSLI, AIM, COGSCI, CL): the store reports it and keeps the "
                       "entry from pandoc; pandoc prints the macro's name in lower case")

KNOWN: tuple[Known, ...] = tuple(
    Known("bbt-legacy-bibtex-873.bib", key, "*", cause, WHY_UNDEFINED_MACRO)
    for key in ("Birnbaum:91", "Gazdar:85", "Grosz:96", "McCarthy:80", "Searle:80", "eval:90", "fikes72:_learn")
    for cause in (UNDEFINED_MACRO, "cites an entry missing on ntsbrief's side")
) + tuple(
    Known("bbt-mendeley-export.bib", key, style, DUPLICATE, WHY_DUPLICATE)
    for key, style in [
        ("Ahmed2007", "*"), ("Brooks2009", "*"), ("Brooks2018", "*"), ("Campbell2017", "*"),
        ("Campbell2018", "*"), ("Chen2008", "*"), ("Johnson2017", "*"), ("Literat2019", "*"),
        ("Mabbott2017", "ntsbrief"),  # the two definitions differ only where the other styles do not look
        ("Matias2014", "*"), ("Matias2016", "*"), ("Nodelman1992", "*"), ("Radway2016", "*"),
        ("Scales2015", "*"), ("Taxel1997", "*"), ("Thomas2016", "*"),
    ]
)


def unexpected(differences: list[Difference]) -> list[Difference]:
    """The differences no row covers."""
    return [d for d in differences if not any(row.covers(d) for row in KNOWN)]


def stale(differences: list[Difference], style: str) -> list[Known]:
    """The rows for ``style`` that cover no difference."""
    return [row for row in KNOWN if row.style in ("*", style)
            and not any(row.covers(d) and d.style == style for d in differences)]
