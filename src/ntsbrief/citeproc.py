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

import contextlib
import html
import importlib.util
import json
import os
import re
import subprocess
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import fields, pandoc_ast, render
from .cache import DiskCache, digest
from .pandoc_ast import Node
from .pandoc_input import PandocBibtex
from .style import Style, is_incremental

CACHE_VERSION = "2"
SPLIT_FROM = 4000  # distinct clusters from which two pandoc processes finish sooner than one


class FormatError(Exception):
    """pandoc could not format the citations."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.detail = detail  # pandoc's message as it printed it


@dataclass(frozen=True)
class Rejection:
    """An entry pandoc's BibTeX reader refuses."""

    line: int | None  # where in the entry's text (from 1), if pandoc's error is inside it
    message: str  # "" where the store has reported the entry already
    kept: bool = False  # its last good reading stands in (a live preview)


@dataclass(frozen=True)
class ReadEntries:
    """The store's entries as pandoc's BibTeX reader read them (``Formatter.read_entries``)."""

    records: tuple[Node, ...] = ()  # pandoc's references, each a metadata value (MetaMap)
    rejected: dict[str, Rejection] = field(default_factory=dict)  # by the key pandoc reads


@dataclass
class Formatted:
    """HTML per cluster (by its pandoc source) and per entry key."""

    clusters: dict[str, str] = field(default_factory=dict)
    entries: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    has_entries: bool = False  # the reference list has been formatted
    rejected: dict[str, Rejection] = field(default_factory=dict)  # entries pandoc cannot read

    def to_json(self) -> str:
        """The whole as JSON, for the cache; ``from_data`` reads it back."""
        return json.dumps({"clusters": self.clusters, "entries": self.entries, "warnings": self.warnings,
                           "has_entries": self.has_entries,
                           "rejected": {k: [r.line, r.message, r.kept] for k, r in self.rejected.items()}},
                          ensure_ascii=False)

    @classmethod
    def from_data(cls, data: Any) -> Formatted | None:
        """From ``to_json``'s value as parsed; None if it is not one."""
        try:
            return cls(data["clusters"], data["entries"], data["warnings"], data["has_entries"],
                       {k: Rejection(*r) for k, r in data["rejected"].items()})
        except (KeyError, TypeError, AttributeError):
            return None


PANDOC_ENV = "NTSBRIEF_PANDOC"  # a maintainers' option: the pandoc to run instead of pypandoc-binary's
REINSTALL = ".venv/bin/pip install --force-reinstall -e ."  # README's install, forced: brings its pandoc back

# No pandoc run is unbounded, in time or in memory: a hung or runaway pandoc ends
# with a message naming what it was doing. The limits grow with the input and sit
# far above what pandoc needs, to end runaways without ever cutting off a slow
# machine. Measured on a 2-core machine (pandoc 3.9): the large benchmark brief
# (2,000 entries, ~10,000 clusters) has pandoc's largest run at 3.9 MB of input,
# 300 MB of memory and 7-12 s (two citeproc runs at once); pandoc's slowest work
# seen is about 3 s per MB of input (its Markdown reader, citeproc) and 80 MB of
# memory per MB; its CSL-JSON writer slows down more than in proportion on one
# field of megabytes (a 5 MB note: 33 MB of input, 205 s), which stays inside.
TIMEOUT_BASE = 60.0  # seconds for any run: start-up, style, locale, reference list on a loaded CI runner
TIMEOUT_PER_MB = 30.0  # seconds more per MB of input: ten times the slowest rate measured
PROBE_TIMEOUT = 30.0  # for `pandoc --version` and an empty document, which take milliseconds
# The memory cap limits pandoc's address space (RLIMIT_AS, set in the child; POSIX
# only, none on Windows). It works with GHC's allocator: the runtime first asks
# for a huge reservation but settles for what the limit allows (pandoc starts
# under 256 MB, and the benchmark's largest run passes under 384 MB), and a run
# that would pass the cap stops with "pandoc: out of memory" (exit 251) instead
# of taking the machine (a crossref cycle once made pandoc grow to 5-13 GB).
MEMORY_BASE = 2 << 30  # bytes for any run: over six times the benchmark's largest run
MEMORY_PER_MB = 512 << 20  # bytes more per MB of input: over six times the most pandoc was seen to need

_VERSION_RE = re.compile(r"pandoc(?:\.exe)?\s+\d+(?:\.\d+)*")
_JSON_OUTPUT = ("--to=json", "--to=csljson")
_OUT_OF_MEMORY_RE = re.compile(r"^[\w.-]+: (?:out of memory|Heap exhausted)", re.MULTILINE)  # GHC's, not an echo

class PandocLimitError(FormatError):
    """pandoc was stopped: it took too long or needed too much memory. Not an
    entry's fault to remember: the run as a whole fails (the store refuses the
    fields that could cause it, see ``bibliography.MAX_FIELD``)."""


class PandocSetupError(FormatError):
    """pandoc is missing or is not a working pandoc: the installation's problem,
    not the brief's. A FormatError, so every caller that reports one reports
    this too; a front end that meets it where nothing reports it stops with this
    one line (the MkDocs plugin raises it as its own error: the core knows
    nothing of MkDocs)."""

    def __init__(self, message: str, detail: str = ""):
        FormatError.__init__(self, message, detail)
        self.message = message  # as MkDocs and click show it

    def __str__(self) -> str:
        return self.message


def pandoc_path() -> str:
    """pypandoc-binary's own pandoc: the one the project pins, so every machine
    formats alike. Found without importing pypandoc, which runs each pandoc it can
    find to pick the newest (its choice is kept for when no binary is bundled).
    ``NTSBRIEF_PANDOC`` names another (for maintainers and tests)."""
    chosen = os.environ.get(PANDOC_ENV)
    return chosen if chosen else _installed_pandoc()


@lru_cache(maxsize=1)
def _installed_pandoc() -> str:
    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        bundled = Path(folder) / "files" / ("pandoc.exe" if os.name == "nt" else "pandoc")
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
    try:
        import pypandoc

        found: str = pypandoc.get_pandoc_path()
        return found
    except (ImportError, OSError) as error:
        raise PandocSetupError(f"pandoc is not installed ({_one_line(str(error))}); reinstall ntsbrief with its "
                               f"pandoc: {REINSTALL}") from None


def pandoc_api_version() -> list[int]:
    """The version of the JSON AST this pandoc reads and writes."""
    return list(_checked_pandoc(pandoc_path())[1])


def pandoc_version() -> str:
    """The first line of ``pandoc --version``; a PandocSetupError if pandoc is
    missing, cannot run, hangs or does not answer as pandoc does."""
    return _checked_pandoc(pandoc_path())[0]


_failed_pandocs: dict[tuple[object, ...], str] = {}  # (path, file's signature) -> why it is not a working pandoc


@lru_cache(maxsize=4)
def _checked_pandoc(path: str) -> tuple[str, tuple[int, ...]]:
    """(version line, JSON API version) of the pandoc at ``path``, which must
    answer ``--version`` and turn an empty document into JSON. Each call of
    the formatter asks for the version first (it is part of every cache key), so
    a broken binary is reported here, once, not as a fault of every entry. A
    failure is remembered until the file changes (a hung pandoc costs its
    timeout once), so a repaired pandoc is seen by the next build of a serve."""
    try:
        stat = os.stat(path)
        signature: tuple[object, ...] = (path, stat.st_mtime_ns, stat.st_size, stat.st_ino)
    except (OSError, ValueError):
        signature = (path,)
    if signature in _failed_pandocs:
        raise PandocSetupError(_failed_pandocs[signature])
    try:
        return _probe_pandoc(path)
    except PandocSetupError as error:
        _failed_pandocs[signature] = str(error)
        raise


def _probe_pandoc(path: str) -> tuple[str, tuple[int, ...]]:
    def broken(problem: str) -> PandocSetupError:
        if os.environ.get(PANDOC_ENV):
            advice = f"set {PANDOC_ENV} to a working pandoc, or unset it to use ntsbrief's own"
        else:
            advice = f"reinstall ntsbrief with its pandoc: {REINSTALL}"
        return PandocSetupError(f"pandoc ({path}) {problem}; {advice}")

    outputs = []
    for arguments, what in ((["--version"], "`pandoc --version`"),
                            (["--from=markdown", "--to=json"], "an empty document")):
        try:
            result = subprocess.run([path, *arguments], input="", capture_output=True, text=True, encoding="utf-8",
                                    errors="replace", check=False, timeout=PROBE_TIMEOUT, **_limits(0))
        except FileNotFoundError:
            raise broken("is missing") from None
        except PermissionError:
            raise broken("is not executable") from None
        except subprocess.TimeoutExpired:
            raise broken(f"did not answer {what} within {PROBE_TIMEOUT:g} s") from None
        except OSError as error:
            raise broken(f"cannot run: {error.strerror or error}") from None
        if result.returncode != 0:
            said = _one_line(result.stderr)[:200]
            raise broken(f"failed on {what} ({_exit(result.returncode)}{': ' + said if said else ''})")
        outputs.append(result.stdout)
    version = outputs[0].strip().splitlines()[0] if outputs[0].strip() else ""
    if not _VERSION_RE.match(version):
        raise broken(f"does not answer `--version` as pandoc does (it printed {version[:60]!r})")
    try:
        api = json.loads(outputs[1])["pandoc-api-version"]
        if not (isinstance(api, list) and api and all(isinstance(n, int) for n in api)):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise broken(f"does not write pandoc's JSON (it printed {outputs[1].strip()[:60]!r})") from None
    return version, tuple(api)


def _limits(input_bytes: int) -> dict[str, Any]:
    """``subprocess`` arguments that cap the child's memory (POSIX)."""
    try:
        import resource
    except ImportError:  # Windows: no such limit; the timeout still holds
        return {}
    cap = _memory_cap(input_bytes)
    limit_as, setrlimit = resource.RLIMIT_AS, resource.setrlimit

    def cap_memory() -> None:  # runs in the child between fork and exec: nothing that takes a lock
        with contextlib.suppress(ValueError, OSError):  # a lower hard limit already: that one holds
            setrlimit(limit_as, (cap, cap))

    return {"preexec_fn": cap_memory}


def _memory_cap(input_bytes: int) -> int:
    return MEMORY_BASE + MEMORY_PER_MB * input_bytes // 1_000_000


def _timeout(input_bytes: int) -> float:
    return TIMEOUT_BASE + TIMEOUT_PER_MB * input_bytes / 1_000_000


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _exit(returncode: int) -> str:
    if returncode < 0:
        try:
            import signal

            return f"stopped by {signal.Signals(-returncode).name}"
        except (ImportError, ValueError):
            return f"stopped by signal {-returncode}"
    return f"exit status {returncode}"


def _size(input_bytes: int) -> str:
    return f"{input_bytes / 1_000_000:.1f} MB" if input_bytes >= 100_000 else f"{max(1, round(input_bytes / 1000))} kB"


_CITEPROC_ERROR_RE = re.compile(r"^Citeproc(?:XML|Parse)Error:\s*(.*)", re.DOTALL)
_HASKELL_NAME_RE = re.compile(r'Name \{nameLocalName = "([^"]*)"[^{}]*\}')
_HASKELL_EVENTS = [  # xml-conduit's parser events, as its messages print them
    (re.compile(r"EventEndElement \(<([^>]*)>\)"), r"</\1>"),
    (re.compile(r"EventBeginElement \(<([^>]*)>\)(?: \[.*\])?"), r"<\1>"),
    (re.compile(r"EventEndDocument"), "the end of the file"),
    (re.compile(r"EventContent \(Content\w+ .*?\)(?=$|,)"), "text"),
    (re.compile(r"Event\w+\b.*?(?=$|,)"), "something else"),
]


def _style_error(command: list[str], stderr: str) -> str | None:
    """pandoc's refusal of the CSL style, in plain words naming the file: pandoc
    prints Haskell's notation (``CiteprocXMLError: ParseError {errorContexts =
    …}``, ``Name {nameLocalName = …}``) and no file. ``resolve_style`` reads each
    style first, so this is for what gets past it."""
    style = next((o[len("--csl="):] for o in command if o.startswith("--csl=")), None)
    found = _CITEPROC_ERROR_RE.match(stderr.strip())
    if style is None or found is None:
        return None
    detail = _one_line(found.group(1))
    where = ""
    position = re.search(r"errorPosition = (\d+):(\d+)", detail) or re.match(r"(\d+):(\d+) \(\d+\)-\S+ \(\d+\):\s*",
                                                                             detail)
    if position:
        where = f" at line {position.group(1)}, column {position.group(2)}"
    if detail.startswith("ParseError {"):  # the XML itself, in Haskell's record notation
        detail = "not well-formed XML"
    else:
        detail = detail[position.end():] if position and position.start() == 0 else detail
        detail = _HASKELL_NAME_RE.sub(r"<\1>", detail)
        for pattern, plain in _HASKELL_EVENTS:
            detail = pattern.sub(plain, detail)
        if re.search(r"[{}]| = |Event\w|Content\w", detail):  # notation still left: say less, plainly
            detail = "pandoc's CSL reader cannot read it"
        detail = detail[:1].lower() + detail[1:]
    return f"CSL style '{Path(style).name}' cannot be used: {detail}{where}"


def _describe(command: list[str], stdin: str, input_bytes: int) -> str:
    """What a pandoc run was doing, in the words of the brief: for messages."""
    options = set(command[1:])
    size = _size(input_bytes)
    if "--citeproc" in options:
        clusters = len(re.findall(r'\[\["c\d+"', stdin))
        style = next((Path(o[len("--csl="):]).name for o in command if o.startswith("--csl=")), "")
        return (f"formatting {clusters:,} citation{'s' * (clusters != 1)} and the reference list ({size})"
                + (f" with style '{style}'" if style else ""))
    if "--from=biblatex" in options:
        entries = len(re.findall(r"^[ \t]*@(?!string\b|preamble\b|comment\b)\w+[ \t]*[{(]", stdin,
                                 re.MULTILINE | re.IGNORECASE))
        return f"reading {entries:,} bibliography entr{'ies' if entries != 1 else 'y'} ({size})"
    if "--to=csljson" in options:
        return f"converting the cited entries to CSL-JSON for downloads ({size})"
    if "--from=latex" in options:
        values = len([p for p in stdin.split("\n\n") if p.strip()])
        return f"decoding {values:,} title{'s' * (values != 1)} for downloads and metadata ({size})"
    if "--from=markdown" in options:
        clusters = stdin.count("::: {#c")
        return f"reading {clusters:,} citation{'s' * (clusters != 1)} with Markdown in their text ({size})"
    return f"running `pandoc {' '.join(command[1:])}` ({size})"


class Formatter:
    """Lives as long as the front end (across ``mkdocs serve`` rebuilds)."""

    def __init__(self, cache_dir: Path | None = None):
        self.cache = DiskCache(cache_dir)
        self.runs = 0  # citeproc processes started, for tests and benchmarks
        self._lock = threading.Lock()
        self._memory: dict[str, Formatted] = {}
        self._pending: dict[str, Future[Formatted]] = {}
        self._markers: set[str] = set()
        self._read: dict[str, ReadEntries] = {}
        self._entry_reads: dict[str, dict[str, Any]] | None = None  # see ``_readings``; read on first need
        self._last_good: dict[str, Node] = {}  # each entry's latest reading that pandoc accepted, by name
        self._given: PandocBibtex | None = None  # the entries of the latest ``format``
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
        if isinstance(bibtex, PandocBibtex):
            self._given = bibtex
        return Formatted({c: known.clusters[c] for c in unique if c in known.clusters}, dict(known.entries),
                         list(known.warnings), known.has_entries, dict(known.rejected))

    def read_entries(self, bibtex: str | PandocBibtex) -> ReadEntries:
        """The entries as pandoc's BibTeX reader reads them: its references, as the
        metadata values of pandoc's own document model (cached).

        Not CSL-JSON: pandoc's CSL-JSON writer drops the case protection of
        ``{Braced}`` words, which its citeproc keeps when it reads a ``.bib`` itself.
        Given the entries one by one (``PandocBibtex``), only those not read before
        are converted, two pandoc processes at once when they are many (the reader
        takes about 1 ms an entry), and an entry pandoc cannot read is found and
        set aside, so that it spoils no other (in a live preview its last good
        version stands in meanwhile)."""
        key = _digest("references", _identity(bibtex))
        if key not in self._read:
            if isinstance(bibtex, PandocBibtex):
                read = self._read_by_entry(bibtex)
            else:
                records = _references(_run([pandoc_path(), "--from=biblatex", "--to=json"], bibtex)[0])
                read = ReadEntries(tuple(fields.published_record(r) for r in records))
            self._read = {key: read}  # the latest reading: one store per brief
        return self._read[key]

    def csl_items(self, bibtex: str | PandocBibtex) -> list[dict[str, Any]]:
        """The readable entries as CSL-JSON records (for downloads and metadata),
        written by pandoc from the references it read (cached)."""
        read = self.read_entries(bibtex)
        key = _digest("csljson", json.dumps(read.records, ensure_ascii=False, sort_keys=True))
        items = self.cache.read_json(key)
        if items is None:
            document = json.dumps({"pandoc-api-version": pandoc_api_version(), "blocks": [],
                                   "meta": {"references": {"t": "MetaList", "c": list(read.records)}}})
            items = (json.loads(_run([pandoc_path(), "--from=json", "--to=csljson"], document)[0])
                     if read.records else [])
            self.cache.write_json(key, json.dumps(items, ensure_ascii=False))
        return [dict(item) for item in items]

    def _read_by_entry(self, bibtex: PandocBibtex) -> ReadEntries:
        blocks = {name: block for name, block, _ in bibtex.entries}
        parents = {name: names for name, _, names in bibtex.entries}
        # An entry's reading depends on its own text, its parents' (crossref) and the macros.
        ids = {name: _digest("pandoc-reference", bibtex.macros, block, *(blocks[p] for p in parents[name]))
               for name, block, _ in bibtex.entries}
        readings = self._readings()
        found: dict[str, dict[str, Any]] = {}  # name -> {"record": ...} or {"rejected": [line, message]}
        for name in blocks:
            known = readings.get(ids[name])
            if isinstance(known, dict) and ("record" in known or "rejected" in known):
                found[name] = known
        missing = [name for name in blocks if name not in found]

        def text_of(names: list[str]) -> str:
            needed = list(dict.fromkeys(n for name in names for n in (name, *parents[name])))
            return "\n\n".join([bibtex.macros] + [blocks[n] for n in needed]) + "\n"

        def read(names: list[str]) -> dict[str, dict[str, Any]]:
            """Each entry's reading; a batch pandoc refuses is halved until the
            entries it cannot read are alone."""
            try:
                records = {_record_id(r): r for r in _references(
                    _run([pandoc_path(), "--from=biblatex", "--to=json"], text_of(names))[0])}
            except (PandocSetupError, PandocLimitError):
                raise  # no entry's fault: halving would only repeat it
            except FormatError as error:
                if len(names) > 1:
                    return {**read(names[: len(names) // 2]), **read(names[len(names) // 2:])}
                return {names[0]: {"rejected": _rejection(error.detail, text_of(names), blocks[names[0]])}}
            return {name: {"record": records[name]} if name in records
                    else {"rejected": [None, "pandoc's BibTeX reader skips this entry"]} for name in names}

        chunks = [missing[: len(missing) // 2], missing[len(missing) // 2:]] if len(missing) >= 200 else [missing]
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ntsbrief-references") as pool:
            for reads in pool.map(read, [c for c in chunks if c]):
                for name, result in reads.items():
                    found[name] = readings[ids[name]] = result
        if missing:
            self._keep_readings(set(ids.values()))
        return self._entries_read(bibtex, list(blocks), found)

    def _entries_read(self, bibtex: PandocBibtex, names: list[str], found: dict[str, dict[str, Any]]) -> ReadEntries:
        """The published records of ``names`` (all of ``bibtex``'s entries, in order) from
        pandoc's readings ``found``: an entry it refused, or one the store withheld, is a
        rejection, and its last good reading stands in for it where there is one."""
        records: list[Node] = []
        rejected: dict[str, Rejection] = {}
        for name in names:
            if "record" in found[name]:
                self._last_good[name] = found[name]["record"]
                records.append(bibtex.published(found[name]["record"]))
                continue
            line, message = found[name]["rejected"]
            stand_in = self._last_good.get(name) or self._stand_in(name)
            rejected[name] = Rejection(line, message, kept=stand_in is not None)
            if stand_in is not None:
                records.append(bibtex.published(stand_in))
        for name in bibtex.withheld:  # reported by the store; perhaps stood in for
            stand_in = self._last_good.get(name) or self._stand_in(name)
            rejected[name] = Rejection(None, "", kept=stand_in is not None)
            if stand_in is not None:
                records.append(bibtex.published(stand_in))
        return ReadEntries(tuple(records), rejected)

    def latex_to_text(self, texts: list[str]) -> list[str | None]:
        """BibTeX values as written, each as plain text decoded by pandoc's LaTeX
        reader (the one its BibTeX reader uses): accents, TeX quotes and dashes,
        commands and braces, as the formatted references show them; None for a
        value that reader refuses."""
        if not texts:
            return []
        key = _digest("latex-to-text", *texts)
        cached = self.cache.read_json(key)
        if isinstance(cached, list) and len(cached) == len(texts):
            return cached

        def read(batch: list[str]) -> list[str | None]:
            document = "\n\n".join(" ".join(text.split()) for text in batch)
            try:
                blocks = json.loads(_run([pandoc_path(), "--from=latex", "--to=json"], document)[0])["blocks"]
            except FormatError:
                if len(batch) == 1:
                    return [None]  # its reader cannot read this one: the caller keeps what it had
                return read(batch[: len(batch) // 2]) + read(batch[len(batch) // 2:])
            if len(blocks) == len(batch) and all(b["t"] in ("Para", "Plain") for b in blocks):
                return [" ".join(pandoc_ast.stringify(b["c"]).split()) for b in blocks]
            if len(batch) == 1:  # no paragraph of its own (a \par, an environment): its text as a whole
                return [" ".join(pandoc_ast.stringify([i for b in blocks if b["t"] in ("Para", "Plain")
                                                       for i in b["c"]]).split())]
            return read(batch[: len(batch) // 2]) + read(batch[len(batch) // 2:])

        decoded = read(texts)
        self.cache.write_json(key, json.dumps(decoded, ensure_ascii=False))
        return decoded

    def _readings(self) -> dict[str, dict[str, Any]]:
        """pandoc's reading of each entry converted so far (its record, or why it
        refused it), by the entry's content key: kept in one cache file, as one
        file per entry would be thousands of small writes in a first build."""
        if self._entry_reads is None:
            stored = self.cache.read_json(_digest("pandoc-readings"))
            self._entry_reads = stored if isinstance(stored, dict) else {}
        return self._entry_reads

    def _keep_readings(self, current: set[str]) -> None:
        """Write the readings back: those of the entries just given, and the
        others while they are not more than these (entries since changed)."""
        readings = self._readings()
        if len(readings) > 2 * len(current) + 100:
            self._entry_reads = readings = {key: readings[key] for key in current if key in readings}
        self.cache.write_json(_digest("pandoc-readings"), json.dumps(readings, ensure_ascii=False))

    def _stand_in(self, name: str) -> Node | None:
        """The reading of ``name`` in the entries last given to ``format`` (a live
        preview's previous build), if pandoc could read it there."""
        previous, self._given = self._given, None  # no stand-in for a stand-in
        try:
            if previous is None or name not in previous.names:
                return self._last_good.get(name)
            self._read_by_entry(previous.only([name]))  # cached per entry: usually no pandoc run
            return self._last_good.get(name)
        finally:
            self._given = previous

    def key(self, *parts: str) -> str:
        """A cache key made of ``parts``, the cache's version and pandoc's: what callers
        keep their own results under, in ``cache``."""
        return _digest(*parts)

    def has_marker(self, key: str) -> bool:
        """Whether ``set_marker(key)`` was called, in this process or a cached build."""
        return key in self._markers or self.cache.has_marker(key)

    def set_marker(self, key: str) -> None:
        """Record ``key`` as done, in memory and in the cache (see ``has_marker``)."""
        self._markers.add(key)
        self.cache.set_marker(key)

    # -- inside ---------------------------------------------------------------

    def _context(self, style: Style, bibtex: str | PandocBibtex, clusters: list[str], locale: str | None) -> str:
        order = [] if is_incremental(style) else list(dict.fromkeys(clusters))
        return _digest(style.text, _identity(bibtex), locale or "", *order)

    def _complete(self, context: str, style: Style, bibtex: str | PandocBibtex, clusters: list[str],
                  locale: str | None) -> Formatted:
        """What is known for this context, after formatting what is missing."""
        with self._lock:
            known = self._memory.get(context)
            if known is None:
                cached = self.cache.read_json(context)
                known = (Formatted.from_data(cached) if cached is not None else None) or Formatted()
            missing = [c for c in dict.fromkeys(clusters) if c not in known.clusters]
            needs_entries = not known.has_entries and bool(_text(bibtex).strip() or getattr(bibtex, "withheld", ()))
            if missing or needs_entries:
                new = self._run_citeproc(style, bibtex, missing, locale, needs_entries)
                known = Formatted({**known.clusters, **new.clusters}, new.entries if needs_entries else known.entries,
                                  list(dict.fromkeys(known.warnings + new.warnings)), True, new.rejected)
                if any(r.kept for r in known.rejected.values()):  # formatted with a stand-in: only for now
                    return known
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
        # The entries as pandoc's reader reads them (each converted once and cached) go
        # in the document's metadata, which reads far faster than BibTeX in every run.
        # Reading is pandoc's work: the batch is built meanwhile.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ntsbrief-references") as pool:
            reading = pool.submit(self.read_entries, bibtex)
            batches = [self._batch(part, nocite) for part in parts]
            read = reading.result()
        references = tuple(_names_as_read(record) for record in read.records)
        documents = [pandoc_ast.document(built, pandoc_api_version(), nocite, by_index, references)
                     for built, by_index in batches]
        command = [pandoc_path(), "--from=json", "--to=html5", "--wrap=none", "--citeproc", f"--csl={style.path}",
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
        for part, (stdout, stderr) in zip(parts, outputs, strict=True):
            piece = parse_pandoc_html(stdout, part)
            formatted.clusters.update(piece.clusters)
            formatted.entries = formatted.entries or piece.entries  # the same list from each part
            formatted.warnings += [" ".join(line.split()) for line in stderr.splitlines() if line.strip()]
        formatted.warnings = list(dict.fromkeys(formatted.warnings))
        formatted.has_entries = with_entries
        formatted.rejected = read.rejected
        if not with_entries:
            formatted.entries = {}
        return formatted

    @staticmethod
    def _batch(clusters: list[str], nocite: bool) -> tuple[list[Node | None], dict[int, list[Node]]]:
        """The batch's clusters in pandoc's JSON AST; those with Markdown in their
        affixes are read by pandoc's Markdown reader (one short run), by index."""
        built = pandoc_ast.build(clusters, nocite)
        unbuilt = [n for n, inline in enumerate(built) if inline is None]
        read: dict[int, list[Node]] = {}
        if unbuilt:
            batch = pandoc_ast.markdown_batch([clusters[n] for n in unbuilt], unbuilt)
            read = pandoc_ast.read_divs(_run([pandoc_path(), "--from=markdown", "--to=json"], batch)[0])
        return built, read


def _run(command: list[str], stdin: str) -> tuple[str, str]:
    """pandoc's output and messages; a FormatError naming what was being done if
    it fails, takes longer than its input warrants or passes its memory cap."""
    input_bytes = len(stdin.encode("utf-8", "surrogatepass"))
    timeout = _timeout(input_bytes)
    try:
        result = subprocess.run(command, input=stdin, capture_output=True, text=True, encoding="utf-8",
                                errors="replace", check=False, timeout=timeout, **_limits(input_bytes))
    except subprocess.TimeoutExpired:  # the child is killed and reaped by subprocess.run
        message = (f"pandoc took longer than {timeout:.0f} s {_describe(command, stdin, input_bytes)} and was "
                   "stopped; if the machine was busy, build again, otherwise look for an unusually large entry")
        raise PandocLimitError(message, message) from None
    except FileNotFoundError:
        raise PandocSetupError(f"pandoc ({command[0]}) is missing; reinstall ntsbrief with its pandoc: "
                               f"{REINSTALL}") from None
    except PermissionError:
        raise PandocSetupError(f"pandoc ({command[0]}) is not executable; reinstall ntsbrief with its pandoc: "
                               f"{REINSTALL}") from None
    except OSError as error:
        raise FormatError(f"cannot run pandoc: {error.strerror or error}") from None
    if result.returncode != 0:
        stderr = result.stderr
        if _OUT_OF_MEMORY_RE.search(stderr):  # GHC's runtime at the cap (exit 251)
            message = (f"pandoc ran out of memory (over {_memory_cap(input_bytes) / (1 << 30):.1f} GB) "
                       f"{_describe(command, stdin, input_bytes)} and was stopped; look for an unusually "
                       "large entry or field")
            raise PandocLimitError(message, message)
        if result.returncode < 0:  # a signal: at the cap, or killed by the system for want of memory
            message = (f"pandoc crashed ({_exit(result.returncode)}) {_describe(command, stdin, input_bytes)}; "
                       "if memory was short, look for an unusually large entry or field")
            raise PandocLimitError(message, message)
        style_problem = _style_error(command, stderr)
        if style_problem:
            raise FormatError(style_problem, stderr)
        raise FormatError(_one_line(stderr) or f"pandoc exited with {result.returncode}", stderr)
    if any(option in command for option in _JSON_OUTPUT) and result.stdout.lstrip()[:1] not in ("{", "["):
        raise PandocSetupError(f"pandoc ({command[0]}) printed something other than JSON "
                               f"{_describe(command, stdin, input_bytes)} ({result.stdout.strip()[:60]!r}); "
                               f"reinstall ntsbrief with its pandoc: {REINSTALL}")
    return result.stdout, result.stderr


def _text(bibtex: str | PandocBibtex) -> str:
    return bibtex.text if isinstance(bibtex, PandocBibtex) else bibtex


def _identity(bibtex: str | PandocBibtex) -> str:
    """Everything about the entries that can change a result."""
    return bibtex.identity if isinstance(bibtex, PandocBibtex) else bibtex


def _references(document_json: str) -> list[Node]:
    """The references of a document pandoc's BibTeX reader wrote (JSON AST)."""
    references = json.loads(document_json).get("meta", {}).get("references")
    return list(references["c"]) if references else []


_PARTICLES = ("non-dropping-particle", "dropping-particle")


def _names_as_read(record: Node) -> Node:
    """The reference with each name's parts as the BibTeX reader split them.

    Read back from metadata, a name without particles has them looked for again
    (``{van Dorp}, W.`` would become "Dorp, W. van"); a name the reader gave
    none is told so by an empty particle, as it stands when pandoc formats a
    ``.bib`` it read itself."""
    def name(value: Node) -> Node:
        parts = value["c"]
        if value.get("t") != "MetaMap" or "family" not in parts or any(p in parts for p in _PARTICLES):
            return value
        return {"t": "MetaMap", "c": {**parts, "non-dropping-particle": {"t": "MetaString", "c": ""}}}

    variables = record["c"]
    changed = {key: {"t": "MetaList", "c": [name(item) for item in value["c"]]}
               for key, value in variables.items()
               if value.get("t") == "MetaList" and any(item.get("t") == "MetaMap" for item in value["c"])}
    return {"t": record["t"], "c": {**variables, **changed}} if changed else record


def _record_id(record: Node) -> str:
    value: Node = record["c"].get("id", {})
    if value.get("t") == "MetaString":
        text: str = value["c"]
        return text
    return pandoc_ast.stringify(value.get("c", []))


_PANDOC_ERROR_RE = re.compile(r'^Error at (?:"[^"]*" )?\(line (\d+), column (\d+)\):\s*$')


def _rejection(stderr: str, text: str, block: str) -> list[int | str | None]:
    """[line within ``block``, message] from pandoc's error on reading ``text``,
    which holds ``block``: pandoc names a line of its input, which is no
    place the editor knows; its own lines (the source echoed, a caret) are dropped."""
    lines = stderr.strip().splitlines()
    position = _PANDOC_ERROR_RE.match(lines[0]) if lines else None
    if position is None:
        return [None, " ".join(stderr.split()) or "pandoc cannot read this entry"]
    body = lines[1:]
    if len(body) >= 2 and body[-1].strip() == "^":
        body = body[:-2]
    message = "; ".join(" ".join(line.split()) for line in body if line.strip()) or "syntax error"
    first = text.count("\n", 0, max(text.find(block), 0)) + 1  # the block's first line
    line = int(position.group(1)) - first + 1
    inside = 1 <= line <= block.count("\n") + 1
    return [line if inside else None, f"{message} (column {position.group(2)})" if inside else message]


def _digest(*parts: str) -> str:
    return digest(CACHE_VERSION, pandoc_version(), *parts)


_CLUSTER_RE = re.compile(r'<div id="c(\d+)">\s*<p>(.*?)</p>\s*</div>', re.DOTALL)
_SPAN_RE = re.compile(r'^<span class="citation"[^>]*>(.*)</span>$', re.DOTALL)
_ENTRY_START_RE = re.compile(rf'<div id="{re.escape(render.REF_PREFIX)}([^"]*)" class="csl-entry"[^>]*>')


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
