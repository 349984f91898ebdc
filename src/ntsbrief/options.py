"""The plugin's options, checked in one place for the build and ``ntsbrief check``.

MkDocs is given options that take any value (``plugin.Loose``): it would report a
wrong type without its line, as ``Expected type: <class 'list'>``. Here each option
is checked for its type and its value, and every problem is a ``mkdocs.yml:N:``
message; the build stops on an error, ``check`` lists the same messages.

Nothing here imports MkDocs: the editor tools (``cli.py``) read the options with
``project.py`` and check them here, and must work under any site generator.
``OPTIONS`` is the schema; the plugin's ``NtsBriefConfig`` declares the same.

Also here: which files of the docs folder are the plugin's inputs (the register,
the store, the style, the cache, and editors' backups of them), never published.
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .diagnostics import Diagnostic
from .project import line_of
from .style import HOUSE_STYLE

DEFAULT_UNVERIFIED_NOTE = (
    "Details of entries marked with a dagger could not be fully verified: the original reference list "
    "was not available, and these entries were reconstructed from the in-text citations."
)


@dataclass(frozen=True)
class Option:
    """One of the plugin's options: the type(s) its value must have, and its default."""

    kind: type | tuple[type, ...]
    default: Any = None


# The plugin's options (README, "Configuration"); the plugin's NtsBriefConfig declares
# the same for MkDocs (tests/test_hardening_config.py holds them equal).
OPTIONS: dict[str, Option] = {
    "bibliography": Option((str, list), []),
    "style": Option(str, HOUSE_STYLE),
    "locale": Option(str),
    "interviews": Option(str),
    "notes_page": Option(str, "notes.md"),
    "notes_title": Option(str, "Notes"),
    "references_page": Option(str, "references.md"),
    "references_title": Option(str, "References"),
    "unverified_field": Option(str, "verified"),
    "unverified_note": Option(str, DEFAULT_UNVERIFIED_NOTE),
    "cache_dir": Option(str),
    "brief_entry": Option(str),
    "cite_title": Option(str, "Cite this brief"),
    "cite_page": Option(str),
    "pdf": Option((str, bool)),
    "pdf_file": Option(str, "brief.pdf"),
    "pdf_notes": Option(str, "footnotes"),
    "pdf_in_preview": Option(bool, False),
    "keywords": Option(list, []),
    "full_text_page": Option(str, "full-text.md"),
    "full_text_title": Option(str, "Full text"),
    "margin_notes": Option(bool, False),
    "downloads_dir": Option(str, "downloads"),
    "export_exclude_fields": Option(list, ["provenance"]),
    "export_fields": Option(list, []),
}


def with_defaults(given: Mapping[str, Any]) -> dict[str, Any]:
    """The options as written in mkdocs.yml, each one not written given its default
    (a copy: a list default is never shared). Unknown names are kept, as MkDocs keeps them."""
    options = {name: copy.deepcopy(option.default) for name, option in OPTIONS.items()}
    options.update(given)
    return options


@dataclass(frozen=True)
class OptionProblem:
    """A problem with one of the plugin's options, located in the config file."""

    option: str
    diagnostic: Diagnostic
    fatal: bool = True  # the build cannot go on with it (else: reported with the brief's other problems)


# A key names the files of the brief's own downloads (``KEY.bib``) and is part of their URLs.
_FILE_NAME_KEY_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:+-]*")
_FIELD_NAME_RE = re.compile(r"[^\s{}=,#\"%]+")


def check_options(opts: Mapping[str, Any], config_file: str | None, docs_dir: Path | None) -> list[OptionProblem]:
    """Every problem with the plugin's options ``opts`` (its ``config``, or ``with_defaults``)."""
    check = _Checker(opts, config_file, line_of)
    check.texts("bibliography", "paths to BibTeX files")
    check.texts("export_exclude_fields", "BibTeX field names (e.g. [provenance])", _FIELD_NAME_RE)
    check.texts("export_fields", "BibTeX field names (e.g. [abstract])", _FIELD_NAME_RE)
    bibliography = check.text("bibliography")
    if bibliography is not None and not bibliography.strip():
        check.bad("bibliography", "option 'bibliography' is empty: give the path of a BibTeX file, or leave the "
                  "option out")

    for option in ("interviews", "style", "unverified_field"):
        value = check.text(option)
        if value is not None and not value.strip():
            check.bad(option, f"option '{option}' is empty: give a value, or leave the option out")

    pages = _generated_pages(check)
    _check_downloads_dir(check)
    _check_brief_entry(check)
    _check_pdf(check)
    _check_cite_page(check, pages, docs_dir)
    return check.problems


class _Checker:
    """The problems found so far with the options ``opts``, and their values as the
    checks read them: an option of the wrong type is reported once (here, first),
    and then read as absent."""

    def __init__(self, opts: Mapping[str, Any], config_file: str | None,
                 line_of: Callable[[str | None, str], int | None]) -> None:
        self.opts = opts
        self.config_file = config_file
        self.name = Path(config_file).name if config_file else "mkdocs.yml"
        self.line_of = line_of
        self.problems: list[OptionProblem] = []
        self.wrong_type: set[str] = set()
        for option, declared in OPTIONS.items():
            value, kind = opts.get(option), declared.kind
            if value is None or isinstance(value, kind):
                continue
            self.wrong_type.add(option)
            self.bad(option, f"option '{option}' must be {_EXPECTED.get(option) or _kind(kind)}, "
                             f"not {_described(value)}")

    def bad(self, option: str, message: str, fatal: bool = True) -> None:
        """Report a problem with ``option``, at its line in the config file."""
        self.problems.append(OptionProblem(option, Diagnostic(self.name, self.line_of(self.config_file, option),
                                                              message), fatal))

    def text(self, option: str) -> str | None:
        """The option's value if it is text (None if it is absent or of the wrong type)."""
        value = self.opts.get(option)
        return value if isinstance(value, str) and option not in self.wrong_type else None

    def texts(self, option: str, what: str, pattern: re.Pattern[str] | None = None) -> None:
        """Check that a list option holds only non-empty texts (matching ``pattern``, if
        given): the first item that does not is reported."""
        value = self.opts.get(option)
        if option in self.wrong_type or not isinstance(value, list):
            return
        for item in value:
            if not isinstance(item, str) or not item.strip() or (pattern and not pattern.fullmatch(item)):
                self.bad(option, f"option '{option}' must be a list of {what}, but it holds {_described(item)}")
                return


def _generated_pages(check: _Checker) -> dict[str, str]:
    """Generated pages: Markdown files inside the docs folder, each its own page. The
    usable ones, by option; the others, and two options naming one page, are reported."""
    pages = {}
    for option in ("notes_page", "references_page", "full_text_page"):
        page = check.text(option)
        if page is None or (option == "full_text_page" and page == ""):
            continue
        if not page.endswith(".md"):
            check.bad(option, f"option '{option}' must name a Markdown file (ending in .md), not {page!r}")
        elif _escapes(page):
            check.bad(option, f"option '{option}' ({page!r}) must be a path inside the docs folder")
        else:
            pages[option] = page
    seen: dict[str, str] = {}
    for option, page in pages.items():
        url = _page_url(page)
        if url in seen:
            check.bad(option, f"options '{seen[url]}' and '{option}' must be different pages "
                              f"({pages[seen[url]]!r} and {page!r} are one page of the site)")
        else:
            seen[url] = option
    return pages


def _check_downloads_dir(check: _Checker) -> None:
    downloads = check.text("downloads_dir")
    if downloads is not None:
        if not downloads.strip():
            check.bad("downloads_dir", "option 'downloads_dir' is empty: name a folder of the site (e.g. downloads)")
        elif _escapes(downloads):
            check.bad("downloads_dir", f"option 'downloads_dir' ({downloads!r}) must be a folder inside the site: "
                                       "a relative path that does not leave it with '..'")


def _check_brief_entry(check: _Checker) -> None:
    entry = check.text("brief_entry")
    if entry is not None and not _FILE_NAME_KEY_RE.fullmatch(entry):
        check.bad("brief_entry", f"brief_entry '{entry}' cannot name the brief's downloads ('{entry}.bib', …): "
                                 "give the brief's own entry a key of letters, digits and _ . : + - only")


def _check_pdf(check: _Checker) -> None:
    if check.opts.get("pdf") is True:
        check.bad("pdf", "option 'pdf' is true: leave it out to have the PDF typeset, set it to false for none, "
                         "or give the URL of a PDF made elsewhere")
    pdf = check.text("pdf")
    if pdf:  # written into citation_pdf_url
        from .exports import pdf_url_problem

        problem = pdf_url_problem(pdf)
        if problem:
            check.bad("pdf", problem)
    pdf_file = check.text("pdf_file")
    if pdf_file is not None and (not pdf_file.endswith(".pdf") or _escapes(pdf_file)
                                 or posixpath.normpath(pdf_file) != pdf_file):
        check.bad("pdf_file", f"pdf_file '{pdf_file}' must be a path inside the site ending in .pdf, "
                              "such as brief.pdf or downloads/brief.pdf")
    notes = check.text("pdf_notes")
    if notes is not None and notes not in ("footnotes", "endnotes"):
        check.bad("pdf_notes", f"pdf_notes must be 'footnotes' or 'endnotes', not {notes!r}")
    check.texts("keywords", "keywords")


def _check_cite_page(check: _Checker, pages: dict[str, str], docs_dir: Path | None) -> None:
    cite_page = check.text("cite_page")
    if cite_page is not None and docs_dir is not None:
        generated = set(pages.values())
        if not (cite_page.endswith(".md") and not _escapes(cite_page) and posixpath.normpath(cite_page) == cite_page
                and (cite_page in generated or (docs_dir / cite_page).is_file())):
            check.bad("cite_page", f"cite_page '{cite_page}' names no page of the brief (a .md file in "
                                   f"{docs_dir.name}/): the \"Cite this\" box and the metadata would be left out",
                      fatal=False)


def reset_to_defaults(opts: MutableMapping[str, Any], problems: list[OptionProblem]) -> None:
    """Give each option that cannot be used its default, so ``check`` can go on."""
    for problem in problems:
        if problem.fatal:
            opts[problem.option] = copy.deepcopy(OPTIONS[problem.option].default)


# ------------------------------------------------------------------ inputs


_BACKUP_FORMS = (  # an editor's copies of NAME, as {} stands for it
    "{}~", "{}.~*~", "#{}#", ".#{}", ".{}.sw?", "{}.sw?", "{}.bak", "{}.orig", "{}.old", "{}.save", "{}.tmp",
    ".{}.*.tmp",  # ntsbrief fmt's own temporary file
)


def unpublished(inputs: list[Path], cache: Path | None, docs_dir: Path) -> Callable[[str], bool]:
    """A test of a file's ``src_uri`` (relative to ``docs_dir``): whether it is one
    of the plugin's ``inputs``, an editor's backup of one, or in the ``cache``."""
    docs = docs_dir.resolve()
    patterns: list[str] = []
    folders: list[str] = []
    for path in inputs:
        inside = _inside(path, docs)
        if inside is not None:
            parent, name = posixpath.split(inside)
            forms = "|".join(_form_pattern(form, name) for form in ("{}", *_BACKUP_FORMS))
            patterns.append(re.escape(parent + "/" if parent else "") + f"(?:{forms})")
    if cache is not None:
        inside = _inside(cache, docs)
        if inside == "":  # the docs folder itself: its cache files, by their names
            patterns.append(r"\.?[0-9a-f]{64}\.[^/]*")
        elif inside is not None:
            folders.append(inside + "/")
    matcher = re.compile("|".join(patterns)) if patterns else None

    def hidden(src_uri: str) -> bool:
        return bool((matcher is not None and matcher.fullmatch(src_uri))
                    or any(src_uri.startswith(folder) for folder in folders))

    return hidden


def _form_pattern(form: str, name: str) -> str:
    """A regular expression of ``form`` (``{}`` the name, ``*`` any text, ``?`` a character)."""
    tokens = {"{}": re.escape(name), "*": "[^/]*", "?": "[^/]"}
    return "".join(tokens.get(part, re.escape(part)) for part in re.split(r"(\{\}|\*|\?)", form) if part)


def _inside(path: Path, docs: Path) -> str | None:
    """``path`` relative to ``docs`` ('' for the folder itself), or None if outside it."""
    try:
        inside = path.resolve().relative_to(docs).as_posix()
    except ValueError:
        return None
    return "" if inside == "." else inside


# ----------------------------------------------------------------- helpers


_EXPECTED = {
    "pdf": "false, or the URL of a PDF made elsewhere",
    "bibliography": "a path or a list of paths to BibTeX files",
    "export_exclude_fields": "a list of BibTeX field names (e.g. [provenance])",
    "export_fields": "a list of BibTeX field names (e.g. [abstract])",
}


def _kind(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "text", list: "a list", bool: "true or false", int: "a whole number", dict: "a mapping"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _described(value: object) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}" if value.strip() else "empty text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing"
    return f"a {type(value).__name__}"


def _escapes(path: str) -> bool:
    """Whether a path meant to be inside a folder is absolute or leaves it."""
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path) or "\\" in path:
        return True
    normal = posixpath.normpath(path)
    return normal == ".." or normal.startswith("../")


def _page_url(page: str) -> str:
    """The address MkDocs gives a page: ``a.md``, ``a/index.md`` and ``a/README.md`` are one."""
    parts = PurePosixPath(posixpath.normpath(page)).with_suffix("").parts
    if parts and parts[-1].lower() in ("index", "readme"):
        parts = parts[:-1]
    return "/".join(parts)


def site_url_problem(config_name: str, site_url: str | None) -> Diagnostic | None:
    """Why a site without ``site_url`` is incomplete, as a warning (None with one):
    MkDocs then writes no canonical address, and no absolute one can be given to
    ``og:url`` or ``citation_pdf_url`` (indexers read a relative one against the
    page, or not at all)."""
    if site_url:
        return None
    return Diagnostic(config_name, None, "site_url is not set: without the address the site is published at, "
                      "pages get no canonical URL (<link rel=\"canonical\">, og:url) and citation_pdf_url cannot be "
                      "absolute; set site_url (e.g. https://example.org/brief/)", "warning")
