"""ntsbrief's formatting of real .bib files compared with pandoc run directly on them.

For each file in ``data/`` and each style, the same citation clusters are
formatted twice:

* **pandoc direct**: a Markdown document, one ``::: {#cN}`` div per cluster,
  given to ``pandoc --citeproc --csl=STYLE --bibliography=FILE.bib -f markdown
  -t html5``: the .bib file itself or, where pandoc's reader rejects the whole
  file, a copy with the blocks it rejects blanked out (``pandoc_readable``);
* **ntsbrief**: ``Bibliography.load([FILE.bib])``, then
  ``Formatter().format(style, for_pandoc(store, keys), clusters)`` as a build
  does it, keys pandoc cannot read written as their ``alias``. If ntsbrief
  cannot format the file at all, that is recorded, the entries whose BibTeX
  (as the store gives it to pandoc) pandoc rejects are found and left out, and
  the rest is formatted, so that every other difference is still seen.

Clusters: ``[@{key}]`` for every entry; for every ``SAMPLE_EVERY``-th also a
page range (``[@{key}, 479-483]`` or ``[@{key}, 115-116]``), a prefix and a
second work (``[see @{key}, 12; also @{next}]``) and an author-in-text
citation (``@{key} [33]``).

Both outputs are split by ``ntsbrief.citeproc.parse_pandoc_html`` and compared
entry by entry (the reference list) and cluster by cluster. Only the ids of
works are normalised (an alias and its key name the same work); any other
difference in the HTML is a difference, given a likely cause by ``classify``.

Not compared, and reported apart: entries only in blocks pandoc rejects, and
keys pandoc cannot read in a citation even braced.

    cd tests && ../.venv/bin/python -m bibconformance.compare [--style S] [--file F] [--show N]
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ntsbrief.bibliography import Bibliography
from ntsbrief.citeproc import FormatError, Formatted, Formatter, pandoc_path, parse_pandoc_html
from ntsbrief.pandoc_input import PandocInput, for_pandoc
from ntsbrief.style import Style, resolve_style
from ntsbrief.syntax import alias

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
STYLES = ("ntsbrief", "apa", "chicago-author-date")
SAMPLE_EVERY = 5
TIMEOUT = 600


def bib_files() -> list[Path]:
    return sorted(DATA.glob("*.bib"))


def _pandoc(arguments: list[str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([pandoc_path(), *arguments], input=stdin, capture_output=True, text=True,
                          encoding="utf-8", timeout=TIMEOUT, check=False)


def _one_line(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------ per file


@dataclass(frozen=True)
class Rejected:
    """A block pandoc's BibTeX reader rejects, making it reject the whole file."""

    line: int  # where the block starts, in the original file
    last: int  # its last line
    header: str  # its first line
    error: str  # pandoc's message


@dataclass(frozen=True)
class Cluster:
    template: str  # ``{0}``, ``{1}``: where the keys go, as ``@{key}``
    keys: tuple[str, ...]

    def text(self, name=lambda key: key) -> str:
        return self.template.format(*("@{" + name(key) + "}" for key in self.keys))


@dataclass
class Prepared:
    """A .bib file, read once for every style."""

    path: Path
    store: Bibliography  # the whole file, as a build reads it
    bibliography: Path  # what pandoc direct reads: the file, or a copy without the blocks pandoc rejects
    rejected: list[Rejected]  # those blocks
    rejected_keys: list[str]  # entries only in rejected blocks: not compared
    unreadable_keys: list[str]  # keys pandoc cannot read in a citation even braced: not compared
    cited: list[str]  # every other key of the store, sorted
    clusters: list[Cluster]
    formatter: Formatter
    duplicates: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (cause, detail)
    ntsbrief_rejects: str | None = None  # what citing one entry pandoc rejects does to ntsbrief
    # Filled by the first style that formats the file (see ``ntsbrief_side``):
    ntsbrief_error: str | None = None  # why ntsbrief could not format the whole file
    ntsbrief_left_out: dict[str, str] = field(default_factory=dict)  # key -> pandoc's error for its BibTeX
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    checked: bool = False

    @property
    def name(self) -> str:
        return self.path.name


def pandoc_readable(path: Path) -> tuple[str, list[Rejected]]:
    """The file as pandoc's BibTeX reader accepts it: each block it rejects
    blanked out, lines kept (``rejected_blocks.lua``: pandoc's own reader,
    read again after each rejected block, all in one pandoc process)."""
    result = _pandoc(["lua", str(HERE / "rejected_blocks.lua"), str(path)])
    if result.returncode != 0:
        raise RuntimeError(f"rejected_blocks.lua failed on {path.name}: {result.stderr.strip()}")
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    rejected = []
    for block in json.loads(result.stdout):
        first, last = block["line"], block["last"]
        rejected.append(Rejected(first, last, lines[first - 1].strip(), _one_line(block["error"])))
        for n in range(first - 1, min(last, len(lines))):
            lines[n] = ""
    return "\n".join(lines), rejected


def readable_keys(keys: list[str]) -> set[str]:
    """The keys pandoc's Markdown reader reads back from ``[@{key}]``."""
    document = "\n\n".join(f"::: {{#k{n}}}\n[@{{{key}}}]\n:::" for n, key in enumerate(keys)) + "\n"
    result = _pandoc(["--from=markdown", "--to=json"], document)
    if result.returncode != 0:
        raise RuntimeError(f"pandoc cannot read the key test: {result.stderr}")
    readable = set()
    for block in json.loads(result.stdout)["blocks"]:
        if block["t"] != "Div" or not re.fullmatch(r"k\d+", block["c"][0][0]):
            continue
        key = keys[int(block["c"][0][0][1:])]
        inner = block["c"][1]
        if (len(inner) == 1 and inner[0]["t"] == "Para" and len(inner[0]["c"]) == 1
                and inner[0]["c"][0]["t"] == "Cite"
                and [c["citationId"] for c in inner[0]["c"][0]["c"][0]] == [key]):
            readable.add(key)
    return readable


_ANY_BLOCK_START_RE = re.compile(r"^[ \t%]*@")


def duplicate_definitions(path: Path, store: Bibliography, rejected: list[Rejected]) -> dict[str, tuple[str, str]]:
    """Keys defined more than once whose definitions differ where it matters:
    the store keeps the first (and reports the others), pandoc the last it reads."""
    lines = path.read_text(encoding="utf-8-sig").split("\n")

    def block(line: int) -> str:
        end = next((n for n in range(line, len(lines)) if _ANY_BLOCK_START_RE.match(lines[n])), len(lines))
        return _one_line("\n".join(lines[line - 1:end]))

    later: dict[str, list[int]] = {}
    for d in store.diagnostics:
        found = re.match(r"duplicate BibTeX key '(.*)' \(first defined", d.message)
        if found and d.line is not None:
            later.setdefault(found.group(1), []).append(d.line)
    differing = {}
    for key, lines_after in later.items():
        entry = store.entries.get(key)
        if entry is None:
            continue
        readable = [n for n in [entry.line, *sorted(lines_after)] if not any(r.line <= n <= r.last for r in rejected)]
        if not readable or block(readable[-1]) == block(entry.line):
            continue
        detail = (f"the store keeps the first definition (line {entry.line}), "
                  f"pandoc the last it reads (line {readable[-1]})")
        if lines[entry.line - 1].lstrip().startswith("%"):
            differing[key] = ("duplicate key, the first commented out with % (the store reads it, pandoc skips it)",
                              detail)
        else:
            differing[key] = ("duplicate key: the sides format different definitions", detail)
    return differing


def make_clusters(cited: list[str]) -> list[Cluster]:
    clusters = []
    for n, key in enumerate(cited):
        clusters.append(Cluster("[{0}]", (key,)))
        if n % SAMPLE_EVERY == 0:
            pages = "479-483" if (n // SAMPLE_EVERY) % 2 == 0 else "115-116"
            other = cited[(n + 1) % len(cited)]
            clusters.append(Cluster("[{0}, " + pages + "]", (key,)))
            clusters.append(Cluster("[see {0}, 12; also {1}]", (key, other)) if other != key
                            else Cluster("[see {0}, 12]", (key,)))
            clusters.append(Cluster("{0} [33]", (key,)))
    return clusters


def prepare(path: Path, work: Path) -> Prepared:
    work.mkdir(parents=True, exist_ok=True)
    store = Bibliography.load([path], display_root=HERE)
    pandoc_text, rejected = pandoc_readable(path)
    bibliography, rejected_keys = path, []
    if rejected:
        bibliography = work / "pandoc-readable" / path.name
        bibliography.parent.mkdir(parents=True, exist_ok=True)
        bibliography.write_text(pandoc_text, encoding="utf-8")
        kept = Bibliography.load([bibliography]).entries
        rejected_keys = sorted(k for k in store.entries if k not in kept)
    candidates = sorted(k for k in store.entries if k not in rejected_keys)
    readable = readable_keys(candidates) if candidates else set()
    cited = [k for k in candidates if k in readable]
    prepared = Prepared(path, store, bibliography, rejected, rejected_keys,
                        [k for k in candidates if k not in readable], cited, make_clusters(cited),
                        Formatter(cache_dir=work / "cache"), duplicate_definitions(path, store, rejected))
    if rejected_keys:
        # What a brief citing one of these works gets from ntsbrief (the store accepts them).
        key = rejected_keys[0]
        try:
            Formatter().format(resolve_style("ntsbrief", HERE), for_pandoc(store, [key]), [f"[@{{{alias(key)}}}]"])
            prepared.ntsbrief_rejects = f"citing {key!r} alone formats"
        except FormatError as error:
            prepared.ntsbrief_rejects = f"citing {key!r} alone: FormatError: {_one_line(str(error))}"
    return prepared


# ------------------------------------------------------------------ both sides


def pandoc_direct(prepared: Prepared, style: Style) -> tuple[Formatted, list[str]]:
    """pandoc run on the .bib file itself (or on it minus the blocks it rejects)."""
    texts = [cluster.text() for cluster in prepared.clusters]
    document = "\n\n".join(f"::: {{#c{n}}}\n{text}\n:::" for n, text in enumerate(texts)) + "\n"
    result = _pandoc(["--citeproc", f"--csl={style.path}", f"--bibliography={prepared.bibliography}",
                      "--from=markdown", "--to=html5", "--wrap=none",
                      "-M", "link-citations=true", "-M", "link-bibliography=true"], document)
    if result.returncode != 0:
        raise RuntimeError(f"pandoc direct failed on {prepared.name} ({style.name}): {result.stderr.strip()}")
    return parse_pandoc_html(result.stdout, texts), [_one_line(w) for w in result.stderr.splitlines() if w.strip()]


def rejected_by_pandoc(store: Bibliography, keys: list[str]) -> dict[str, str]:
    """The keys whose BibTeX, as the store gives it to pandoc (with the macros
    and the parents it needs), pandoc's reader rejects on its own."""
    probes = []
    for key in keys:
        text = getattr(for_pandoc(store, [key]), "text", None)
        if not isinstance(text, str):  # the store no longer hands pandoc BibTeX: nothing to probe
            return {}
        probes.append({"name": key, "text": text})
    with tempfile.TemporaryDirectory(prefix="bibconformance-") as tmp:
        probe = Path(tmp) / "probes.json"
        probe.write_text(json.dumps(probes, ensure_ascii=False), encoding="utf-8")
        result = _pandoc(["lua", str(HERE / "entry_probe.lua"), str(probe)])
    if result.returncode != 0:
        raise RuntimeError(f"entry_probe.lua failed: {result.stderr.strip()}")
    return {item["name"]: _one_line(item["error"]) for item in json.loads(result.stdout)}


def _shared_parents(store: Bibliography, keys: list[str]) -> str:
    """Parents that more than half of the keys bring along (a hint for a file-wide failure)."""
    counts = Counter()
    for key in keys:
        entries = getattr(for_pandoc(store, [key]), "entries", ())
        for parent in {p for _, _, parents in entries for p in parents}:
            counts[parent] += 1
    common = [f"{PandocInput(store).unalias(p)!r} (as {p})" for p, n in counts.items() if n > len(keys) / 2]
    return f"; each brings along, as its crossref/xdata parent, the entry {', '.join(common)}" if common else ""


def ntsbrief_side(prepared: Prepared, style: Style) -> Formatted:
    """ntsbrief's formatting of every cluster, keys written as the site sends them."""
    store = prepared.store
    texts = [cluster.text(alias) for cluster in prepared.clusters]
    with prepared.lock:  # the first style finds out whether the file formats at all
        if not prepared.checked:
            prepared.checked = True
            try:
                return prepared.formatter.format(style, for_pandoc(store, prepared.cited), texts)
            except FormatError as error:
                prepared.ntsbrief_error = _one_line(str(error))
                prepared.ntsbrief_left_out = rejected_by_pandoc(store, prepared.cited)
                if len(prepared.ntsbrief_left_out) == len(prepared.cited):
                    prepared.ntsbrief_error += (" -- every entry is rejected on its own"
                                                + _shared_parents(store, prepared.cited))
    keys = [k for k in prepared.cited if k not in prepared.ntsbrief_left_out]
    if not keys:
        return Formatted()
    try:
        return prepared.formatter.format(style, for_pandoc(store, keys), texts)
    except FormatError as error:
        prepared.ntsbrief_error = (prepared.ntsbrief_error or "") + f" -- and without the rejected entries: {error}"
        return Formatted()


# ------------------------------------------------------------------ comparing

_REF_ATTR_RE = re.compile(r'((?:href="#|id=")ref-)([^"]*)(")')
_CITES_ATTR_RE = re.compile(r'(data-cites=")([^"]*)(")')


def normalised(fragment: str | None, unalias=lambda key: key) -> str | None:
    """Ids of works as one spelling (the key, unaliased, escaped alike): the
    only part of the HTML that is not content."""
    if fragment is None:
        return None
    fragment = _REF_ATTR_RE.sub(lambda m: m.group(1) + html.escape(unalias(html.unescape(m.group(2))))
                                + m.group(3), fragment)
    return _CITES_ATTR_RE.sub(lambda m: m.group(1) + html.escape(" ".join(
        unalias(k) for k in html.unescape(m.group(2)).split(" "))) + m.group(3), fragment)


_TAG_RE = re.compile(r"<(/?)(\w+)([^>]*)>")
_TEX_MATH_RE = re.compile(r"\$[^$]*\$")
_QUOTES_RE = re.compile("[,.]?[\"'\u2018\u2019\u201c\u201d][,.]?")  # a style may move punctuation inside
_SPACES_RE = re.compile(r"\s+")
_INITIALS_RE = re.compile(r"(?<=>)(?:[A-Z]\. )+")  # given names a citation adds to tell authors apart


def _strip_spans(fragment: str, keep=lambda attributes: False) -> str:
    """``fragment`` without the <span> tags (not their content) that ``keep`` does not keep."""
    out, stack, at = [], [], 0
    for match in _TAG_RE.finditer(fragment):
        if match.group(2) != "span":
            continue
        out.append(fragment[at:match.start()])
        at = match.end()
        if match.group(1):
            if stack and stack.pop():
                out.append(match.group(0))
        else:
            stack.append(keep(match.group(3)))
            if stack[-1]:
                out.append(match.group(0))
    out.append(fragment[at:])
    return "".join(out)


def _math_as_token(fragment: str) -> str:
    """pandoc's rendered math, whole, as one token."""
    out, depth, at = [], 0, 0
    for match in _TAG_RE.finditer(fragment):
        if match.group(2) != "span":
            continue
        if depth:
            depth += -1 if match.group(1) else 1
            if depth == 0:
                at = match.end()
            continue
        if not match.group(1) and 'class="math' in match.group(3):
            out.append(fragment[at:match.start()] + "\u27e8math\u27e9")
            depth = 1
    out.append(fragment[at:] if depth == 0 else "")
    return "".join(out)


_MATH = "\u27e8math\u27e9"
# What can be lost on the way, each as a change to both sides that makes it
# invisible, applied in this order: pandoc's rendered math and TeX as one token;
# without any <span> (the spans pandoc makes of {...}: bare or "nocase"); all
# quotation marks alike (and punctuation next to them); runs of white space
# as one space; initials a citation adds to tell authors apart dropped; letter
# case ignored.
_STEPS = (
    ("math", _math_as_token, lambda m: _TEX_MATH_RE.sub(_MATH, m)),
    ("braces", _strip_spans, _strip_spans),
    ("quotes", lambda t: _QUOTES_RE.sub("'", t), lambda m: _QUOTES_RE.sub("'", m)),
    ("spaces", lambda t: _SPACES_RE.sub(" ", t), lambda m: _SPACES_RE.sub(" ", m)),
    ("initials", lambda t: _INITIALS_RE.sub("", t), lambda m: _INITIALS_RE.sub("", m)),
    ("case", str.casefold, str.casefold),
)


_SPAN_OPEN_RE = re.compile(r"<span((?:\s[^>]*)?)>")


def _lost_spans(theirs: str, mine: str) -> Counter:
    """The <span>s (by attributes; math aside) pandoc direct has more of than ntsbrief."""
    count = lambda f: Counter(a.strip() for a in _SPAN_OPEN_RE.findall(f) if "math" not in a)  # noqa: E731
    return count(theirs) - count(mine)


def _causes(names: set[str], theirs: str, mine: str) -> str:
    """The causes of a difference that the ``_STEPS`` of these ``names`` remove, named."""
    found = []
    if "math" in names:
        found.append("TeX math shown raw")
    lost = _lost_spans(theirs, mine) if "braces" in names else Counter()
    braces = ("", 'class="nocase"')
    if set(braces) & set(lost):
        how = "letters changed" if "case" in names else "markup only"
        found.append(f"brace-protected case lost ({how})")
    elif "case" in names:
        found.append("letter case differs")
    found += [f"LaTeX formatting lost (<span {a}>)" for a in sorted(lost) if a not in braces]
    if "quotes" in names:
        found.append("straight quotes read as quotation marks")
    if "spaces" in names:
        found.append("white space differs")
    if "initials" in names:
        found.append("authors told apart differently (the sides cite different sets of works)")
    return " + ".join(found) or "markup differs"


def classify(theirs: str | None, mine: str | None) -> str:
    """The likely cause of a difference between pandoc direct's and ntsbrief's
    HTML: the fewest ``_STEPS`` that make the two alike, named."""
    if theirs is None:
        return "missing on pandoc direct's side"
    if mine is None:
        return "missing on ntsbrief's side"
    for size in range(1, len(_STEPS) + 1):
        for steps in itertools.combinations(_STEPS, size):
            t, m = theirs, mine
            for _, on_theirs, on_mine in steps:
                t, m = on_theirs(t), on_mine(m)
            if t == m:
                return _causes({name for name, _, _ in steps}, theirs, mine)
    words = lambda f: Counter(re.findall(r"\w+", html.unescape(_TAG_RE.sub(" ", f)).casefold()))  # noqa: E731
    if words(theirs) == words(mine):
        if 'class="nocase"' in theirs:
            return "brace-protected name split into particle and family name (name order changed)"
        return "same words in another order"
    return "other"


@dataclass(frozen=True)
class Difference:
    file: str
    style: str
    kind: str  # "entry", "cluster", or "file" (ntsbrief could not format the whole file)
    key: str  # the entry's key, the cluster as pandoc direct reads it, or "" for the file
    pandoc: str | None  # pandoc direct's HTML (None: missing)
    ntsbrief: str | None
    cause: str  # its class (``classify``)
    detail: str = ""
    keys: tuple[str, ...] = ()  # the works it concerns


@dataclass
class Result:
    file: str
    style: str
    entries: int = 0
    entries_identical: int = 0
    clusters: int = 0
    clusters_identical: int = 0
    differences: list[Difference] = field(default_factory=list)
    pandoc_entries: int = 0  # entries in pandoc direct's reference list
    pandoc_warnings: list[str] = field(default_factory=list)
    ntsbrief_warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


_NOTE_VARIABLE_RE = re.compile(r"^[ \t]*([A-Za-z][\w-]*):[ \t]*(\S.*?)[ \t]*$", re.MULTILINE)


def note_variables(entry) -> dict[str, str]:
    """``name: value`` lines of the entry's note: what a CSL-JSON reader takes
    for variables (Zotero's "cheater syntax"), ``ID: x`` renaming the work."""
    note = entry.field("note") if entry is not None else ""
    return {m.group(1).lower(): m.group(2) for m in _NOTE_VARIABLE_RE.finditer(note)}


NOTE_CAUSE = "note field read as CSL variables ('name: value' lines)"


def compare(prepared: Prepared, style: Style) -> Result:
    result = Result(prepared.name, style.name)
    started = time.perf_counter()
    direct, result.pandoc_warnings = pandoc_direct(prepared, style)
    result.pandoc_entries = len(direct.entries)
    result.seconds["pandoc direct"] = time.perf_counter() - started
    started = time.perf_counter()
    ours = ntsbrief_side(prepared, style)
    result.seconds["ntsbrief"] = time.perf_counter() - started
    result.ntsbrief_warnings = list(ours.warnings)
    store = prepared.store
    unalias = PandocInput(store).unalias
    if prepared.ntsbrief_error:
        result.differences.append(Difference(prepared.name, style.name, "file", "", None, None,
                                             "ntsbrief cannot format the file", prepared.ntsbrief_error))
    our_entries = {unalias(name): body for name, body in ours.entries.items()}
    renamed = {v["id"]: k for k in prepared.cited for v in [note_variables(store.entries[k])] if "id" in v}
    entry_causes: dict[str, str] = {}
    for key in sorted(set(prepared.cited) | set(direct.entries) | set(our_entries)):
        theirs, mine = normalised(direct.entries.get(key)), normalised(our_entries.get(key), unalias)
        result.entries += 1
        if theirs is not None and theirs == mine:
            result.entries_identical += 1
            continue
        cause, detail = classify(theirs, mine), ""
        if mine is None and key in prepared.ntsbrief_left_out:
            cause = "missing on ntsbrief's side: pandoc rejects its BibTeX as the store gives it"
            detail = prepared.ntsbrief_left_out[key]
        elif key in prepared.duplicates:
            cause, detail = prepared.duplicates[key]
        elif theirs is None and key in renamed:
            cause, detail = NOTE_CAUSE, f"{renamed[key]!r} is listed as {key!r}, the 'ID:' in its note"
        elif note_variables(store.entries.get(key)) and (mine is None or cause == "other"):
            cause, detail = NOTE_CAUSE, f"its note: {store.entries[key].field('note')!r}"
        entry_causes[key] = cause
        result.differences.append(Difference(prepared.name, style.name, "entry", key, theirs, mine, cause, detail,
                                             (key,)))
    for cluster in prepared.clusters:
        source = cluster.text()
        theirs = normalised(direct.clusters.get(source))
        mine = normalised(ours.clusters.get(cluster.text(alias)), unalias)
        result.clusters += 1
        if theirs is not None and theirs == mine:
            result.clusters_identical += 1
            continue
        cause, detail = classify(theirs, mine), ""
        duplicated = [prepared.duplicates[k] for k in cluster.keys if k in prepared.duplicates]
        left_out = [k for k in cluster.keys if k in prepared.ntsbrief_left_out]
        unknown = [k for k in cluster.keys if mine is not None and f"<strong>{html.escape(alias(k))}?</strong>" in mine]
        if left_out or unknown:
            cause = "cites an entry missing on ntsbrief's side"
            detail = "; ".join(f"{k}: {entry_causes.get(k, '?')}" for k in dict.fromkeys(left_out + unknown))
        elif duplicated:
            cause, detail = duplicated[0]
        keys = tuple(k for k in cluster.keys if not duplicated or k in prepared.duplicates)
        result.differences.append(Difference(prepared.name, style.name, "cluster", source, theirs, mine, cause,
                                             detail, keys))
    return result


# ------------------------------------------------------------------ the whole run


@dataclass
class Run:
    prepared: dict[str, Prepared]
    results: list[Result]
    seconds: dict[str, float]

    def totals(self, style: str) -> tuple[int, int, int, int]:
        rows = [r for r in self.results if r.style == style]
        return (sum(r.entries for r in rows), sum(r.entries_identical for r in rows),
                sum(r.clusters for r in rows), sum(r.clusters_identical for r in rows))

    @property
    def differences(self) -> list[Difference]:
        return [d for r in self.results for d in r.differences]


def run(styles: tuple[str, ...] = STYLES, files: list[Path] | None = None, work: Path | None = None,
        workers: int | None = None) -> Run:
    """Every file in every style. ``work``: a scratch folder for the pandoc-readable
    copies and the formatter's disk cache (default: a temporary one, removed after)."""
    started = time.perf_counter()
    files = files if files is not None else bib_files()
    workers = workers or max(2, os.cpu_count() or 2)
    with tempfile.TemporaryDirectory(prefix="bibconformance-") as tmp:
        work = Path(work or tmp)
        resolved = [resolve_style(name, HERE) for name in styles]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            prepared = list(pool.map(lambda p: prepare(p, work / p.stem), files))
            prepared_at = time.perf_counter()
            jobs = sorted(((p, s) for p in prepared for s in resolved), key=lambda job: -len(job[0].clusters))
            results = list(pool.map(lambda job: compare(*job), jobs))
    order = {(p.name, s.name): n for n, (p, s) in enumerate((p, s) for p in prepared for s in resolved)}
    results.sort(key=lambda r: order[(r.file, r.style)])
    seconds = {"reading the files": prepared_at - started, "comparing": time.perf_counter() - prepared_at}
    for r in results:
        for part, value in r.seconds.items():
            seconds[f"  of which {part} (summed over workers)"] = seconds.get(
                f"  of which {part} (summed over workers)", 0.0) + value
    seconds["total"] = time.perf_counter() - started
    return Run({p.name: p for p in prepared}, results, seconds)


# ------------------------------------------------------------------ the report


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _report_file(p: Prepared, w: Callable[[str], object]) -> None:
    """One file's line of the Files section, and its own problems."""
    w(f"- {p.name}: {len(p.store.entries)} entries in the store ({len(p.store.macros)} @string blocks), "
      f"{len(p.cited)} compared, {len(p.clusters)} clusters\n")
    if p.rejected:
        kinds = Counter(re.sub(r"[{(].*", "", b.header).lower() for b in p.rejected)
        w(f"  pandoc direct REJECTS THE WHOLE FILE: {len(p.rejected)} block(s) it cannot read "
          f"({', '.join(f'{k} x{n}' for k, n in kinds.items())}); compared on the file without them, "
          f"{len(p.rejected_keys)} entries not compared\n")
        for block in p.rejected[:3]:
            w(f"    line {block.line}: {block.header}  -- {block.error}\n")
    if p.ntsbrief_rejects:
        w(f"  ntsbrief on an entry pandoc rejects: {p.ntsbrief_rejects}\n")
    if p.ntsbrief_error:
        w(f"  NTSBRIEF CANNOT FORMAT THE FILE: {p.ntsbrief_error}\n")
        for key, error in list(p.ntsbrief_left_out.items())[:3]:
            w(f"    left out {key!r}: {error}\n")
        if len(p.ntsbrief_left_out) > 3:
            w(f"    ... {len(p.ntsbrief_left_out) - 3} more left out\n")
    if p.unreadable_keys:
        w(f"  keys pandoc cannot read even braced (not compared): {p.unreadable_keys!r}\n")
    diagnostics = list(p.store.diagnostics)
    if diagnostics:
        kinds = Counter(re.sub(r"'.*", "", d.message).strip() for d in diagnostics)
        w(f"  store diagnostics: {len(diagnostics)} ({', '.join(f'{k}: {n}' for k, n in kinds.items())})\n")
        for d in diagnostics:
            w(f"    {d}\n")


def report(outcome: Run, out=sys.stdout, show: int | None = None) -> None:
    """The table, the files' own problems, the causes, then every difference."""
    w = out.write
    w("BibTeX conformance: ntsbrief against pandoc --citeproc run directly on the same .bib\n\n")
    w(f"{'file':34} {'style':20} {'entries':>7} {'same':>7} {'clusters':>8} {'same':>7}\n")
    for r in outcome.results:
        failed = "  ntsbrief failed on the whole file" if any(d.kind == "file" for d in r.differences) else ""
        w(f"{r.file:34} {r.style:20} {r.entries:7} {_percent(r.entries_identical, r.entries):>7} "
          f"{r.clusters:8} {_percent(r.clusters_identical, r.clusters):>7}{failed}\n")
    for style in dict.fromkeys(r.style for r in outcome.results):
        e, ei, c, ci = outcome.totals(style)
        w(f"{'all files':34} {style:20} {e:7} {_percent(ei, e):>7} {c:8} {_percent(ci, c):>7}\n")
    w("\nTime: " + "; ".join(f"{part.strip()} {value:.1f} s" for part, value in outcome.seconds.items()) + "\n")
    w("\nFiles\n")
    for p in outcome.prepared.values():
        _report_file(p, w)
    w("\nDifferences by cause (all styles)\n")
    causes = Counter((d.kind, d.cause) for d in outcome.differences)
    for (kind, cause), count in sorted(causes.items(), key=lambda item: (item[0][0], -item[1])):
        w(f"  {count:6}  {kind:8} {cause}\n")
    w("\nEvery difference" + (f" (at most {show} per file and style)" if show is not None else "") + "\n")
    for r in outcome.results:
        shown = r.differences if show is None else r.differences[:show]
        for d in shown:
            w(f"\n[{d.file} | {d.style} | {d.kind} | {d.cause}] {d.key}\n")
            if d.detail:
                w(f"  detail  : {d.detail}\n")
            if d.kind != "file":
                w(f"  pandoc  : {d.pandoc}\n  ntsbrief: {d.ntsbrief}\n")
        if len(shown) < len(r.differences):
            w(f"\n  ... {len(r.differences) - len(shown)} more in {r.file} ({r.style})\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--style", action="append", choices=STYLES, help="only this style (repeatable)")
    parser.add_argument("--file", action="append", help="only this file of data/ (repeatable)")
    parser.add_argument("--show", type=int, default=None, help="at most this many differences per file and style")
    parser.add_argument("--json", type=Path, help="also write every difference to this JSON file")
    args = parser.parse_args(argv)
    files = [DATA / name for name in args.file] if args.file else None
    outcome = run(tuple(args.style or STYLES), files)
    report(outcome, show=args.show)
    if args.json:
        args.json.write_text(json.dumps([d.__dict__ for d in outcome.differences], ensure_ascii=False, indent=1),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
