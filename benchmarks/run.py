"""Benchmark ntsbrief against the same site built without it.

For each size, a synthetic brief is generated (or reused, see generate.py) and
built with and without the plugin. Plain and plugin runs alternate, so that
drift of the machine (other load, thermal state, page cache) hits both alike,
and each build is its own ``python -m mkdocs build`` process, measured from
outside: wall time, the build time MkDocs reports, and peak memory.

Measured, as medians over ``--runs``:

(a) first build: ``.cache/`` deleted before each such build;
(b) warm build: the on-disk cache left by (a);
(c) ``mkdocs serve``: the rebuild MkDocs reports after a prose edit to one page;
(d) optionally mkdocs-bibtex on the same pages (``--bibtex-python``).

Usage::

    python benchmarks/run.py --size large [--runs 3] [--json out.json]
    python benchmarks/run.py --sizes 25,50,100,200 --no-serve    # scaling series
    python benchmarks/run.py --size large --profile prof.out      # cProfile one first build
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import pstats
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402  - a sibling script, not a package

TARGETS = {"first": 1.5, "warm": 1.10, "serve": 1.10, "memory": 1.3}
CONFIGS = {"plain": "mkdocs-plain.yml", "ntsbrief": "mkdocs.yml", "bibtex": "mkdocs-bibtex.yml"}
BUILT_RE = re.compile(r"Documentation built in ([0-9.]+) seconds")
BUILT_OR_RELOADED_RE = re.compile(r"Documentation built in ([0-9.]+) seconds|Reloading browsers")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


# ---------------------------------------------------------------- measuring one process


@dataclass
class Measurement:
    wall: float  # seconds from start to exit of the build process
    cpu: float  # user + system seconds of the process and its children: less sensitive to other load
    reported: float | None  # MkDocs' own "Documentation built in X seconds" (excludes start-up)
    tree_peak_mb: float | None  # peak of the summed RSS of the process and its children (pandoc)
    max_rss_mb: float  # largest RSS of any one process in the tree (the kernel's ru_maxrss)
    returncode: int
    warnings: int


def _children(pid: int) -> list[int]:
    """The children of ``pid``, from each of its threads' ``children`` file.

    pandoc may be started from a worker thread, and its parent is then that
    thread, so every task is read. Without the file (older kernels) /proc is
    scanned for matching parent ids instead.
    """
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    found: list[int] = []
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", "rb") as handle:
                found += [int(child) for child in handle.read().split()]
        except FileNotFoundError:
            return _children_by_scan(pid)
        except OSError:
            continue
    return found


def _children_by_scan(parent: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    # The parent id follows the command name, which may hold spaces.
                    if int(handle.read().rsplit(b")", 1)[1].split()[1]) == parent:
                        found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def tree_rss_kb(root: int) -> int:
    """Current RSS of ``root`` and all its descendants, in kB.

    ru_maxrss is a maximum per process, never a sum; while pandoc runs the
    Python process waits for it holding its own memory, so what the machine
    needs is the sum, which only sampling can see.
    """
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE_KB
        except (OSError, IndexError, ValueError):
            continue
        pending.extend(_children(pid))
    return total


def run_measured(command: list[str], cwd: Path, log_path: Path, timeout: float,
                 interval: float = 0.05) -> Measurement:
    """Run ``command`` to its end while a thread samples its process tree's memory.

    ``os.wait4`` gives the resource usage of this one child (and the children
    it waited for), unlike ``getrusage(RUSAGE_CHILDREN)``, whose maxrss is a
    maximum over every child this benchmark ever ran; blocking in it also
    times the exit exactly, not to the next sampling tick.
    """
    sampling = Path("/proc/self/statm").exists()
    peak_kb = [0]
    done = threading.Event()

    def sample(pid: int) -> None:
        while not done.is_set():
            peak_kb[0] = max(peak_kb[0], tree_rss_kb(pid))
            done.wait(interval)

    with open(log_path, "w", encoding="utf-8") as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=_env())
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        sampler = threading.Thread(target=sample, args=(process.pid,), daemon=True)
        if sampling:
            sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        killer.cancel()
        if sampling:
            sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
    text = log_path.read_text(encoding="utf-8", errors="replace")
    built = BUILT_RE.findall(text)
    max_rss_kb = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return Measurement(
        wall=wall, cpu=round(usage.ru_utime + usage.ru_stime, 3), reported=float(built[-1]) if built else None,
        tree_peak_mb=round(max(peak_kb[0], max_rss_kb) / 1024, 1) if sampling else None,
        max_rss_mb=round(max_rss_kb / 1024, 1), returncode=process.returncode,
        warnings=sum(1 for line in text.splitlines() if line.startswith("WARNING")),
    )


def _env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


# ---------------------------------------------------------------- builds


def build(python: str, corpus: Path, config: str, cold: bool, timeout: float) -> Measurement:
    """One ``mkdocs build`` in a fresh process; ``cold`` deletes the on-disk cache first."""
    if cold:
        shutil.rmtree(corpus / ".cache", ignore_errors=True)
    log = corpus / "logs" / f"{Path(config).stem}-{'cold' if cold else 'warm'}.log"
    log.parent.mkdir(exist_ok=True)
    measurement = run_measured([python, "-m", "mkdocs", "build", "-f", config], corpus, log, timeout)
    if measurement.returncode != 0:
        raise RuntimeError(f"{config} build failed (exit {measurement.returncode}); see {log}")
    return measurement


# ---------------------------------------------------------------- serve


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServeSession:
    """``mkdocs serve`` as a child process whose log lines can be awaited."""

    def __init__(self, python: str, corpus: Path, config: str):
        self.port = _free_port()
        self.process = subprocess.Popen(
            [python, "-m", "mkdocs", "serve", "-f", config, "-a", f"127.0.0.1:{self.port}"],
            cwd=corpus, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env())
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, pattern: re.Pattern, timeout: float) -> re.Match:
        """The first log line matching ``pattern`` from now on; an error after ``timeout``."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:  # the server exited
                break
            self.log.append(line)
            if match := pattern.search(line):
                return match
        tail = "".join(self.log[-20:])
        raise RuntimeError(f"mkdocs serve: no {pattern.pattern!r} within {timeout:.0f} s\n{tail}")

    def stop(self) -> None:
        """Ctrl-C, as a person would; killed if it does not stop."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def edited(text: str, run: int) -> str:
    """The page with one sentence appended to its first paragraph: prose only."""
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line and not line.startswith("#"))
    lines[at] += f" This sentence, number {run}, was added to measure a rebuild after a prose edit."
    return "\n".join(lines)


@dataclass
class ServeMeasurement:
    initial: float  # the first build of the session, as MkDocs reports it
    rebuild: float  # the rebuild after the edit, as MkDocs reports it
    latency: float  # from saving the edit to the rebuilt site (includes change detection)


def serve_rebuild(python: str, corpus: Path, config: str, run: int, timeout: float) -> ServeMeasurement:
    """Start ``mkdocs serve``, edit one page's prose, and read the rebuild time."""
    pages = sorted((corpus / "docs").glob("*.md"))
    page = pages[len(pages) // 2]
    original = page.read_text(encoding="utf-8")
    session = ServeSession(python, corpus, config)
    try:
        initial = float(session.wait_for(BUILT_RE, timeout).group(1))
        session.wait_for(re.compile(r"Serving on "), 60)
        time.sleep(2.0)  # the polling observer takes its first snapshot after "Serving on"
        for attempt in range(3):
            page.write_text(edited(original, run * 10 + attempt), encoding="utf-8")
            saved = time.perf_counter()
            try:
                # A busy machine can take the observer's first snapshot after the edit,
                # which is then never seen as a change: edit again rather than hang.
                done = session.wait_for(BUILT_OR_RELOADED_RE, timeout if attempt == 2 else 60)
                # MkDocs' log drops a message equal to its logger's last one: a rebuild that
                # took as long as the build before it says so only by reloading browsers.
                rebuild = float(done.group(1)) if done.group(1) else initial
                break
            except RuntimeError:
                if attempt == 2 or session.process.poll() is not None:
                    raise
        latency = time.perf_counter() - saved
    finally:
        session.stop()
        page.write_text(original, encoding="utf-8")
    return ServeMeasurement(initial, rebuild, latency)


# ---------------------------------------------------------------- one size


@dataclass
class SizeResult:
    corpus: dict
    builds: dict[str, list[dict]] = field(default_factory=dict)  # "plain-first" -> measurements
    serve: dict[str, list[dict]] = field(default_factory=dict)  # "plain" -> serve measurements
    notes: list[str] = field(default_factory=list)


def corpus_for(size: generate.Size, work: Path, seed: int) -> tuple[Path, dict]:
    """The generated brief for ``size``, reused if this generator already made it."""
    corpus = work / size.name
    stamp = corpus / "corpus.json"
    if stamp.exists():
        description = json.loads(stamp.read_text(encoding="utf-8"))
        if (description.get("size") == asdict(size) and description.get("seed") == seed
                and description.get("generator") == generate.generator_digest()):
            return corpus, description
    print(f"generating {size.name} ({size.pages} pages, {size.entries} entries) in {corpus} …", flush=True)
    return corpus, generate.generate(size, corpus, seed)


def has_module(python: str, module: str) -> bool:
    result = subprocess.run([python, "-c", f"import {module}"], capture_output=True, env=_env())
    return result.returncode == 0


def bench_size(size: generate.Size, args: argparse.Namespace) -> SizeResult:
    corpus, description = corpus_for(size, args.work, args.seed)
    result = SizeResult(description)
    python = sys.executable
    with_bibtex = args.bibtex_python and has_module(args.bibtex_python, "mkdocs_bibtex")
    if args.bibtex_python and not with_bibtex:
        result.notes.append(f"mkdocs-bibtex: skipped, not importable by {args.bibtex_python}")

    if args.warmup:  # page in the interpreter, MkDocs, Material, pandoc and the corpus: untimed
        build(python, corpus, CONFIGS["plain"], cold=True, timeout=args.timeout)
        build(python, corpus, CONFIGS["ntsbrief"], cold=True, timeout=args.timeout)

    def record(name: str, measurement: Measurement) -> None:
        result.builds.setdefault(name, []).append(asdict(measurement))
        print(f"  {name:<16} {measurement.wall:7.2f} s wall  {measurement.reported or 0:7.2f} s built  "
              f"{measurement.tree_peak_mb or 0:7.1f} MB peak", flush=True)

    for run in range(args.runs):
        print(f"{size.name}: run {run + 1}/{args.runs}", flush=True)
        for kind in ("first", "warm"):
            for name in ("plain", "ntsbrief"):
                record(f"{name}-{kind}", build(python, corpus, CONFIGS[name], kind == "first", args.timeout))
        if with_bibtex:
            record("bibtex-first", build(args.bibtex_python, corpus, CONFIGS["bibtex"], True, args.timeout))
        slowest = max(m["wall"] for runs in result.builds.values() for m in runs)
        if slowest > args.max_build_seconds and run + 1 < args.runs:
            result.notes.append(f"stopped after {run + 1} run(s): a build took {slowest:.0f} s "
                                f"(over --max-build-seconds {args.max_build_seconds:.0f})")
            break

    if args.serve:
        runs = len(result.builds["plain-first"])
        for run in range(runs):
            for name in ("plain", "ntsbrief"):
                measured = serve_rebuild(python, corpus, CONFIGS[name], run, args.timeout)
                result.serve.setdefault(name, []).append(asdict(measured))
                print(f"  serve {name:<10} rebuild {measured.rebuild:6.2f} s "
                      f"(initial {measured.initial:.2f} s, edit-to-site {measured.latency:.2f} s)", flush=True)
    return result


# ---------------------------------------------------------------- summaries


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator and denominator else None


def summarise(result: SizeResult) -> dict:
    """Medians per build kind and the plugin/plain ratios compared with the targets."""
    medians = {name: {metric: median([m[metric] for m in runs])
                      for metric in ("wall", "cpu", "reported", "tree_peak_mb", "max_rss_mb")}
               for name, runs in result.builds.items()}
    ratios = {}
    for kind in ("first", "warm"):
        plain, plugin = medians[f"plain-{kind}"], medians[f"ntsbrief-{kind}"]
        ratios[kind] = {metric: ratio(plugin[metric], plain[metric]) for metric in plain}
    if "bibtex-first" in medians:
        ratios["bibtex"] = {metric: ratio(medians["bibtex-first"][metric], medians["plain-first"][metric])
                            for metric in medians["plain-first"]}
    serve = {name: {metric: median([m[metric] for m in runs]) for metric in ("initial", "rebuild", "latency")}
             for name, runs in result.serve.items()}
    if serve:
        ratios["serve"] = {metric: ratio(serve["ntsbrief"][metric], serve["plain"][metric])
                           for metric in serve["plain"]}
    return {"medians": medians, "serve": serve, "ratios": ratios}


def _s(value: float | None) -> str:
    return f"{value:.2f} s" if value is not None else "–"


def _mb(value: float | None) -> str:
    return f"{value:.0f} MB" if value is not None else "–"


def _x(value: float | None) -> str:
    return f"{value:.2f}×" if value is not None else "–"


def describe(corpus: dict) -> str:
    size = corpus["size"]
    return (f"{size['name']}: {size['pages']} pages × {size['paragraphs']} paragraphs, "
            f"{corpus['entries']:,} BibTeX entries ({corpus['cited_entries']:,} cited, "
            f"{corpus['bibtex_bytes'] / 1e6:.2f} MB), {corpus['citations']:,} citations "
            f"({corpus['distinct_citations']:,} distinct), {corpus['notes']:,} notes, "
            f"{corpus['markdown_bytes'] / 1e6:.2f} MB of Markdown")


def table(result: SizeResult, summary: dict, runs: int) -> str:
    """The human-readable report of one size."""
    med, rat = summary["medians"], summary["ratios"]
    rows = [describe(result.corpus), f"medians of {runs} run(s); ratio = ntsbrief / plain", "",
            f"{'':38}{'plain':>10}{'ntsbrief':>11}{'ratio':>9}{'target':>9}"]

    def row(label, plain, plugin, r, target, fmt):
        rows.append(f"  {label:<36}{fmt(plain):>10}{fmt(plugin):>11}{_x(r):>9}"
                    f"{('≤' + format(target, '.2f') + '×') if target else '':>9}")

    for kind, title in (("first", "(a) first build, empty cache"), ("warm", "(b) build with warm on-disk cache")):
        plain, plugin, r = med[f"plain-{kind}"], med[f"ntsbrief-{kind}"], rat[kind]
        rows.append(title)
        row("wall time (process)", plain["wall"], plugin["wall"], r["wall"], TARGETS[kind], _s)
        row("MkDocs-reported build time", plain["reported"], plugin["reported"], r["reported"], None, _s)
        row("CPU time, process tree", plain["cpu"], plugin["cpu"], r["cpu"], None, _s)
        row("peak RSS, process tree", plain["tree_peak_mb"], plugin["tree_peak_mb"], r["tree_peak_mb"],
            TARGETS["memory"], _mb)
        row("max RSS of one process", plain["max_rss_mb"], plugin["max_rss_mb"], r["max_rss_mb"], None, _mb)
    if summary["serve"]:
        plain, plugin, r = summary["serve"]["plain"], summary["serve"]["ntsbrief"], rat["serve"]
        rows.append("(c) mkdocs serve, rebuild after a prose edit")
        row("MkDocs-reported rebuild time", plain["rebuild"], plugin["rebuild"], r["rebuild"], TARGETS["serve"], _s)
        row("edit saved → site rebuilt", plain["latency"], plugin["latency"], r["latency"], None, _s)
        row("initial serve build", plain["initial"], plugin["initial"], r["initial"], None, _s)
    if "bibtex" in rat:
        bib = med["bibtex-first"]
        rows.append("(d) mkdocs-bibtex, first build (ratio = mkdocs-bibtex / plain)")
        row("wall time (process)", med["plain-first"]["wall"], bib["wall"], rat["bibtex"]["wall"], None, _s)
        row("peak RSS, process tree", med["plain-first"]["tree_peak_mb"], bib["tree_peak_mb"],
            rat["bibtex"]["tree_peak_mb"], None, _mb)
    rows += [f"note: {note}" for note in result.notes]
    return "\n".join(rows)


def scaling_table(entries: list[tuple[SizeResult, dict]]) -> str:
    """First and warm builds against size, with a straight-line fit of the plugin's extra cost."""
    rows = ["Scaling (medians; extra = ntsbrief − plain wall time)", "",
            f"{'pages':>6}{'entries':>9}{'citations':>11}{'plain':>9}{'ntsbrief':>10}{'ratio':>8}"
            f"{'extra':>9}{'extra/page':>12}{'warm':>9}{'ratio':>8}"]
    points = []
    for result, summary in entries:
        med, corpus = summary["medians"], result.corpus
        plain, first, warm = med["plain-first"]["wall"], med["ntsbrief-first"]["wall"], med["ntsbrief-warm"]["wall"]
        pages = corpus["size"]["pages"]
        extra = first - plain
        points.append((corpus["citations"], extra))
        rows.append(f"{pages:>6}{corpus['entries']:>9,}{corpus['citations']:>11,}{plain:>8.2f}s{first:>9.2f}s"
                    f"{first / plain:>7.2f}×{extra:>8.2f}s{extra / pages * 1000:>9.1f} ms"
                    f"{warm:>8.2f}s{warm / med['plain-warm']['wall']:>7.2f}×")
    if len(points) >= 2:
        slope, intercept, r2 = linear_fit(points)
        rows.append(f"\nextra first-build time ≈ {intercept:.2f} s + {slope * 1000:.2f} ms × citations "
                    f"(least squares, R² = {r2:.3f})")
    return "\n".join(rows)


def linear_fit(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Slope, intercept and R² of y over x: is the cost linear in the brief's size?"""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0
    intercept = my - slope * mx
    total = sum((y - my) ** 2 for y in ys)
    residual = sum((y - (intercept + slope * x)) ** 2 for x, y in points)
    return slope, intercept, 1 - residual / total if total else 1.0


# ---------------------------------------------------------------- machine and profile


def machine() -> dict:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    probe = ("import mkdocs, pypandoc, ntsbrief, pathlib; print(mkdocs.__version__); "
             "print(pypandoc.get_pandoc_version()); print(pathlib.Path(ntsbrief.__file__).parent)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=_env())
    versions = result.stdout.split("\n")
    return {
        "date": datetime.datetime.now().isoformat(timespec="minutes"),
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu, "python": platform.python_version(),
        "mkdocs": versions[0] if versions[0] else "unknown", "pandoc": versions[1] if len(versions) > 1 else "unknown",
        **(source_state(Path(versions[2])) if len(versions) > 2 and versions[2] else {}),
    }


def compile_bytecode(python: str) -> None:
    """Write ntsbrief's bytecode before measuring. MkDocs, Material and the rest
    were compiled when pip installed them; an editable install of ntsbrief is
    compiled on first import, unless PYTHONDONTWRITEBYTECODE is set (as on some
    CI machines and this one), and then every build would compile it again:
    about 40 ms that no installed site pays."""
    probe = "import ntsbrief, pathlib; print(pathlib.Path(ntsbrief.__file__).parent)"
    package = subprocess.run([python, "-c", probe], capture_output=True, text=True, env=_env()).stdout.strip()
    if package:
        subprocess.run([python, "-m", "compileall", "-q", package], capture_output=True, env=_env())


def source_state(package: Path) -> dict:
    """Which ntsbrief was measured: its sources' digest, and the commit checked out.

    The work tree may hold uncommitted changes, so the digest is what identifies
    the code; the commit is read from .git's files (no git command is run).
    """
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".csl", ".css", ".js"}:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    state = {"ntsbrief_sources": digest.hexdigest()[:16]}
    git = package.parent.parent / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        state["commit"] = (git / head[5:]).read_text().strip() if head.startswith("ref: ") else head
    except OSError:
        pass
    return state


# (module, class or None, function, label): the phases of a build, timed by
# wrapping these functions in the build process itself. Unlike cProfile this
# adds almost nothing to what it measures (cProfile inflates Python-heavy code
# two- to threefold and cannot see inside pandoc). Names the source no longer
# has are skipped.
PHASES = [
    ("mkdocs.commands.build", None, "build", "whole build (MkDocs' own timer)"),
    ("ntsbrief.plugin", "NtsBriefPlugin", "on_config", "ntsbrief on_config"),
    ("ntsbrief.bibliography", "Bibliography", "load", "  BibTeX store parse (bibtexparser)"),
    ("ntsbrief.plugin", "NtsBriefPlugin", "on_nav", "ntsbrief on_nav"),
    ("ntsbrief.brief", "Brief", "prefetch", "  prefetch (sources scanned, pandoc started)"),
    ("mkdocs.commands.build", None, "_populate_page", "Markdown conversion, all pages"),
    ("ntsbrief.plugin", "NtsBriefPlugin", "on_page_markdown", "  ntsbrief on_page_markdown (source scan)"),
    ("ntsbrief.extension", "BriefInlineProcessor", "handleMatch", "  ntsbrief inline processor"),
    ("ntsbrief.plugin", "NtsBriefPlugin", "on_page_content", "  ntsbrief on_page_content"),
    ("ntsbrief.plugin", "NtsBriefPlugin", "on_env", "ntsbrief on_env"),
    ("ntsbrief.brief", "Brief", "resolve", "  Brief.resolve (every call)"),
    ("ntsbrief.citeproc", "Formatter", "format", "    Formatter.format (cache, prefetch or pandoc)"),
    ("ntsbrief.render", "Marks", "replace", "    placeholder rewriting"),
    ("ntsbrief.render", None, "references_html", "    References list"),
    ("ntsbrief.plugin", None, "publish", "  publish (downloads, cite this)"),
    ("mkdocs.commands.build", None, "_build_page", "templates + search + writing, all pages"),
    ("material.plugins.search.plugin", "SearchPlugin", "on_page_context", "  search indexing"),
    ("ntsbrief.plugin", "NtsBriefPlugin", "on_post_page", "  ntsbrief on_post_page"),
    ("ntsbrief.plugin", "NtsBriefPlugin", "on_post_build", "ntsbrief on_post_build (full-text page, downloads)"),
    # pandoc itself, wherever it runs (it may overlap the rows above when run in the background)
    ("ntsbrief.citeproc", "Formatter", "_run_citeproc", "pandoc --citeproc (with its CSL-JSON input), summed"),
    ("ntsbrief.citeproc", "Formatter", "csl_items", "pandoc BibTeX → CSL-JSON, summed"),
]
PHASE_RE = re.compile(r"^PHASE\t(.*)\t([0-9.]+)\t(\d+)$", re.MULTILINE)


def phase_child(argv: list[str]) -> None:
    """In the build process: wrap the PHASES functions with timers, run MkDocs, report at exit."""
    import atexit
    import functools
    import importlib

    from mkdocs.plugins import CombinedEvent

    totals: dict[str, list[float]] = {}

    def wrap(module: str, owner: str | None, name: str, label: str) -> None:
        try:
            holder = importlib.import_module(module)
            holder = getattr(holder, owner) if owner else holder
            original = getattr(holder, name)
        except (ImportError, AttributeError):
            return
        totals[label] = [0.0, 0]

        def timer(function):
            @functools.wraps(function)  # keeps MkDocs' event priority
            def timed(*args, **kwargs):
                start = time.perf_counter()
                try:
                    return function(*args, **kwargs)
                finally:
                    totals[label][0] += time.perf_counter() - start
                    totals[label][1] += 1
            return timed

        if isinstance(original, CombinedEvent):  # several handlers of one event: time them all
            setattr(holder, name, CombinedEvent(*map(timer, original.methods)))
        else:
            setattr(holder, name, timer(original))

    for phase in PHASES:
        wrap(*phase)

    @atexit.register
    def report() -> None:
        for label, (seconds, calls) in totals.items():
            if calls:
                print(f"PHASE\t{label}\t{seconds:.3f}\t{calls}", file=sys.stderr)

    from mkdocs.__main__ import cli

    sys.argv = ["mkdocs", *argv]
    cli()


def phases(python: str, corpus: Path, timeout: float) -> str:
    """Phase times of a plain build, a first plugin build and a warm plugin build."""
    columns = {}
    for title, config, cold in (("plain", "plain", True), ("first", "ntsbrief", True), ("warm", "ntsbrief", False)):
        if cold:
            shutil.rmtree(corpus / ".cache", ignore_errors=True)
        log = corpus / "logs" / f"phases-{title}.log"
        log.parent.mkdir(exist_ok=True)
        command = [python, str(Path(__file__).resolve()), "--phase-child", "build", "-f", CONFIGS[config]]
        measured = run_measured(command, corpus, log, timeout)
        text = log.read_text(encoding="utf-8", errors="replace")
        columns[title] = {label: float(seconds) for label, seconds, _ in PHASE_RE.findall(text)}
        columns[title]["process wall time"] = measured.wall
    labels = ["process wall time"] + list(dict.fromkeys(
        label for *_, label in PHASES if any(label in column for column in columns.values())))
    rows = ["Phases of one build each, wall seconds (functions timed in the build process, no profiler)", "",
            f"{'':48}{'plain':>9}{'ntsbrief':>10}{'ntsbrief':>10}", f"{'':48}{'':>9}{'first':>10}{'warm':>10}"]
    for label in labels:
        cells = [columns[c].get(label) for c in ("plain", "first", "warm")]
        rows.append(f"  {label:<46}" + "".join(f"{v:>9.2f}s" if v is not None else f"{'':>10}" for v in cells))
    return "\n".join(rows)


def profile(python: str, corpus: Path, out: Path, timeout: float, top: int = 15) -> str:
    """One first (empty-cache) plugin build under cProfile: the functions with the
    most cumulative time, overall and in ntsbrief (waits for pandoc included)."""
    shutil.rmtree(corpus / ".cache", ignore_errors=True)
    log = corpus / "logs" / "profile.log"
    log.parent.mkdir(exist_ok=True)
    command = [python, "-m", "cProfile", "-o", str(out.resolve()), "-m", "mkdocs", "build", "-f", CONFIGS["ntsbrief"]]
    measured = run_measured(command, corpus, log, timeout)
    ranked = sorted(pstats.Stats(str(out)).stats.items(), key=lambda item: item[1][3], reverse=True)
    rows = [f"cProfile of one first plugin build ({measured.wall:.1f} s wall under the profiler; {out})"]
    def overall(path: str) -> bool:  # not the command-line wrappers every build has
        return "site-packages" in path and "/click/" not in path and not path.endswith("mkdocs/__main__.py")

    for title, wanted in (("overall (MkDocs, Material, Jinja, ntsbrief)", overall),
                          ("in ntsbrief", lambda path: "ntsbrief" in path and "site-packages" not in path)):
        rows += ["", f"top {top} {title}:", f"{'cumulative':>11}{'own':>9}{'calls':>9}  function"]
        chosen = [item for item in ranked if wanted(item[0][0].replace("\\", "/"))][:top]
        for (path, line, name), (_, calls, own, cumulative, _) in chosen:
            where = path.replace("\\", "/").split("site-packages/")[-1].split("/src/")[-1]
            rows.append(f"{cumulative:>10.2f}s{own:>8.2f}s{calls:>9}  {where}:{line}({name})")
    return "\n".join(rows)


# ---------------------------------------------------------------- command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark ntsbrief against a plain MkDocs build.")
    parser.add_argument("--size", type=generate.parse_size, help="small, large, huge or a page count")
    parser.add_argument("--sizes", help="comma-separated sizes for a scaling series, e.g. 25,50,100,200")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs per build kind (default 3), medians reported; 0 only generates (and profiles)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ntsbrief-bench",
                        help="where corpora are generated and kept for reuse")
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--no-serve", dest="serve", action="store_false", help="skip the mkdocs serve rebuild (c)")
    parser.add_argument("--no-warmup", dest="warmup", action="store_false",
                        help="skip the untimed warm-up builds")
    parser.add_argument("--bibtex-python", help="a Python with mkdocs-bibtex installed, to compare (d)")
    parser.add_argument("--profile", type=Path, help="also cProfile one first plugin build into this file")
    parser.add_argument("--phases", action="store_true",
                        help="also time the phases of a plain, a first and a warm plugin build (no profiler)")
    parser.add_argument("--json", type=Path, help="write every measurement and summary here")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before one build is killed")
    parser.add_argument("--max-build-seconds", type=float, default=180,
                        help="stop repeating a size once one build takes longer than this")
    args = parser.parse_args(argv)
    if args.sizes:
        args.size_list = [generate.parse_size(s.strip()) for s in args.sizes.split(",") if s.strip()]
    else:
        args.size_list = [args.size or generate.SIZES["small"]]
    if args.runs < 0:
        parser.error("--runs must not be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--phase-child"]:  # this script, run as the build process by phases()
        phase_child(argv[1:])
        return 0
    args = parse_args(argv)
    args.work = args.work.resolve()
    compile_bytecode(sys.executable)
    info = machine()
    print(f"{info['date']}: {info['cores']} cores, {info['cpu']}, Python {info['python']}, "
          f"MkDocs {info['mkdocs']}, pandoc {info['pandoc']}; ntsbrief sources {info.get('ntsbrief_sources')} "
          f"(commit {info.get('commit', '?')[:10]} plus any uncommitted changes)", flush=True)
    report = {"machine": info, "targets": TARGETS, "sizes": []}
    done = []
    for size in args.size_list:
        if not args.runs:  # only generate (and profile, below)
            corpus_for(size, args.work, args.seed)
            continue
        load_before, sources_before = os.getloadavg()[0], machine().get("ntsbrief_sources")
        result = bench_size(size, args)
        result.notes.append(f"1-minute load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
                            f"(the builds add about 1; more means other processes shared the {info['cores']} cores)")
        if machine().get("ntsbrief_sources") != sources_before:
            result.notes.append("ntsbrief's sources changed while this size was measured: the runs mix two versions")
        summary = summarise(result)
        done.append((result, summary))
        report["sizes"].append({**asdict(result), **summary})
        print("\n" + table(result, summary, len(result.builds["plain-first"])) + "\n", flush=True)
    if len(done) > 1:
        print(scaling_table(done) + "\n")
    corpus = args.work / args.size_list[-1].name
    if args.phases:
        report["phases"] = phases(sys.executable, corpus, args.timeout)
        print(report["phases"] + "\n")
    if args.profile:
        report["profile"] = profile(sys.executable, corpus, args.profile, args.timeout)
        print(report["profile"])
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
