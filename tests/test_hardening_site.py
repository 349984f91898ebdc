"""Hardening: real MkDocs builds (tests/conftest.py helpers) checked as a whole.

- escaping: hostile BibTeX, keys, note labels, register text and config strings never become markup,
  in the HTML, the search index or the sitemap; links made from BibTeX data are http(s) only;
- confidentiality: nothing under ``private:`` reaches any file of the built site (or the cache, or the log);
- reproducibility: the same sources give the same bytes, whatever the site dir, path or cache state;
- link integrity: every internal href resolves to a file and an id in it, and ids are unique per page;
- source safety: ``mkdocs build`` (strict or not) never touches anything outside site/ and .cache/.

Bugs in src/ntsbrief found here are kept as ``xfail(strict=True)`` tests with a minimal site each.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from conftest import Built, build, write_site

# ---------------------------------------------------------------- a brief with hostile data

# Every payload carries "pwn", so that any of it turning into markup is easy to find.
BIB = r"""
@article{chuang2006,
  author = {Chuang, Janie and O"Brien, Pat},
  title = {The {United States} as Global Sheriff <script>alert('pwn1')</script> & more},
  journal = {Michigan Journal of International Law}, volume = {27}, pages = {437--494}, year = {2006},
  url = {javascript:alert('pwn-url')}
}

@book{piper2005, author = {Piper, Nicola}, title = {A Problem by a "Different" Name? <img src=x onerror=alert('pwn2')>},
  publisher = {IOM \& Partners}, year = {2005}, verified = {false},
  doi = {javascript:alert('pwn-doi')}}

@misc{a&b, author = {Amp, Ersand}, title = {Key with an ampersand}, year = {2010},
  url = {https://example.org/?a=1&b="2"}}

@misc{uncited, title = {Never cited}, year = {1999}}
"""

PRIVATE_VALUES = ["Zed Confidentialperson", "Yara Hiddenname", "Secret Shelter Organisation",
                  "zed.private@example.org", "+60 12-345 6789", "Misplaced Detail Value"]
REGISTER = f"""\
interviews:
  ngo:
    interviewee: "<b>pwn3</b> NGO practitioners & co"
    dates: [2011-06-13, 2011-06-14]
    place: "Kuala Lumpur <img src=x onerror=alert('pwn4')>"
    private:
      names: ["{PRIVATE_VALUES[0]}", "{PRIVATE_VALUES[1]}"]
      organisation: {PRIVATE_VALUES[2]}
      contact: {PRIVATE_VALUES[3]}
      phone: "{PRIVATE_VALUES[4]}"
  legal:
    interviewee: legal specialist
    date: 2011-06-15
    place: Kuala Lumpur
  careless:
    interviewee: someone
    date: 2011-06-16
    phone_of_source: "{PRIVATE_VALUES[5]}"
"""

# Nav order (index, chapter/one, two) differs from file order; one page is in a subdirectory.
PAGES = {
    "index.md": """
        # Home

        The brief opens[^open] with [@chuang2006, 490] and a key with an ampersand [@a&b].

        [^open]: An opening note citing [see @piper2005, 212] and [^inner].
        [^inner]: A note only used inside another note.
        """,
    "chapter/one.md": """
        # Chapter one

        Shelters[^sh] are scarce @piper2005 [3]; again[^sh], and an interview note[^iv].

        Odd labels[^a<b] and[^q"x]; an unknown braced key [@{x"/onmouseover="alert('pwn5')}] and
        @{a<b} stay visible.

        [^sh]: Used twice; cites [-@chuang2006].
        [^iv]: [interviews: ngo, legal]
        [^a<b]: Label with a less-than sign.
        [^q"x]: Label with a quote.
        """,
    "two.md": """
        # Two

        Last[^z] [see @chuang2006; @piper2005, 7].

        [^z]: The last note.
        """,
}
NAV = [{"Home": "index.md"}, {"Chapter one": "chapter/one.md"}, {"Two": "two.md"}]
PLUGIN = {"bibliography": "refs.bib", "interviews": "interviews.yaml",
          "unverified_note": "Unverified <script>alert('pwn6')</script> \" ' & entries."}


SITE_URL = "https://example.org/brief/"  # so that the sitemap lists pages (with their lastmod)


def make_site(root: Path, pages=PAGES, plugin=None, extra_files=None, nav=NAV, **kwargs) -> Path:
    write_site(root, pages, plugin={**PLUGIN, **(plugin or {})}, nav=nav,
               extra_files={"refs.bib": BIB, "interviews.yaml": REGISTER, **(extra_files or {})}, **kwargs)
    config_path = root / "mkdocs.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["site_url"] = SITE_URL
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def rich(tmp_path_factory) -> Built:
    root = make_site(tmp_path_factory.mktemp("rich"))
    built = build(root)  # not strict: the unknown keys above are deliberate
    assert built.returncode == 0, built.log
    assert "pandoc" not in " ".join(built.warnings), built.log  # formatted, not left as fallbacks
    assert "Piper (2005:3)" in visible_text(built.html("chapter/one"))
    return built


def site_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "site").rglob("*") if p.is_file())


# ---------------------------------------------------------------- HTML inspection


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[str, str]] = []  # (type, text) of each <script> element
        self.text: list[str] = []
        self._script_type: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script_type = (dict(attrs).get("type") or "text/javascript").lower()
            self.scripts.append((self._script_type, ""))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_type = None

    def handle_data(self, data):
        if self._script_type is not None:
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)
        else:
            self.text.append(data)


def scan(markup: str) -> _Scanner:
    scanner = _Scanner()
    scanner.feed(markup)
    scanner.close()
    return scanner


SAFE_SCHEMES = {"http", "https", "mailto"}


def unsafe_markup(markup: str) -> list[str]:
    """Every way a payload could have become markup in ``markup``."""
    scanner = scan(markup)
    problems = _tag_problems(scanner) + _script_problems(scanner)
    # Textual backstops, in case the parser is more lenient than a browser (escaped text cannot match).
    for pattern in (r"<script[^>]*>\s*alert", r"<img\s+src=x", r"<b>pwn", r"<i>pwn"):
        problems += [f"raw payload: {m.group(0)!r}" for m in re.finditer(pattern, markup, re.I)]
    return problems


def _tag_problems(scanner) -> list[str]:
    """Tags and attributes that come from data, and links with an unsafe scheme."""
    problems = []
    for tag, attrs in scanner.tags:
        if "pwn" in tag:
            problems.append(f"tag from data: <{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or "pwn" in name or "alert" in name:
                problems.append(f"attribute from data: <{tag} {name}={value!r}>")
            if name in {"href", "src", "action", "formaction", "xlink:href"} and value:
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme and scheme not in SAFE_SCHEMES:
                    problems.append(f"unsafe link: <{tag} {name}={value!r}>")
    return problems


def _script_problems(scanner) -> list[str]:
    """Scripts from data; JSON data blocks cut short, or holding unsafe markup."""
    problems = []
    for kind, text in scanner.scripts:
        if kind.endswith("json"):
            # Data, not code: it must parse as a whole (no early </script>), and any HTML in it
            # (note previews are shown as HTML) must itself be safe.
            try:
                data = json.loads(text)
            except ValueError:
                problems.append(f"JSON script cut short or invalid: {text[:200]!r}")
                continue
            for value in _strings(data):
                if "<" in value:
                    problems += [f"in JSON {kind}: {problem}" for problem in unsafe_markup(value)]
        elif "pwn" in text:
            problems.append(f"script from data: {text[:200]!r}")
    return problems


def _strings(data) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for key, value in data.items() for s in _strings(key) + _strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in _strings(value)]
    return []


def visible_text(markup: str) -> str:
    return "".join(scan(markup).text)


def search_docs(root: Path) -> list[dict]:
    return json.loads((root / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]


# ================================================================== 2. escaping


def test_hostile_data_never_becomes_markup_in_html(rich):
    problems = {}
    for path in site_files(rich.root):
        if path.suffix == ".html":
            found = unsafe_markup(path.read_text(encoding="utf-8"))
            if found:
                problems[str(path.relative_to(rich.root))] = found
    assert problems == {}


def test_hostile_data_is_still_shown_as_text(rich):
    """Escaped, not dropped: the reader sees what the store and register say."""
    refs, notes, one = (visible_text(rich.html(p)) for p in ("references", "notes", "chapter/one"))
    plain = refs.lower().replace("’", "'")  # the style title-cases titles and curls their quotes
    assert "<script>alert('pwn1')</script>" in plain
    assert "<img src=x onerror=alert('pwn2')>" in plain
    assert "IOM & Partners" in refs
    assert "Unverified <script>alert('pwn6')</script> \" ' & entries." in refs
    assert "<b>pwn3</b> NGO practitioners & co" in notes
    assert "Kuala Lumpur <img src=x onerror=alert('pwn4')>" in notes
    assert "[?{x\"/onmouseover=\"alert('pwn5')}]" in one and "?{a<b}" in one


def test_hostile_data_never_becomes_markup_in_search_index_and_sitemap(rich):
    docs = search_docs(rich.root)
    assert docs, "empty search index"
    for doc in docs:  # Material renders both title and text of a result as HTML
        assert unsafe_markup(doc["title"]) == [], doc
        assert unsafe_markup(doc["text"]) == [], doc
    assert any("pwn1" in doc["text"] for doc in docs)  # the data is indexed, escaped
    sitemap = (rich.root / "site" / "sitemap.xml").read_text(encoding="utf-8")
    with gzip.open(rich.root / "site" / "sitemap.xml.gz", "rt", encoding="utf-8") as handle:
        assert handle.read() == sitemap
    assert "pwn" not in sitemap and "<script" not in sitemap


def test_links_from_url_and_doi_fields_are_http_only(rich):
    refs = rich.html("references")
    external = [attrs["href"] for tag, attrs in scan(refs).tags
                if tag == "a" and attrs.get("href") and urlsplit(attrs["href"]).scheme]
    assert external, "the url/doi fields made no links at all"
    for href in external:
        assert urlsplit(href).scheme in {"http", "https"}, href
    assert "https://example.org/?a=1&b=%222%22" in external or 'https://example.org/?a=1&b="2"' in external


def test_keys_with_markup_characters_are_escaped(tmp_path):
    """Keys with '<', '&' and '"' (braced), cited and in the store: escaped wherever they appear.

    (pandoc reads such keys through stand-ins, so the cited one is formatted; the unknown
    ones fall back to their source text.)
    """
    bib = BIB + "\n@misc{a<b, author = {Less, Than}, title = {Lt}, year = {2001}}\n"
    pages = {"index.md": "# Keys\n\nSee @{a<b} [3], [@a&b] and [@{a\"b}] and [@{x\" title=\"pwn}].\n"}
    root = make_site(tmp_path, pages=pages, extra_files={"refs.bib": bib}, nav=None)
    built = build(root)
    assert built.returncode == 0, built.log
    for path in site_files(root):
        if path.suffix == ".html":
            assert unsafe_markup(path.read_text(encoding="utf-8")) == [], path
    for doc in search_docs(root):
        assert unsafe_markup(doc["text"]) == [], doc
    text = visible_text(built.html(""))
    assert "Less (2001:3)" in text and 'a"b' in text and 'x" title="pwn' in text
    assert 'href="references/#ref-a&lt;b"' in built.html("")


def test_config_titles_are_escaped(tmp_path):
    root = make_site(tmp_path, nav=None, plugin={"notes_title": "Notes <script>alert('pwn7')</script>",
                                                 "references_title": "Works <img src=x onerror=alert('pwn8')>"})
    build(root)
    problems = {str(p): unsafe_markup(p.read_text(encoding="utf-8"))
                for p in site_files(root) if p.suffix == ".html"}
    assert {p: found for p, found in problems.items() if found} == {}


def test_latex_links_in_fields_cannot_make_javascript_links(tmp_path):
    bib = r"@misc{evil, author = {E, Vil}, title = {Click \href{javascript:alert('pwn9')}{here}}, year = {2001}," \
          "\n  howpublished = {\\url{javascript:alert('pwn10')}}}\n"
    root = make_site(tmp_path, pages={"index.md": "# E\n\nSee [@evil].\n"}, nav=None,
                     extra_files={"refs.bib": bib})
    built = build(root)
    assert 'id="ref-evil"' in built.html("references")  # the entry is there ...
    assert unsafe_markup(built.html("references")) == []  # ... without a javascript: link


# ================================================================== 3. confidentiality


def _all_outputs(root: Path) -> dict[str, bytes]:
    outputs = {str(p.relative_to(root)): p.read_bytes() for p in site_files(root)}
    for path in site_files(root):
        if path.suffix == ".gz":
            outputs[str(path.relative_to(root)) + " (decompressed)"] = gzip.decompress(path.read_bytes())
    for path in (root / ".cache").rglob("*"):
        if path.is_file():
            outputs[str(path.relative_to(root))] = path.read_bytes()
    return outputs


def test_private_register_fields_are_in_no_output(rich):
    outputs = _all_outputs(rich.root)
    assert any(name.startswith("site/search/") for name in outputs)
    assert any(name.startswith(".cache/") for name in outputs)
    leaks = [(name, secret) for name, data in outputs.items() for secret in PRIVATE_VALUES
             for form in {secret, html.escape(secret), json.dumps(secret)[1:-1]}
             if form.encode("utf-8") in data]
    assert leaks == []
    # Not even the build log (CI logs are often public): a misplaced field is reported by name only.
    assert not [secret for secret in PRIVATE_VALUES if secret in rich.log]
    assert "interview 'careless': unknown field 'phone_of_source'" in rich.log
    assert "Personal interviews with (1) <b>pwn3</b> NGO practitioners & co" in visible_text(rich.html("notes"))


def test_register_inside_the_docs_folder_is_not_published(tmp_path):
    pages = {**PAGES, "interviews.yaml": REGISTER}
    root = make_site(tmp_path, pages=pages, plugin={"interviews": "docs/interviews.yaml"})
    built = build(root)
    assert "Personal interviews with" in built.html("notes")
    outputs = _all_outputs(root)
    assert [(n, s) for n, d in outputs.items() for s in PRIVATE_VALUES if s.encode() in d] == []


# ================================================================== 4. reproducible builds

# MkDocs itself stamps two things with the build date (mkdocs/commands/build.py, utils.get_build_date):
# - sitemap.xml: <lastmod>YYYY-MM-DD</lastmod> for every page, the day of the build (UTC);
# - sitemap.xml.gz: the gzip header's MTIME field (bytes 4-7), midnight UTC of that day.
# Both honour SOURCE_DATE_EPOCH. Two builds on either side of midnight UTC differ in exactly these; they
# are normalised below, and test_reproducible_with_source_date_epoch shows that with SOURCE_DATE_EPOCH
# set nothing needs normalising at all.
_LASTMOD_RE = re.compile(rb"<lastmod>\d{4}-\d{2}-\d{2}</lastmod>")


def _normalised(name: str, data: bytes) -> bytes:
    if name == "sitemap.xml":
        return _LASTMOD_RE.sub(b"<lastmod>DATE</lastmod>", data)
    if name == "sitemap.xml.gz":
        assert data[:4] == b"\x1f\x8b\x08\x08"  # gzip, deflate, FNAME set
        return data[:4] + b"MTIM" + data[8:]  # bytes after the header do not depend on the mtime
    return data


def snapshot(root: Path, normalise: bool = True) -> dict[str, bytes]:
    site = root / "site"
    return {p.relative_to(site).as_posix(): (_normalised(p.relative_to(site).as_posix(), p.read_bytes())
                                             if normalise else p.read_bytes())
            for p in sorted(site.rglob("*")) if p.is_file()}


def assert_same(first: dict[str, bytes], second: dict[str, bytes]) -> None:
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert differ == []


@pytest.fixture(scope="module")
def repro(tmp_path_factory):
    """The same brief in two different folders, each built once with a cold cache."""
    roots = []
    for name in ("repro-a", "repro-b"):
        root = make_site(tmp_path_factory.mktemp(name))
        built = build(root)
        assert built.returncode == 0, built.log
        roots.append(root)
    return roots


def test_reproducible_across_folders(repro):
    first, second = repro
    assert_same(snapshot(first), snapshot(second))
    assert str(first) not in "".join(d.decode("utf-8", "replace") for d in snapshot(first).values())


def test_reproducible_with_warm_and_without_cache(repro, tmp_path):
    root = repro[0]
    reference = snapshot(root)
    assert list((root / ".cache" / "ntsbrief").glob("*.json")), "the first build wrote no cache"
    shutil.rmtree(root / "site")
    build(root)  # warm .cache, fresh site dir
    assert_same(reference, snapshot(root))
    shutil.rmtree(root / ".cache")
    build(root)  # no cache, existing site dir (cleaned by --clean)
    assert_same(reference, snapshot(root))
    copy = tmp_path / "uncached"
    make_site(copy, plugin={"cache_dir": ""})
    build(copy)  # cache disabled
    assert not (copy / ".cache").exists()
    assert_same(reference, snapshot(copy))


def test_reproducible_with_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1312156800")  # 2011-08-01, the Alert's month
    snapshots = []
    for name in ("one", "two"):
        root = make_site(tmp_path / name)
        build(root)
        snapshots.append(snapshot(root, normalise=False))
    assert_same(*snapshots)
    assert b"<lastmod>2011-08-01</lastmod>" in snapshots[0]["sitemap.xml"]
    # Two builds on the same day cannot show a stamp of the day; so no output may carry today's date
    # when SOURCE_DATE_EPOCH says otherwise (e.g. an "accessed" or "modified" date in an export).
    days = {dt.date.today(), dt.datetime.now(dt.timezone.utc).date()}
    stamps = {day.strftime(form) for day in days
              for form in ("%Y-%m-%d", "%Y%m%d", "%d %B %Y", "%B %d, %Y", "%Y/%m/%d", "%d/%m/%Y")}
    stamps |= {f"[{day.year}, {day.month}, {day.day}]" for day in days}  # CSL-JSON date-parts
    stamped = [(name, stamp) for name, data in snapshots[0].items() for stamp in stamps
               if stamp.encode() in data]
    assert stamped == []


# ================================================================== 5. link integrity


def _target(site: Path, page: Path, href: str) -> tuple[Path, str] | None:
    """The file and fragment an internal href points to; None for external links."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    if parts.path.startswith("/"):  # 404.html links from the server root, i.e. site_url's path
        base = urlsplit(SITE_URL).path
        assert parts.path.startswith(base), href
        path = site / unquote(parts.path[len(base):])
    elif parts.path:
        path = page.parent / unquote(parts.path)
    else:
        path = page
    if parts.path and (parts.path.endswith("/") or path.is_dir()):
        path = path / "index.html"
    return path.resolve(), unquote(html.unescape(parts.fragment))


def _ids(markup: str) -> list[str]:
    return [attrs["id"] for _, attrs in scan(markup).tags if attrs.get("id") is not None]


def broken_links(root: Path) -> list[str]:
    site = (root / "site").resolve()
    pages = {p.resolve(): p.read_text(encoding="utf-8") for p in site_files(root) if p.suffix == ".html"}
    ids = {path: set(_ids(markup)) for path, markup in pages.items()}
    broken = []
    for page, markup in pages.items():
        for tag, attrs in scan(markup).tags:
            href = attrs.get("href")
            if tag not in {"a", "link"} or href is None:
                continue
            target = _target(site, page, href)
            if target is None:
                continue
            path, fragment = target
            where = f"{page.relative_to(site)}: {href}"
            if not path.is_file():
                broken.append(f"{where} (no file)")
            elif fragment and path.suffix == ".html" and fragment not in ids[path]:
                broken.append(f"{where} (no id {fragment!r})")
    return broken


def test_every_internal_link_resolves(rich):
    assert broken_links(rich.root) == []


def test_link_check_is_not_vacuous(rich):
    one, notes, refs = rich.html("chapter/one"), rich.html("notes"), rich.html("references")
    assert re.search(r'<a href="#note-\d+" role="doc-noteref"', one)  # to the notes at the page's end
    assert 'href="../../notes/#note-' in one and 'href="../../references/#ref-piper2005"' in one
    assert 'href="../chapter/one/#note-' in notes  # and from the Notes page back there
    assert 'href="../chapter/one/#noteref-' in notes and re.search(r'href="#noteref-\d+"', notes)  # note in a note
    assert re.search(r'id="noteref-\d+-2"', one)  # a note used twice
    assert 'href="../chapter/one/#cite-' in refs  # a citation inside a note: at the end of its page
    assert 'href="../notes/#cite-' not in refs
    assert 'href="../#cite-' in refs and 'href="../two/#cite-' in refs


def test_ids_are_unique_per_page(rich):
    duplicates = {}
    for path in site_files(rich.root):
        if path.suffix == ".html":
            ids = _ids(path.read_text(encoding="utf-8"))
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                duplicates[str(path.relative_to(rich.root))] = repeated
    assert duplicates == {}


def test_citation_in_an_unused_note_leaves_no_broken_link(tmp_path):
    pages = {"index.md": "# Home\n\nText [@chuang2006].\n\n[^spare]: Never used, but cites [@piper2005].\n"}
    root = make_site(tmp_path, pages=pages, nav=None)
    built = build(root)
    assert built.returncode == 0 and "note '[^spare]' is defined but never used" in built.log
    assert broken_links(root) == []


# ================================================================== 6. source safety


def _source_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file() and p.relative_to(root).parts[0] not in {"site", ".cache"}}


@pytest.mark.parametrize("strict", [False, True])
def test_build_never_modifies_sources(tmp_path, strict):
    pages = {**PAGES,
             # user pages at the generated pages' paths: filled in the output, never in the source
             "notes.md": "# Notes\n\nBefore.\n\n<!-- ntsbrief:notes -->\n\nAfter.\n",
             "references.md": "---\ntitle: Works\n---\n# Works cited\n"}
    root = make_site(tmp_path, pages=pages, nav=[*NAV, {"Notes": "notes.md"}, {"Works": "references.md"}],
                     extensions=["footnotes", "admonition", "tables", {"toc": {"permalink": True}}])
    before = _source_hashes(root)
    built = build(root, strict=strict)
    assert built.returncode == (1 if strict else 0), built.log  # strict: the deliberate unknown keys
    # strict: MkDocs writes the site, then exits 1 on the warnings
    assert (root / "site" / "index.html").is_file()
    assert _source_hashes(root) == before
    built = build(root, strict=strict)  # again, with the cache warm
    assert _source_hashes(root) == before
