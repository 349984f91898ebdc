"""The batch of citation clusters as pandoc's JSON AST.

pandoc's Markdown reader took about as long as citeproc itself on a large
brief (2.4 s of 5.5 s for 9,600 clusters), so clusters reach pandoc already
parsed. A cluster is built here only when its prefixes and suffixes are plain
words, where the reader's result is certain (tests compare it with pandoc's
own reading); any other cluster is read by pandoc's Markdown reader, so
emphasis, quotes, dashes and the like keep their Markdown meaning exactly.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .syntax import markdown_words, parse_whole_cluster

# Words whose reading is certain: letters, digits and punctuation that no
# Markdown rule (emphasis, smart quotes and dashes, ellipses, links) touches.
_PLAIN_WORD_RE = re.compile(r"^(?:[^\W_]|[,()\u2013\u2014])+$")
# Abbreviations the reader joins to a following word with a no-break space
# (pandoc's smart extension). Each is checked against pandoc in the tests;
# other words ending in "." go to the reader.
ABBREVIATIONS = frozenset({"p.", "pp.", "chap.", "ch.", "sec.", "vol.", "fig.", "n.", "nn.", "cf.", "e.g.",
                           "i.e.", "ed.", "eds.", "ff.", "col.", "pt.", "bk.", "No."})
_DIV_ID_RE = re.compile(r"c(\d+)")

# A node of pandoc's JSON AST (an inline, a block, a metadata value): {"t": kind, "c": content}.
Node = dict[str, Any]


def _inlines(text: str) -> list[Node] | None:
    """``text`` as the reader gives it, or None when that is not certain."""
    words = markdown_words(text)
    inlines: list[Node] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word in ABBREVIATIONS and index + 1 < len(words) and words[index + 1][0].isalnum():
            word = f"{word}\u00a0{words[index + 1]}"  # "p. 33" reads as one word
            index += 1
            if not _PLAIN_WORD_RE.match(words[index]):
                return None
        elif not _PLAIN_WORD_RE.match(word):
            return None
        if inlines:
            inlines.append({"t": "Space"})
        inlines.append({"t": "Str", "c": word})
        index += 1
    return inlines


def _citation(key: str, prefix: list[Node], suffix: list[Node], mode: str, note: int) -> Node:
    return {"citationId": key, "citationPrefix": prefix, "citationSuffix": suffix,
            "citationMode": {"t": mode}, "citationNoteNum": note, "citationHash": 0}


def cite(source: str, note: int) -> Node | None:
    """The Cite inline for a cluster as ``Cluster.pandoc_text`` writes it; None
    when its affixes need pandoc's Markdown reader."""
    cluster = parse_whole_cluster(source)
    if cluster is None:
        return None
    citations = []
    for item, mode in zip(cluster.items, cluster.modes, strict=True):
        prefix = _inlines(item.prefix)
        suffix = _inlines(item.suffix)
        if prefix is None or suffix is None:
            return None
        if item.suffix[:1] in (" ", "\t", "\n") and suffix:
            suffix.insert(0, {"t": "Space"})  # "[@a 12]": the reader keeps that space
        citations.append(_citation(item.key, prefix, suffix, mode, note))
    return {"t": "Cite", "c": [citations, [{"t": "Str", "c": source}]]}


def _div(identifier: str, blocks: list[Node]) -> Node:
    return {"t": "Div", "c": [[identifier, [], []], blocks]}


def markdown_batch(sources: list[str], ids: list[int]) -> str:
    """Clusters for pandoc's Markdown reader, each in a div ``c<id>``."""
    return "\n\n".join(f"::: {{#c{n}}}\n{source}\n:::" for n, source in zip(ids, sources, strict=True)) + "\n"


def read_divs(reader_json: str) -> dict[int, list[Node]]:
    """The blocks of each ``c<id>`` div in the reader's output for ``markdown_batch``."""
    divs: dict[int, list[Node]] = {}
    for block in json.loads(reader_json)["blocks"]:
        ours = _DIV_ID_RE.fullmatch(block["c"][0][0]) if block["t"] == "Div" else None
        if ours:
            divs[int(ours.group(1))] = block["c"][1]
    return divs


def _set_note(blocks: list[Node], note: int) -> list[Node]:
    for block in blocks:
        for inline in block.get("c", []) if block["t"] == "Para" else []:
            if inline["t"] == "Cite":
                for citation in inline["c"][0]:
                    citation["citationNoteNum"] = note
    return blocks


def note_numbers(count: int, nocite: bool) -> list[int]:
    """The note numbers the Markdown reader gives the clusters (the ``nocite``
    citation comes first), so both routes hand citeproc the same input."""
    first = 2 if nocite else 1
    return list(range(first, first + count))


def build(sources: list[str], nocite: bool) -> list[Node | None]:
    """Each cluster's Cite inline, or None where pandoc's reader must read it."""
    return [cite(source, note) for source, note in zip(sources, note_numbers(len(sources), nocite), strict=True)]


def document(built: list[Node | None], api_version: list[int], nocite: bool,
             read: dict[int, list[Node]], references: tuple[Node, ...] = ()) -> str:
    """The whole batch: a div ``c<n>`` per cluster, then the reference list.

    ``read`` holds the reader's blocks for the clusters ``build`` left out, by
    index. With ``nocite`` every entry counts as cited, so clusters formatted
    in a later run are disambiguated exactly as these are. ``references`` are
    the entries as pandoc's BibTeX reader read them (its metadata values).
    """
    blocks = []
    for n, (inline, note) in enumerate(zip(built, note_numbers(len(built), nocite), strict=True)):
        content = [{"t": "Para", "c": [inline]}] if inline is not None else _set_note(read[n], note)
        blocks.append(_div(f"c{n}", content))
    blocks.append(_div("refs", []))
    meta = {"references": {"t": "MetaList", "c": list(references)}} if references else {}
    if nocite:
        everything = _citation("*", [], [], "AuthorInText", 1)
        meta["nocite"] = {"t": "MetaInlines", "c": [{"t": "Cite", "c": [[everything], [{"t": "Str", "c": "@*"}]]}]}
    return json.dumps({"pandoc-api-version": api_version, "meta": meta, "blocks": blocks}, ensure_ascii=False)


def stringify(inlines: list[Node]) -> str:
    """The text of pandoc inlines, as pandoc's own ``stringify`` gives it: markup
    dropped, quotes as curly quotes, notes and raw output left out."""
    parts: list[str] = []

    def walk(items: list[Node]) -> None:
        for item in items:
            kind = item.get("t")
            content: Any = item.get("c")  # its shape depends on the kind
            if kind == "Str":
                parts.append(content)
            elif kind in ("Space", "SoftBreak", "LineBreak"):
                parts.append(" ")
            elif kind == "Quoted":
                double = content[0]["t"] == "DoubleQuote"
                parts.append("\u201c" if double else "\u2018")
                walk(content[1])
                parts.append("\u201d" if double else "\u2019")
            elif kind in ("Code", "Math"):
                parts.append(content[-1])
            elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
                walk(content)
            elif kind in ("Span", "Link", "Image", "Cite"):  # [attributes or citations, inlines, ...]
                walk(content[1])

    walk(inlines)
    return "".join(parts)
