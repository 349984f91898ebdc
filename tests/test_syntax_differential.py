"""Differential fuzzing: ntsbrief's citation reader against pandoc's own reading.

Hypothesis writes snippets of pandoc Markdown full of citation syntax (clusters, in-text citations,
keys with every character pandoc allows, glued punctuation, stray and nested brackets, note
references, emphasis, code, math, raw TeX, escapes, links, e-mail addresses, HTML, line breaks) and
raw soups of the same characters. Each example is a list of snippets, made into one document, one
paragraph each, read by pandoc once (``pandoc -f markdown``). Each paragraph's clusters and note
references, in order, must be ``syntax.constructs`` of the same paragraph: the same works, modes,
and prefix and suffix text (ntsbrief's affixes, which are Markdown, are read by pandoc too -- once per
example -- and compared as plain text, as ``conformance.compare`` does).

Not compared, by design (``ntsbrief.syntax`` and the README): a citation pandoc nests inside another's
prefix or suffix (ntsbrief keeps it as text: such a cluster is compared by works and modes); a
paragraph where pandoc reads a note reference inside a cluster, or reads one of the inline marks the
site does not have (``^sup^``, ``~sub~``, ``~~strike~~``, ``^[inline note]``). Nor a paragraph pandoc
does not read as one paragraph (a snippet line that starts a block: a fence, a definition list, a
setext underline, an HTML or TeX block; raw HTML running on over paragraphs): ``constructs`` reads
inline text only.

Every paragraph starts with a sentinel word (``P7.``), so that no snippet begins a block (a list, a
heading, a quotation, an example list, a link or note definition); every note label used is defined
first, as pandoc reads ``[^x]`` as a note only if ``x`` is defined.

Budget: ``NTSBRIEF_FUZZ_EXAMPLES`` examples (default 80) of 20-36 paragraphs each, derandomized, so
CI sees the same documents every run (two pandoc runs per example, two more where they disagree). A
large local run::

    NTSBRIEF_FUZZ_EXAMPLES=3000 NO_MKDOCS_2_WARNING=1 .venv/bin/python -m pytest \\
        tests/test_syntax_differential.py -q --hypothesis-show-statistics

Disagreements found and not yet fixed in ``src`` are listed at the end (``KNOWN``, "Known
disagreements"), each class with its minimal examples, kept as strict xfails; the main property
excuses those classes and no others.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import pytest
from conformance.compare import _plain, _read_affixes
from conformance.pandoc_reading import read, stringify
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from ntsbrief.syntax import constructs

EXAMPLES = int(os.environ.get("NTSBRIEF_FUZZ_EXAMPLES", "80"))
SNIPPETS = (20, 36)  # paragraphs per example (one pandoc document)

DIFFERENTIAL = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                               HealthCheck.data_too_large, HealthCheck.large_base_example])

NOTE_LABELS = ("n", "1", "long-label", "x@y")

# ======================================================================== generators

# Key characters: ASCII, and non-ASCII letters and digits of every kind pandoc's isAlphaNum takes
# (Lu, Ll, Lt, Lm, Lo, Nd, Nl, No), a combining mark and a format character it does not.
KEY_LETTERS = "abcxyzAZ0129_éß漢Ωǅʰ٣²Ⅻ\u0301\u200b"
KEY_PUNCTUATION = ":.#$%&-+?<>~/"
key_body = st.text(alphabet=KEY_LETTERS + KEY_PUNCTUATION + KEY_LETTERS, min_size=1, max_size=8)
plain_key = st.one_of(
    st.builds(lambda first, rest: first + rest, st.sampled_from(KEY_LETTERS + "*"), st.text(
        alphabet=KEY_LETTERS + KEY_PUNCTUATION, max_size=8)),
    st.sampled_from(["piper2005", "Doe:2020.a-b_c/d", "http://x.org/a", "a//b", "a:/b", "k.", "k:", "k-",
                     "k--x", "k..x", "k.:x", "1", "_", "*", "é", "漢字", "a<b>c", "a~b"]),
    key_body,
)
# "@{...}": anything but white space, braces balanced (and, rarely, not, or with a space).
_BRACED_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="{}\n\r")
braced_key = st.one_of(
    st.text(alphabet=_BRACED_CHARS, min_size=1, max_size=6).map(lambda k: "{" + k + "}"),
    st.lists(st.sampled_from(["a", "{b}", "{", "}", ";", "]", "[", " ", ",", "@", "\u00a0", "\u2028", "\x1c",
                              "\u3000", "é", "x y"]), min_size=1, max_size=5).map(lambda p: "{" + "".join(p) + "}"),
)
key = st.one_of(plain_key, plain_key, braced_key)
key_ref = st.builds(lambda dash, k: dash + "@" + k, st.sampled_from(["", "", "", "-"]), key)

WORDS = ["see", "also", "e.g.", "e.g.,", "cf.", "i.e.", "p.", "pp.", "chap.", "Hz", "8–13", "12--15", "x", "é",
         "漢字", "a.b", "...", "and", "the", "3", "vol. 2", "n.", "Mr.", "—", "U.S."]
PREFIXES = ["", "", "see ", "e.g.,", "e.g., ", "cf. ", "see also ", "*see* ", "`x` ", "[x] ", "compare\n",
            "so-called \"x; y\" ", "_e.g._ ", "\\[ ", "see\u00a0", "a [b] c ", "(", "x-", "p. ", "and ", "—"]
LOCATORS = ["", "", ", 12", " p. 30", ", p. 30", ", 12–15", ", 12--15", ", chap. 2", ", *passim*", " and elsewhere",
            ", `a;b`", ", \"x; y\"", ", [p] too", ", 3\n4", ", \\; x", ", 4]", ", 5[", ", *a; b*", ", _a; b_",
            ", 'x; y'", ", $a;b$", ", <span>x;</span>", ", {.c}", ", 182, 185", " 33", ",12", ", p.\n30", ". 3",
            ", ill.", ", n. 4", ", §3", ", *p.* 3", ", -@j", ", @j", ", see @j", ": 3", " [3]"]
EMAILS = ["a@b.org", "x.y@example.com", "<x@y.org>", "mailto:k@x.org", "user@{x}"]
HTML = ["<span>", "</span>", "<a href='@x'>", "<a href=\"[@x]\">", "<!-- [@x] -->", "<https://x.org/@k>",
        "<br/>", "<i>@k</i>", "<x@y>"]
STRAY = ["[", "]", ";", "@", "-@", "{", "}", "<", ">", "(", ")", "*", "_", "`", "\\", "'", "\"", "!", "^", "~",
         "$", ":", ",", ".", "-", "--", "---", "&", "#"]
GLUE_BEFORE = ["", "", "", "", " ", "(", "x", "é", "/", ":", ".", "..", "...", "-", "--", "—", "\\", "`c`", "'",
               "\"", "*", "[", "_", "a.", "9", "@", "e.g.", "@a"]
GLUE_AFTER = ["", "", "", "", " ", ".", ",", ")", ";", ":", "'s", "]", "*", "_", "x", "[", "(", "{", ".x", "@b",
              "-", "`"]
SEPARATORS = [" ", " ", " ", "", "\n", ", ", "; ", " \n ", "  \n"]

base = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(EMAILS),
    st.sampled_from(HTML),
    st.sampled_from(STRAY),
    key_ref,
    key_ref,
    st.sampled_from(NOTE_LABELS).map(lambda label: f"[^{label}]"),
    st.sampled_from(["`code`", "`a;b]`", "``a ` b``", "`@k`", "`[@k]`", "``", "`x"]),
    st.sampled_from(["\\[", "\\]", "\\@", "\\;", "\\*", "\\`", "\\-", "\\\\", "\\{", "\\.", "\\\n"]),
    st.sampled_from(["$x$", "$@k$", "$$a;b$$", "$ x$", "\\emph{@k}", "\\cite{a; @k}", "\\x", "\\textit{a]}"]),
)


@st.composite
def _item(draw, inline):
    prefix = draw(st.sampled_from(PREFIXES) | inline.map(lambda t: t + " "))
    suffix = draw(st.sampled_from(LOCATORS) | inline.map(lambda t: ", " + t))
    return prefix + draw(key_ref) + suffix


@st.composite
def _bracketed(draw, inline):
    """``[items]`` (or something close to it: an empty item, a glued prefix, what follows)."""
    items = draw(st.lists(_item(inline) | inline, min_size=1, max_size=4))
    text = draw(st.sampled_from(["[", "[", "[ ", "[\n"]))
    for n, item in enumerate(items):
        text += (draw(st.sampled_from(["; ", "; ", ";", " ; ", ";\n", ";; ", " "])) if n else "") + item
    text += draw(st.sampled_from(["]", "]", "]", " ]", "\n]", ""]))
    return text + draw(st.sampled_from(["", "", "", "", "(url)", "(a b)", "{.c}", "{#i}", "[x]", "[]", "[^n]",
                                        "[@z]", ":", ".", "(", "{"]))


@st.composite
def _in_text(draw, inline):
    """``@k``, ``-@k``, ``@k [12]``, ``@k [-@j p. 30; see also @m]``, ``@k [p. 3; @d]``."""
    text = draw(key_ref)
    after = draw(st.integers(0, 3))
    if after == 1:
        text += draw(st.sampled_from(["", " ", " ", "\n", "  ", " \n "])) + draw(_bracketed(inline))
    elif after == 2:
        locator = draw(st.sampled_from(LOCATORS).map(lambda s: s.lstrip(", ")) | inline)
        rest = draw(st.sampled_from(["", "", "; @d", "; see also @m", ";", "; x"]) | _item(inline).map(
            lambda item: "; " + item))
        text += draw(st.sampled_from([" ", "", "\n"])) + "[" + locator + rest + draw(
            st.sampled_from(["]", "]", "]", "] [x]", "](u)", "]{.c}", "]]", ""]))
    return text


def _extend(inline):
    return st.one_of(
        _bracketed(inline),
        _in_text(inline),
        st.builds(lambda before, part, after: before + part + after, st.sampled_from(GLUE_BEFORE), inline,
                  st.sampled_from(GLUE_AFTER)),
        st.builds(lambda mark, part: mark + part + mark, st.sampled_from(["*", "_", "**", "\"", "'", "~~", "^"]),
                  inline),
        st.builds(lambda part, target: "[" + part + "]" + target, inline,
                  st.sampled_from(["(https://x.org/@k)", "(u \"t; @x\")", "[ref]", "{.smallcaps}", "", "[]"])),
        st.builds(lambda part: "![" + part + "](i.png)", inline),
        st.lists(inline, min_size=2, max_size=4).flatmap(lambda parts: st.builds(
            lambda seps: "".join(p + s for p, s in zip(parts, [*seps, ""], strict=True)),
            st.lists(st.sampled_from(SEPARATORS), min_size=len(parts) - 1, max_size=len(parts) - 1))),
    )


structured = st.recursive(base, _extend, max_leaves=10)

FRAGMENTS = [
    *"[]@;-,.:/ \n`*_{}<>\\()!^'\"~#$%&+?ab1é漢",
    "@a", "@b", "-@c", "@{d}", "[@e", "[see @f", "[^n]", "p. 3", "e.g.,", "; ", "]:", "](u)", "a@b.org", "--",
    "...", "  \n", "Hz", "$", "\\emph{"]
soup = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)


@st.composite
def snippet(draw):
    text = draw(structured) if draw(st.integers(0, 3)) else draw(soup)
    text = text.replace("\r", "").replace("\f", "").replace("\v", "")
    while (blank := re.search(r"\n[ \t]*(?=\n)", text)) is not None:  # one paragraph: no blank line
        text = text[:blank.start()] + text[blank.end():]
    return text


snippets = st.lists(snippet(), min_size=SNIPPETS[0], max_size=SNIPPETS[1])

# ======================================================================== the two readings

NOTE_TEXT = "Note text."


def paragraphs(texts: list[str]) -> list[str]:
    return [f"P{n}. {text}" for n, text in enumerate(texts)]


def document(paras: list[str]) -> str:
    """The paragraphs, after a definition of every note label they use (pandoc reads ``[^x]`` as a
    note only if ``x`` is defined; ntsbrief reports an undefined one)."""
    labels = dict.fromkeys([*NOTE_LABELS, *(c.label for para in paras for c in constructs(para) if c.kind == "note")])
    return "\n\n".join([f"[^{label}]: {NOTE_TEXT}" for label in labels] + paras) + "\n"


# The affixes of a cluster with a citation nested in one: pandoc's hold that citation, ntsbrief's the
# same text escaped, read differently on its own (``@a<b>``: a key, or a key and an HTML tag), so
# such a cluster is compared by its works and modes only.
NESTED = "(nested)"
# Where a paragraph is not compared, and why (see the module docstring).
NOT_ONE_PARAGRAPH = "not one paragraph"
RAW_HTML_OVER_PARAGRAPHS = "raw HTML over paragraphs"
INLINE_MARKS = "pandoc's inline marks"  # ^sup^, ~sub~, ~~strike~~, ^[inline note]: README
NOTE_IN_CLUSTER = "note in a cluster"
_INLINE_MARKS = {"Superscript", "Subscript", "Strikeout"}


def _events(node, events: list, inside_cite: bool = False) -> set[str]:
    """Append pandoc's clusters and note references in ``node`` to ``events``, in order (in an affix,
    a citation is listed as ``("nested",)`` and a note reference not at all); return the reasons, if
    any, not to compare the paragraph."""
    if isinstance(node, list):
        return set().union(*(_events(item, events, inside_cite) for item in node))
    if not isinstance(node, dict) or "t" not in node:
        return set()
    kind, content = node["t"], node.get("c")
    if kind == "Note":
        if stringify(content) != NOTE_TEXT:
            return {INLINE_MARKS}  # an inline note
        if inside_cite:
            return {NOTE_IN_CLUSTER}
        events.append(("note",))
        return set()
    if kind in _INLINE_MARKS:
        return {INLINE_MARKS} | _events(content, events, inside_cite)
    if kind == "Cite":
        citations, _ = content
        inner: list = []
        reasons = set().union(*(_events(c.get(part, []), inner, True) for c in citations
                                for part in ("citationPrefix", "citationSuffix")))
        if inside_cite:
            events.append(("nested",))
            return reasons
        affixes = [(NESTED, NESTED) if inner else
                   (_plain(stringify(c.get("citationPrefix", []))), _plain(stringify(c.get("citationSuffix", []))))
                   for c in citations]
        events.append(("cluster", tuple(c["citationId"] for c in citations),
                       tuple(c["citationMode"]["t"] for c in citations),
                       tuple(p for p, _ in affixes), tuple(s for _, s in affixes)))
        return reasons
    return _events(content, events, inside_cite) if isinstance(content, (list, dict)) else set()


_SENTINEL_RE = re.compile(r"P(\d+)\.(?: |$)")
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")


def _raw_blank_line(node) -> bool:
    """Whether raw HTML in ``node`` holds a blank line (pandoc lets a comment, a processing
    instruction or a tag with a quoted attribute run on over paragraphs)."""
    if isinstance(node, list):
        return any(_raw_blank_line(item) for item in node)
    if isinstance(node, dict):
        if node.get("t") == "RawInline":
            return bool(_BLANK_LINE_RE.search(node["c"][1]))
        return _raw_blank_line(node.get("c"))
    return False


def pandoc_readings(paras: list[str]) -> list[list | str]:
    """For each paragraph, pandoc's events, or why it is not compared (one pandoc run)."""
    groups: dict[int, list[dict]] = {}
    last = -1
    for block in read(document(paras))["blocks"]:
        sentinel = _SENTINEL_RE.match(stringify(block))
        if sentinel is not None and last < int(sentinel[1]) < len(paras):
            last = int(sentinel[1])
            groups[last] = [block]
        elif last in groups:
            groups[last].append(block)
    readings: list[list | str] = []
    for n in range(len(paras)):
        group = groups.get(n)
        if group is None or len(group) != 1 or group[0]["t"] != "Para":
            readings.append(NOT_ONE_PARAGRAPH)
        elif _raw_blank_line(group[0]):
            readings.append(RAW_HTML_OVER_PARAGRAPHS)
        else:
            events: list = []
            reasons = _events(group[0]["c"], events)
            readings.append(INLINE_MARKS if INLINE_MARKS in reasons else NOTE_IN_CLUSTER if reasons else events)
    return readings


def read_affixes(affixes: list[str]) -> list[str]:
    """``conformance.compare._read_affixes``, in smaller batches where raw HTML runs on from one affix
    into the next."""
    try:
        return _read_affixes(affixes)
    except AssertionError:
        if len(affixes) == 1:
            raise
        half = len(affixes) // 2
        return read_affixes(affixes[:half]) + read_affixes(affixes[half:])


def modes(cluster) -> tuple[str, ...]:
    return tuple(cluster.modes)


def ntsbrief_readings(paras: list[str]) -> list[list | str]:
    """For each paragraph, ``constructs``' events (affixes read by pandoc: one run), or why not."""
    raw = [constructs(para) for para in paras]
    affixes = [affix for found in raw for c in found if c.kind == "cluster" and not c.nested
               for item in c.cluster.items for affix in (item.prefix, item.suffix)]
    plain = iter(read_affixes(affixes))
    readings: list[list | str] = []
    for found in raw:
        events = []
        for construct in found:
            if construct.kind == "note":
                events.append(("note",))
            elif construct.kind == "cluster":
                cluster = construct.cluster
                pairs = ([(NESTED, NESTED)] * len(cluster.items) if construct.nested else
                         [(next(plain), next(plain)) for _ in cluster.items])
                events.append(("cluster", tuple(cluster.keys), modes(cluster), tuple(p for p, _ in pairs),
                               tuple(s for _, s in pairs)))
        readings.append(INLINE_MARKS if any(c.kind == "inline-note" for c in found) else events)
    return readings


_QUOTES = str.maketrans("‘’“”", "''\"\"")
_BRACKET_SPACE_RE = re.compile(r"(?<=\[)\s+|\s+(?=\])")


def _affix(text: str) -> str:
    """An affix as compared: curly quotes straightened (pandoc's smart quotes depend on the character
    before, which an affix read on its own does not have) and white space just inside brackets left out
    (pandoc drops the line break of ``[a\\n]`` in a paragraph; ntsbrief's affixes are on one line)."""
    return _BRACKET_SPACE_RE.sub("", text.translate(_QUOTES))


def comparable(events: list) -> list:
    return [e[:3] + tuple(tuple(_affix(s) for s in field) for field in e[3:]) for e in events]


def differences(texts: list[str]) -> tuple[list[tuple[str, list, list]], dict[str, int]]:
    """(paragraph, pandoc's events, ntsbrief's) where they differ, and counts of what was compared."""
    paras = paragraphs(texts)
    theirs, ours = pandoc_readings(paras), ntsbrief_readings(paras)
    found: list[tuple[str, list, list]] = []
    counts = dict.fromkeys(["compared", NOT_ONE_PARAGRAPH, RAW_HTML_OVER_PARAGRAPHS, INLINE_MARKS, NOTE_IN_CLUSTER], 0)
    for para, their, our in zip(paras, theirs, ours, strict=False):
        reason = their if isinstance(their, str) else our if isinstance(our, str) else None
        if reason is not None:
            counts[reason] += 1
            continue
        counts["compared"] += 1
        if comparable(their) != comparable(our):
            found.append((para, their, our))
    return found, counts


def describe(events: list) -> str:
    if not events:
        return "(nothing)"
    out = []
    for e in events:
        if e[0] == "note":
            out.append("note")
            continue
        _, keys, modes_, prefixes, suffixes = e
        items = [f"{p + ' ' if p else ''}{'-' if m == 'SuppressAuthor' else ''}@{k}"
                 f"{'(in-text)' if m == 'AuthorInText' else ''}{' |' + s if s else ''}"
                 for k, m, p, s in zip(keys, modes_, prefixes, suffixes, strict=True)]
        out.append("[" + "; ".join(items) + "]")
    return " ".join(out)


def report(found: list[tuple[str, list, list]]) -> str:
    return "\n".join(f"{para!r}\n    pandoc:   {describe(their)}\n    ntsbrief: {describe(our)}"
                     for para, their, our in found)


# ======================================================================== known disagreements
# Classes of disagreement found by this test and not yet fixed in src/ntsbrief, each with minimal
# examples (pandoc's reading, then ntsbrief's, in the comment) and a way to take its trigger out of a
# paragraph: ``neutralise`` puts an inert "¤" (or a space) where the syntax at fault is. The main
# property excuses a disagreement where, the paragraph neutralised for one known class (or for all
# those whose trigger it holds), pandoc and ntsbrief agree. ``test_known_disagreement_is_fixed`` keeps
# every example as a strict xfail: once src reads it as pandoc does, that test fails -- then delete
# the example, and the class with its last one.

INERT = "¤"


def _sub(pattern: str, replacement: str = INERT):
    compiled = re.compile(pattern)
    return lambda text: compiled.sub(replacement, text)


KNOWN: dict[str, tuple[tuple[str, ...], Callable[[str], str]]] = {
    # \c@a: pandoc raw TeX "\c@" (a TeX command name takes "@"), no key; ntsbrief cites "a" in the text.
    # \e{@a}, \emph{@k}, \e[@a], \em@@a[x]: raw TeX with its arguments: no citation; ntsbrief cites.
    "raw TeX command with @ or an argument": (
        ("\\c@a", "\\e{@a}", "\\emph{@k}", "\\e[@a]", "\\em@@a[x]"), _sub(r"\\(?=[^\W\d_])")),
    # [^a[], [^\^]: pandoc has no note (a label cannot hold "[" or "^"); ntsbrief a note "a[", "\^".
    "note label with [ or ^": (("[^a[]", "[^\\^]", "[^\\^](@a)"), _sub(r"(?<=\[)\^(?=[^\]\s]*[\^\[])")),
    # [@a$a$]@a$: pandoc cites "a$a", then "$]" is text and @a cited; ntsbrief reads math "$]@a$".
    "TeX math right after a key, after an unclosed [": (("[@a$a$]@a$",), _sub(r"\$")),
    # [[](@a)]() or [<https://x.org/@k>](u): no link or autolink inside a link's text, so pandoc cites
    # @a, @k; ntsbrief skips the inner destination and autolink. [[@a, [x]]](u): pandoc's suffix ", [x";
    # ntsbrief's ", [x]".
    "link or autolink inside link text": (
        ("[[](@a)]()", "[<https://x.org/@k>](u)", "[[@a, [x]]](u)"), _sub(r"(?<=\])(?=\()")),
    # [x](a "@a): no link (unclosed title), pandoc cites @a; ntsbrief skips the "destination".
    "not a link destination": (("[x](a \"@a)", "[x](<a b> @a)", "[x](a \"t\" @a)"), _sub(r"(?<=\])(?=\()")),
    # [a][x; @k]: no such reference, pandoc reads the label's text and cites @k; ntsbrief skips it.
    "undefined reference label": (("[a][x; @k]", "[][@a]()"), _sub(r"(?<=\])(?=\[)")),
    # pandoc reads the text of a bracket that is no cluster on its own, ntsbrief reads on past its "]":
    # [@{]}: pandoc no citation; ntsbrief cites "]" in the text. [x [a]@a]: pandoc cites @a in the
    # text; ntsbrief reads the cluster "[a]@a]" (prefix "a"), which ends with the outer bracket's "]".
    # ![@{`}\n[`@a]]: pandoc's bracket ends at the first "]" (its scan takes "`}\n[`" as code): @` and
    # @a in the text; ntsbrief reads the cluster "@{`}\n[`@a]]".
    "citation read across the ] of a bracket that is no cluster": (
        ("[@{]}", "[x @{a]b}", "[x [a]@a]", "[x []@a]", "![@{`}\n[`@a]]"),
        lambda text: re.sub(r"(?<=\])(?=-?@)", " ", re.sub(r"(?<=@)(?=\{[^ \t\n}]*[\]`])", INERT, text))),
    # </@a> (no e-mail address), <a @k> (no HTML tag), {.-@a} (attributes after nothing): text to
    # pandoc, which cites; ntsbrief skips them whole.
    "HTML, autolink or attributes that pandoc does not take": (
        ("</@a>", "<a @k>@k", "{.-@a}"), _sub(r"<|(?<!@)\{")),
    # [@a, <span>x;</span>]: pandoc reads the span whole: one cluster, suffix ", x;"; ntsbrief splits
    # at the ";" and finds no cluster.
    "HTML span in a cluster": (("[@a, <span>x;</span>]",), _sub(r"<")),
    # *a *@b: pandoc's emphasis closes after a space (and a word ends there): no citation; ntsbrief
    # cites. [@a, *x *]: pandoc's suffix ", x" (emphasis); ntsbrief: no cluster.
    "emphasis closed after a space": (("*a *@b", "[@a, *x *]"), _sub(r"[*_]")),
    # pandoc reads inside emphasis and quotes inline by inline, ntsbrief matches their delimiters:
    # ['['@a]: pandoc's cluster is "['@a]" (the quote never closes); ntsbrief's "['['@a]".
    # [.'@a']: pandoc's "'" after "." is an apostrophe: cluster, prefix ".'", suffix "'"; ntsbrief: none.
    # @a*[*@a]: "[*@a]" is read whole, so "*[*" is no emphasis: pandoc cites both; ntsbrief one.
    # _@_@a: pandoc keys "_" and "a"; ntsbrief "_@_" as emphasis, then no citation.
    # [@a, "x [y" z]]: pandoc's suffix ends at the last "]"; ntsbrief's at the first.
    "emphasis or quotes read as inlines": (
        ("['['@a]", "[.'@a']", "@a*[*@a]", "_@_@a", "[@a, \"x [y\" z]]"), _sub(r"[*_'\"]")),
    # [@b, x [^] y]: "[^]" is no note, pandoc's cluster has the suffix ", x [^] y"; ntsbrief: no cluster.
    "[^ that is no note reference, in a cluster": (("[@b, x [^] y]",), _sub(r"(?<=\[)\^(?![^\]\s]+\])")),
}


def explain(found: list[tuple[str, list, list]]) -> list[list[str]]:
    """For each disagreement, the known classes that explain it (none: unexplained); one pandoc run."""
    variants: list[tuple[int, str, str]] = []  # (disagreement, classes, neutralised text)
    for n, (para, _, _) in enumerate(found):
        text = para.split(" ", 1)[1]
        changed = [(name, neutralise(text)) for name, (_, neutralise) in KNOWN.items() if neutralise(text) != text]
        variants += [(n, name, variant) for name, variant in changed]
        if len(changed) > 1:
            everything = text
            for name, _ in changed:
                everything = KNOWN[name][1](everything)
            variants.append((n, " + ".join(name for name, _ in changed), everything))
    explained: list[list[str]] = [[] for _ in found]
    if variants:
        paras = paragraphs([text for _, _, text in variants])
        for (n, name, _), their, our in zip(variants, pandoc_readings(paras), ntsbrief_readings(paras), strict=False):
            if not isinstance(their, str) and not isinstance(our, str) and comparable(their) == comparable(our):
                explained[n].append(name)
    return explained


# ======================================================================== the property


@DIFFERENTIAL
@given(snippets)
@example(["[see @chuang2006, 490; -@b]", "@a [12]", "@item1 [-@item2 p. 30; see also @item3]", "[@a, @b; @c]",
          "x@k (@k) @k. @k, x/@k", "[e.g.,@k]", "[a link @k](https://x.org/@j) [^n] a@b.org",
          "@a\n[p. 3; @d] and [see\n@b, 2]"])
def test_constructs_is_pandocs_reading(texts):
    found, counts = differences(texts)
    for name, count in counts.items():
        if count:
            event(f"paragraphs: {name}")
    assert counts["compared"] >= len(texts) // 2, counts  # not vacuous: most snippets are compared
    explained = explain(found) if found else []
    for names in explained:
        if names:
            event(f"known disagreement: {names[0]}")
    unexplained = [d for d, names in zip(found, explained, strict=True) if not names]
    assert not unexplained, "ntsbrief and pandoc read differently:\n" + report(unexplained)


KNOWN_EXAMPLES = [(name, text) for name, (texts, _) in KNOWN.items() for text in texts]
_IDS = [text for _, text in KNOWN_EXAMPLES]


@pytest.mark.xfail(strict=True, reason="a known disagreement with pandoc, not yet fixed in src/ntsbrief")
@pytest.mark.parametrize("name, text", KNOWN_EXAMPLES, ids=_IDS)
def test_known_disagreement_is_fixed(name, text):
    found, counts = differences([text])
    assert counts["compared"] == 1, counts
    assert not found, f"{name}:\n{report(found)}"


@pytest.mark.parametrize("name, text", KNOWN_EXAMPLES, ids=_IDS)
def test_known_disagreement_is_explained_by_its_class(name, text):
    """The class's neutraliser accounts for each of its examples, so that the main property excuses
    the class (while src still reads it otherwise)."""
    found, _ = differences([text])
    if found:
        assert name in explain(found)[0], report(found)
