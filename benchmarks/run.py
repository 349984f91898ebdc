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
(d) optionally mkdocs-bibtex on the same pages (``--bibtex-python``);
(e) preview: ``mkdocs serve --dirty`` of plain MkDocs, ntsbrief (house style) and
    ntsbrief with chicago-author-date, each through a prose edit, a citation added
    and removed, and a note added and removed; each rebuild is compared with plain
    MkDocs' full serve rebuild (c), as the issue's targets are;
(f) byte identity: the site a preview serves against a clean build of the same
    sources (``--no-preview`` skips (e) and (f)).

Usage::

    python benchmarks/run.py --size large [--runs 3] [--json out.json]
    python benchmarks/run.py --sizes 25,50,100,200 --no-serve --no-preview   # scaling series
    python benchmarks/run.py --size large --profile prof.out      # cProfile one first build
"""

from __future__ import annotations

import argparse
import collections
import datetime
import difflib
import gzip
import hashlib
import itertools
import json
import os
import platform
import pstats
import queue
import random
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

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib
from os.path import commonpath

import generate

# ntsbrief ÷ plain. The preview targets divide a --dirty rebuild by plain MkDocs'
# full serve rebuild after a prose edit; chicago is the target of citation and note
# edits with chicago-author-date (its prose edit answers to preview_prose).
TARGETS = {"first": 2.0, "warm": 1.10, "memory": 1.3, "preview_prose": 0.3, "preview_cite": 0.5,
           "preview_note": 0.5, "preview_chicago": 1.0}
CONFIGS = {"plain": "mkdocs-plain.yml", "ntsbrief": "mkdocs.yml", "bibtex": "mkdocs-bibtex.yml",
           "chicago": "mkdocs-chicago.yml"}  # the last written by chicago_config, not the generator
BUILT_RE = re.compile(r"Documentation built in ([0-9.]+) seconds")
# serve's log around one rebuild: noticed, started, (built), served or failed
DETECTED_RE = re.compile(r"Detected file changes")
BUILDING_RE = re.compile(r"Building documentation\.\.\.")
RELOADED_RE = re.compile(r"Reloading browsers")
REBUILD_ERROR_RE = re.compile(r"An error happened during the rebuild")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
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
    """``mkdocs serve`` as a child process whose log lines can be awaited.

    ``dirty`` adds ``--dirty``. ``tmpdir`` becomes the process's TMPDIR: serve
    builds into a fresh ``mkdocs_*`` folder there (and deletes it on exit), so
    the site it serves can be found and compared while it runs.
    """

    def __init__(self, python: str, corpus: Path, config: str, dirty: bool = False, tmpdir: Path | None = None):
        self.port = _free_port()
        self.tmpdir = tmpdir
        command = [python, "-m", "mkdocs", "serve", "-f", config, "-a", f"127.0.0.1:{self.port}"]
        env = _env()
        # MkDocs' build logger drops every message it printed once before (a set, not
        # only the last message): "Documentation built in 0.41 seconds" vanishes when any
        # earlier build of the session took 0.41 s. MkDocs installs that filter only when
        # Python has no warning options, so one (harmless) option keeps every build's line.
        env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"
        if tmpdir is not None:
            env["TMPDIR"] = str(tmpdir)
        self.process = subprocess.Popen(command + (["--dirty"] if dirty else []), cwd=corpus,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: queue.Queue[tuple[float, str] | None] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    @property
    def url(self) -> str:
        """The address serve gives MkDocs as ``site_url``."""
        return f"http://127.0.0.1:{self.port}/"

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put((time.perf_counter(), line))  # when it arrived: MkDocs flushes each log line
        self.lines.put(None)

    def next_line(self, deadline: float) -> tuple[float, str] | None:
        """The next log line and when it arrived; None at ``deadline`` (monotonic) or once serve exited."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            item = self.lines.get(timeout=remaining)
        except queue.Empty:
            return None
        if item is None:
            self.lines.put(None)  # and say so to the next caller too
            return None
        self.log.append(item[1])
        return item

    def wait_for(self, pattern: re.Pattern, timeout: float) -> re.Match:
        """The first log line matching ``pattern`` from now on; an error after ``timeout``."""
        deadline = time.monotonic() + timeout
        while (item := self.next_line(deadline)) is not None:
            if match := pattern.search(item[1]):
                return match
        raise RuntimeError(self.failure(f"no {pattern.pattern!r} within {timeout:.0f} s"))

    def failure(self, what: str) -> str:
        exited = "" if self.process.poll() is None else f" (serve exited with {self.process.returncode})"
        return f"mkdocs serve: {what}{exited}\n" + "".join(self.log[-20:])

    def ready(self, timeout: float) -> float:
        """Wait for the first build and the server; the first build's time as MkDocs reports it."""
        initial = float(self.wait_for(BUILT_RE, timeout).group(1))
        self.wait_for(re.compile(r"Serving on "), 60)
        time.sleep(2.0)  # the polling observer takes its first snapshot after "Serving on"
        return initial

    def cpu(self) -> float | None:
        return process_cpu(self.process.pid)

    def stop(self) -> None:
        """Ctrl-C, as a person would; killed if it does not stop."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def process_cpu(pid: int) -> float | None:
    """User + system seconds of ``pid`` and of the children it has waited for (pandoc), from /proc.

    A live server cannot be run under valgrind per rebuild; the difference of this
    figure across one rebuild is the steadier companion of its wall time.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = stat.rsplit(b")", 1)[1].split()  # the command name before ")" may hold spaces
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS  # utime, stime, cutime, cstime


@dataclass
class Rebuild:
    seconds: float | None  # reported if MkDocs said, else observed
    reported: float | None  # "Documentation built in X seconds"
    observed: float | None  # from "Building documentation..." to "Reloading browsers", as the lines arrived
    latency: float  # from saving the edit to "Reloading browsers" (includes noticing the change)
    cpu: float | None  # CPU seconds of the serve process and its waited-for children over that span
    error: str | None = None  # MkDocs' rebuild error, if the rebuild failed


def edit_and_rebuild(session: ServeSession, page: Path, text: str, timeout: float) -> Rebuild:
    """Save ``text`` into ``page`` and wait until serve has rebuilt and reloaded.

    The end of a rebuild is "Reloading browsers" (or MkDocs' rebuild error), never a
    count of "Documentation built" lines (see ServeSession). A busy machine can take
    the polling observer's first snapshot after the edit, which then never looks like
    a change: the page is saved again (a new mtime) if no change is noticed in 30 s.
    """
    cpu_before = session.cpu()
    for attempt in range(3):
        page.write_text(text, encoding="utf-8")
        saved = time.perf_counter()
        try:
            session.wait_for(DETECTED_RE, 30)
            break
        except RuntimeError:
            if attempt == 2 or session.process.poll() is not None:
                raise
    building = reported = None
    deadline = time.monotonic() + timeout
    while (item := session.next_line(deadline)) is not None:
        at, line = item
        if BUILDING_RE.search(line):
            building = at
        elif match := BUILT_RE.search(line):
            reported = float(match.group(1))
        elif (reloaded := RELOADED_RE.search(line)) or REBUILD_ERROR_RE.search(line):
            cpu_after = session.cpu()
            observed = at - building if building is not None else None
            return Rebuild(
                seconds=reported if reported is not None else observed, reported=reported, observed=observed,
                latency=at - saved, cpu=cpu_after - cpu_before if None not in (cpu_before, cpu_after) else None,
                error=None if reloaded else "".join(session.log[-15:]))
    raise RuntimeError(session.failure(f"no rebuild within {timeout:.0f} s of editing {page.name}"))


def middle_page(corpus: Path) -> Path:
    """The page every serve measurement edits: the middle one, so that notes follow it in the brief."""
    pages = sorted((corpus / "docs").glob("*.md"))
    return pages[len(pages) // 2]


def _first_paragraph(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if line and not line.startswith("#"))


def edited(text: str, run: int) -> str:
    """The page with one sentence appended to its first paragraph: prose only."""
    lines = text.split("\n")
    lines[_first_paragraph(lines)] += (f" This sentence, number {run}, was added to measure a rebuild after a "
                                       "prose edit.")
    return "\n".join(lines)


@dataclass
class ServeMeasurement:
    initial: float  # the first build of the session, as MkDocs reports it
    rebuild: float  # the rebuild after the edit, as MkDocs reports it
    latency: float  # from saving the edit to the rebuilt site (includes change detection)
    cpu: float | None  # CPU seconds of the serve process over the rebuild


def serve_rebuild(python: str, corpus: Path, config: str, run: int, timeout: float) -> ServeMeasurement:
    """Start ``mkdocs serve`` (a full rebuild on every change), edit one page's prose, read the rebuild."""
    page = middle_page(corpus)
    original = page.read_text(encoding="utf-8")
    session = ServeSession(python, corpus, config)
    try:
        initial = session.ready(timeout)
        rebuild = edit_and_rebuild(session, page, edited(original, run), timeout)
    finally:
        session.stop()
        page.write_text(original, encoding="utf-8")
    if rebuild.error:
        raise RuntimeError(f"mkdocs serve -f {config}: the rebuild after a prose edit failed\n{rebuild.error}")
    return ServeMeasurement(initial, rebuild.seconds, rebuild.latency, rebuild.cpu)


# ---------------------------------------------------------------- preview: serve --dirty

# One preview session's steps on the middle page, in order. The first rebuild of a
# session can cost more than later ones (state the first build did not keep), so the
# prose edit is measured twice: as the session's first rebuild, and once more after it.
# "check:…" compares the served site with a clean build of the sources as they are at
# that point: once with the additions in place, once after the removals (which must
# leave nothing behind).
PREVIEW_STEPS = ("prose-first", "prose", "cite-add", "note-add", "check:added", "cite-remove", "note-remove",
                 "check:removed")
PREVIEW_EDITS = {"prose-first": "prose edit, session's 1st", "prose": "prose edit, a later one",
                 "cite-add": "add a citation", "cite-remove": "remove the citation",
                 "note-add": "add a note", "note-remove": "remove the note"}
PREVIEW_NAMES = ("plain", "ntsbrief", "chicago")
BENCH_NOTE = "bench-note"
KEY_RE = re.compile(r"(?<!\w)@([A-Za-z]\w*)")
STORE_KEY_RE = re.compile(r"^@(?!string\b)\w+\{([^,\s]+),", re.MULTILINE | re.IGNORECASE)


def chicago_config(corpus: Path) -> str:
    """``mkdocs-chicago.yml``: the ntsbrief site in Chicago author-date, next to ``mkdocs.yml``.

    The generator writes only the house style's config; this one is derived from it,
    so the two differ in the style (and the site folder) alone.
    """
    config = yaml.safe_load((corpus / CONFIGS["ntsbrief"]).read_text(encoding="utf-8"))
    config["site_dir"] = "site-chicago"
    config["plugins"] = [{"ntsbrief": {**plugin["ntsbrief"], "style": "chicago-author-date"}}
                         if isinstance(plugin, dict) and "ntsbrief" in plugin else plugin
                         for plugin in config["plugins"]]
    path = corpus / CONFIGS["chicago"]
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path.name


def new_citation_key(corpus: Path, page: Path) -> str:
    """A key of the store that the brief cites elsewhere but ``page`` does not.

    Citing it is the common citation edit: a work already in the References gains
    a citing page, and one new cluster needs formatting.
    """
    store = set(STORE_KEY_RE.findall((corpus / "references.bib").read_text(encoding="utf-8")))
    cited_here = set(KEY_RE.findall(page.read_text(encoding="utf-8")))
    elsewhere = {key for other in (corpus / "docs").glob("*.md") if other != page
                 for key in KEY_RE.findall(other.read_text(encoding="utf-8"))}
    return min((elsewhere & store) - cited_here)


def preview_texts(original: str, run: int, key: str, locator: int) -> dict[str, str]:
    """The page after each edit of PREVIEW_STEPS. A removal gives back exactly the text before
    the addition. The note goes into the first paragraph, so every later note in the brief
    is renumbered."""
    prose = edited(original, 2 * run + 1)  # the second prose edit rewrites the first one's sentence

    def page(cite: bool, note: bool) -> str:
        lines = prose.split("\n")
        at = _first_paragraph(lines)
        if cite:
            lines[at] += f" Another sentence cites a work this page did not cite [@{key}, {locator}]."
        if note:
            lines[at] += f"[^{BENCH_NOTE}]"
        text = "\n".join(lines)
        if note:
            text = text.rstrip("\n") + f"\n\n[^{BENCH_NOTE}]: A note added to measure a note edit.\n"
        return text

    return {"prose-first": edited(original, 2 * run), "prose": page(False, False),
            "cite-add": page(True, False), "note-add": page(True, True),
            "cite-remove": page(False, True), "note-remove": page(False, False)}


def preview_session(python: str, corpus: Path, name: str, run: int, timeout: float) -> dict:
    """One ``mkdocs serve --dirty`` session through PREVIEW_STEPS.

    A failed rebuild, a hang or a crash of serve is recorded as the session's
    result, not raised: a wrong or broken preview is what this measures.
    """
    config = CONFIGS[name]
    page = middle_page(corpus)
    original = page.read_text(encoding="utf-8")
    key = new_citation_key(corpus, page)
    # A locator no earlier session used: the on-disk cache would otherwise hold the
    # added cluster already, whereas a real citation edit brings a new one.
    locator = random.SystemRandom().randrange(1000, 10000)
    texts = preview_texts(original, run, key, locator)
    result = {"config": config, "page": page.name, "added": f"[@{key}, {locator}]", "initial": None,
              "rebuilds": {}, "checks": [], "error": None}
    with tempfile.TemporaryDirectory(prefix="ntsbrief-preview-") as tmp:
        session = ServeSession(python, corpus, config, dirty=True, tmpdir=Path(tmp))
        try:
            result["initial"] = session.ready(timeout)
            for step in PREVIEW_STEPS:
                if step.startswith("check:"):
                    label = step.split(":", 1)[1]
                    keep = corpus / "logs" / f"preview-{name}-run{run + 1}-{label}"
                    result["checks"].append({"after": label, **identity_check(python, corpus, config, session,
                                                                              keep, timeout)})
                else:
                    result["rebuilds"][step] = asdict(edit_and_rebuild(session, page, texts[step], timeout))
        except RuntimeError as error:
            result["error"] = str(error)
        finally:
            session.stop()
            page.write_text(original, encoding="utf-8")
    return result


# ---------------------------------------------------------------- byte identity


def identity_check(python: str, corpus: Path, config: str, session: ServeSession, keep: Path,
                   timeout: float) -> dict:
    """Compare the site serve is serving with a clean build of the same sources and site_url.

    Both sites are kept in ``keep`` when they differ (serve deletes its folder on exit).
    """
    served = served_site(session.tmpdir)
    clean = session.tmpdir / "clean-site"  # not mkdocs_*: served_site must not find it
    shutil.rmtree(clean, ignore_errors=True)
    clean_build(python, corpus, config, session.url, clean, timeout)
    differences = compare_sites(served, clean)
    if differences:
        shutil.rmtree(keep, ignore_errors=True)
        shutil.copytree(served, keep / "served")
        shutil.copytree(clean, keep / "clean")
    return {"identical": not differences, "differences": differences, "kept": str(keep) if differences else None}


def served_site(tmpdir: Path) -> Path:
    """The ``mkdocs_*`` folder serve builds into: the only one in its own TMPDIR."""
    found = sorted(tmpdir.glob("mkdocs_*"))
    if len(found) != 1:
        raise RuntimeError(f"expected one mkdocs_* folder in serve's TMPDIR {tmpdir}, found {len(found)}")
    return found[0]


def clean_build(python: str, corpus: Path, config: str, site_url: str, site_dir: Path, timeout: float) -> None:
    """``mkdocs build`` of the current sources into ``site_dir`` with ``site_url`` set as serve sets it.

    MkDocs has no command-line option for site_url, so a copy of the config with it
    is written next to the original, where its relative paths mean the same.
    """
    data = yaml.safe_load((corpus / config).read_text(encoding="utf-8"))
    data.update(site_url=site_url, site_dir=str(site_dir))
    copy = corpus / f".preview-clean-{Path(config).stem}.yml"
    copy.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    try:
        built = subprocess.run([python, "-m", "mkdocs", "build", "-f", copy.name], cwd=corpus, env=_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
                               check=False)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"clean build of {config}: no end within {timeout:.0f} s") from None
    finally:
        copy.unlink(missing_ok=True)
    if built.returncode:
        raise RuntimeError(f"clean build of {config} failed (exit {built.returncode})\n{built.stdout[-2000:]}")


def compare_sites(served: Path, clean: Path) -> list[dict]:
    """Every file that differs between the two sites, byte for byte: its path, the kinds of
    difference (to tell MkDocs' own from ntsbrief's in one file) and the start of its diff."""
    ours, theirs = site_files(served), site_files(clean)
    differences = []
    for name in sorted(ours.keys() | theirs.keys()):
        if name not in theirs:
            kinds, diff = ["stale"], ["only in the served site"]
        elif name not in ours:
            kinds, diff = ["absent"], ["missing from the served site"]
        else:
            a, b = file_content(ours[name]), file_content(theirs[name])
            if a == b:
                continue
            kinds, diff = describe_difference(name, a, b)
        differences.append({"path": name, "kinds": kinds, "diff": diff})
    return differences


def site_files(root: Path) -> dict[str, Path]:
    return {path.relative_to(root).as_posix(): path for path in root.rglob("*") if path.is_file()}


def file_content(path: Path) -> bytes:
    """A file's bytes; for a gzip file its decompressed content (the gzip header holds a time)."""
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def describe_difference(name: str, served: bytes, clean: bytes, limit: int = 3) -> tuple[list[str], list[str]]:
    """The kinds of difference and a few lines showing it."""
    try:
        a, b = served.decode("utf-8"), clean.decode("utf-8")
    except UnicodeDecodeError:
        return ["bytes"], [f"binary: {len(served):,} bytes served, {len(clean):,} clean"]
    if name.endswith("search_index.json") and (index := index_difference(a, b)):
        return index
    return ["lines"], line_difference(a, b, limit)


def line_difference(a: str, b: str, limit: int) -> list[str]:
    """How many lines differ, and the first ``limit`` pairs, clipped around their first difference."""
    lines_a, lines_b = a.split("\n"), b.split("\n")
    changed, shown = 0, []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, lines_a, lines_b).get_opcodes():
        if tag == "equal":
            continue
        changed += max(i2 - i1, j2 - j1)
        for i, j in itertools.zip_longest(range(i1, i2), range(j1, j2)):
            if len(shown) >= limit:
                break
            x = lines_a[i] if i is not None else ""
            y = lines_b[j] if j is not None else ""
            column = len(commonpath([x, y]))
            shown.append((f"-{i + 1}: {_clip(x, column)}" if i is not None else "-(none)",
                          f"+{j + 1}: {_clip(y, column)}" if j is not None else "+(none)"))
    return [f"{changed} line(s) differ (- served, + clean; line: text)"] + [line for pair in shown for line in pair]


def _clip(line: str, column: int, width: int = 110) -> str:
    start = max(0, column - 30)
    text = line[start:start + width]
    return ("…" if start else "") + text + ("…" if start + width < len(line) else "")


def index_difference(a: str, b: str) -> tuple[list[str], list[str]] | None:
    """A search index compared entry by entry (it is one JSON line: a line diff would say nothing).

    The kinds: entries missing, extra (a location the clean index lacks), duplicated,
    with other content, in another order, or another config.
    """
    try:
        served, clean = (json.loads(text) for text in (a, b))
        served_docs, clean_docs = served["docs"], clean["docs"]
        ours, theirs = ({doc["location"]: doc for doc in docs} for docs in (served_docs, clean_docs))
    except (ValueError, KeyError, TypeError):
        return None

    def pages(locations: list[str]) -> str:
        names = sorted({location.split("#")[0] or "(home)" for location in locations})
        return f"{len(names)} page(s): " + ", ".join(names[:6]) + (" …" if len(names) > 6 else "")

    served_by_location = collections.defaultdict(list)
    for doc in served_docs:
        served_by_location[doc["location"]].append(doc)
    found = {
        "missing": [location for location in theirs if location not in ours],
        "extra": [location for location in ours if location not in theirs],
        "duplicated": [location for location, docs in served_by_location.items() if len(docs) > 1],
        "content": [location for location, docs in served_by_location.items()
                    if location in theirs and any(doc != theirs[location] for doc in docs)],
    }
    rows = [f"{len(served_docs)} entries served, {len(clean_docs)} clean"]
    rows += [f"{kind} ({len(locations)}) on {pages(locations)}" for kind, locations in found.items() if locations]
    kinds = [kind for kind, locations in found.items() if locations]
    if served.get("config") != clean.get("config"):
        kinds.append("config")
        rows.append("the index's config differs")
    if not kinds:
        # The search plugin is kept across serve rebuilds and puts the pages it indexed last at the end.
        moved = next(x["location"] for x, y in zip(served_docs, clean_docs, strict=False) if x != y)
        kinds.append("order")
        rows.append(f"the same entries in another order: {moved or '(home)'!r} is one out of place")
    return kinds, rows


# ---------------------------------------------------------------- one size


@dataclass
class SizeResult:
    corpus: dict
    builds: dict[str, list[dict]] = field(default_factory=dict)  # "plain-first" -> measurements
    # Not "serve" and "preview": those keys of the JSON report hold the summaries.
    serve_runs: dict[str, list[dict]] = field(default_factory=dict)  # "plain" -> serve measurements
    preview_sessions: dict[str, list[dict]] = field(default_factory=dict)  # "chicago" -> preview sessions
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
    result = subprocess.run([python, "-c", f"import {module}"], capture_output=True, env=_env(), check=False)
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

    measure_serving(corpus, args, result)
    return result


def measure_serving(corpus: Path, args: argparse.Namespace, result: SizeResult) -> None:
    """(c) the serve rebuilds and (e, f) the preview sessions, as many runs as the builds had."""
    python = sys.executable
    runs = len(result.builds["plain-first"])
    # The preview's yardstick is plain MkDocs' full serve rebuild: measured even without (c).
    serving = ("plain", "ntsbrief") if args.serve else ("plain",) if args.preview else ()
    for run in range(runs if serving else 0):
        for name in serving:
            measured = serve_rebuild(python, corpus, CONFIGS[name], run, args.timeout)
            result.serve_runs.setdefault(name, []).append(asdict(measured))
            print(f"  serve {name:<10} rebuild {measured.rebuild:6.2f} s, CPU {measured.cpu or 0:.2f} s "
                  f"(initial {measured.initial:.2f} s, edit-to-site {measured.latency:.2f} s)", flush=True)

    if args.preview:
        chicago_config(corpus)
        for stale in (corpus / "logs").glob("preview-*"):  # sites kept by an earlier benchmark
            shutil.rmtree(stale, ignore_errors=True)
        for run in range(runs):
            for name in PREVIEW_NAMES:
                session = preview_session(python, corpus, name, run, args.timeout)
                result.preview_sessions.setdefault(name, []).append(session)
                print(f"  preview {name:<9}{preview_progress(session)}", flush=True)


def preview_progress(session: dict) -> str:
    """One line per preview session while the benchmark runs."""
    times = " ".join(f"{edit} {rebuild['seconds'] or 0:.2f}s" + ("!" if rebuild["error"] else "")
                     for edit, rebuild in session["rebuilds"].items())
    checks = " ".join(f"{check['after']}: " + ("identical" if check["identical"]
                                               else f"{len(check['differences'])} file(s) differ")
                      for check in session["checks"])
    failed = f"; FAILED: {session['error'].splitlines()[0]}" if session["error"] else ""
    return f"{times}; {checks}{failed}"


# ---------------------------------------------------------------- summaries


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


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
    metrics = ("initial", "rebuild", "latency", "cpu")
    serve = {name: {metric: median([m.get(metric) for m in runs]) for metric in metrics}
             for name, runs in result.serve_runs.items()}
    if "ntsbrief" in serve:
        ratios["serve"] = {metric: ratio(serve["ntsbrief"][metric], serve["plain"][metric])
                           for metric in serve["plain"]}
    summary = {"medians": medians, "serve": serve, "ratios": ratios}
    if result.preview_sessions:
        summary["preview"] = summarise_preview(result, serve)
    summary["targets_met"] = targets_met(summary)
    return summary


def _s(value: float | None) -> str:
    return f"{value:.2f} s" if value is not None else "–"


def _mb(value: float | None) -> str:
    return f"{value:.0f} MB" if value is not None else "–"


def _x(value: float | None) -> str:
    return f"{value:.2f}×" if value is not None else "–"


def preview_target_key(name: str, edit: str) -> str | None:
    """Which TARGETS entry a preview row answers to; none for plain MkDocs (it is the yardstick)."""
    if name == "plain":
        return None
    if edit.startswith("prose"):  # the first edit of a session too: a writer meets it every time
        return "preview_prose"
    if name == "chicago":
        return "preview_chicago"
    return "preview_cite" if edit.startswith("cite") else "preview_note"


def summarise_preview(result: SizeResult, serve: dict) -> dict:
    """Medians of each preview edit, their ratios to plain MkDocs' full serve rebuild
    after a prose edit (c), failures, and the byte-identity checks."""
    full = serve.get("plain", {})
    medians: dict[str, dict] = {}
    ratios: dict[str, dict] = {}
    failures: list[str] = []
    for name, sessions in result.preview_sessions.items():
        for number, session in enumerate(sessions, 1):
            if session["error"]:  # its first line, and the last line of the log it quotes
                lines = session["error"].strip().splitlines()
                last = f" … {lines[-1].strip()}" if len(lines) > 1 else ""
                failures.append(f"{name} run {number}: {lines[0]}{last}")
            failures += [f"{name} run {number}: the rebuild after '{edit}' failed: "
                         f"{rebuild['error'].strip().splitlines()[-1]}"
                         for edit, rebuild in session["rebuilds"].items() if rebuild["error"]]
        for edit in PREVIEW_EDITS:
            good = [r for s in sessions if (r := s["rebuilds"].get(edit)) is not None and not r["error"]]
            medians.setdefault(name, {})[edit] = {metric: median([r[metric] for r in good])
                                                  for metric in ("seconds", "cpu", "latency")}
            ratios.setdefault(name, {})[edit] = {
                "seconds": ratio(medians[name][edit]["seconds"], full.get("rebuild")),
                "cpu": ratio(medians[name][edit]["cpu"], full.get("cpu"))}
    identity = {name: identity_summary(sessions) for name, sessions in result.preview_sessions.items()}
    return {"medians": medians, "ratios": ratios, "failures": failures, "identity": identity,
            "yardstick": {"rebuild": full.get("rebuild"), "cpu": full.get("cpu")}}


def identity_summary(sessions: list[dict]) -> dict:
    """Over all runs: the checks made, whether every one was identical, and per checkpoint each
    differing file: in how many checks, the kinds of difference, and its first diff."""
    checks = [check for session in sessions for check in session["checks"]]
    expected = len(sessions) * sum(step.startswith("check:") for step in PREVIEW_STEPS)
    made = collections.Counter(check["after"] for check in checks)
    differing: dict[str, dict[str, dict]] = {}
    for check in checks:
        for difference in check["differences"]:
            seen = differing.setdefault(check["after"], {}).setdefault(
                difference["path"], {"checks": 0, "of": made[check["after"]], "kinds": [], "diff": difference["diff"]})
            seen["checks"] += 1
            seen["kinds"] = sorted(set(seen["kinds"]) | set(difference["kinds"]))
    return {"checks": len(checks), "expected": expected,
            "identical": len(checks) == expected > 0 and all(check["identical"] for check in checks),
            "differing": differing, "kept": sorted({c["kept"] for c in checks if c["kept"]})}


def targets_met(summary: dict) -> dict[str, bool | None]:
    """Each target: met (True), missed (False) or not measured (None)."""
    rat = summary["ratios"]

    def within(values: list[float | None], target: float) -> bool | None:
        return None if not values or None in values else all(value <= target for value in values)

    met = {kind: within([rat[kind]["wall"]], TARGETS[kind]) for kind in ("first", "warm")}
    met["memory"] = within([rat["warm"]["tree_peak_mb"]], TARGETS["memory"])  # issue 15: warm peak memory
    preview = summary.get("preview")
    for key in ("preview_prose", "preview_cite", "preview_note", "preview_chicago"):
        answering = [] if not preview else [
            preview["ratios"][name][edit]["seconds"] for name in preview["ratios"] for edit in PREVIEW_EDITS
            if preview_target_key(name, edit) == key]
        met[key] = within(answering, TARGETS[key])
    return met


def describe(corpus: dict) -> str:
    size = corpus["size"]
    return (f"{size['name']}: {size['pages']} pages × {size['paragraphs']} paragraphs, "
            f"{corpus['entries']:,} BibTeX entries ({corpus['cited_entries']:,} cited, "
            f"{corpus['bibtex_bytes'] / 1e6:.2f} MB), {corpus['citations']:,} citations "
            f"({corpus['distinct_citations']:,} distinct), {corpus['notes']:,} notes, "
            f"{corpus['markdown_bytes'] / 1e6:.2f} MB of Markdown")


def _target(r: float | None, target: float | None) -> str:
    """``≤0.30× ✓`` when the ratio meets the target, ``✗`` when it misses, ``?`` when not measured."""
    if not target:
        return ""
    return f"≤{target:.2f}× " + ("?" if r is None else "✓" if r <= target else "✗")


def table(result: SizeResult, summary: dict, runs: int) -> str:
    """The human-readable report of one size."""
    med, rat = summary["medians"], summary["ratios"]
    rows = [describe(result.corpus), f"medians of {runs} run(s); ratio = ntsbrief / plain", "",
            f"{'':38}{'plain':>10}{'ntsbrief':>11}{'ratio':>9}{'target':>11}"]

    def row(label, plain, plugin, r, target, fmt):
        rows.append(f"  {label:<36}{fmt(plain):>10}{fmt(plugin):>11}{_x(r):>9}{_target(r, target):>11}")

    for kind, title in (("first", "(a) first build, empty cache"), ("warm", "(b) build with warm on-disk cache")):
        plain, plugin, r = med[f"plain-{kind}"], med[f"ntsbrief-{kind}"], rat[kind]
        rows.append(title)
        row("wall time (process)", plain["wall"], plugin["wall"], r["wall"], TARGETS[kind], _s)
        row("MkDocs-reported build time", plain["reported"], plugin["reported"], r["reported"], None, _s)
        row("CPU time, process tree", plain["cpu"], plugin["cpu"], r["cpu"], None, _s)
        row("peak RSS, process tree", plain["tree_peak_mb"], plugin["tree_peak_mb"], r["tree_peak_mb"],
            TARGETS["memory"] if kind == "warm" else None, _mb)
        row("max RSS of one process", plain["max_rss_mb"], plugin["max_rss_mb"], r["max_rss_mb"], None, _mb)
    if summary["serve"]:
        plain, plugin = summary["serve"]["plain"], summary["serve"].get("ntsbrief", {})
        r = rat.get("serve", {})
        rows.append("(c) mkdocs serve, full rebuild after a prose edit (plain: the yardstick of (e))")
        for label, metric in (("MkDocs-reported rebuild time", "rebuild"), ("CPU time of the serve process", "cpu"),
                              ("edit saved → site rebuilt", "latency"), ("initial serve build", "initial")):
            row(label, plain[metric], plugin.get(metric), r.get(metric), None, _s)
    if "bibtex" in rat:
        bib = med["bibtex-first"]
        rows.append("(d) mkdocs-bibtex, first build (ratio = mkdocs-bibtex / plain)")
        row("wall time (process)", med["plain-first"]["wall"], bib["wall"], rat["bibtex"]["wall"], None, _s)
        row("peak RSS, process tree", med["plain-first"]["tree_peak_mb"], bib["tree_peak_mb"],
            rat["bibtex"]["tree_peak_mb"], None, _mb)
    if "preview" in summary:
        rows += preview_table(summary["preview"]) + identity_table(summary["preview"]["identity"])
    met = summary["targets_met"]
    rows.append("targets: " + ", ".join(f"{key} ≤{TARGETS[key]:.2f}× " + {True: "✓", False: "✗", None: "?"}[met[key]]
                                        for key in TARGETS if key in met))
    rows += [f"note: {note}" for note in result.notes]
    return "\n".join(rows)


PREVIEW_TITLES = {"plain": "plain MkDocs", "ntsbrief": "ntsbrief, house style",
                  "chicago": "ntsbrief, chicago-author-date"}
CHECK_TITLES = {"added": "with the citation and note added", "removed": "after removing them again"}


def preview_table(preview: dict) -> list[str]:
    """(e): each edit's rebuild in plain MkDocs --dirty, and with ntsbrief in both styles,
    the latter as ratios to plain MkDocs' full serve rebuild (c)."""
    med, rat, yard = preview["medians"], preview["ratios"], preview["yardstick"]
    names = [name for name in ("ntsbrief", "chicago") if name in med]
    rows = [f"(e) preview, mkdocs serve --dirty; ratio = rebuild ÷ plain MkDocs' full serve rebuild (c): "
            f"{_s(yard['rebuild'])}, CPU {_s(yard['cpu'])}",
            f"{'':32}{'plain':>9}" + "".join(f"{name:>10}{'ratio':>8}{'target':>11}" for name in names),
            f"{'':32}{'--dirty':>9}"]
    for block, metric in (("MkDocs-reported rebuild time", "seconds"), ("CPU time of the serve process", "cpu")):
        rows.append(f"  {block}")
        for edit, label in PREVIEW_EDITS.items():
            line = f"    {label:<28}{_s(med.get('plain', {}).get(edit, {}).get(metric)):>9}"
            for name in names:
                r = rat[name][edit][metric]
                target = TARGETS[key] if metric == "seconds" and (key := preview_target_key(name, edit)) else None
                line += f"{_s(med[name][edit][metric]):>10}{_x(r):>8}{_target(r, target):>11}"
            rows.append(line)
    rows += [f"  failed: {failure}" for failure in preview["failures"]]
    return rows


def identity_table(identity: dict, files_shown: int = 8) -> list[str]:
    """(f): which files of the served --dirty site differ from a clean build, and how.
    A file that differs with plain MkDocs too is put down to MkDocs' own --dirty."""
    rows = ["(f) byte identity: the --dirty preview's site against a clean build of the same sources and site_url"]
    # A difference is MkDocs' own when plain MkDocs shows it in the same file, of the same kinds.
    mkdocs_own = identity.get("plain", {}).get("differing", {})
    for name, summary in identity.items():
        if summary["identical"]:
            verdict = "✓ identical"
        elif summary["checks"] < summary["expected"] and not summary["differing"]:
            verdict = "? no difference in the checks made, but a session failed before the others"
        else:
            verdict = "✗ differs"
        rows.append(f"  {PREVIEW_TITLES[name]}: {verdict} ({summary['checks']} of {summary['expected']} checks made)")
        for label, files in summary["differing"].items():
            ours = [path for path, seen in files.items() if name != "plain"
                    and not set(seen["kinds"]) <= set(mkdocs_own.get(label, {}).get(path, {}).get("kinds", []))]
            rows.append(f"    {CHECK_TITLES.get(label, label)}: {len(files)} file(s) differ"
                        + (f", {len(ours)} not as with plain MkDocs" if name != "plain" else ""))
            for path, seen in list(files.items())[:files_shown]:
                owner = "" if name == "plain" else "  [ntsbrief]" if path in ours else "  [as plain MkDocs --dirty]"
                rows.append(f"      {path} ({', '.join(seen['kinds'])}; in {seen['checks']} of {seen['of']} checks)"
                            + owner)
                rows += [f"        {line}" for line in seen["diff"]]
            if len(files) > files_shown:
                rows.append(f"      … and {len(files) - files_shown} more: " + ", ".join(list(files)[files_shown:]))
        if summary["kept"]:
            kept = summary["kept"]
            rows.append(f"    both sites (served/, clean/) kept in {kept[0]}"
                        + (f" and {len(kept) - 1} more folder(s) beside it" if len(kept) > 1 else ""))
    return rows


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
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    probe = ("import mkdocs, pypandoc, ntsbrief, pathlib; print(mkdocs.__version__); "
             "print(pypandoc.get_pandoc_version()); print(pathlib.Path(ntsbrief.__file__).parent)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=_env(), check=False)
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
    package = subprocess.run([python, "-c", probe], capture_output=True, text=True, env=_env(),
                             check=False).stdout.strip()
    if package:
        subprocess.run([python, "-m", "compileall", "-q", package], capture_output=True, env=_env(), check=False)


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
    timed = dict.fromkeys(label for *_, label in PHASES if any(label in column for column in columns.values()))
    labels = ["process wall time", *timed]
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
    parser.add_argument("--preview", action=argparse.BooleanOptionalAction, default=True,
                        help="measure the mkdocs serve --dirty preview (e) and its byte identity (f) (default on)")
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
