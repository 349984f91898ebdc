"""``ntsbrief``: check a brief, add a section, normalise the BibTeX store.

``check`` runs the same core as the MkDocs plugin (store, register, style,
Markdown extension, cross-page resolution) without rendering the site, so its
diagnostics are the plugin's, in the same ``path:line: message`` form.

None of the commands imports MkDocs: they read mkdocs.yml with ``project.py``,
so the editor tools keep working whatever builds the site.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from dataclasses import astuple
from pathlib import Path
from typing import Any

import markdown

from .bibformat import format_bibtex
from .bibliography import decoded
from .citeproc import Formatter
from .diagnostics import Diagnostic, Diagnostics, shown_path
from .extension import BriefExtension, with_brief_extension
from .loader import Settings, line_offset, open_brief, read_page
from .options import OptionProblem, check_options, reset_to_defaults, site_url_problem, with_defaults
from .placeholders import EDITOR_TEXT_PROBLEM, editor_text_line, is_placeholder
from .project import Project, ProjectError, Unresolved, nav_files, page_body, read_project, settings_for


def main(argv: list[str] | None = None) -> int:
    """The ``ntsbrief`` command: its exit status (2 for a usage or setup problem)."""
    parser = argparse.ArgumentParser(prog="ntsbrief", description=__doc__.split("\n\n")[0])
    parser.add_argument("-f", "--config-file", default="mkdocs.yml",
                        help="the brief's mkdocs.yml (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate the whole brief without building the site")
    check.add_argument("--format", choices=("text", "json"), default="text")
    new = commands.add_parser("new-section", help="create a section file and add it to the nav")
    new.add_argument("title")
    new.add_argument("--after", help="put it after this nav entry (title or file); default: before Notes")
    fmt = commands.add_parser("fmt", help="normalise BibTeX files (sorted keys, field order, indentation)")
    fmt.add_argument("files", nargs="*", type=Path, help="default: the bibliography in mkdocs.yml")
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return run_check(Path(args.config_file), args.format)
        if args.command == "new-section":
            return run_new_section(Path(args.config_file), args.title, args.after)
        return run_fmt(Path(args.config_file), args.files, args.check)
    except UserError as error:
        print(f"ntsbrief: {error}", file=sys.stderr)
        return 2


class UserError(Exception):
    """A problem with how the command was called or with the project setup."""


# ---------------------------------------------------------------------- check


def load_project(config_file: Path, keep_going: bool = False
                 ) -> tuple[Project, dict[str, Any], Settings, list[OptionProblem]]:
    """mkdocs.yml as the editor tools read it (``project.py``), the plugin's options
    (with their defaults), the settings from them and the problems with them.

    A plugin option that cannot be used stops the command, as it stops the build;
    with ``keep_going`` (``check``) it is given its default, to be reported with the rest."""
    try:
        project = read_project(config_file)
    except ProjectError as error:
        raise UserError(str(error)) from None
    if project.plugin is None:
        raise UserError(f"{config_file}: the ntsbrief plugin is not configured under 'plugins:'")
    options = with_defaults(project.plugin)
    # The plugin's options, checked as the build checks them; one that cannot be
    # used is reported (by ``check``) and replaced by its default, so the rest is checked too.
    option_problems = check_options(options, str(config_file), project.docs_dir)
    fatal = [str(problem.diagnostic) for problem in option_problems if problem.fatal]
    if fatal and not keep_going:
        raise UserError("\nntsbrief: ".join(fatal))
    reset_to_defaults(options, option_problems)
    try:
        settings = settings_for(config_file, options)
    except ProjectError as error:
        raise UserError(str(error)) from None
    return project, options, settings, option_problems


def _add_project_problems(diagnostics: Diagnostics, option_problems: list[OptionProblem],
                          unpublished_address: Diagnostic | None) -> None:
    """The options' problems, and a missing site_url (a warning)."""
    for option_problem in option_problems:
        found = option_problem.diagnostic
        diagnostics.add(found.path, found.line, found.message, found.severity)
    if unpublished_address is not None:
        diagnostics.add(*astuple(unpublished_address))


def check_brief(config_file: Path) -> Diagnostics:
    """Every problem of the brief a build would report (without rendering the site), and
    those of every entry of the store, cited or not (an uncited one is a warning)."""
    project, options, settings, option_problems = load_project(config_file, keep_going=True)
    cache = options["cache_dir"] if options["cache_dir"] is not None else ".cache/ntsbrief"
    brief = open_brief(settings, Formatter(settings.root / cache if cache else None))
    _add_project_problems(brief.diagnostics, option_problems, site_url_problem(settings.config_name, project.site_url))
    generated = (options["notes_page"], options["references_page"], options["full_text_page"])
    docs = project.docs_dir
    pages = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.md"))
    order = []
    for nav_file in nav_files(project.nav or []):
        if "://" in nav_file:
            continue
        if (docs / nav_file).is_file():
            order.append(nav_file)
        elif nav_file not in generated:
            brief.diagnostics.add(settings.config_name, _line_naming(config_file, nav_file),
                                  f"nav entry '{nav_file}' names a file that does not exist in {docs.name}/")
    extension = BriefExtension()
    extensions, configs = _usable_extensions(project, brief.diagnostics, settings.config_name)
    converter = with_brief_extension(list(extensions), extension)
    for key in pages:
        path = docs / key
        shown = shown_path(path, settings.root)
        raw, line, problem = read_page(path)
        if raw is None:  # the build stops on it, with the same message
            assert problem is not None, "read_page says why it cannot read a page"
            brief.diagnostics.add(shown, line, problem)
            continue
        if key in generated and is_placeholder(raw):
            editor_line = editor_text_line(raw)
            if editor_line is not None:  # the build stops on it
                brief.diagnostics.add(shown, editor_line, EDITOR_TEXT_PROBLEM)
            continue
        body = page_body(raw)
        extension.page = brief.page(key, shown, body, line_offset(raw, body))
        html = markdown.Markdown(extensions=converter, extension_configs=configs).convert(body)
        extension.page.finish(html)
        extension.page = None
    result = brief.resolve(order, lambda *_: "#", options["notes_page"], options["references_page"], {})
    brief.check_entries(list(brief.bibliography.entries))
    brief.check_readable(list(brief.bibliography.entries))  # the build reads only the cited ones
    brief.check_same_works(result.cited_keys, store_wide=True)
    cited = set(result.cited_keys) | {options["brief_entry"]}
    for key, entry in brief.bibliography.entries.items():
        if key not in cited:
            brief.diagnostics.add(entry.path, entry.line, f"entry '{key}' is not cited in this brief", "warning")
    return brief.diagnostics


def _usable_extensions(project: Project, diagnostics: Diagnostics, config_name: str
                       ) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The configured Markdown extensions that load here, with their options; one that
    does not (not installed, or an option naming what is not: Material's emoji index
    with Material gone) is left out of the check with a warning, as the build would fail on it."""
    usable, configs = [], {}
    for name in project.markdown_extensions:
        config = project.mdx_configs.get(name, {})
        unresolved = [value.name for value in config.values() if isinstance(value, Unresolved)]
        try:
            if unresolved:
                raise ImportError(f"it names {', '.join(unresolved)}, which is not installed")
            markdown.Markdown(extensions=[name], extension_configs={name: config})
        except Exception as error:  # any failure of a third-party extension: reported, not fatal
            diagnostics.add(config_name, _line_naming(project.config_file, name),
                            f"Markdown extension '{name}' cannot be loaded ({error}); pages were checked without it",
                            "warning")
            continue
        usable.append(name)
        if config:
            configs[name] = config
    return usable, configs


def run_check(config_file: Path, output: str) -> int:
    """``ntsbrief check``: print the brief's problems (``output`` "text" or "json");
    exit status 1 if one is an error."""
    diagnostics = sorted(check_brief(config_file), key=lambda d: (d.path, d.line or 0))
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    if output == "json":
        print(json.dumps({
            "errors": errors, "warnings": warnings,
            "diagnostics": [{"path": d.path, "line": d.line, "severity": d.severity, "message": d.message}
                            for d in diagnostics],
        }, indent=2, ensure_ascii=False))
    else:
        for diagnostic in diagnostics:
            print(_text(diagnostic))
        print(f"{errors} error(s), {warnings} warning(s)" if diagnostics else "The brief is clean.")
    return 1 if errors else 0


def _text(diagnostic: Diagnostic) -> str:
    if diagnostic.severity == "error":
        return str(diagnostic)
    where = diagnostic.path if diagnostic.line is None else f"{diagnostic.path}:{diagnostic.line}"
    return f"{where}: warning: {diagnostic.message}"


def _line_naming(config_file: Path, needle: str) -> int | None:
    for number, line in enumerate(config_file.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    return None


# ---------------------------------------------------------------- new-section


SECTION_TEMPLATE = """\
---
title: {yaml_title}
---

# {title}

<!--
Write the section here, in plain Markdown.
Cite a work:      ... as Chuang argues [@chuang2006, 490].
Add a note:       ... a claim.[^why] and, at the end of this file:
                  [^why]: The note's text.
Cite interviews:  [^who]: [interviews: ngo-13-14]
Check your work:  ntsbrief check
-->
"""


def slugify(title: str) -> str:
    """A section's file name (without .md) from its title, in any script: python-slugify
    transliterates it to lower-case ASCII letters and digits joined by - ("Buôn bán người"
    is buon-ban-nguoi, "人口贩卖" ren-kou-fan-mai). ASCII names work in every URL, shell,
    file system and Git checkout (macOS stores accented names decomposed, Windows
    consoles mangle them); the title itself keeps its script, in the page and the nav."""
    from slugify import slugify as transliterated

    return transliterated(title) or "section"  # a title of symbols only (an emoji) has no letters


def unused_name(docs: Path, slug: str, taken: set[str]) -> str:
    """``slug``.md, or ``slug``-2.md, -3, …: the first name that is neither a file of the
    docs folder nor ``taken`` (named in the nav, or a generated page), compared without
    case as macOS and Windows compare file names."""
    existing = {p.relative_to(docs).as_posix().casefold() for p in docs.rglob("*")} | {n.casefold() for n in taken}
    name, number = f"{slug}.md", 1
    while name.casefold() in existing:
        number += 1
        name = f"{slug}-{number}.md"
    return name


def run_new_section(config_file: Path, title: str, after: str | None) -> int:
    """``ntsbrief new-section``: write the section's file from ``SECTION_TEMPLATE`` and
    add it to the nav (after the entry that mentions ``after``, else before the generated pages)."""
    project, options, settings, _ = load_project(config_file)
    docs = project.docs_dir
    generated = (options["notes_page"], options["references_page"], options["full_text_page"])
    name = unused_name(docs, slugify(title), set(nav_files(project.nav or [])) | set(generated))
    target = docs / name
    text = config_file.read_bytes().decode("utf-8")  # as it is: its line ends are kept
    new_text = None
    if project.nav is not None:
        new_text = insert_nav_entry(text, title, name, after, generated[:2])
    target.write_text(SECTION_TEMPLATE.format(title=title, yaml_title=json.dumps(title, ensure_ascii=False)),
                      encoding="utf-8")
    if new_text is not None:
        _write_atomically(config_file, new_text)
    print(f"created {target.relative_to(settings.root)}"
          + ("" if new_text is None else f" and added it to the nav in {config_file.name}"))
    return 0


def insert_nav_entry(text: str, title: str, file: str, after: str | None, generated: tuple[str, ...]) -> str:
    """Add ``- title: file`` to the top level of the nav, touching no other line."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^nav\s*:\s*(#.*)?$", line)), None)
    if start is None:
        raise UserError("mkdocs.yml has no block-style 'nav:' list to add the section to")
    items: list[tuple[int, int, str]] = []  # (first line, end line, text) of each top-level item
    indent = None
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.strip() == "" or line.lstrip().startswith("#"):
            continue
        current = len(line) - len(line.lstrip(" "))
        if current == 0 and not line.startswith("-"):
            break
        if indent is None:
            indent = current
        if current == indent and line.lstrip().startswith("- "):
            items.append((i, i + 1, line))
        elif items:
            items[-1] = (items[-1][0], i + 1, items[-1][2])
    if not items:
        raise UserError("the nav in mkdocs.yml is empty or not a list")
    assert indent is not None, "set with the first item"
    position = items[-1][1]
    if after:
        match = [item for item in items if after in item[2]]
        if not match:
            raise UserError(f"no nav entry mentions {after!r}")
        position = match[0][1]
    else:
        first_generated = [item for item in items if any(g in item[2] for g in generated)]
        if first_generated:
            position = first_generated[0][0]
    plain = re.fullmatch(r"[\w][\w ,.()'’–-]*", title) is not None and ": " not in title
    key = title if plain else json.dumps(title, ensure_ascii=False)
    ending = _line_end(lines[start])  # the file's own: a CRLF file stays CRLF
    entry = f"{' ' * indent}- {key}: {file}{ending}"
    newline_fix = "" if position == 0 or lines[position - 1].endswith(("\n", "\r")) else ending
    return "".join(lines[:position]) + newline_fix + entry + "".join(lines[position:])


def _line_end(line: str) -> str:
    return "\r\n" if line.endswith("\r\n") else "\r" if line.endswith("\r") else "\n"


# ------------------------------------------------------------------------ fmt


def run_fmt(config_file: Path, files: list[Path], check_only: bool) -> int:
    """``ntsbrief fmt``: normalise the BibTeX ``files`` (default: the configured ones) in
    place, or with ``check_only`` only say which would change; exit status 1 if one would change
    or cannot be read."""
    if not files:
        settings = load_project(config_file)[2]
        files = settings.bibliography_paths
        if not files:
            raise UserError("no BibTeX files given and none configured as 'bibliography:'")
    status = 0
    for path in files:
        shown = shown_path(path, config_file.parent)  # as every other message names files
        try:
            text = decoded(path.read_bytes())
        except OSError as error:
            raise UserError(f"{shown}: {error.strerror or error}") from None
        undecodable = [n for n, line in enumerate(text.split("\n"), 1) if _NOT_TEXT_RE.search(line)]
        if undecodable:
            print(f"{shown}:{undecodable[0]}: not UTF-8 text (run 'ntsbrief check' for each place); "
                  "the file was left as it is")
            status = 1
            continue
        formatted, problems = format_bibtex(text, shown)
        if formatted is None:
            for problem in problems:
                print(problem)
            status = 1
            continue
        if formatted == text:
            continue
        if check_only:
            print(f"{shown}: would be reformatted (run 'ntsbrief fmt')")
            status = 1
        else:
            _write_atomically(path, formatted)
            print(f"{shown}: reformatted")
    return status


_NOT_TEXT_RE = re.compile("[\udc80-\udcff\x00]")


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
