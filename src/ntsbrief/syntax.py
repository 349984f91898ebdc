"""Pandoc citation syntax, note references and interview references.

One regular expression finds every construct the brief uses in inline text;
the Markdown extension runs it where Python-Markdown hands over inline text
(so code spans and blocks are already out of the way), and ``scan_source``
runs it over the raw page to learn the line of each occurrence.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

# A citation key: pandoc's rules (starts with a letter, digit or "_"; internal
# punctuation allowed, none trailing), or anything inside braces.
_KEY = r"(?:\{[^{}\n]+\}|\w(?:[\w:.#$%&+?~/-]*\w)?)"

# Characters after which "@" cannot start a citation: e-mail addresses, URLs,
# paths and words (pandoc also requires a non-word character before "@").
# Every branch below starts with a literal character and checks what precedes
# it afterwards ("@(?<!x@)" rather than "(?<!x)@"): the regex engine can then
# jump between candidate characters instead of trying each branch at every
# position, which made this scan almost three times slower.
_NOT_AFTER = r"[\w@\\/:.+=&%~-]"

INLINE_RE = re.compile(
    r"""
    (?P<skip>
        <(?:[A-Za-z/!?])[^>\n]*>                       # raw HTML tags and autolinks
      | (?:https?|ftp|mailto|doi):[^\s<>\[\]()]+       # bare URLs
      | www\.[^\s<>\[\]()]+
      | \[(?<!\\\[)[^\[\]\n]*\](?:\([^()\n]*\)|\[(?![\^@-])[^\[\]\n@]*\])   # links: text and target
    )
    | \[(?<!\\\[)\^(?P<note>[^\]\s]+)\]                          # note reference [^label]
    | \[(?<!\\\[)interviews?:[ \t]*(?P<interviews>[^\]\n]*)\]    # [interviews: id, id]
    | \[(?<!\\\[)(?P<cluster>(?:\{[^{}\n]*\}|[^\[\]{}])*?@(?:\{[^{}\n]*\}|[^\[\]{}])*)\]
      (?![(:]|\[(?![\^@-]))                                         # [see @key, 12; @other]
    | @(?<!""" + _NOT_AFTER + r"""@)(?P<intext>""" + _KEY + r""")   # @key [12]
      (?:[ ]?\[(?P<intext_suffix>[^\[\]\n^][^\[\]\n]*)\](?![(\[]))?
    """,
    re.VERBOSE,
)

_ITEM_RE = re.compile(
    r"^(?P<prefix>(?:.*\s)?)(?P<dash>-?)@(?P<key>" + _KEY + r")(?P<suffix>(?!\w).*)$",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class CitationItem:
    key: str
    prefix: str = ""
    suffix: str = ""  # locator and suffix as written, e.g. ", 212"
    suppress_author: bool = False


@dataclass(frozen=True, slots=True)  # slots: a large brief holds tens of thousands
class Cluster:
    """One citation as written: ``[see @a, 12; @b]`` or ``@a [12]``."""

    items: tuple[CitationItem, ...]
    author_in_text: bool = False
    keys: list[str] = field(init=False, compare=False, repr=False)
    # The cluster in pandoc Markdown, on one line, keys braced and given as pandoc
    # can read them (``alias``): the form sent to citeproc and cached.
    pandoc_text: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", [item.key for item in self.items])  # frozen: set once, here
        object.__setattr__(self, "pandoc_text", self._pandoc_text())

    def _pandoc_text(self) -> str:
        if self.author_in_text:
            item = self.items[0]
            suffix = _one_line(item.suffix)
            return f"@{{{alias(item.key)}}}" + (f" [{suffix}]" if suffix else "")
        parts = []
        for item in self.items:
            dash = "-" if item.suppress_author else ""
            parts.append(f"{item.prefix}{dash}@{{{alias(item.key)}}}{item.suffix}")
        return _one_line("[" + ";".join(parts) + "]")


_PANDOC_KEY_RE = re.compile(r"[\w][\w:.\-/]*")


def alias(key: str) -> str:
    """The key as pandoc's readers accept it: itself if it can, else a stable stand-in."""
    if _PANDOC_KEY_RE.fullmatch(key):
        return key
    return "ntsbrief-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


_MARKDOWN_SPACES = " \t\r\n"  # spaces and line breaks; other spaces (U+00A0) are text to Markdown


def markdown_words(text: str) -> list[str]:
    """``text`` split where Markdown sees white space (no words if there is none)."""
    stripped = text.strip(_MARKDOWN_SPACES)
    return re.split(f"[{_MARKDOWN_SPACES}]+", stripped) if stripped else []


def _one_line(text: str) -> str:
    """Markdown's spaces and line breaks as single spaces."""
    return " ".join(markdown_words(text))


def _key(text: str) -> str:
    return text[1:-1] if text.startswith("{") else text


_ITEM_SEPARATOR_RE = re.compile(r";(?![^{]*\})")  # a ";" not inside {braces}


@lru_cache(maxsize=1 << 15)
def parse_cluster(body: str) -> Cluster | None:
    """Parse the inside of ``[...]``; None if it is not a citation cluster.

    Remembered (clusters are immutable): a live preview converts every page again
    after each edit, and a first build reads each cluster twice (guess, then page)."""
    items = []
    for part in _ITEM_SEPARATOR_RE.split(body):
        match = _ITEM_RE.match(part)
        if match is None:
            return None
        items.append(
            CitationItem(
                key=_key(match["key"]),
                prefix=match["prefix"],
                suffix=match["suffix"],
                suppress_author=bool(match["dash"]),
            )
        )
    return Cluster(tuple(items)) if items else None


@lru_cache(maxsize=1 << 13)  # as parse_cluster
def parse_intext(key: str, suffix: str | None) -> Cluster:
    return Cluster((CitationItem(_key(key), suffix=suffix or ""),), author_in_text=True)


def parse_interview_ids(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;]", text) if part.strip()]


def normalise(text: str) -> str:
    """Whitespace-insensitive form of a construct, to match it with its source."""
    return " ".join(text.split())


# ---------------------------------------------------------------- source lines

NOTE_DEF_RE = re.compile(r"^[ ]{0,3}\[\^(?P<label>[^\]\s]+)\]:", re.MULTILINE)
_FENCE_RE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[^\n]*\n.*?(?:^(?P=indent)?[ \t]*(?P=fence)[`~]*[ \t]*$|\Z)",
                       re.MULTILINE | re.DOTALL)
# A code span: not after a backslash, never across a blank line (as in Markdown).
_CODE_SPAN_RE = re.compile(r"(?<![`\\])(`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)\1(?!`)", re.DOTALL)
_BLOCK_START_RE = re.compile(r"^[ ]{0,3}(?:(?:[-*+]|\d+[.)])[ \t]|\[\^[^\]]+\]:|[!?]{3}|/{3})")
_COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Occurrence:
    kind: str  # "cluster", "note", "interviews", "notedef"
    text: str  # normalised text of the construct
    line: int  # 1-based, in the Markdown given


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _without_code(markdown: str) -> str:
    """Fenced and indented code, HTML comments and code spans blanked, line breaks kept."""
    text = _FENCE_RE.sub(_blank, markdown)
    text = _COMMENT_RE.sub(_blank, text)
    text = _blank_indented_code(text)
    return _CODE_SPAN_RE.sub(_blank, text)


def _blank_indented_code(text: str) -> str:
    """Blank indented code blocks: lines indented four spaces after a blank line,
    unless the block before is one whose content is indented (a list item, a
    note, an admonition), where the indentation continues that block."""
    if "\n    " not in text and "\n\t" not in text and not text.startswith(("    ", "\t")):
        return text  # nothing indented: the common case, without a walk over every line
    lines = text.split("\n")
    in_code = False
    container = False  # the last block at the margin holds indented content
    for index, line in enumerate(lines):
        blank = not line.strip()
        indented = line.startswith("    ") or line.startswith("\t")
        if blank:
            continue
        previous_blank = index == 0 or not lines[index - 1].strip()
        if indented and (in_code or (previous_blank and not container)):
            in_code = True
            lines[index] = " " * len(line)
            continue
        in_code = False
        if not indented and previous_blank:
            container = bool(_BLOCK_START_RE.match(line))
    return "\n".join(lines)


def predict_clusters(markdown: str) -> tuple[Cluster, ...]:
    """The citation clusters a page's source appears to hold (for early formatting)."""
    clusters = []
    for match in INLINE_RE.finditer(_without_code(markdown)):
        if kind_of(match) != "cluster":
            continue
        cluster = (parse_cluster(match["cluster"]) if match["cluster"] is not None
                   else parse_intext(match["intext"], match["intext_suffix"]))
        if cluster is not None:
            clusters.append(cluster)
    return tuple(clusters)


def scan_source(markdown: str) -> list[Occurrence]:
    """Every construct in the page source with its line, in source order.

    Fenced code, code spans and HTML comments are blanked first (keeping line
    breaks), so that what the Markdown parser will not see is not counted.
    """
    text = _without_code(markdown)
    found: list[tuple[int, Occurrence]] = []
    defs = set()
    for match in NOTE_DEF_RE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found.append((match.start(), Occurrence("notedef", match["label"], line)))
        defs.add(match.start() + match.group(0).index("["))
    for match in INLINE_RE.finditer(text):
        kind = kind_of(match)
        if kind == "skip" or (kind == "note" and match.start() in defs):
            continue
        line = text.count("\n", 0, match.start()) + 1
        found.append((match.start(), Occurrence(kind, normalise(match.group(0)), line)))
    found.sort(key=lambda pair: pair[0])
    return [occurrence for _, occurrence in found]


# The group an INLINE_RE match closes last names its branch (each branch's own groups).
_KINDS = {"skip": "skip", "note": "note", "interviews": "interviews", "cluster": "cluster",
          "intext": "cluster", "intext_suffix": "cluster"}  # author-in-text citations are clusters too


def kind_of(match: re.Match) -> str:
    """Which construct an ``INLINE_RE`` match is: skip, note, interviews or cluster."""
    return _KINDS[match.lastgroup]
