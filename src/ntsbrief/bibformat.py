"""Normalise a BibTeX file so that pull-request diffs stay small.

Entries are sorted by key, fields put in a conventional order, indentation and
spacing made uniform; values are written exactly as they were (no re-quoting,
no LaTeX decoding), and every comment, ``@string`` and ``@preamble`` is kept.
A comment directly above an entry (no blank line between) moves with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import bibtexparser
from bibtexparser import model

from .bibliography import block_line, block_text
from .diagnostics import Diagnostics

FIELD_ORDER = (
    "author", "editor", "translator", "title", "subtitle", "booktitle", "journal", "journaltitle", "series",
    "volume", "number", "issue", "edition", "type", "chapter", "pages", "publisher", "institution",
    "organization", "school", "howpublished", "address", "location", "year", "month", "date", "isbn", "issn",
    "doi", "url", "urldate", "crossref", "note",
)
_RANK = {name: index for index, name in enumerate(FIELD_ORDER)}


@dataclass
class _Group:
    """An entry with the comments written directly above it."""

    comments: list[model.Block]
    entry: model.Entry


def format_bibtex(text: str, path: str) -> tuple[str | None, Diagnostics]:
    """The normalised text, or None (and why) if the file cannot be parsed."""
    problems = Diagnostics()
    library = bibtexparser.parse_string(text, parse_stack=[])
    first_lines = {block.key: block_line(block) + 1 for block in library.entries}
    for failed in library.failed_blocks:
        if isinstance(failed, model.DuplicateBlockKeyBlock):
            problem = f"duplicate BibTeX key '{failed.key}' (first defined at line {first_lines.get(failed.key, '?')})"
        elif isinstance(failed, model.DuplicateFieldKeyBlock):
            key = getattr(failed.ignore_error_block, "key", "?")
            problem = f"entry '{key}' repeats the field(s) {', '.join(sorted(failed.duplicate_keys))}"
        else:
            problem = "cannot parse this block"
        problems.add(path, block_line(failed) + 1, f"{problem}; the file was left as it is")
    if problems:
        return None, problems

    header: list[model.Block] = []   # comments before the first entry, not attached to it
    preamble: list[model.Block] = []  # @string and @preamble: must precede their use
    groups: list[_Group] = []
    pending: list[model.Block] = []
    for block in library.blocks:
        if isinstance(block, (model.String, model.Preamble)):
            preamble.append(block)
        elif isinstance(block, model.Entry):
            attached = _attached(pending, block, text)
            loose = pending[: len(pending) - len(attached)]
            if not groups:
                header.extend(loose)
            else:
                attached = loose + attached
            groups.append(_Group(attached, _ordered(block)))
            pending = []
        else:
            pending.append(block)
    trailer = pending

    groups.sort(key=lambda g: (g.entry.key.lower(), g.entry.key))
    blocks = header + preamble + [b for g in groups for b in (*g.comments, g.entry)] + trailer
    formatted = bibtexparser.write_string(
        bibtexparser.Library(blocks), unparse_stack=[], bibtex_format=_format())
    return formatted.strip() + "\n", problems


def _attached(comments: list[model.Block], entry: model.Entry, text: str) -> list[model.Block]:
    """The trailing comments that touch the entry: no blank line between them."""
    attached: list[model.Block] = []
    next_line = block_line(entry)
    for comment in reversed(comments):
        last_line = block_line(comment) + block_text(comment).rstrip("\n").count("\n")
        if last_line + 1 != next_line:
            break
        attached.insert(0, comment)
        next_line = block_line(comment)
    return attached


def _ordered(entry: model.Entry) -> model.Entry:
    fields = sorted(entry.fields, key=lambda f: (_RANK.get(f.key.lower(), len(_RANK)),))
    for field in fields:
        field.key = field.key.lower()
    return model.Entry(entry.entry_type.lower(), entry.key, fields, start_line=entry.start_line, raw=entry.raw)


def _format() -> bibtexparser.BibtexFormat:
    fmt = bibtexparser.BibtexFormat()
    fmt.indent = "  "
    fmt.value_column = 0
    fmt.block_separator = "\n"
    fmt.trailing_comma = False
    return fmt
