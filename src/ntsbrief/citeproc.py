"""Formatting with pandoc's citeproc: batched, in the background, cached by content.

All citations of a brief are formatted against one bibliography (the cited
entries), so disambiguation (2011a/2011b) and "et al." rules are decided across
the whole brief. For in-text styles each cluster's text depends only on that
bibliography, so results are kept per cluster under a key made of everything
that can change them (style, locale, entries, pandoc version): a later build
formats only clusters it has not seen, and a cached result is never stale.
Work can start early (``prefetch``) so pandoc runs while pages still convert.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import subprocess
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import pandoc_ast
from .bibliography import PandocBibtex
from .cache import DiskCache, digest
from .style import Style, is_incremental

CACHE_VERSION = "2"
SPLIT_FROM = 4000  # distinct clusters from which two pandoc processes finish sooner than one


class FormatError(Exception):
    """pandoc could not format the citations."""


@dataclass
class Formatted:
    """HTML per cluster (by its pandoc source) and per entry key."""

    clusters: dict[str, str] = field(default_factory=dict)
    entries: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    has_entries: bool = False  # the reference list has been formatted

    def to_json(self) -> str:
        return json.dumps({"clusters": self.clusters, "entries": self.entries, "warnings": self.warnings,
                           "has_entries": self.has_entries}, ensure_ascii=False)

    @classmethod
    def from_data(cls, data) -> Formatted | None:
        """From ``to_json``'s value as parsed; None if it is not one."""
        try:
            return cls(data["clusters"], data["entries"], data["warnings"], data["has_entries"])
        except (KeyError, TypeError):
            return None


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    """pypandoc-binary's own pandoc: the one the project pins, so every machine
    formats alike. Found without importing pypandoc, which runs each pandoc it can
    find to pick the newest (its choice is kept for when no binary is bundled)."""
    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        bundled = Path(folder) / "files" / ("pandoc.exe" if os.name == "nt" else "pandoc")
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
    import pypandoc

    return pypandoc.get_pandoc_path()


@lru_cache(maxsize=1)
def pandoc_api_version() -> list[int]:
    """The version of the JSON AST this pandoc reads and writes."""
    return json.loads(_run([pandoc_path(), "--from=markdown", "--to=json"], "")[0])["pandoc-api-version"]


@lru_cache(maxsize=1)
def pandoc_version() -> str:
    result = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True, check=False)
    return result.stdout.splitlines()[0] if result.stdout else "unknown"


class Formatter:
    """Lives as long as the front end (across ``mkdocs serve`` rebuilds)."""

    def __init__(self, cache_dir: Path | None = None):
        self.cache = DiskCache(cache_dir)
        self.runs = 0  # citeproc processes started, for tests and benchmarks
        self._lock = threading.Lock()
        self._memory: dict[str, Formatted] = {}
        self._pending: dict[str, Future] = {}
        self._markers: set[str] = set()
        self._items: dict[str, list[dict]] = {}
        self._entry_items: dict[str, str] = {}  # CSL-JSON record of one entry, by its content key
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ntsbrief-prefetch")

    def prefetch(self, style: Style, bibtex: str | PandocBibtex, clusters: list[str],
                 locale: str | None = None) -> None:
        """Start formatting in the background; ``format`` with the same inputs collects it."""
        if not clusters:
            return
        context = self._context(style, bibtex, clusters, locale)
        if context not in self._pending:
            self._pending[context] = self._background.submit(self._complete, context, style, bibtex, clusters, locale)

    def format(self, style: Style, bibtex: str | PandocBibtex, clusters: list[str],
               locale: str | None = None) -> Formatted:
        """The distinct clusters (pandoc Markdown) and the reference list of ``bibtex``."""
        unique = list(dict.fromkeys(clusters))
        context = self._context(style, bibtex, unique, locale)
        pending = self._pending.pop(context, None)
        if pending is not None:
            pending.result()  # a failure there is raised here, once
        known = self._complete(context, style, bibtex, unique, locale)
        return Formatted({c: known.clusters[c] for c in unique if c in known.clusters}, dict(known.entries),
                         list(known.warnings), known.has_entries)

    def csl_items(self, bibtex: str | PandocBibtex) -> list[dict]:
        """The entries as CSL-JSON records, read by pandoc's BibTeX reader (cached).

        Given the entries one by one (``PandocBibtex``), only those not converted
        before are read, in two pandoc processes at once when they are many: the
        reader takes about 1 ms an entry, which is seconds for a large store."""
        key = _digest("csljson", _text(bibtex))
        if key not in self._items:
            cached = self.cache.read_json(key)
            if cached is not None:
                items = cached
            elif isinstance(bibtex, PandocBibtex):
                items = self._convert_by_entry(bibtex)
            else:
                items = json.loads(_run([pandoc_path(), "--from=biblatex", "--to=csljson"], bibtex)[0])
            if cached is None:
                self.cache.write_json(key, json.dumps(items, ensure_ascii=False))
            self._items = {key: items}  # the latest conversion: one store per brief
        return [dict(item) for item in self._items[key]]

    def _convert_by_entry(self, bibtex: PandocBibtex) -> list[dict]:
        blocks = {name: block for name, block, _ in bibtex.entries}
        # An entry's record depends on its own text, its parents' (crossref) and the macros.
        ids = {name: _digest("csl-entry", bibtex.macros, block, *(blocks[p] for p in parents))
               for name, block, parents in bibtex.entries}
        found: dict[str, dict] = {}  # name -> its record (a fresh copy: callers may change it)
        for name in blocks:
            remembered = self._entry_items.get(ids[name])
            known = json.loads(remembered) if remembered is not None else self.cache.read_json(ids[name])
            if known is not None:
                found[name] = known
        missing = [name for name in blocks if name not in found]
        parents = {name: names for name, _, names in bibtex.entries}

        def convert(names: list[str]) -> dict[str, dict]:
            needed = list(dict.fromkeys(n for name in names for n in (name, *parents[name])))
            text = "\n\n".join([bibtex.macros] + [blocks[n] for n in needed]) + "\n"
            records = json.loads(_run([pandoc_path(), "--from=biblatex", "--to=csljson"], text)[0])
            return {record.get("id"): record for record in records}

        chunks = [missing[: len(missing) // 2], missing[len(missing) // 2:]] if len(missing) >= 200 else [missing]
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ntsbrief-csljson") as pool:
            for names, records in zip(chunks, pool.map(convert, [c for c in chunks if c])):
                for name in names:
                    if name in records:
                        found[name] = records[name]
                        self._entry_items[ids[name]] = json.dumps(records[name], ensure_ascii=False)
                        self.cache.write_json(ids[name], self._entry_items[ids[name]])
        return [found[name] for name in blocks if name in found]

    def key(self, *parts: str) -> str:
        return _digest(*parts)

    def has_marker(self, key: str) -> bool:
        """Whether ``set_marker(key)`` was called, in this process or a cached build."""
        return key in self._markers or self.cache.has_marker(key)

    def set_marker(self, key: str) -> None:
        self._markers.add(key)
        self.cache.set_marker(key)

    # -- inside ---------------------------------------------------------------

    def _context(self, style: Style, bibtex: str | PandocBibtex, clusters: list[str], locale: str | None) -> str:
        order = [] if is_incremental(style) else list(dict.fromkeys(clusters))
        return _digest(style.text, _text(bibtex), locale or "", *order)

    def _complete(self, context: str, style: Style, bibtex: str | PandocBibtex, clusters: list[str],
                  locale: str | None) -> Formatted:
        """What is known for this context, after formatting what is missing."""
        with self._lock:
            known = self._memory.get(context)
            if known is None:
                cached = self.cache.read_json(context)
                known = (Formatted.from_data(cached) if cached is not None else None) or Formatted()
            missing = [c for c in dict.fromkeys(clusters) if c not in known.clusters]
            needs_entries = not known.has_entries and bool(_text(bibtex).strip())
            if missing or needs_entries:
                new = self._run_citeproc(style, bibtex, missing, locale, needs_entries)
                known = Formatted({**known.clusters, **new.clusters}, new.entries if needs_entries else known.entries,
                                  list(dict.fromkeys(known.warnings + new.warnings)), True)
                self.cache.write_json(context, known.to_json())
            self._memory.pop(context, None)
            self._memory[context] = known
            while len(self._memory) > 8:  # a serve session's recent contexts
                del self._memory[next(iter(self._memory))]
            return known

    def _run_citeproc(self, style: Style, bibtex: str | PandocBibtex, clusters: list[str], locale: str | None,
                      with_entries: bool) -> Formatted:
        nocite = is_incremental(style)
        # A large batch goes to two processes at once: each pays again for reading
        # the style and formatting the reference list (about 0.7 s), but the second
        # core is idle while a first build waits for citeproc. Only for styles where
        # a citation's text does not depend on the others: every entry counts as
        # cited in both halves (``nocite``), so both disambiguate alike.
        parts = [clusters]
        if nocite and len(clusters) >= SPLIT_FROM:
            parts = [clusters[: len(clusters) // 2], clusters[len(clusters) // 2:]]
        # CSL-JSON (converted once and cached) reads far faster than BibTeX in every run.
        # Converting is pandoc's work: the batch is built meanwhile.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ntsbrief-csljson") as pool:
            converting = pool.submit(self.csl_items, bibtex)
            documents = [self._document(part, nocite) for part in parts]
            items = converting.result()
        with tempfile.TemporaryDirectory(prefix="ntsbrief-") as tmp:
            references = Path(tmp) / "cited.json"
            references.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
            command = [pandoc_path(), "--from=json", "--to=html5", "--wrap=none", "--citeproc",
                       f"--csl={style.path}", f"--bibliography={references}",
                       "--metadata=link-citations:true", "--metadata=link-bibliography:true"]
            if locale:
                command.append(f"--metadata=lang:{locale}")

            def run(document: str) -> tuple[str, str]:
                return _run(command, document)

            self.runs += len(parts)
            if len(parts) == 1:
                outputs = [run(documents[0])]
            else:
                with ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="ntsbrief-citeproc") as pool:
                    outputs = list(pool.map(run, documents))
        formatted = Formatted()
        for part, (stdout, stderr) in zip(parts, outputs):
            piece = parse_pandoc_html(stdout, part)
            formatted.clusters.update(piece.clusters)
            formatted.entries = formatted.entries or piece.entries  # the same list from each part
            formatted.warnings += [" ".join(line.split()) for line in stderr.splitlines() if line.strip()]
        formatted.warnings = list(dict.fromkeys(formatted.warnings))
        formatted.has_entries = with_entries
        if not with_entries:
            formatted.entries = {}
        return formatted

    @staticmethod
    def _document(clusters: list[str], nocite: bool) -> str:
        """The batch as pandoc's JSON AST; clusters with Markdown in their
        affixes are read by pandoc's Markdown reader first (one short run)."""
        built = pandoc_ast.build(clusters, nocite)
        unbuilt = [n for n, inline in enumerate(built) if inline is None]
        read = {}
        if unbuilt:
            batch = pandoc_ast.markdown_batch([clusters[n] for n in unbuilt], unbuilt)
            read = pandoc_ast.read_divs(_run([pandoc_path(), "--from=markdown", "--to=json"], batch)[0])
        return pandoc_ast.document(built, pandoc_api_version(), nocite, read)


def _run(command: list[str], stdin: str) -> tuple[str, str]:
    try:
        result = subprocess.run(command, input=stdin, capture_output=True, text=True, encoding="utf-8",
                                check=False, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise FormatError(f"cannot run pandoc: {error}") from None
    if result.returncode != 0:
        raise FormatError(" ".join(result.stderr.split()) or f"pandoc exited with {result.returncode}")
    return result.stdout, result.stderr


def _text(bibtex: str | PandocBibtex) -> str:
    return bibtex.text if isinstance(bibtex, PandocBibtex) else bibtex


def _digest(*parts: str) -> str:
    return digest(CACHE_VERSION, pandoc_version(), *parts)


_CLUSTER_RE = re.compile(r'<div id="c(\d+)">\s*<p>(.*?)</p>\s*</div>', re.DOTALL)
_SPAN_RE = re.compile(r'^<span class="citation"[^>]*>(.*)</span>$', re.DOTALL)
_ENTRY_START_RE = re.compile(r'<div id="ref-([^"]*)" class="csl-entry"[^>]*>')


def parse_pandoc_html(output: str, clusters: list[str]) -> Formatted:
    """Split pandoc's HTML into one fragment per cluster and per reference entry."""
    formatted = Formatted()
    for match in _CLUSTER_RE.finditer(output):
        inner = match.group(2).strip()
        span = _SPAN_RE.match(inner)
        formatted.clusters[clusters[int(match.group(1))]] = span.group(1) if span else inner
    refs_at = output.find('<div id="refs"')
    if refs_at >= 0:
        starts = list(_ENTRY_START_RE.finditer(output, refs_at))
        for index, start in enumerate(starts):
            end = starts[index + 1].start() if index + 1 < len(starts) else len(output)
            body = output[start.end():end].strip()
            # Drop the entry's closing tag, and after the last entry the list's.
            for _ in range(1 if index + 1 < len(starts) else 2):
                body = body.removesuffix("</div>").rstrip()
            formatted.entries[html.unescape(start.group(1))] = body
    return formatted
