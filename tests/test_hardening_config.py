"""Issue 14, round two: private inputs kept from the site, the plugin's options checked
alike by the build and ``ntsbrief check`` (each at its line in mkdocs.yml), write
failures and non-UTF-8 pages as messages, a damaged cache costing only time.

Each class is tested over its members, not one example; no test may see a traceback
(``conftest.build`` and ``test_cli.run`` assert that)."""

from __future__ import annotations

import errno
import gzip
import json
import logging
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import build, write_site
from test_cli import run

BIB = """\
@article{chuang2006,
  author = {Chuang, Janie},
  title = {Global Sheriff},
  journal = {Michigan Journal of International Law},
  year = {2006},
  annote = {PRIVATETOKEN-annote}
}

@book{brief2011, author = {Kaur, Manpavan}, title = {A brief}, publisher = {RSIS}, year = {2011}}
"""
PAGES = {"index.md": "# Home\n\nAs argued [@chuang2006, 490].[^n]\n\n[^n]: [interview: ngo]\n"}
REGISTER = """\
interviews:
  ngo:
    interviewee: NGO practitioners
    date: 2011-06-13
    private:
      names: [PRIVATETOKEN-name]
"""


def project(root: Path, plugin: dict | None = None, pages=None, extra_files=None) -> Path:
    write_site(root, pages or PAGES, plugin={"bibliography": "refs.bib", "interviews": "interviews.yaml",
                                             **(plugin or {})},
               extra_files={"refs.bib": BIB, "interviews.yaml": REGISTER, **(extra_files or {})})
    return root


def option_line(root: Path, option: str) -> int:
    lines = (root / "mkdocs.yml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if re.match(rf"\s*{option}:", line))


def site_bytes(root: Path) -> dict[str, bytes]:
    site = root / "site"
    return {p.relative_to(site).as_posix(): gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


# ------------------------------------------------- (b) inputs are never published


def test_inputs_in_the_docs_folder_and_their_backups_are_not_published(tmp_path):
    """The register under any suffix, the store, the style, the cache, and what
    editors leave beside them (~, .swp, .swo, #…#, .bak, .orig …): none reaches the site."""
    register, store = "docs/private/interviews.txt", "docs/refs.bib"
    copies = {}
    for original, text in ((register, REGISTER), (store, BIB)):
        folder, name = os.path.split(original)
        for form in ("{}~", "#{}#", ".#{}", ".{}.swp", ".{}.swo", "{}.swp", "{}.bak", "{}.orig", "{}.~1~", "{}.old",
                     "{}.save", ".{}.x1y2.tmp"):
            copies[f"{folder}/{form.format(name)}"] = text
    style = (Path(__file__).parents[1] / "src" / "ntsbrief" / "styles" / "ntsbrief.csl").read_text(encoding="utf-8")
    style = style.replace("<info>", "<info><!-- PRIVATETOKEN-style -->", 1)
    extra = {register: REGISTER, store: BIB, "docs/house.csl": style, "docs/house.csl~": style, **copies,
             "docs/unrelated.txt": "published", "docs/private/interviews.txt.html": "published too"}
    plugin = {"bibliography": store, "interviews": register, "cache_dir": "docs/cached", "style": "docs/house.csl"}
    write_site(tmp_path, PAGES, plugin=plugin, extra_files=extra)
    first = build(tmp_path)
    assert first.returncode == 0 and not first.warnings, first.log
    assert list((tmp_path / "docs" / "cached").iterdir()), "the cache is in the docs folder"
    second = build(tmp_path)  # now with the cache's files in docs/ too
    assert second.returncode == 0, second.log
    published = site_bytes(tmp_path)
    assert "unrelated.txt" in published and "private/interviews.txt.html" in published  # only inputs are kept back
    assert "NGO practitioners" in published["index.html"].decode()  # the register was read
    leaks = [name for name, data in published.items() if b"PRIVATETOKEN" in data]
    assert leaks == []
    assert not [name for name in published if name.startswith("cached/") or "refs.bib" in name
                or ("interviews.txt" in name and not name.endswith(".html"))]


def test_unpublished_names_every_backup_form_and_nothing_else(tmp_path):
    from ntsbrief.options import unpublished

    docs = tmp_path / "docs"
    hidden = unpublished([docs / "a" / "reg.yaml", tmp_path / "outside.bib", docs / "x*y.bib"], docs / ".c" / "n", docs)
    for name in ("a/reg.yaml", "a/reg.yaml~", "a/#reg.yaml#", "a/.#reg.yaml", "a/.reg.yaml.swp", "a/.reg.yaml.swo",
                 "a/reg.yaml.bak", "a/reg.yaml.orig", "a/reg.yaml.~3~", "a/.reg.yaml.abc.tmp", ".c/n/k.json",
                 "x*y.bib", "x*y.bib~"):
        assert hidden(name), name
    for name in ("reg.yaml", "a/b/reg.yaml", "a/reg.yaml.html", "a/reg.yml", "outside.bib", "xzy.bib",
                 ".c/nn/k.json", "index.md"):
        assert not hidden(name), name


# ------------------------------------------ (c) options: one check, build and check alike


BAD_OPTIONS = [
    ({"brief_entry": "a/b"}, "brief_entry", "brief_entry 'a/b' cannot name the brief's downloads"),
    ({"brief_entry": "../../x"}, "brief_entry", "brief_entry '../../x' cannot name the brief's downloads"),
    ({"export_exclude_fields": "provenance"}, "export_exclude_fields",
     "option 'export_exclude_fields' must be a list of BibTeX field names (e.g. [provenance]), not the text "
     "'provenance'"),
    ({"export_exclude_fields": [["a"]]}, "export_exclude_fields",
     "option 'export_exclude_fields' must be a list of BibTeX field names (e.g. [provenance]), but it holds a list"),
    ({"export_exclude_fields": [{"a": 1}]}, "export_exclude_fields", "but it holds a mapping"),
    ({"export_fields": [3]}, "export_fields", "but it holds the number 3"),
    ({"export_fields": {"abstract": True}}, "export_fields", "not a mapping"),
    ({"bibliography": 5}, "bibliography", "option 'bibliography' must be a path or a list of paths to BibTeX files, "
                                          "not the number 5"),
    ({"bibliography": ["refs.bib", None]}, "bibliography", "but it holds nothing"),
    ({"style": ["apa"]}, "style", "option 'style' must be text, not a list"),
    ({"notes_page": True}, "notes_page", "option 'notes_page' must be text, not true"),
    ({"notes_page": "x.md", "references_page": "x.md"}, "references_page",
     "options 'notes_page' and 'references_page' must be different pages"),
    ({"notes_page": "x.md", "references_page": "x/index.md"}, "references_page", "are one page of the site"),
    ({"full_text_page": "notes.md"}, "full_text_page", "options 'notes_page' and 'full_text_page' must be different"),
    ({"notes_page": "notes"}, "notes_page", "option 'notes_page' must name a Markdown file (ending in .md)"),
    ({"references_page": "../refs.md"}, "references_page", "must be a path inside the docs folder"),
    ({"full_text_page": "/tmp/all.md"}, "full_text_page", "must be a path inside the docs folder"),
    ({"downloads_dir": "../../x"}, "downloads_dir", "option 'downloads_dir' ('../../x') must be a folder inside the "
                                                    "site"),
    ({"downloads_dir": "/tmp/x"}, "downloads_dir", "must be a folder inside the site"),
    ({"downloads_dir": "a/../../x"}, "downloads_dir", "must be a folder inside the site"),
    ({"downloads_dir": ""}, "downloads_dir", "option 'downloads_dir' is empty"),
    ({"unverified_field": " "}, "unverified_field", "option 'unverified_field' is empty"),
    ({"pdf": "javascript:alert(1)"}, "pdf", "'pdf' must be an http(s) URL or a path within the site"),
]


@pytest.mark.parametrize("options, option, message", BAD_OPTIONS, ids=[str(o) for o, *_ in BAD_OPTIONS])
def test_a_bad_option_stops_the_build_and_fails_check_with_the_same_located_message(tmp_path, options, option,
                                                                                      message):
    root = project(tmp_path, {"brief_entry": "brief2011", **options})
    where = f"mkdocs.yml:{option_line(root, option)}: "
    built = build(root)
    assert built.returncode == 1
    [error] = [line for line in built.log.splitlines() if message in line]
    assert error.split("ntsbrief: ", 1)[1].startswith(where), built.log
    checked = run(root, "check")
    assert checked.returncode == 1
    [same] = [line for line in checked.stdout.splitlines() if message in line]
    assert same == error.split("ntsbrief: ", 1)[1]
    assert not (tmp_path.parent / "x").exists() and not Path("/tmp/x/references.bib").exists()


def test_check_goes_on_past_a_bad_option(tmp_path):
    root = project(tmp_path, {"export_fields": "abstract"}, pages={"index.md": "# Home\n\n[@chuang206]\n"})
    lines = run(root, "check").stdout.splitlines()
    assert any("option 'export_fields' must be a list" in line for line in lines)
    assert any("unknown citation key 'chuang206'" in line for line in lines)  # the rest is checked too


def test_cite_page_naming_no_page_is_reported_by_build_and_check(tmp_path):
    root = project(tmp_path, {"brief_entry": "brief2011", "cite_page": "landing.md"})
    message = (f"mkdocs.yml:{option_line(root, 'cite_page')}: cite_page 'landing.md' names no page of the brief "
               "(a .md file in docs/): the \"Cite this\" box and the metadata would be left out")
    assert message in build(root).warnings
    assert build(root, strict=True).returncode == 1
    assert message in run(root, "check").stdout.splitlines()
    for fine in ("index.md", "notes.md", "references.md"):  # a content page, or a generated one
        root = project(tmp_path, {"brief_entry": "brief2011", "cite_page": fine})
        assert "cite_page" not in run(root, "check").stdout


@pytest.mark.parametrize("cite_page", ["index", "./index.md", "../index.md", "docs/index.md", "Index.md"])
def test_cite_page_must_name_a_page_as_the_nav_does(tmp_path, cite_page):
    root = project(tmp_path, {"brief_entry": "brief2011", "cite_page": cite_page})
    assert f"cite_page '{cite_page}' names no page of the brief" in run(root, "check").stdout


def test_a_brief_entry_with_safe_punctuation_gets_its_downloads(tmp_path):
    bib = BIB.replace("brief2011", "kaur:2011.brief-2")
    root = project(tmp_path, {"brief_entry": "kaur:2011.brief-2"}, extra_files={"refs.bib": bib})
    built = build(root, strict=True)
    assert built.returncode == 0, built.log
    assert (root / "site" / "downloads" / "kaur:2011.brief-2.bib").is_file()


@pytest.mark.parametrize("bib, store_text", [
    ("empty.bib", ""),
    ("notes.txt", "Just some notes, no entries.\n"),
    ("ris.bib", "TY  - BOOK\nTI  - Not BibTeX\nER  - \n"),
])
def test_a_store_file_with_no_entries_is_named(tmp_path, bib, store_text):
    root = project(tmp_path, {"bibliography": ["refs.bib", bib]}, extra_files={bib: store_text})
    message = (f"{bib}: holds no entries: nothing in it reads as a BibTeX entry (is 'bibliography' in mkdocs.yml "
               "the right path?); the other file(s) hold 2")
    assert message in build(root).warnings
    assert f"{bib}: warning: {message.split(': ', 1)[1]}" in run(root, "check").stdout.splitlines()


def test_a_store_outside_the_project_with_no_entries_is_named(tmp_path):
    outside = tmp_path / "elsewhere.bib"
    outside.write_text("% nothing here\n", encoding="utf-8")
    root = project(tmp_path / "brief", {"bibliography": str(outside)})
    assert f"{outside.as_posix()}: holds no entries" in "\n".join(build(root).warnings)


def test_a_file_of_string_macros_or_with_reported_problems_is_not_called_empty(tmp_path):
    root = project(tmp_path, {"bibliography": ["strings.bib", "refs.bib", "broken.bib"]},
                   extra_files={"strings.bib": "@string{mjil = {Michigan Journal of International Law}}\n",
                                "broken.bib": "@article{x, title = {oops\n"})
    warnings = build(root).warnings
    assert not [w for w in warnings if "holds no entries" in w]
    assert any(w.startswith("broken.bib:1:") for w in warnings)


# ------------------------------------------------ (d) write failures are messages


@pytest.mark.parametrize("target", ["downloads", "full text"])
def test_a_failed_write_is_a_build_error_naming_the_file(tmp_path, monkeypatch, caplog, target):
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    import ntsbrief.plugin

    root = project(tmp_path, {"brief_entry": "brief2011"})
    builtins_open = open

    def no_space(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    if target == "downloads":
        original = Path.write_text

        def write_text(self, *args, **kwargs):
            if "downloads" in self.parts:
                no_space(self)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(Path, "write_text", write_text)
        expected = "ntsbrief: cannot write site/downloads/brief2011.bib: No space left on device"
    else:
        def open_(path, *args, **kwargs):
            if str(path).endswith(os.path.join("full-text", "index.html")):
                no_space(path)
            return builtins_open(path, *args, **kwargs)

        monkeypatch.setattr(ntsbrief.plugin, "open", open_, raising=False)
        expected = "ntsbrief: cannot write site/full-text/index.html: No space left on device"
    monkeypatch.chdir(root)
    caplog.set_level(logging.ERROR)
    with pytest.raises(Abort):
        mkdocs_build(load_config(str(root / "mkdocs.yml")))
    assert expected in caplog.text


# ------------------------------------------------------ (e) a damaged cache costs time


def _corruptions():
    def wrong_shape(name, data):
        return {".json": b'{"x": [1, 2]}', ".done": b"[]"}.get(Path(name).suffix, b"\x00\x01")

    def sealed_line_kept(name, data):
        seal, _, _ = data.partition(b"\n")
        return seal + b"\n" + (b'{"own_html": 1, "head_html": 2, "downloads": 3}' if name.endswith(".json") else b"0")

    def truncated(name, data):
        return data[: len(data) // 2]

    def emptied(name, data):
        return b""

    def tampered_html(name, data):
        return data.replace(b"Chuang", b"<script>alert(1)</script>").replace(b"Global", b"TAMPERED")

    def unsealed(name, data):  # the content as an older ntsbrief wrote it, with no seal
        return data.partition(b"\n")[2]

    return [wrong_shape, sealed_line_kept, truncated, emptied, tampered_html, unsealed]


@pytest.fixture(scope="module")
def cached_site(tmp_path_factory):
    from test_hardening_site import make_site

    root = make_site(tmp_path_factory.mktemp("cache"), plugin={"brief_entry": "chuang2006"})
    built = build(root)
    assert built.returncode == 0, built.log
    return root, site_bytes(root), built.warnings


@pytest.mark.parametrize("corrupt", _corruptions(), ids=lambda f: f.__name__)
def test_every_cache_file_damaged_gives_the_clean_site(cached_site, corrupt):
    root, clean, warnings = cached_site
    cache = root / ".cache" / "ntsbrief"
    files = sorted(p for p in cache.iterdir() if p.is_file())
    assert {p.suffix for p in files} >= {".json", ".done"} and len(files) > 3
    for path in files:
        path.write_bytes(corrupt(path.name, path.read_bytes()))
    rebuilt = build(root)  # asserts no traceback
    assert rebuilt.returncode == 0, rebuilt.log
    assert rebuilt.warnings == warnings
    assert site_bytes(root) == clean
    again = build(root)  # and the cache is whole again
    assert site_bytes(root) == clean and again.warnings == warnings


def test_cache_files_swapped_between_keys_are_not_read(cached_site):
    root, clean, _ = cached_site
    build(root)
    files = sorted(p for p in (root / ".cache" / "ntsbrief").iterdir() if p.suffix == ".json")
    contents = [p.read_bytes() for p in files]
    for path, data in zip(files, contents[1:] + contents[:1], strict=True):
        path.write_bytes(data)
    assert build(root).returncode == 0
    assert site_bytes(root) == clean


def test_a_sealed_entry_reads_back_and_a_damaged_one_is_a_miss(tmp_path):
    from ntsbrief.cache import DiskCache

    cache = DiskCache(tmp_path)
    cache.write_json("k", json.dumps({"a": [1, "é"]}))
    cache.write_marshal("m", ("x", 1))
    cache.set_marker("d")
    assert (cache.read_json("k"), cache.read_marshal("m"), cache.has_marker("d")) == ({"a": [1, "é"]}, ("x", 1), True)
    for path in tmp_path.iterdir():
        path.write_bytes(path.read_bytes().replace(b"1", b"2"))
    assert (cache.read_json("k"), cache.read_marshal("m")) == (None, None)
    shutil.copy(tmp_path / "d.done", tmp_path / "e.done")
    assert not cache.has_marker("e")  # a marker is its key's


# ------------------------------------------------------------ (f) non-UTF-8 pages


@pytest.mark.parametrize("data, line, byte, column", [
    ("# Home\n\nA caf\u00e9 [@chuang2006].\n".encode("latin-1"), 3, "E9", 6),
    ("# Home\n\n\u201cquoted\u201d\n".encode("cp1252"), 3, "93", 1),
    (b"\xff\xfe# Home\n", 1, "FF", 1),
    (b"\xef\xbb\xbf# Home\n\nab\xffc\n", 3, "FF", 3),  # after a byte-order mark
    ("# H\u00f4me\n\nfine \u00e9\n\nthen \x96 a dash\n".encode("utf-8").replace(b"\xc2\x96", b"\x96"), 5, "96", 6),
])
def test_a_page_that_is_not_utf8_is_a_located_message_in_build_and_check(tmp_path, data, line, byte, column):
    root = project(tmp_path, pages={**PAGES, "other.md": "# Other\n"})
    (root / "docs" / "bad.md").write_bytes(data)
    message = (f"docs/bad.md:{line}: byte 0x{byte} (column {column}) is not UTF-8: the page seems to be saved as "
               "Latin-1 or Windows-1252, and cannot be built; save it as UTF-8")
    built = build(root)
    assert built.returncode == 1 and f"ntsbrief: {message}" in built.log, built.log
    checked = run(root, "check")
    assert checked.returncode == 1 and message in checked.stdout.splitlines(), checked.stdout


# -------------------------------------------------------- (g) BibTeX: a field with no value


@pytest.mark.parametrize("entry, line", [
    ("@book{x,\n  author = {A, B},\n  title = ,\n  year = {2001}\n}\n", 3),
    ("@book{x, author = {A, B}, title =, year = {2001}}\n", 1),
    ("@book{x,\n  author = {A, B},\n  year = {2001},\n  title = }\n", 4),
])
def test_a_field_with_no_value_is_a_located_warning(entry, line):
    from ntsbrief.bibliography import Bibliography

    store = Bibliography()
    store.add_text(entry, "refs.bib")
    assert [(d.line, d.severity, d.message) for d in store.diagnostics] == [
        (line, "warning", "field 'title' has no value (nothing after '='): write its value in braces, or delete "
                          "the field")]
    assert "x" in store and "x" not in store.unusable  # pandoc reads it: reported, not withheld


def test_a_field_with_a_value_is_not_reported():
    from ntsbrief.bibliography import Bibliography

    store = Bibliography()
    store.add_text('@book{x, author = {A, B}, title = {}, note = "", year = 2001, month = jun}\n', "refs.bib")
    assert list(store.diagnostics) == []


def test_the_plugin_options_default_as_documented():
    """The README's table and the options' defaults agree (the options are checked
    by ntsbrief, not MkDocs: their defaults must still be MkDocs')."""
    from ntsbrief.plugin import NtsBriefConfig

    config = NtsBriefConfig()
    config.load_dict({})
    failed, _ = config.validate()
    assert failed == []
    assert (config.notes_page, config.downloads_dir, config.export_exclude_fields, config.bibliography) == (
        "notes.md", "downloads", ["provenance"], [])
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "| `downloads_dir` | `downloads` |" in readme
    assert yaml.safe_load("[provenance]") == config.export_exclude_fields


def test_options_are_located_in_either_form_of_plugins_and_only_in_their_section(tmp_path):
    from ntsbrief.plugin import line_of

    forms = {
        "plugins:\n  - search\n  - ntsbrief:\n      style: x\n      pdf: y\nextra:\n  pdf: z\n": (5, 4),
        "plugins:\n  search: {}\n  ntsbrief:\n    # a comment\n    pdf: y\n": (5, None),
        "plugins:\n  - ntsbrief:\n      style: x\n  - other:\n      pdf: q\n": (None, 3),
    }
    for text, (pdf, style) in forms.items():
        config = tmp_path / "mkdocs.yml"
        config.write_text(text, encoding="utf-8")
        assert (line_of(str(config), "pdf"), line_of(str(config), "style")) == (pdf, style), text
