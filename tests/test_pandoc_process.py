"""pandoc as an external process (issue 14): every run is bounded in time and
memory in proportion to its input, a run stopped at a limit is a plain message
naming what was being formatted, and a pandoc that is missing, cannot run, hangs
or prints garbage is a setup error shown in one plain line, never a traceback,
a hang, or a fault of every entry.

Timeouts are tested with fake pandocs that sleep and limits injected small, never
by timing real work: the machine is shared and noisy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import markdown
import pytest
from conftest import build, write_site
from mkdocs.exceptions import PluginError

from ntsbrief import citeproc, pandoc_ast
from ntsbrief.bibliography import Bibliography
from ntsbrief.brief import Brief
from ntsbrief.citeproc import FormatError, Formatter, PandocSetupError
from ntsbrief.extension import BriefExtension
from ntsbrief.pandoc_input import for_pandoc
from ntsbrief.style import resolve_style

REAL = citeproc.pandoc_path()
POSIX = os.name == "posix"
# Most tests here stand a Python script in for pandoc, run through its #! line with POSIX
# signals and limits (resource); Windows follows no #! line.
WINDOWS_REASON = "the fake pandocs are Python scripts run through their #! line, which Windows does not follow"

BIB = """
@book{piper2005, author = {Piper, Nicola}, title = {A Problem}, publisher = {IOM}, year = 2005}
@book{chuang2006, author = {Chuang, Janie}, title = {Global Sheriff}, publisher = {UMich}, year = 2006}
"""


def fake_pandoc(folder: Path, body: str, name: str = "pandoc") -> Path:
    """A pandoc that runs ``body`` first (``args``, ``data`` (stdin) and ``log``
    are there) and then, unless ``body`` exits, passes the call on to the real one."""
    if not POSIX:
        pytest.skip(WINDOWS_REASON)
    path = folder / name
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(f"""\
        import os, resource, signal, subprocess, sys, time
        args = sys.argv[1:]
        data = sys.stdin.read()

        def log(text):
            with open({str(folder / (name + '.log'))!r}, "a", encoding="utf-8") as out:
                out.write(text + "\\n")

        """) + textwrap.dedent(body) + textwrap.dedent(f"""
        result = subprocess.run([{REAL!r}, *args], input=data, capture_output=True, text=True, encoding="utf-8")
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        sys.exit(result.returncode)
        """), encoding="utf-8")
    path.chmod(0o755)
    return path


def calls(fake: Path) -> list[str]:
    log = fake.with_name(fake.name + ".log")
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


@pytest.fixture
def use(monkeypatch):
    """Make the package run this pandoc (as ``citeproc.pandoc_path`` gives it)."""
    monkeypatch.delenv(citeproc.PANDOC_ENV, raising=False)

    def choose(path: Path) -> Path:
        monkeypatch.setattr(citeproc, "pandoc_path", lambda: str(path))
        return path

    return choose


def store(text: str = BIB) -> Bibliography:
    bibliography = Bibliography()
    bibliography.add_text(text, "refs.bib")
    return bibliography


def resolved(bibliography: Bibliography, source: str, formatter: Formatter) -> Brief:
    """A one-page brief, converted and resolved (its diagnostics tell the story)."""
    brief = Brief(bibliography, resolve_style("ntsbrief", Path(".")), formatter)
    extension = BriefExtension()
    extension.page = brief.page("a", "docs/a.md", source, 0)
    extension.page.finish(markdown.Markdown(extensions=[extension]).convert(source))
    brief.resolve(["a"], lambda f, t, a: f"{t}#{a}", "notes", "refs", {})
    return brief


# ---------------------------------------------------------------- the limits


def test_limits_grow_with_the_input_from_a_generous_base():
    assert citeproc._timeout(0) == citeproc.TIMEOUT_BASE >= 30
    assert citeproc._timeout(2_000_000) == citeproc.TIMEOUT_BASE + 2 * citeproc.TIMEOUT_PER_MB
    assert citeproc._memory_cap(0) == citeproc.MEMORY_BASE >= 1 << 30
    assert citeproc._memory_cap(2_000_000) == citeproc.MEMORY_BASE + 2 * citeproc.MEMORY_PER_MB
    # The large benchmark brief's largest run (3.9 MB in, 300 MB and 7-12 s measured) is far inside.
    assert citeproc._timeout(3_900_000) > 10 * 12 and citeproc._memory_cap(3_900_000) > 10 * (300 << 20)


@pytest.mark.skipif(not POSIX, reason="the memory cap is POSIX's RLIMIT_AS")
@pytest.mark.parametrize("size", [0, 3_000_000])
def test_every_run_has_its_memory_capped_in_proportion(tmp_path, use, size):
    fake = use(fake_pandoc(tmp_path, """
        if args == ["--limits"]:
            print(resource.getrlimit(resource.RLIMIT_AS)[0])
            sys.exit(0)
        """))
    assert int(citeproc._run([str(fake), "--limits"], "x" * size)[0]) == citeproc._memory_cap(size)


@pytest.mark.skipif(not POSIX, reason="the memory cap is POSIX's RLIMIT_AS")
def test_real_pandoc_starts_under_a_small_cap_and_is_stopped_at_it(monkeypatch):
    """GHC's allocator lives with RLIMIT_AS: pandoc starts under 256 MB, and a run
    needing more ends at once with a plain message, not by taking the machine."""
    monkeypatch.setattr(citeproc, "MEMORY_BASE", 256 << 20)
    monkeypatch.setattr(citeproc, "MEMORY_PER_MB", 0)
    assert json.loads(citeproc._run([REAL, "--from=markdown", "--to=json"], "Some *text*.")[0])["blocks"]
    clusters = [f"[*see* @k{n}, {n}; also _x_ @j{n}]" * 8 for n in range(25_000)]  # about 9 MB of Markdown
    batch = pandoc_ast.markdown_batch(clusters, list(range(len(clusters))))
    with pytest.raises(FormatError) as raised:
        citeproc._run([REAL, "--from=markdown", "--to=json"], batch)
    message = str(raised.value)
    assert "out of memory" in message or "crashed" in message, message
    assert f"reading 25,000 citations with Markdown in their text ({citeproc._size(len(batch.encode()))})" in message
    assert "\n" not in message


@pytest.mark.parametrize("body, expected", [
    ('sys.stderr.write("pandoc: out of memory\\n"); sys.exit(251)',
     "pandoc ran out of memory (over 2.0 GB) reading 1 bibliography entry (1 kB) and was stopped; look for"),
    ('sys.stderr.write("pandoc: Heap exhausted;\\npandoc: Current maximum heap size is 1 bytes\\n"); sys.exit(251)',
     "pandoc ran out of memory"),
    ("os.kill(os.getpid(), signal.SIGKILL)",
     "pandoc crashed (stopped by SIGKILL) reading 1 bibliography entry (1 kB); if memory was short"),
    # pandoc echoing the input that says "out of memory" is an ordinary error, word for word
    ('sys.stderr.write("Error at (line 1, column 9):\\n  title = {Running out of memory}\\n"); sys.exit(64)',
     "Error at (line 1, column 9): title = {Running out of memory}"),
])
def test_how_a_run_ended_is_told_plainly(tmp_path, use, monkeypatch, body, expected):
    monkeypatch.setattr(citeproc, "MEMORY_BASE", 2 << 30)
    fake = use(fake_pandoc(tmp_path, f'if "--from=biblatex" in args:\n    {body}\n'))
    if "SIGKILL" in body and not POSIX:
        pytest.skip("a pandoc killed by a signal: POSIX only")
    with pytest.raises(FormatError) as raised:
        citeproc._run([str(fake), "--from=biblatex", "--to=json"], "@misc{a, title = {x}}\n")
    assert expected in str(raised.value)
    assert not isinstance(raised.value, PandocSetupError)


# ---------------------------------------------------------------- timeouts


HANG_WHEN = """
    if {condition}:
        log(str(os.getpid()))
        time.sleep(600)
"""


@pytest.mark.parametrize("command, stdin, doing", [
    (["--from=json", "--to=html5", "--citeproc", "--csl=/x/house.csl"],
     json.dumps({"blocks": [{"t": "Div", "c": [["c0", [], []], []]}, {"t": "Div", "c": [["c1", [], []], []]},
                            {"t": "Div", "c": [["refs", [], []], []]}]}),
     "formatting 2 citations and the reference list (1 kB) with style 'house.csl'"),
    (["--from=biblatex", "--to=json"], BIB + "@string{x = {y}}\n@comment{z}\n", "reading 2 bibliography entries"),
    (["--from=json", "--to=csljson"], "{}", "converting the cited entries to CSL-JSON for downloads"),
    (["--from=latex", "--to=json"], "A\n\nB\n\nC", "decoding 3 titles for downloads and metadata"),
    (["--from=markdown", "--to=json"], pandoc_ast.markdown_batch(["[*a* @k]"], [4]),
     "reading 1 citation with Markdown in their text"),
])
def test_a_run_that_hangs_is_stopped_with_a_message_naming_the_work(tmp_path, use, monkeypatch, command, stdin, doing):
    fake = use(fake_pandoc(tmp_path, HANG_WHEN.format(condition="True")))
    monkeypatch.setattr(citeproc, "TIMEOUT_BASE", 1.0)
    monkeypatch.setattr(citeproc, "TIMEOUT_PER_MB", 0.0)
    with pytest.raises(FormatError) as raised:
        citeproc._run([str(fake), *command], stdin)
    message = str(raised.value)
    assert message.startswith(f"pandoc took longer than 1 s {doing}") and "and was stopped" in message
    assert "\n" not in message and not isinstance(raised.value, PandocSetupError)
    if POSIX and calls(fake):  # killed and reaped, not left running
        with pytest.raises(ProcessLookupError):
            os.kill(int(calls(fake)[0]), 0)


def test_a_hung_citeproc_run_fails_the_brief_with_that_message(tmp_path, use, monkeypatch):
    fake = use(fake_pandoc(tmp_path, HANG_WHEN.format(condition='"--citeproc" in args')))
    formatter = Formatter()
    bibliography = store()
    formatter.read_entries(for_pandoc(bibliography, ["piper2005"]))  # read with the usual limits
    monkeypatch.setattr(citeproc, "TIMEOUT_BASE", 1.0)  # only the citeproc run is left to do
    brief = resolved(bibliography, "See [@piper2005, 12].\n", formatter)
    problems = [str(d) for d in brief.diagnostics]
    assert any("pandoc could not format the citations: pandoc took longer than 1 s formatting 1 citation and "
               "the reference list" in p for p in problems), problems
    assert brief.store_failed  # so the build writes no site with raw citations
    assert len(calls(fake)) == 1


def test_a_reading_stopped_at_its_limit_fails_once_and_blames_no_entry(tmp_path, use, monkeypatch):
    """A run stopped by its time limit is the machine's or pandoc's trouble, not an
    entry's: the brief fails with that message (so no site is written) after one
    timeout, not one per halving of the batch, and nothing of it is remembered:
    the next build, given time, reads every entry."""
    fake = use(fake_pandoc(tmp_path, HANG_WHEN.format(condition='"--from=biblatex" in args and "slowentry" in data')))
    monkeypatch.setattr(citeproc, "_timeout", lambda size: 1.0 if size > 20_000 else 600.0)
    text = BIB + "\n@misc{slowentry,\n  title = {Slow},\n  note = {" + "word " * 6_000 + "},\n  year = 2001}\n"
    cache = tmp_path / "cache"
    brief = resolved(store(text), "See [@piper2005] and [@slowentry].\n", Formatter(cache))
    problems = [str(d) for d in brief.diagnostics]
    assert any("pandoc took longer than 1 s reading 2 bibliography entries" in p for p in problems), problems
    assert brief.store_failed and not any("cannot read entry" in p for p in problems)
    assert len(calls(fake)) == 1  # one hang: not halved again and again
    use(REAL)
    again = resolved(store(text), "See [@piper2005] and [@slowentry].\n", Formatter(cache))
    assert [str(d) for d in again.diagnostics] == [] and not again.store_failed


# ---------------------------------------------------------------- a pandoc that is not one


NOT_PANDOC = {
    "missing": (None, "is missing"),
    "not executable": ("#!/bin/sh\necho 'pandoc 3.9'\n", "is not executable"),
    "not a program": (b"\x7fELF\x00\x00not really", "cannot run"),
    "fails": ("sys.stderr.write('no libgmp\\n'); sys.exit(3)",
              "failed on `pandoc --version` (exit status 3: no libgmp)"),
    "garbage version": ("print('Welcome to the shell!'); sys.exit(0)",
                        "does not answer `--version` as pandoc does (it printed 'Welcome to the shell!')"),
    "garbage json": ("print('pandoc 3.9' if args == ['--version'] else '<html>'); sys.exit(0)",
                     "does not write pandoc's JSON (it printed '<html>')"),
    "hangs on --version": ("time.sleep(600)", "did not answer `pandoc --version` within 1 s"),
    "hangs on a document": ("if args != ['--version']: time.sleep(600)", "did not answer an empty document within 1 s"),
}


def not_pandoc(folder: Path, kind: str) -> Path:
    body, _ = NOT_PANDOC[kind]
    path = folder / "pandoc"
    if body is None:
        return path
    if isinstance(body, bytes):
        path.write_bytes(body)
        path.chmod(0o755)
    elif body.startswith("#!"):
        path.write_text(body, encoding="utf-8")
        path.chmod(0o644)
    else:
        path = fake_pandoc(folder, body)
    return path


@pytest.mark.parametrize("kind", list(NOT_PANDOC))
def test_a_pandoc_that_is_not_one_is_a_setup_error_before_any_entry_is_blamed(tmp_path, use, monkeypatch, kind):
    if kind in ("not executable", "not a program") and not POSIX:
        pytest.skip("a file that is not executable: POSIX permissions only")
    monkeypatch.setattr(citeproc, "PROBE_TIMEOUT", 1.0)
    path = use(not_pandoc(tmp_path, kind))
    expected = f"pandoc ({path}) {NOT_PANDOC[kind][1]}"
    advice = "reinstall ntsbrief with its pandoc: .venv/bin/pip install --force-reinstall -e ."
    for attempt in (citeproc.pandoc_version, citeproc.pandoc_api_version,
                    lambda: Formatter().read_entries(for_pandoc(store(), ["piper2005", "chuang2006"])),
                    lambda: Formatter().format(resolve_style("ntsbrief", tmp_path), for_pandoc(store(), ["piper2005"]),
                                               ["[@{piper2005}]"])):
        with pytest.raises(PandocSetupError) as raised:
            attempt()
        assert str(raised.value).startswith(expected) and str(raised.value).endswith(advice)
        assert "\n" not in str(raised.value)
        # Reported by every caller of a FormatError; the core knows nothing of MkDocs (the
        # plugin stops a build with it as one line where nothing reports it).
        assert isinstance(raised.value, FormatError) and not isinstance(raised.value, PluginError)


def test_the_maintainers_override_is_named_in_the_advice(tmp_path, monkeypatch):
    monkeypatch.setenv(citeproc.PANDOC_ENV, str(tmp_path / "nowhere"))
    assert citeproc.pandoc_path() == str(tmp_path / "nowhere")
    with pytest.raises(PandocSetupError, match=f"is missing; set {citeproc.PANDOC_ENV} to a working pandoc, or "
                                                "unset it to use ntsbrief's own"):
        citeproc.pandoc_version()
    monkeypatch.setenv(citeproc.PANDOC_ENV, REAL)
    assert citeproc.pandoc_version().startswith("pandoc ")


def test_a_broken_pandoc_is_tried_once_until_its_file_changes(tmp_path, use):
    fake = use(fake_pandoc(tmp_path, "log(' '.join(args)); print('nonsense'); sys.exit(0)"))
    for _ in range(3):
        with pytest.raises(PandocSetupError):
            citeproc.pandoc_version()
    assert calls(fake) == ["--version", "--from=markdown --to=json"]
    fake_pandoc(tmp_path, "log(' '.join(args))")  # repaired (a serve session sees it at its next build)
    assert citeproc.pandoc_version().startswith("pandoc ")
    assert len(calls(fake)) == 4
    citeproc.pandoc_version()
    assert len(calls(fake)) == 4  # a working pandoc is asked once


def test_output_that_is_not_json_is_a_setup_error_not_a_traceback(tmp_path, use):
    use(fake_pandoc(tmp_path, "if '--from=biblatex' in args: print('Segmentation fault'); sys.exit(0)"))
    with pytest.raises(PandocSetupError, match=r"printed something other than JSON reading 2 bibliography entries "
                                               r"\(1 kB\) \('Segmentation fault'\)"):
        Formatter().read_entries(BIB)


NOT_PANDOC_IN_A_BUILD = ["missing", "not executable", "garbage version", "garbage json"]


@pytest.mark.parametrize("kind", NOT_PANDOC_IN_A_BUILD)
def test_build_and_check_with_a_broken_pandoc_say_so_in_a_plain_line(tmp_path, monkeypatch, kind):
    if kind == "not executable" and not POSIX:
        pytest.skip("a file that is not executable: POSIX permissions only")
    root = tmp_path / "brief"
    write_site(root, {"index.md": "# Home\n\nAs argued [@piper2005, 12; @chuang2006].\n"},
               plugin={"bibliography": "refs.bib"}, extra_files={"refs.bib": BIB},
               config_extra={"site_url": "https://example.org/brief/"})  # check's only warning would be its absence
    path = not_pandoc(tmp_path, kind)
    monkeypatch.setenv(citeproc.PANDOC_ENV, str(path))
    expected = f"pandoc ({path}) {NOT_PANDOC[kind][1]}"

    built = build(root)  # asserts no traceback
    assert built.returncode == 1
    errors = [line for line in built.log.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1 and expected in errors[0] and citeproc.PANDOC_ENV in errors[0], built.log
    assert not (root / "site" / "index.html").exists()

    check = subprocess.run([sys.executable, "-m", "ntsbrief.cli", "check"], capture_output=True, text=True, cwd=root,
                           check=False, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert "Traceback" not in check.stderr + check.stdout and check.returncode == 1
    lines = check.stdout.splitlines()
    assert len(lines) == 2 and expected in lines[0] and lines[-1].endswith("1 error(s), 0 warning(s)"), lines
    assert "cannot read entry" not in check.stdout  # not blamed on an entry


# ---------------------------------------------------------------- what reaches pandoc


def test_private_fields_of_megabytes_never_reach_citeproc(tmp_path, use):
    """A huge ``abstract`` (private by default) reaches only pandoc's BibTeX reader,
    which reads it in proportion; citeproc and the CSL-JSON writer never see it."""
    fake = use(fake_pandoc(tmp_path, "log(' '.join(args[:2]) + ' ' + str(len(data)))"))
    abstract = "Lorem ipsum dolor sit amet. " * 3_500  # 98 kB: the most the store takes (MAX_FIELD)
    text = BIB + "\n@book{big2001, author = {Big, A.}, title = {Big}, publisher = {P}, year = 2001,\n" \
                 "  abstract = {" + abstract + "}}\n"
    bibliography = store(text)
    formatter = Formatter()
    brief = resolved(bibliography, "See [@big2001].\n", formatter)
    assert not list(brief.diagnostics)
    formatter.csl_items(for_pandoc(bibliography, ["big2001"]))
    sizes = {line.rsplit(" ", 1)[0]: int(line.rsplit(" ", 1)[1]) for line in calls(fake)}
    assert sizes["--from=biblatex --to=json"] > len(abstract)  # the reader needs the entry as written
    assert sizes["--from=json --to=html5"] < 20_000 and sizes["--from=json --to=csljson"] < 20_000
