"""Pandoc's citation syntax, note references and interview references.

pandoc's Markdown reader is the specification: a cluster is what pandoc reads
as one ``Cite``, with the same works in the same order, the same modes and the
same prefix and suffix text. The grammar below follows its citation parsers
(``cite``, ``textualCite``, ``bareloc``, ``normalCite``, ``citeList``,
``citation``, ``prefix``, ``suffix`` and ``citeKey`` in pandoc 3's
``Readers/Markdown.hs`` and ``Parsing/Citations.hs``), written anew here:

========================  =====================================================
construct                 rule
========================  =====================================================
key                       ``@`` (``-@``: suppress the author), then a letter,
                          digit or ``_``, then letters, digits, ``_``, and any
                          of ``:.#$%&-+?<>~/`` followed by a letter, digit or
                          ``_`` (``:`` or ``/`` also before ``/``); or
                          ``@{...}``: balanced braces, no white space
not after a word          a key cannot start right after a letter or digit, or
                          after a ``.`` that ends a word (``x.@k``, ``x..@k``;
                          ``x...@k`` has an ellipsis); after anything else --
                          code, an escape, ``-``, ``/``, ``:``, ``,``,
                          another citation -- it can (``x/@k`` cites ``k``)
bracketed cluster         ``[`` items separated by ``;`` ``]``, not followed at
                          once by ``(`` (a link), ``{attributes}`` (a span) or
                          ``[...]`` (a reference link); ``[@k]:`` mid-paragraph
                          is a citation
item                      prefix, key, suffix
prefix                    text up to the key; it cannot hold ``;`` or end the
                          cluster; a glued prefix (``[e.g.,@k]``) is a prefix
suffix                    text after the key up to ``;`` or ``]``; brackets,
                          code, escapes and HTML inside are skipped whole
in-text                   ``@k`` or ``-@k``, optionally followed (after spaces
                          and at most one line break) by ``[cluster]`` -- its
                          works join this one (``@a [-@b 30; see @c]``: three
                          works) -- or ``[suffix]`` or ``[suffix; items]``,
                          itself not followed by ``[``, ``(`` or ``{``
not a cluster             a bracket that is not a cluster is text, and the
                          citations inside it are read (``[8 Hz; @k]`` cites
                          ``k`` in the text)
image text                ``![...]`` is never a cluster; citations in it are read
line breaks               one line break is a space; a blank line ends
                          everything (a paragraph)
========================  =====================================================

Two of pandoc's readings are not followed, by choice: a citation written inside
another's prefix or suffix (``[@a, @b; @c]``: pandoc nests ``b`` in ``a``'s
suffix and its citeproc then prints only ``b``) is kept as text and reported;
a note reference inside a bracket (``[@a, see[^n]]``) keeps the note, and the
bracket is not a cluster. Where Python-Markdown's block syntax differs from
pandoc's (README, "Where the site and pandoc differ"), the site follows
Python-Markdown.

The same reader serves the Markdown extension (on each element's text, before
Python-Markdown's inline patterns) and ``scan_source``/``predict_clusters``
(on the page source, for line numbers and early formatting).
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast

from markdown import Markdown
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.inlinepatterns import BACKTICK_RE, BacktickInlineProcessor
from markdown.preprocessors import HtmlBlockPreprocessor, NormalizeWhitespace
from markdown.util import ETX, STX

# ---------------------------------------------------------------- the data


@dataclass(frozen=True, slots=True)
class CitationItem:
    """One work cited in a cluster: its key and the text before and after it."""

    key: str
    prefix: str = ""
    suffix: str = ""  # locator and suffix as written, e.g. ", 212"
    suppress_author: bool = False


@dataclass(frozen=True, slots=True)  # slots: a large brief holds tens of thousands
class Cluster:
    """One citation as written: ``[see @a, 12; @b]`` or ``@a [12]``.

    ``textual``: written ``@a ...`` in the text; its first item is then cited
    author-in-text (or, written ``-@a``, with the author suppressed)."""

    items: tuple[CitationItem, ...]
    textual: bool = False
    keys: list[str] = field(init=False, compare=False, repr=False)
    # The cluster in pandoc Markdown, on one line, keys braced and given as pandoc
    # can read them (``alias``): the form sent to citeproc and cached.
    pandoc_text: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", [item.key for item in self.items])  # frozen: set once, here
        object.__setattr__(self, "pandoc_text", self._pandoc_text())

    @property
    def modes(self) -> list[str]:
        """Each citation's mode, named as in pandoc's AST."""
        return ["SuppressAuthor" if item.suppress_author else "AuthorInText" if n == 0 and self.textual
                else "NormalCitation" for n, item in enumerate(self.items)]

    def _pandoc_text(self) -> str:
        parts = [f"{item.prefix}{'-' if item.suppress_author else ''}@{{{alias(item.key)}}}{item.suffix}"
                 for item in self.items]
        if not self.textual:
            return _one_line("[" + "; ".join(parts) + "]")
        first = self.items[0]
        head = f"{'-' if first.suppress_author else ''}@{{{alias(first.key)}}}"
        # "@a [12; @b]" (a locator, then works) or "@a [see @b]" (works only)
        inside = "; ".join(([first.suffix] if markdown_words(first.suffix) else []) + parts[1:])
        return _one_line(f"{head} [{inside}]") if inside else head


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


@dataclass(frozen=True, slots=True)
class Found:
    """A citation cluster read from text: ``text[start:end]``."""

    cluster: Cluster
    start: int
    end: int
    nested: tuple[str, ...] = ()  # keys cited inside an affix, kept as text


# ---------------------------------------------------------------- the reader

_KEY_PUNCTUATION = frozenset(":.#$%&-+?<>~/")
_SPACES = " \t"
# Spans read whole, as pandoc and Python-Markdown do: Python-Markdown's
# placeholders (code, escapes, raw HTML already taken out), escaped characters
# (pandoc escapes any symbol, "_" too), raw HTML tags, comments and autolinks, and
# attribute lists.
_ATOM_RE = re.compile(
    r"""\x02[^\x02\x03\n]*\x03
      | \\(?:[^\w\s]|_)
      | \\[^\W\d_]+
      | <!--.*?-->
      | </?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>
      | <[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*>
      | <[^<>\s@]+@[^<>\s@]+>
      | \{:?[ \t]*(?:(?:\#[^\s{}]+|\.[^\s{}]+|[\w:.-]+=(?:"[^"\n]*"|'[^'\n]*'|[^\s{}"']+))[ \t]*)+\}""",
    re.VERBOSE | re.DOTALL,
)
_ATOM_STARTS = frozenset("\x02\\<{`")
_BACKTICKS = BacktickInlineProcessor(BACKTICK_RE)  # Python-Markdown's own pairing of backtick runs
_BLANK_LINE_RE = re.compile(r"\n[ \t]*(?:\n|\Z)")
_ENCLOSURE_RES = {
    "*": re.compile(r"(\*{1,3})(?![\s*])(?:[^*\\]|\\.|\*(?!\1))*?(?<![\s*\\])\1(?!\*)", re.DOTALL),
    "_": re.compile(r"(_{1,3})(?![\s_])(?:[^_\\]|\\.|_(?!\1))*?(?<![\s_\\])\1(?![_\w])", re.DOTALL),
    '"': re.compile(r'"(?!\s)[^"]*?(?<!\s)"', re.DOTALL),
    "'": re.compile(r"'(?!\s)[^']*?(?<!\s)'(?!\w)", re.DOTALL),
    "$": re.compile(r"\$\$.+?\$\$|\$(?![\s$])(?:[^$\\]|\\.)*?(?<![\s\\])\$(?![0-9])", re.DOTALL),
}
_ATTRIBUTES_RE = re.compile(
    r"""\{[ \t\n]*(?:(?:\#[^\s{}]+|\.[^\s{}]+|[\w:.-]+=(?:"[^"]*"|'[^']*'|[^\s{}"']+)|-)[ \t\n]*)*\}""")


def _continues_key(text: str, k: int) -> bool:
    """Whether ``text[k]`` continues a bare key (``@key``): a letter, digit or ``_``; or
    punctuation of ``_KEY_PUNCTUATION`` followed by one of those; or ``:`` or ``/``
    followed by ``/`` (so that a URL's ``://`` stays in the key)."""
    c = text[k]
    if c.isalnum() or c == "_":
        return True
    following = text[k + 1] if k + 1 < len(text) else ""
    if c in _KEY_PUNCTUATION and (following.isalnum() or following == "_"):
        return True
    return c in ":/" and following == "/"


def _is_haskell_space(c: str) -> bool:
    """White space as pandoc (Haskell's ``isSpace``) sees it: narrower than
    Python's (no U+001C-U+001F, U+0085 or line and paragraph separators)."""
    return c in " \t\n\r\f\v\xa0" or (c > "\xff" and unicodedata.category(c) == "Zs")


# What a cluster parser returns: the items it read and where they end.
_Items = tuple[list[CitationItem], int]


class _Reader:
    """pandoc's citation parsers over one text (positions are indexes into it).

    Each method takes a position and returns where it ends, or None where
    pandoc's parser fails; nothing is consumed on failure."""

    def __init__(self, text: str):
        self.text = text
        self.n = len(text)
        self.atom_ends: set[int] = set()  # positions after which no word ends (see after_word)
        self.word_ends: set[int] = set()  # ... and after which one does: closed emphasis
        self.nested: list[str] = []
        self.nested_at: set[int] = set()  # the "@" of citations inside an affix (see affix)

    # -- characters ----------------------------------------------------------

    def atom(self, i: int) -> int | None:
        """End of the span read whole that starts at ``i``, if one does."""
        c = self.text[i]
        if c not in _ATOM_STARTS:
            return None
        if c == "`":
            # types-Markdown says ``tuple[int, int] | None``; Python-Markdown returns (start, None) when unclosed.
            start, end = cast("tuple[int, int | None]", _BACKTICKS.find_code_spans(i, self.text))
            if end is None:  # no closing run: the backticks are text
                j = i
                while j < self.n and self.text[j] == "`":
                    j += 1
                return j
            return end + (start - i)
        match = _ATOM_RE.match(self.text, i)
        return match.end() if match else None

    def after_word(self, i: int) -> bool:
        """Whether ``i`` directly follows a word as pandoc's ``str`` reads it
        (letters and digits, and a "." not followed by another)."""
        if i in self.word_ends:
            return True  # pandoc's emphasis parser notes a word's end where it closes
        j = i
        while j > 0 and self.text[j - 1] == "." and j not in self.atom_ends:
            j -= 1
        dots = i - j
        if dots:
            if j > 0 and self.text[j - 1] == "\\" and j not in self.atom_ends:
                dots -= 1  # "\." is an escaped dot, not a word's
            return dots % 3 != 0  # "..." is an ellipsis
        return i > 0 and i not in self.atom_ends and self.text[i - 1].isalnum()

    def blank_line_at(self, i: int) -> bool:
        return self.text[i] == "\n" and _BLANK_LINE_RE.match(self.text, i) is not None

    def spnl(self, i: int) -> int | None:
        """Spaces, at most one line break, spaces; fails before a blank line."""
        text, n = self.text, self.n
        while i < n and text[i] in _SPACES:
            i += 1
        if i < n and text[i] == "\n":
            i += 1
            while i < n and text[i] in _SPACES:
                i += 1
        if i < n and text[i] == "\n":
            return None
        return i

    # -- keys ----------------------------------------------------------------

    def key(self, i: int) -> tuple[int, str, bool] | None:
        """``(end, key, suppress_author)`` of a key at ``i``."""
        text, n = self.text, self.n
        if i >= n or self.after_word(i):
            return None
        suppress = text[i] == "-"
        j = i + 1 if suppress else i
        if j + 1 >= n or text[j] != "@":
            return None
        j += 1
        c = text[j]
        if c.isalnum() or c in "_*":
            k = j + 1
            while k < n and _continues_key(text, k):
                k += 1
            self.atom_ends.add(k)  # pandoc's key is no word: "@a@b" is two citations
            return k, text[j:k], suppress
        if c == "{":
            depth, k = 0, j
            while k < n:
                c = text[k]
                if _is_haskell_space(c):
                    return None
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                    if depth == 0:
                        self.atom_ends.add(k + 1)
                        return k + 1, text[j + 1:k], suppress
                k += 1
        return None

    # -- inline material -----------------------------------------------------

    def inline(self, i: int) -> int | None:
        """Past one piece of inline material at ``i`` (None: a blank line, the
        end of the text, or a note reference, which no cluster may hold)."""
        text = self.text
        if i >= self.n or self.blank_line_at(i):
            return None
        end = self.atom(i)
        if end is not None:
            self.atom_ends.add(end)
            return end
        c = text[i]
        if c in "*_\"'$":
            end = self.enclosure(i)
            if end is not None:
                return end
            if c in "*_" and self.unclosed_emphasis(i):
                return None
        if c == "[":
            return self._bracketed(i)
        if c in "@-":
            return self._key_or_dash(i)
        return i + 1

    def _bracketed(self, i: int) -> int | None:
        """Past the inline material at the ``[`` at ``i``: a citation nested in an affix,
        a bracketed span with its link destination, or the bracket alone (None: a note
        reference)."""
        if self.text.startswith("[^", i):
            return None
        nested = self.normal_cite(i)
        if nested is not None:  # read whole; kept as text (see affix)
            return nested[1]
        end = self.balanced(i)
        if end is None:
            return i + 1
        source = self.source(end)
        return source if source is not None else end

    def _key_or_dash(self, i: int) -> int:
        """Past the inline material at the ``@`` or ``-`` at ``i``: an in-text citation
        nested in an affix, a dash, an example reference, or the character alone."""
        text = self.text
        found = self.textual(i)
        if found is not None:  # read whole; kept as text (see affix)
            return found[1]
        if text[i] == "-":  # pandoc's smart dashes: "--" and "---" are one piece
            return i + (3 if text.startswith("---", i) else 2 if text.startswith("--", i) else 1)
        label = _EXAMPLE_LABEL_RE.match(text, i)
        if label is not None:  # an example reference ("@x" as text); no word ends it
            self.atom_ends.add(label.end())
            return label.end()
        return i + 1

    def enclosure(self, i: int) -> int | None:
        """Past emphasis, a quotation or math that starts at ``i``: pandoc reads
        them whole, so a ";" or "]" inside does not end a prefix or suffix."""
        c = self.text[i]
        if c == "_" and self.after_word(i):
            return None  # intraword underscores
        if c == "'" and i > 0 and self.text[i - 1].isalnum():
            return None  # an apostrophe
        pattern = _ENCLOSURE_RES[c]
        match = pattern.match(self.text, i)
        if match is None or _BLANK_LINE_RE.search(match.group(0)):
            return None
        (self.word_ends if c in "*_" else self.atom_ends).add(match.end())
        return match.end()

    def unclosed_emphasis(self, i: int) -> bool:
        """Whether the ``*`` or ``_`` at ``i`` opens emphasis that never closes.
        pandoc's emphasis parser then takes in all that follows in the
        paragraph as literal text, the cluster's ``]`` with it: ``[@k, 5*]``
        is no cluster. Not so before white space (``* a``), or for an
        underscore inside a word (``x_``)."""
        c, j = self.text[i], i
        while j < self.n and self.text[j] == c:
            j += 1
        if j >= self.n or self.text[j] in " \t\n":
            return False
        return c == "*" or not self.after_word(i)

    def mark_nested(self, start: int, end: int, items: list[CitationItem]) -> None:
        """A citation inside a prefix or suffix: its keys are kept as text."""
        self.nested.extend(item.key for item in items)
        j = start
        while j < end:
            atom = self.atom(j) if self.text[j] in _ATOM_STARTS else None
            if atom is not None and atom > j:
                j = atom
                continue
            if self.text[j] == "@" and (self.key(j) is not None or (j > start and self.key(j - 1) is not None)):
                self.nested_at.add(j)
            j += 1

    def balanced(self, i: int) -> int | None:
        """Past the ``]`` that closes the ``[`` at ``i`` (spans read whole skipped)."""
        return self._closing(i, "[", "]", lambda j: self.atom(j) if self.text[j] in _ATOM_STARTS else None)

    def source(self, i: int) -> int | None:
        """Past a link destination ``(...)`` at ``i`` (balanced parentheses)."""
        if i >= self.n or self.text[i] != "(":
            return None
        return self._closing(i, "(", ")", lambda j: j + 2 if self.text[j] == "\\" and j + 1 < self.n else None)

    def _closing(self, i: int, opening: str, closing: str, skip: Callable[[int], int | None]) -> int | None:
        """Past the ``closing`` that balances the ``opening`` at ``i``, within the
        paragraph; ``skip(j)`` gives the end of a span read whole at ``j``."""
        depth, j = 0, i
        while j < self.n:
            end = skip(j)
            if end is not None:
                j = end
                continue
            c = self.text[j]
            if c == opening:
                depth += 1
            elif c == closing:
                depth -= 1
                if depth == 0:
                    return j + 1
            elif c == "\n" and self.blank_line_at(j):
                return None
            j += 1
        return None

    def not_a_link_after(self, i: int) -> bool:
        """pandoc's test after a cluster's ``]``: no destination, attributes or label."""
        text = self.text
        if i >= self.n:
            return True
        if text[i] == "(":
            return self.source(i) is None
        if text[i] == "{":
            return _ATTRIBUTES_RE.match(text, i) is None
        if text[i] == "[":
            return text.startswith("[^", i) or self.balanced(i) is None
        return True

    # -- clusters ------------------------------------------------------------

    def prefix(self, i: int) -> tuple[int, int] | None:
        """``(end of the prefix, where its key starts)``."""
        text, j = self.text, i
        while True:
            if j >= self.n:
                return None
            c = text[j]
            if c == "]":
                return j, j + 1  # pandoc's prefix may end at "]": a key must follow it
            if c == ";":
                return None
            if c in "@-" and self.key(j) is not None:
                return j, j
            end = self.inline(j)
            if end is None:
                return None
            j = end

    def suffix(self, i: int) -> int:
        j = i
        while j < self.n and self.text[j] not in ";]":
            end = self.inline(j)
            if end is None:
                break
            j = end
        return j

    def citation(self, i: int) -> tuple[CitationItem, int] | None:
        found = self.prefix(i)
        if found is None:
            return None
        prefix_end, key_at = found
        key = self.key(key_at)
        if key is None:
            return None
        key_end, name, suppress = key
        if self.spnl(key_end) is None:
            return None
        end = self.suffix(key_end)
        return CitationItem(name, self.affix(i, prefix_end), self.affix(key_end, end), suppress), end

    def affix(self, start: int, end: int) -> str:
        """A prefix or suffix as written, every citation pandoc would read inside
        it (in emphasis, quotes and brackets too) escaped as text: pandoc nests
        them, and its citeproc then prints the inner citation alone."""
        piece = self.text[start:end]
        if "@" not in piece:
            return piece
        inner = [(c, c.cluster) for c in constructs(piece) if c.cluster is not None]
        if not inner:
            return piece
        reader = _Reader(piece)
        for construct, cluster in inner:
            reader.mark_nested(construct.start, construct.end, list(cluster.items))
            reader.nested.extend(construct.nested)
        self.nested.extend(reader.nested)
        out, last = [], 0
        for at in sorted(reader.nested_at):
            out.append(piece[last:at] + "\\")
            last = at
        return "".join(out) + piece[last:]

    def cite_list(self, i: int) -> tuple[list[CitationItem], int] | None:
        first = self.citation(i)
        if first is None:
            return None
        items, j = [first[0]], first[1]
        while j < self.n and self.text[j] == ";":
            start = self.spnl(j + 1)
            following = self.citation(start) if start is not None else None
            if following is None:
                return None
            items.append(following[0])
            j = following[1]
        return items, j

    def _undone_on_failure(self, parse: Callable[..., _Items | None], *args: object) -> _Items | None:
        """``parse(*args)``; where it fails, the citations it found nested in
        affixes on the way are forgotten (pandoc backtracks: they are read
        again, as what they turn out to be)."""
        nested = len(self.nested)
        found = parse(*args)
        if found is None:
            del self.nested[nested:]
        return found

    def normal_cite(self, i: int) -> tuple[list[CitationItem], int] | None:
        """``[items]`` at ``i``: the items and the end."""
        return self._undone_on_failure(self._normal_cite, i)

    def _normal_cite(self, i: int) -> tuple[list[CitationItem], int] | None:
        if self.text[i] != "[":
            return None
        start = self.spnl(i + 1)
        found = self.cite_list(start) if start is not None else None
        if found is None:
            return None
        items, j = found
        end = self.spnl(j)
        if end is None or end >= self.n or self.text[end] != "]":
            return None
        if not self.not_a_link_after(end + 1):
            return None
        return items, end + 1

    def textual(self, i: int) -> tuple[list[CitationItem], int] | None:
        """``@key``, maybe with ``[...]`` after it: the items and the end."""
        key = self.key(i)
        if key is None:
            return None
        key_end, name, suppress = key
        first = CitationItem(name, suppress_author=suppress)
        j = self.spnl(key_end)
        if j is not None and j < self.n and self.text[j] == "[":
            bracketed = self.normal_cite(j)
            if bracketed is not None:
                return [first, *bracketed[0]], bracketed[1]
            located = self.bare_locator(j, first)
            if located is not None:
                return located
        return [first], key_end

    def bare_locator(self, i: int, first: CitationItem) -> tuple[list[CitationItem], int] | None:
        """``[suffix]`` or ``[suffix; items]`` after an in-text key."""
        return self._undone_on_failure(self._bare_locator, i, first)

    def _bare_locator(self, i: int, first: CitationItem) -> tuple[list[CitationItem], int] | None:
        if self.text.startswith("[^", i):
            return None
        if self.spnl(i + 1) is None:
            return None
        end = self.suffix(i + 1)
        items = [CitationItem(first.key, suffix=self.affix(i + 1, end), suppress_author=first.suppress_author)]
        if end < self.n and self.text[end] == ";":
            start = self.spnl(end + 1)
            rest = self.cite_list(start) if start is not None else None
            if rest is not None:
                items += rest[0]
                end = rest[1]
        j = self.spnl(end)
        if j is None or j >= self.n or self.text[j] != "]":
            return None
        if j + 1 < self.n and self.text[j + 1] in "[({":
            return None
        return items, j + 1

    def read(self, i: int) -> Found | None:
        """The cluster that starts at ``i`` (a ``[``, ``@`` or ``-``), if any."""
        self.nested = []
        if self.text[i] == "[":
            found = self.normal_cite(i)
            textual = False
        else:
            found = self.textual(i)
            textual = True
        if found is None:
            return None
        items, end = found
        return Found(Cluster(tuple(items), textual=textual), i, end, tuple(self.nested))


def read_cluster(text: str, start: int = 0) -> Found | None:
    """The citation cluster pandoc reads at ``text[start]``, if any."""
    return _Reader(text).read(start)


@lru_cache(maxsize=1 << 15)
def parse_whole_cluster(text: str) -> Cluster | None:
    """``text`` read as one cluster, bracketed or in-text; None if it is not
    exactly one. Remembered (clusters are immutable): the batch for pandoc
    reads each ``Cluster.pandoc_text`` again, once per run it is built for."""
    found = read_cluster(text)
    return found.cluster if found is not None and found.end == len(text) else None


def parse_cluster(body: str) -> Cluster | None:
    """``[body]`` read as a bracketed cluster on its own; None if it is not one."""
    return parse_whole_cluster(f"[{body}]")


def parse_interview_ids(text: str) -> list[str]:
    """The ids of an interview reference (``[interviews: a, b; c]``), as written there."""
    return [part.strip() for part in re.split(r"[,;]", text) if part.strip()]


def normalise(text: str) -> str:
    """Whitespace-insensitive form of a construct, to match it with its source."""
    return " ".join(text.split())


# ---------------------------------------------------------------- inline text

NOTE_REF_RE = re.compile(r"\[\^(?P<note>[^\]\s]+)\]")
INTERVIEWS_RE = re.compile(r"\[interviews?:[ \t]*(?P<interviews>[^\]\n]*)\]")
# Where something may start: a bracket, a key, or a span read whole.
_TRIGGER_RE = re.compile(r"[\[@`\\<{\x02$*_]|-(?=@)|\^(?=\[)")
# "@" then runs of letters and digits, "-" or "_" before one
_EXAMPLE_LABEL_RE = re.compile(r"@(?:[^\W_]+|[_-](?=[^\W_]))+")


def _dash_run(text: str, i: int) -> int:
    r"""How many dashes end at ``text[i]`` (an escaped dash, ``\-``, is none)."""
    j = i
    while j > 0 and text[j - 1] == "-":
        j -= 1
    if j > 0 and text[j - 1] == "\\":
        j += 1  # the first is escaped
    return i - j + 1


@dataclass(frozen=True, slots=True)
class Construct:
    """A citation, note reference or interview reference in inline text."""

    kind: str  # "cluster", "note", "interviews", or "inline-note" (pandoc's "^[", not this site's)
    start: int
    end: int
    cluster: Cluster | None = None
    label: str = ""  # the note's label, or the interview ids as written
    nested: tuple[str, ...] = ()  # keys written inside a cluster's affixes (kept as text)


def _note_or_interviews(text: str, i: int) -> Construct | None:
    """A note reference or an interview reference at ``text[i]``, if one is there."""
    for kind, pattern, label in (("note", NOTE_REF_RE, "note"), ("interviews", INTERVIEWS_RE, "interviews")):
        match = pattern.match(text, i)
        if match is not None:
            return Construct(kind, i, match.end(), label=match[label])
    return None


# One dispatch on the character at the reading position, as pandoc's inline reader; its
# branches share that position and the reader's state, which helpers would have to pass about.
def constructs(text: str) -> list[Construct]:  # noqa: C901 - a single-pass scanner (see above)
    """Every construct in one run of inline text, in order, as pandoc reads it.

    A bracket that is not a cluster is text: reading goes on inside it (so
    the citations it holds are read), skipping a link's destination."""
    reader = _Reader(text)
    found: list[Construct] = []
    skip: dict[int, int] = {}  # link destinations and labels: start -> end
    emphasis_end = 0  # the end of the emphasis last found: delimiters before it are inside it
    i = 0
    n = len(text)
    while True:
        match = _TRIGGER_RE.search(text, i)
        if match is None:
            return found
        i = match.start()
        inside = next((end for start, end in skip.items() if start <= i < end), None)
        if inside is not None:  # a link's destination or label
            i = inside
            reader.atom_ends.add(i)
            continue
        c = text[i]
        if c == "^":
            # pandoc's inline note, "^[text]": this site has none (its notes are
            # "[^label]"); found to be reported, and its text is read on.
            found.append(Construct("inline-note", i, i + 1))
            i += 1
            continue
        if c == "[":
            bracketed = _note_or_interviews(text, i)
            if bracketed is not None:
                found.append(bracketed)
                i = bracketed.end
                reader.atom_ends.add(i)
                continue
        if c in "*_":
            # Emphasis is read through (citations inside it count), but where it
            # closes a word ends, as for pandoc: "*a*@k" cites nothing.
            if i >= emphasis_end:
                emphasis_end = reader.enclosure(i) or emphasis_end
            while i < n and text[i] == c:
                i += 1
            continue
        if c == "$":
            end = reader.enclosure(i)  # pandoc's TeX math ("$x@k$"): no citation inside
            i = end if end is not None else i + 1
            if end is not None:
                reader.atom_ends.add(i)
            continue
        if c == "-" and _dash_run(text, i) % 3 != 1:
            i += 1  # the dash ends an en or em dash (pandoc's "--", "---"): "@" follows text
            continue
        if c in "[@-":
            cluster = reader.read(i)
            if cluster is not None:
                found.append(Construct("cluster", i, cluster.end, cluster.cluster, nested=cluster.nested))
                i = cluster.end
                reader.atom_ends.add(i)
                continue
            if c == "[":
                end = reader.balanced(i)
                if end is not None:  # a link or span: its text is read, its destination or label is not
                    after = reader.source(end)
                    if (after is None and end < n and text[end] == "[" and not text.startswith("[^", end)
                            and reader.normal_cite(end) is None):  # "[a][@b]": "[@b]" is a citation
                        after = reader.balanced(end)
                    if after is not None:
                        skip[end] = after
            elif c == "@":
                label = _EXAMPLE_LABEL_RE.match(text, i)
                if label is not None:  # pandoc's example reference: "@x" as text, not a word
                    i = label.end()
                    reader.atom_ends.add(i)
                    continue
            i += 1
            continue
        end = reader.atom(i)
        if end is None:
            i += 1
        else:
            i = max(end, i + 1)
            reader.atom_ends.add(i)


# ---------------------------------------------------------------- source lines

NOTE_DEF_RE = re.compile(r"^[ ]{0,3}\[\^(?P<label>[^\]\s]+)\]:", re.MULTILINE)
_FENCE_RE = FencedBlockPreprocessor.FENCED_BLOCK_RE  # fenced_code's own: an unclosed fence is text
_BLOCK_START_RE = re.compile(r"^[ ]{0,3}(?:(?:[-*+]|\d+[.)])[ \t]|\[\^[^\]]+\]:|[!?]{3}|/{3})")
# Closed comments only: an unclosed "<!--" is text to Python-Markdown and to pandoc.
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_QUOTE_MARKERS_RE = re.compile(r"^(?:[ ]{0,3}>[ ]?)+", re.MULTILINE)
# Python-Markdown's link reference definitions (its ReferenceProcessor): a whole
# line, anywhere in a paragraph; pandoc only reads them at a block's start.
_LINK_DEFINITION_RE = re.compile(
    r"""^[ ]{0,3}\[(?!\^)[^\[\]]*\]:[ ]*(?:\n[ ]*)?[^\s]+[ ]*(?:\n[ ]*)?(?:(["'])(?:.*)\1[ ]*|\((?:.*)\)[ ]*)?$""",
    re.MULTILINE)
_BLOCKS_RE = re.compile(r"(?:[^\n]|\n(?![ \t]*\n))+")  # runs of text without a blank line


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A construct of a page's source, found by ``scan_source``: its kind, its text and its line."""

    kind: str  # "cluster", "note", "interviews", "notedef"
    text: str  # normalised text of the construct
    line: int  # 1-based, in the Markdown given


def _without_markers(markdown: str) -> str:
    """The page without the two characters Python-Markdown deletes before reading
    it (its placeholder markers); line breaks are untouched."""
    if STX in markdown or ETX in markdown:
        return markdown.replace(STX, "").replace(ETX, "")
    return markdown


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _inline_text(markdown: str, fences: bool) -> str:
    """The page with what Markdown does not read as inline text blanked (fenced
    and indented code, comments, block-quote markers, link definitions), every
    line break kept, so that positions still give lines."""
    text = _without_markers(markdown)
    text = _FENCE_RE.sub(_blank, text) if fences else text
    text = _blank_html_blocks(text)
    text = _COMMENT_RE.sub(_blank, text)
    text = _blank_indented_code(text)
    text = _QUOTE_MARKERS_RE.sub(_blank, text)
    return _LINK_DEFINITION_RE.sub(_blank, text)


_HTML_BLOCK_START_RE = re.compile(r"^[ \t]*<[A-Za-z!?/]", re.MULTILINE)


def _blank_html_blocks(text: str) -> str:
    """Blank the blocks of raw HTML, which Python-Markdown passes through unread
    (pandoc reads the Markdown between the tags: README, dialect differences).

    Which lines they are is Python-Markdown's own decision: its preprocessors
    run on the text, and the lines they replaced by placeholders are blanked."""
    if not _HTML_BLOCK_START_RE.search(text):
        return text  # no line starts with a tag: the common case
    md = Markdown()
    lines = NormalizeWhitespace(md).run(text.split("\n"))  # one line for one, and two blank ones at the end
    kept = HtmlBlockPreprocessor(md).run(lines)
    if not md.htmlStash.rawHtmlBlocks:
        return text
    blanked = text.split("\n")
    matcher = difflib.SequenceMatcher(None, lines, kept, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag != "equal":
            for index in range(i1, min(i2, len(blanked))):
                blanked[index] = " " * len(blanked[index])
    return "\n".join(blanked)


def _blank_indented_code(text: str) -> str:
    """Blank indented code blocks: lines indented four spaces after a blank line,
    unless the block before is one whose content is indented (a list item, a
    note, an admonition), where the indentation continues that block."""
    if "\n    " not in text and "\n\t" not in text and not text.startswith(("    ", "\t")):
        return text  # nothing indented: the common case, without a walk over every line
    lines = text.split("\n")
    in_code = False
    container = False  # the last block at the margin holds indented content
    note = False  # ... and is a note, whose text two blank lines end (as the extension reads it)
    for index, line in enumerate(lines):
        blank = not line.strip()
        indented = line.startswith(("    ", "\t"))
        if blank:
            continue
        # A heading or a rule ends its block as a blank line does (_block_starts).
        previous_blank = index == 0 or not lines[index - 1].strip() or bool(_OWN_BLOCK_LINE_RE.match(lines[index - 1]))
        if note and index > 1 and not lines[index - 1].strip() and not lines[index - 2].strip():
            container = note = False
        if indented and (in_code or (previous_blank and not container)):
            in_code = True
            lines[index] = " " * len(line)
            continue
        in_code = False
        if not indented and previous_blank:
            start = _BLOCK_START_RE.match(line)
            container = bool(start)
            note = start is not None and start.group(0).lstrip().startswith("[^")
    return "\n".join(lines)


# Lines that interrupt a paragraph in Python-Markdown (its block processors
# search the whole block for them): a hash heading or a rule is a block of its
# own, and a block quote starts a new block.
_OWN_BLOCK_LINE_RE = re.compile(r"^(?:#{1,6}.*|[ ]{0,3}(?:(?:-[ ]{0,2}){3,}|(?:_[ ]{0,2}){3,}|(?:\*[ ]{0,2}){3,}))$",
                                re.MULTILINE)
_QUOTE_LINE_RE = re.compile(r"\n(?=[ ]{0,3}>)")
_QUOTE_START_RE = re.compile(r"[ ]{0,3}>")


def _block_starts(markdown: str) -> list[int]:
    """Where blocks start inside runs of text without a blank line."""
    if "#" not in markdown and ">" not in markdown and "\n-" not in markdown and "_" not in markdown \
            and "*" not in markdown:
        return []
    starts = []
    for match in _OWN_BLOCK_LINE_RE.finditer(markdown):
        starts += [match.start(), match.end() + 1]
    for match in _QUOTE_LINE_RE.finditer(markdown):  # a quote line after a line of text
        before = markdown[markdown.rfind("\n", 0, match.start()) + 1:match.start()]
        if before.strip() and not _QUOTE_START_RE.match(before):
            starts.append(match.end())
    return sorted(starts)


def _source_constructs(markdown: str, fences: bool) -> list[tuple[int, Construct]]:
    """(offset, construct) for each construct of the page, block by block."""
    markdown = _without_markers(markdown)
    text = _inline_text(markdown, fences)
    starts = _block_starts(markdown)
    found = []
    for block in _BLOCKS_RE.finditer(text):
        cuts = [block.start(), *(p for p in starts if block.start() < p < block.end()), block.end()]
        for start, end in itertools.pairwise(cuts):
            for construct in constructs(text[start:end]):
                found.append((start, construct))
    return found


def predict_clusters(markdown: str, fences: bool = True) -> tuple[Cluster, ...]:
    """The citation clusters a page's source holds (for early formatting).

    ``fences``: whether ``` fences are code (MkDocs always enables them)."""
    return tuple(c.cluster for _, c in _source_constructs(markdown, fences) if c.cluster is not None)


def scan_source(markdown: str, fences: bool = True) -> list[Occurrence]:
    """Every construct in the page source with its line, in source order."""
    markdown = _without_markers(markdown)  # positions below are in this text
    text = _inline_text(markdown, fences)
    found: list[tuple[int, Occurrence]] = []
    defs = set()
    for match in NOTE_DEF_RE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found.append((match.start(), Occurrence("notedef", match["label"], line)))
        defs.add(match.start() + match.group(0).index("["))
    for offset, construct in _source_constructs(markdown, fences):
        start = offset + construct.start
        if construct.kind == "note" and start in defs:
            continue
        line = text.count("\n", 0, start) + 1
        raw = markdown[start: offset + construct.end]
        found.append((start, Occurrence(construct.kind, normalise(_QUOTE_MARKERS_RE.sub("", raw)), line)))
    found.sort(key=lambda pair: pair[0])
    return [occurrence for _, occurrence in found]
