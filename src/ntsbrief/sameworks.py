"""One work under two keys: store entries that are copies of the same work.

The same article pasted twice (``tan_debt_2019`` from Zotero, ``tan2019debt``
from Google Scholar) would be published as "2019a" and "2019b" of one work.
Two entries are the same work when they have

- the same DOI (case-insensitive, without ``https://doi.org/`` or ``doi:``), or
- the same title, year and first author's family name, compared without case,
  braces, LaTeX commands, accents, spaces or punctuation.

A part of a publication (a chapter, a paper in proceedings) is never the same
work as a whole one (its book), and two parts match only when they are the
same part: a shared DOI (chapters often carry their book's) counts only with
the same title, and the same title only in the same container.

Entries are indexed by these normalised keys, never compared in pairs, so a
store of any size costs one pass.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from .bibliography import TITLE_INHERITANCE, Entry

# Types that are part of a container (biblatex's children that inherit its title).
PART_TYPES = frozenset(child for _, child in TITLE_INHERITANCE)
# Types that hold data for other entries rather than describe a work.
NOT_WORKS = frozenset({"xdata", "set", "string", "preamble", "comment"})


@dataclass(frozen=True)
class SameWork:
    """Entries of the store that are one work, and why they are taken to be."""

    keys: tuple[str, ...]  # in the store's order; two or more
    reason: str  # e.g. "same DOI 10.1/x", "same title, year and first author"


def same_works(entries: Mapping[str, Entry], keys: Iterable[str] | None = None) -> list[SameWork]:
    """Groups of entries that are the same work: among ``keys`` if given (the
    cited works, say), else among all ``entries``. Groups of the same DOI come
    first; a group of the same title adds only what they do not already say."""
    wanted = None if keys is None else set(keys)
    by_doi: dict[tuple[str, ...], list[str]] = defaultdict(list)  # (doi,), or (doi, title) for a part
    by_title: dict[tuple[bool, str, str, str, str], list[str]] = defaultdict(list)
    dois: dict[tuple[str, ...], str] = {}
    for key, entry in entries.items():
        if (wanted is not None and key not in wanted) or entry.entry_type in NOT_WORKS:
            continue
        part = entry.entry_type in PART_TYPES
        title = normal_text(entry.field("title"))
        doi = normal_doi(entry.field("doi"))
        if doi and (title or not part):
            index = (doi, title) if part else (doi,)
            by_doi[index].append(key)
            dois[index] = doi
        year, author = _year(entry), first_family_name(entry.field("author") or entry.field("editor"))
        if title and year and author:
            container = _container(entry, entries) if part else ""
            by_title[(part, title, year, author, container)].append(key)
    groups = [SameWork(tuple(found), f"same DOI {dois[index]}") for index, found in by_doi.items() if len(found) > 1]
    doi_group = {key: number for number, group in enumerate(groups) for key in group.keys}
    for found in by_title.values():
        if len(found) > 1 and not _within_one(found, doi_group):
            groups.append(SameWork(tuple(found), "same title, year and first author"))
    return groups


def _within_one(keys: list[str], group_of: dict[str, int]) -> bool:
    """Whether all the keys are already in one group."""
    numbers = {group_of.get(key) for key in keys}
    return len(numbers) == 1 and None not in numbers


# -------------------------------------------------------------- normalisation

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI = re.compile(r"10\.\d+/\S+")


def normal_doi(value: str) -> str:
    """The DOI as compared: lower case, without resolver or ``doi:`` prefix;
    '' if the value is not a DOI."""
    text = re.sub(r"\\(?=[_%&#$])", "", value.replace("{", "").replace("}", "")).strip()
    prefix = _DOI_PREFIX.match(text)
    if prefix:
        text = text[prefix.end():]
        if prefix.group().lower().startswith("http"):
            text = unquote(text)
    text = text.strip().lower()
    return text if _DOI.fullmatch(text) else ""


# LaTeX letters with no Unicode decomposition to a base letter, and such
# Unicode letters, written as the base letters they are compared as.
_LATEX_LETTERS = {"ss": "ss", "o": "o", "O": "o", "aa": "a", "AA": "a", "ae": "ae", "AE": "ae", "oe": "oe",
                  "OE": "oe", "l": "l", "L": "l", "i": "i", "j": "j", "dh": "d", "DH": "d", "th": "th", "TH": "th"}
_LATEX_LETTER = re.compile(r"\\(" + "|".join(sorted(_LATEX_LETTERS, key=len, reverse=True)) + r")(?![A-Za-z])")
_LATEX_COMMAND = re.compile(r"\\(?:[A-Za-z]+|.)")
_PLAIN_LETTERS = str.maketrans({"ø": "o", "đ": "d", "ð": "d", "ł": "l", "æ": "ae", "œ": "oe", "þ": "th",
                                "ı": "i", "ŀ": "l", "ħ": "h"})


def normal_text(value: str) -> str:
    r"""Text as compared: LaTeX commands and braces dropped (accent commands
    keep their letter), accents removed, case folded, letters and digits only.
    ``{\'E}tude`` and ``Étude`` are both ``etude``."""
    if "\\" in value:
        value = _LATEX_LETTER.sub(lambda m: _LATEX_LETTERS[m.group(1)], value)
        value = _LATEX_COMMAND.sub("", value)
    folded = unicodedata.normalize("NFKD", value.casefold().translate(_PLAIN_LETTERS))
    return "".join(character for character in folded if character.isalnum())


def first_family_name(names: str) -> str:
    """The first name's family name, compared as ``normal_text``: the last word
    of the part before the comma (``Tan, Wei``) or of the whole (``Wei Tan``),
    so that von parts written either way agree; a braced name is one word."""
    masked = _masked(names)
    first = re.split(r"\s+and\s+", masked.strip(), maxsplit=1, flags=re.IGNORECASE)[0]
    start = len(masked) - len(masked.lstrip())
    family = first.split(",", 1)[0].rstrip()
    words = re.split(r"[\s~]+", family.strip())
    if not words or not words[-1] or words[-1].lower() == "others":
        return ""
    end = start + len(family)
    last = names[end - len(words[-1]):end]
    return normal_text(last)


def _masked(text: str) -> str:
    """The text with everything inside braces replaced by 'x' (same length), so
    that separators are found at the top level only."""
    out, depth = [], 0
    for character in text:
        if character == "{":
            depth += 1
            out.append("{")
        elif character == "}":
            depth = max(depth - 1, 0)
            out.append("}")
        else:
            out.append("x" if depth else character)
    return "".join(out)


def _year(entry: Entry) -> str:
    found = re.search(r"\d{4}", entry.field("year") or entry.field("date"))
    return found.group() if found else ""


def _container(entry: Entry, entries: Mapping[str, Entry]) -> str:
    """What a part appears in: its booktitle, else its crossref parent's title."""
    booktitle = entry.field("booktitle")
    if not booktitle:
        parent = entries.get(entry.field("crossref").strip())
        booktitle = parent.field("title") if parent is not None else ""
    return normal_text(booktitle)
