"""How pandoc itself reads the citations in the conformance corpus.

An importable helper, not a test module: ``read`` runs the pandoc that the
project pins (pypandoc-binary's, via ``ntsbrief.citeproc.pandoc_path``) as
``pandoc -f markdown -t json`` and ``clusters`` lists every ``Cite`` in the
resulting AST, in document order, with the chain of element types that
encloses it.

Run as a script for inspection::

    .venv/bin/python tests/conformance/pandoc_reading.py DOCUMENT.md [...]
    .venv/bin/python tests/conformance/pandoc_reading.py --tally
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DOCUMENTS = HERE / "documents"
TIMEOUT = 120  # seconds for one pandoc run

MODES = ("AuthorInText", "NormalCitation", "SuppressAuthor")


def pandoc_binary() -> str:
    """The pandoc binary bundled with pypandoc-binary (the project's pin)."""
    from ntsbrief.citeproc import pandoc_path

    return pandoc_path()


def read(markdown: str) -> dict:
    """Pandoc's JSON AST for ``markdown``, read as pandoc's own ``markdown``."""
    result = subprocess.run(
        [pandoc_binary(), "-f", "markdown", "-t", "json"],
        input=markdown.encode("utf-8"),
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pandoc failed ({result.returncode}): {result.stderr.decode('utf-8', 'replace')}")
    return json.loads(result.stdout.decode("utf-8"))


def read_file(path: str | Path) -> dict:
    return read(Path(path).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------
# stringify, after Text.Pandoc.Shared.stringify


def _is_element(node: Any) -> bool:
    return isinstance(node, dict) and "t" in node


def stringify(node: Any) -> str:
    """Plain text of an inline (or list of inlines), as pandoc's ``stringify``.

    Str gives its text; Space, SoftBreak and LineBreak give a space; Quoted is
    wrapped in curly quotes (‘’ single, “” double); Code and Math give their
    text; RawInline and Note give nothing; everything else is recursed into.
    """
    if isinstance(node, list):
        return "".join(stringify(item) for item in node)
    if not _is_element(node):
        return ""
    kind = node["t"]
    content = node.get("c")
    if kind == "Str":
        return content
    if kind in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if kind == "Quoted":
        quote_type, inlines = content
        if quote_type["t"] == "SingleQuote":
            return "\u2018" + stringify(inlines) + "\u2019"
        return "\u201c" + stringify(inlines) + "\u201d"
    if kind == "Code":
        return content[1]
    if kind == "Math":
        return content[1]
    if kind in ("RawInline", "Note"):
        return ""
    if kind == "Cite":
        # The cluster's own inlines (its source text).  pandoc's stringify would
        # also take in the text of the citations' prefixes and suffixes; that only
        # matters for a Cite nested in a prefix or suffix, which is rare.
        return stringify(content[1])
    # Emph, Strong, Span, Link, Image, SmallCaps...: the text of what they hold;
    # attributes and link targets are plain strings, which give nothing.
    return stringify(content) if isinstance(content, (list, dict)) else ""


# --------------------------------------------------------------------------
# walking the AST


def _walk(node: Any, context: tuple[str, ...]) -> Iterator[tuple[dict, tuple[str, ...]]]:
    """Yield (Cite element, enclosing element types) in document order."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, context)
    elif isinstance(node, dict):
        kind = node.get("t")
        if kind == "Cite":
            yield node, context
            # citations inside a citation's prefix/suffix (rare, but walk them)
            citations, _ = node["c"]
            inner = (*context, "Cite")
            for citation in citations:
                yield from _walk(citation.get("citationPrefix", []), inner)
                yield from _walk(citation.get("citationSuffix", []), inner)
            return
        if kind in ("Figure", "Table"):
            # [attr, caption, ...]: the caption ([short, blocks]) is untagged in JSON
            content = node["c"]
            inner = (*context, kind)
            yield from _walk(content[1], (*inner, "Caption"))
            yield from _walk(content[2:], inner)
        elif kind is not None:
            yield from _walk(node.get("c"), (*context, kind))
        else:
            for value in node.values():
                yield from _walk(value, context)


def _cluster(cite: dict, context: tuple[str, ...]) -> dict:
    citations, inlines = cite["c"]
    return {
        "keys": [c["citationId"] for c in citations],
        "modes": [c["citationMode"]["t"] for c in citations],
        "prefixes": [stringify(c.get("citationPrefix", [])) for c in citations],
        "suffixes": [stringify(c.get("citationSuffix", [])) for c in citations],
        "text": stringify(inlines),
        "context": list(context),
    }


def clusters(ast: dict) -> list[dict]:
    """Every citation cluster in ``ast``: first those in ``meta``, then the body.

    ``context`` lists the element types that enclose the Cite, from the root
    (``["Para"]``, ``["Table", "Plain"]``, ``["Para", "Note", "Para"]``,
    ``["Figure", "Caption", "Plain"]``, ``["Figure", "Plain", "Image"]``...).
    The untagged caption of a Table or Figure shows as ``"Caption"``; a Cite
    found inside another citation's prefix or suffix has ``"Cite"`` in its
    context and follows the cluster that holds it.  Those found in the metadata
    start with ``"meta"`` and the field name (``["meta", "nocite", "MetaInlines"]``).
    pandoc repeats a figure's caption as its image's alt text, so a citation
    in a figure caption is listed twice, once for each.
    """
    found: list[dict] = []
    for field, value in (ast.get("meta") or {}).items():
        for cite, context in _walk(value, ("meta", field)):
            found.append(_cluster(cite, context))
    for cite, context in _walk(ast.get("blocks", []), ()):
        found.append(_cluster(cite, context))
    return found


# --------------------------------------------------------------------------
# corpus tally


def documents() -> list[Path]:
    return sorted(DOCUMENTS.glob("*.md"))


FEATURES = {
    "clusters with a locator/suffix": lambda c: any(s.strip() for s in c["suffixes"]),
    "clusters with a prefix": lambda c: any(p.strip() for p in c["prefixes"]),
    "clusters with >=2 citations": lambda c: len(c["keys"]) >= 2,
    "clusters with an AuthorInText citation": lambda c: "AuthorInText" in c["modes"],
    "clusters with a SuppressAuthor citation": lambda c: "SuppressAuthor" in c["modes"],
    "clusters with a key containing ':'": lambda c: any(":" in k for k in c["keys"]),
    "clusters with a key containing '.'": lambda c: any("." in k for k in c["keys"]),
    "clusters with a key containing '/'": lambda c: any("/" in k for k in c["keys"]),
    "clusters inside a note": lambda c: "Note" in c["context"],
    "clusters inside a table": lambda c: "Table" in c["context"],
    "clusters inside a caption or image": lambda c: any(t in c["context"] for t in ("Caption", "Image", "Figure")),
    "clusters inside a link": lambda c: "Link" in c["context"],
    "clusters inside a heading": lambda c: "Header" in c["context"],
    "clusters inside a block quote": lambda c: "BlockQuote" in c["context"],
    "clusters inside a list": lambda c: any(t in c["context"] for t in ("BulletList", "OrderedList", "DefinitionList")),
    "clusters in the metadata": lambda c: c["context"][:1] == ["meta"],
}


def tally(paths: list[Path] | None = None) -> dict:
    paths = documents() if paths is None else paths
    per_feature: Counter[str] = Counter()
    docs_with: Counter[str] = Counter()
    total = 0
    citations = 0
    for path in paths:
        found = clusters(read_file(path))
        total += len(found)
        citations += sum(len(c["keys"]) for c in found)
        seen = set()
        for cluster in found:
            for name, test in FEATURES.items():
                if test(cluster):
                    per_feature[name] += 1
                    seen.add(name)
        docs_with.update(seen)
    return {
        "documents": len(paths),
        "clusters": total,
        "citations": citations,
        "features": {name: (per_feature[name], docs_with[name]) for name in FEATURES},
    }


def _print_tally() -> None:
    result = tally()
    print(f"documents: {result['documents']}")
    print(f"clusters:  {result['clusters']}")
    print(f"citations: {result['citations']}")
    print()
    print("| feature | clusters | documents |")
    print("| --- | ---: | ---: |")
    for name, (count, docs) in result["features"].items():
        print(f"| {name} | {count} | {docs} |")


def _print_summary(path: Path) -> None:
    found = clusters(read_file(path))
    print(f"{path.name}: {len(found)} clusters")
    for cluster in found:
        where = "/".join(cluster["context"]) or "-"
        parts = []
        for key, mode, prefix, suffix in zip(cluster["keys"], cluster["modes"], cluster["prefixes"],
                                             cluster["suffixes"], strict=True):
            mark = {"AuthorInText": "", "NormalCitation": "", "SuppressAuthor": "-"}[mode]
            part = f"{prefix + ' ' if prefix else ''}{mark}@{key}{' |' + suffix if suffix else ''}"
            parts.append(part + (" (in-text)" if mode == "AuthorInText" else ""))
        print(f"  [{where}] {'; '.join(parts)}    <- {cluster['text']!r}")


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv[0] == "--tally":
        _print_tally()
        return 0
    for arg in argv:
        _print_summary(Path(arg))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
