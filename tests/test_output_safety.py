"""Output that must not break or lie (issue 14, "Output that breaks or lies"):

- every ``<script>`` data block (JSON-LD, previews) ends where it is written and reads back as the
  data put in, whatever any string holds (``</script``, ``<!--``, ``<script``): a property test over
  random strings, read by the HTML tokenizer's script-data states as the HTML standard defines them
  (``script_data_end`` below; Python's ``html.parser`` ignores the escaped states, which are the
  ones that swallow a body), and by ``html.parser``; and a real build with the title that emptied
  the landing page;
- escaped characters in citation prefixes, suffixes and locators: every character Python-Markdown
  escapes, formatted as pandoc formats the same cluster, and no STX/ETX byte in any built file, also
  when another extension has read the escapes before ntsbrief;
- "Cited in" labels escaped once, whatever the page's title is made of;
- ``pdf:`` is an http(s) URL or a path within the site, anything else a located configuration error.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from conftest import build, write_site
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ntsbrief import exports, render
from ntsbrief.citeproc import pandoc_path
from ntsbrief.style import HOUSE_STYLE, resolve_style

PROPERTY = settings(max_examples=400, deadline=None, derandomize=True, database=None)

# ======================================================================== the HTML standard's script data

_SPACE = "\t\n\f "


def script_data_end(page: str, start: int) -> int | None:  # noqa: C901 - the standard's states, one branch each
    """Where the text of a script element that starts at ``page[start]`` (just after its start tag)
    ends: the index of the ``</script`` that closes it, as the tokenizer of the HTML standard reads
    script data (13.2.5.4 and the script data states after it, escaped and double-escaped); None if
    nothing closes it (the rest of the page is script)."""
    state, buffer, i, n = "data", "", start, len(page)
    tag_start = start
    while i < n:
        c = page[i]
        if state == "data":
            if c == "<":
                state, tag_start = "lt", i
        elif state == "lt":
            if c == "/":
                state, buffer = "end_open", ""
            elif c == "!":
                state = "escape_start"
            else:
                state = "data"
                continue
        elif state in ("end_open", "escaped_end_open"):
            back = "data" if state == "end_open" else "escaped"
            state = ("end_name" if state == "end_open" else "escaped_end_name") if c.isascii() and c.isalpha() else back
            continue
        elif state in ("end_name", "escaped_end_name"):
            back = "data" if state == "end_name" else "escaped"
            if c in _SPACE or c in "/>":
                if buffer == "script":
                    return tag_start
                state = back
                continue
            if c.isascii() and c.isalpha():
                buffer += c.lower()
            else:
                state = back
                continue
        elif state == "escape_start":
            if c != "-":
                state = "data"
                continue
            state = "escape_start_dash"
        elif state == "escape_start_dash":
            if c != "-":
                state = "data"
                continue
            state = "escaped_dash_dash"
        elif state in ("escaped", "escaped_dash", "escaped_dash_dash"):
            if c == "-":
                state = "escaped_dash" if state == "escaped" else "escaped_dash_dash"
            elif c == "<":
                state, tag_start = "escaped_lt", i
            elif c == ">" and state == "escaped_dash_dash":
                state = "data"
            else:
                state = "escaped"
        elif state == "escaped_lt":
            if c == "/":
                state, buffer = "escaped_end_open", ""
            elif c.isascii() and c.isalpha():
                state, buffer = "double_escape_start", ""
                continue
            else:
                state = "escaped"
                continue
        elif state in ("double_escape_start", "double_escape_end"):
            inside, outside = ("double_escaped", "escaped") if state == "double_escape_start" else (
                "escaped", "double_escaped")
            if c in _SPACE or c in "/>":
                state = inside if buffer == "script" else outside
            elif c.isascii() and c.isalpha():
                buffer += c.lower()
            else:
                state = outside
                continue
        elif state in ("double_escaped", "double_escaped_dash", "double_escaped_dash_dash"):
            if c == "-":
                state = "double_escaped_dash" if state == "double_escaped" else "double_escaped_dash_dash"
            elif c == "<":
                state = "double_escaped_lt"
            elif c == ">" and state == "double_escaped_dash_dash":
                state = "data"
            else:
                state = "double_escaped"
        elif state == "double_escaped_lt":
            if c == "/":
                state, buffer = "double_escape_end", ""
            else:
                state = "double_escaped"
                continue
        i += 1
    return None


class _Elements(HTMLParser):
    """Python's HTML parser's reading: script elements (text) and the text of the body."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def assert_data_block_safe(block: str, data) -> None:
    """``block`` (one ``<script>`` element) put in a page ends where it is written and holds ``data``;
    the body after it is read as a body."""
    page = f"<!doctype html><html><head>{block}</head><body><p>BODY-INTACT</p></body></html>"
    opening = page.index(">", page.index("<script")) + 1
    closing = page.index("</script>", opening)
    assert script_data_end(page, opening) == closing, block
    assert json.loads(page[opening:closing]) == data
    parsed = _Elements()
    parsed.feed(page)
    parsed.close()
    assert len(parsed.scripts) == 1 and json.loads(parsed.scripts[0]) == data
    assert "BODY-INTACT" in "".join(parsed.text)


def test_the_checker_sees_the_body_swallowed():
    """The old JSON-LD encoding (``</`` escaped, ``<!--`` not) fails the check; the reading is the
    standard's (a double-escaped ``</script>`` does not close the element)."""
    old = '<script type="application/ld+json">' + json.dumps({"name": "a <!-- <script> b"}) + "</script>"
    page = old + "<body>lost</body></html>"
    assert script_data_end(page, page.index(">") + 1) is None
    closed = "<script><!-- <script> </script> x --> y</script>z"
    assert script_data_end(closed, 8) == closed.index("</script>z")
    assert script_data_end("<script>a</SCRIPT >", 8) == 9
    with pytest.raises(AssertionError):
        assert_data_block_safe(old, {"name": "a <!-- <script> b"})


# ======================================================================== property: any string

_PIECES = ["<", "/", "!", "-", "--", ">", "script", "SCRIPT", "sCrIpT", " ", "\t", "\n", "\f", "\r", "</script",
           "<!--", "-->", "<script", "</script>", "<script>", "<!-<", "\u2028", "\u2029", "&", "&lt;", '"', "\\",
           "\\u003c", "x", "é", "\x00", "{}", "<!-{}-"]
hostile = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.lists(st.sampled_from(_PIECES), max_size=24).map("".join),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | hostile,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile, inner, max_size=4),
    max_leaves=12,
)


@PROPERTY
@given(json_values)
@example("</script><!--<script>")
@example({"<!--": ["<script>", "</SCRIPT\t", "-->", "\u2028"]})
def test_script_json_is_safe_for_any_value(value):
    assert "<" not in render.script_json(value)
    assert_data_block_safe(f'<script type="application/json">{render.script_json(value)}</script>', value)


@PROPERTY
@given(title=hostile, author=hostile, publisher=hostile, cited=st.lists(hostile, max_size=3))
@example(title="Bad <!-- then <script> here", author="</script>", publisher="<!--", cited=["<script>"])
def test_json_ld_block_is_safe_for_any_field(title, author, publisher, cited):
    own = {"type": "report", "title": title, "author": [{"literal": author}], "publisher": publisher,
           "genre": title, "number": author, "issued": {"date-parts": [[2011, 8]]}}
    works = [{"type": "article-journal", "title": t, "author": [{"family": t, "given": title}], "container-title": t,
              "URL": "https://example.org/" + t} for t in cited]
    data = exports.json_ld(own, works, url="https://example.org/" + title)
    assert_data_block_safe(exports.json_ld_script(data), data)


@PROPERTY
@given(st.dictionaries(hostile, hostile, max_size=5))
@example({"ref-<!--": "<!--<script>", "note-1": "</script><p>x</p>"})
def test_previews_block_is_safe_for_any_preview(previews):
    block = render.previews_script({target: render.json_member(target, text) for target, text in previews.items()})
    assert "<" not in block[block.index(">") + 1:block.rindex("</script>")]  # written by script_json
    assert_data_block_safe(block, previews)


# ======================================================================== a real build

OWN = "@techreport{brief2011, author = {Kaur, Manpavan}, title = {A Brief}, institution = {RSIS}, year = {2011}}\n"


def _data_blocks(page: str) -> list[tuple[int, int]]:
    """(start, end) of the text of each JSON script element written in a built page."""
    blocks = []
    for match in re.finditer(r'<script type="application/(?:ld\+)?json"[^>]*>', page):
        end = script_data_end(page, match.end())
        assert end == page.index("</script>", match.end()), page[match.start():match.start() + 300]
        blocks.append((match.end(), end))
    return blocks


def test_hostile_title_keeps_the_landing_page_body(tmp_path):
    bib = OWN + ("@misc{evil, author = {Evil, Eve}, title = {Bad <!-{}- then <script> here </script> x}, "
                 "year = {2020}}\n")
    write_site(tmp_path, {
        "index.md": "# Home\n\nText [@evil][^n].\n\n[^n]: A note with <!-- <script> --> in it [@evil].\n\n"
                    "BODY-END-MARKER\n",
    }, plugin={"bibliography": "refs.bib", "brief_entry": "brief2011"}, extra_files={"refs.bib": bib})
    built = build(tmp_path)
    assert built.returncode == 0, built.log
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    blocks = _data_blocks(page)
    assert len(blocks) == 2  # JSON-LD and the previews
    ld = json.loads(page[slice(*blocks[0])])
    assert ld["citation"][0]["name"] == "Bad <!-- then <script> here </script> x"  # pandoc's reading: {} gone
    previews = json.loads(page[slice(*blocks[1])])
    assert "ref-evil" in previews
    parsed = _Elements()
    parsed.feed(page)
    assert "BODY-END-MARKER" in "".join(parsed.text)
    assert 'id="cite-this"' in page  # the body after the head is there, as markup
    for other in (tmp_path / "site").rglob("*.html"):
        _data_blocks(other.read_text(encoding="utf-8"))


# ======================================================================== escaped characters

BIB = "@book{k, author = {Piper, Nicola}, title = {A Problem}, year = {2005}, publisher = {IOM}}\n"
ESCAPED = [*markdown.Markdown().ESCAPED_CHARS, "@"]  # Python-Markdown's own, and ntsbrief's "\@"


def _clusters(c: str) -> list[str]:
    e = "\\" + c
    return [f"[see {e}x @k, 12{e}13]", f"@k [p. 1{e}3]", f"[{e} @k; {e}see @k, {e}]", f"[@k, {e}{e}]",
            f"[see {e}*x{e}* @k, 12{e}_13]"]


CLUSTERS = [cluster for c in ESCAPED for cluster in _clusters(c)]


def _escaped_site(tmp_path: Path, extensions: list | None = None) -> str:
    """Every cluster in a paragraph of its own, and in the other places a citation may stand."""
    lines = ["# Home", ""]
    for n, cluster in enumerate(CLUSTERS):
        lines += [f"C{n} {cluster} E", ""]
    for c in ESCAPED:
        e = "\\" + c
        lines += [f"* item [see {e} @k, 1{e}3] [see {e} @nokey, 1{e}3]", "",
                  f"> quote [see {e} @k, 1{e}3]", "",
                  f"| cell |\n|---|\n| [see {e} @k, 1{e}3] |", "",
                  f"Note[^n{ord(c)}] and [link [see {e} @k]](https://example.org/)", "",
                  f"[^n{ord(c)}]: note [see {e} @k, 1{e}3].", "",
                  f"![alt [see {e} @k, 1{e}3]](https://example.org/x.png)", "",
                  f'!!! note "Title [see {e} @k]"\n    body [see {e} @k, 1{e}3]', ""]
    write_site(tmp_path, {"index.md": "\n".join(lines)}, plugin={"bibliography": "refs.bib"},
               extra_files={"refs.bib": BIB},
               extensions=extensions or ["admonition", "attr_list", "tables", {"toc": {"permalink": True}}])
    return "\n\n".join(f"C{n} {cluster} E" for n, cluster in enumerate(CLUSTERS))


def _pandoc_formats(root: Path, document: str) -> dict[int, str]:
    style = resolve_style(HOUSE_STYLE, root)
    out = subprocess.run([pandoc_path(), "--from=markdown", "--to=html5", "--wrap=none", "--citeproc",
                          f"--csl={style.path}", f"--bibliography={root / 'refs.bib'}"],
                         input=document, capture_output=True, text=True, encoding="utf-8", check=True).stdout
    return _paragraphs(out)


def _paragraphs(page: str) -> dict[int, str]:
    """Each "C<n> ... E" paragraph's citation markup, without links, ids and data attributes."""
    def bare(fragment: str) -> str:
        return re.sub(r'\s(?:id|data-cites|role|href)="[^"]*"', "", re.sub(r"</?a\b[^>]*>", "", fragment))

    return {int(m.group(1)): bare(m.group(2)) for m in re.finditer(r"<p>C(\d+) (.*?) E</p>", page, re.DOTALL)}


def _no_placeholder_bytes(site: Path) -> int:
    """Every text file of the built site, checked for STX and ETX; how many were checked."""
    checked = 0
    for path in site.rglob("*"):
        if path.suffix in (".html", ".json", ".js", ".xml", ".css", ".txt", ".bib", ".ris"):
            text = path.read_text(encoding="utf-8")
            assert "\x02" not in text and "\x03" not in text, (path, [
                text[max(m.start() - 60, 0):m.end() + 20] for m in re.finditer("[\x02\x03]", text)][:5])
            checked += 1
    return checked


def _assert_as_pandoc_formats(tmp_path: Path, document: str) -> None:
    built = build(tmp_path)
    assert built.returncode == 0, built.log
    assert _no_placeholder_bytes(tmp_path / "site") >= 4
    ours = _paragraphs((tmp_path / "site" / "index.html").read_text(encoding="utf-8"))
    theirs = _pandoc_formats(tmp_path, document)
    assert len(theirs) == len(CLUSTERS)
    differ = [(CLUSTERS[n], ours.get(n), theirs[n]) for n in theirs if ours.get(n) != theirs[n]]
    assert not differ, "\n".join(f"{c!r}\n  site:   {a}\n  pandoc: {b}" for c, a, b in differ)
    unresolved = re.findall(r'class="citation ntsbrief-unresolved"[^>]*>([^<]*)<', built.html(""))
    assert len(unresolved) == len(ESCAPED)  # shown as written: the escapes and their characters
    assert all("[see \\" in html.unescape(text) for text in unresolved)


def test_escaped_characters_in_citations_as_pandoc_formats_them(tmp_path):
    _assert_as_pandoc_formats(tmp_path, _escaped_site(tmp_path))


EARLY_ESCAPES = '''
"""A stand-in for an extension that reads escapes before ntsbrief's tree processor (priority 25)."""
import re
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import STX, ETX


class Early(Treeprocessor):
    def run(self, root):
        def escaped(match):
            c = match.group(1)
            return f"{STX}{ord(c)}{ETX}" if c in self.md.ESCAPED_CHARS else match.group(0)

        for element in root.iter():
            if element.tag in ("pre", "code"):
                continue
            if element.text:
                element.text = re.sub(r"\\\\(.)", escaped, element.text)
            if element.tail:
                element.tail = re.sub(r"\\\\(.)", escaped, element.tail)


class EarlyEscapes(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(Early(md), "early_escapes", 30)


def makeExtension(**kwargs):
    return EarlyEscapes(**kwargs)
'''


def test_escapes_read_early_by_another_extension_are_restored(tmp_path, monkeypatch):
    """Python-Markdown's escape placeholders (STX, code point, ETX) in the text ntsbrief reads are
    written back as the escapes they were: the same formatting, no placeholder bytes."""
    (tmp_path / "early_escapes.py").write_text(textwrap.dedent(EARLY_ESCAPES), encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), *filter(None, [os.environ.get("PYTHONPATH")])]))
    document = _escaped_site(tmp_path, ["admonition", "attr_list", "tables", "toc", "early_escapes"])
    _assert_as_pandoc_formats(tmp_path, document)


# ======================================================================== "Cited in" labels

TITLE = 'A < B & "C" > D'


def test_cited_in_labels_are_escaped_once(tmp_path):
    pages = {
        "index.md": f"# Heading {TITLE}\n\nText [@k][^n].\n\n[^n]: A note citing [@k].\n",
        "front.md": f"---\ntitle: 'Front {TITLE}'\n---\n\n# Ignored\n\nText [@k].\n",
        "listed.md": "# Listed heading\n\nText [@k].\n",
    }
    write_site(tmp_path, pages, plugin={"bibliography": "refs.bib", "notes_title": f"Notes {TITLE}",
                                        "references_title": f"References {TITLE}"},
               extra_files={"refs.bib": BIB}, nav=["index.md", "front.md", {f"Nav {TITLE}": "listed.md"}])
    built = build(tmp_path, strict=True)
    assert built.returncode == 0, built.log
    references = built.html("references")
    assert "&amp;lt;" not in references and "&amp;amp;" not in references and "&amp;quot;" not in references
    cited_in = re.search(r'<span class="ntsbrief-citedin">(.*?)</span>', references).group(1)
    # The citation in the note is at the end of its page: the page's two places are lettered.
    shown = html.unescape(re.sub(r"<[^>]+>", "", cited_in))
    assert shown == f"Cited in: Heading {TITLE} a, b; Front {TITLE}; Nav {TITLE}"
    labels = [html.unescape(label) for label in re.findall(r'aria-label="([^"]*)"', cited_in)]
    assert labels == [f"Heading {TITLE}, citation a", f"Heading {TITLE}, citation b"]
    # ... as the theme shows the generated pages' titles
    notes = (tmp_path / "site" / "notes" / "index.html").read_text(encoding="utf-8")
    assert html.unescape(re.search(r"<h1[^>]*>(.*?)</h1>", notes).group(1)) == f"Notes {TITLE}"


def test_title_text_reads_titles_as_html():
    assert render.title_text("A &lt; B &amp; &quot;C&quot;") == 'A < B & "C"'
    assert render.title_text('A < B & "C" > D') == 'A < B & "C" > D'
    assert render.title_text("<em>Emphasis</em> only") == "Emphasis only"
    assert render.title_text("Plain") == "Plain"


# ======================================================================== pdf

GOOD_PDF = ["https://example.org/brief.pdf", "HTTP://example.org/a%20b.pdf?x=1#p2", "downloads/brief.pdf",
            "/files/brief.pdf", "../brief.pdf", "brief.pdf?v=2"]
BAD_PDF = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
           "java\nscript:x", "data:application/pdf;base64,JVBERi0=", "vbscript:x", "file:///etc/passwd",
           "mailto:a@example.org", "//evil.example/x.pdf", "/\\evil.example/x.pdf", "\\\\evil\\x.pdf", "http://",
           "https:///x.pdf", "http:example.org", "a b.pdf", "x\x00.pdf"]


@pytest.mark.parametrize("value", GOOD_PDF)
def test_pdf_values_accepted(value):
    assert exports.pdf_url_problem(value) is None
    assert ("citation_pdf_url", value) in exports.highwire_tags({"title": "T"}, [], value)


@pytest.mark.parametrize("value", BAD_PDF)
def test_pdf_values_refused(value):
    problem = exports.pdf_url_problem(value)
    assert problem and problem.startswith("'pdf' must be an http(s) URL or a path within the site")
    assert not any(name == "citation_pdf_url" for name, _ in exports.highwire_tags({"title": "T"}, [], value))


@pytest.mark.parametrize("value", ["javascript:alert(1)", "//evil.example/x.pdf", "data:text/html,x"])
def test_bad_pdf_option_is_a_located_config_error(tmp_path, value):
    write_site(tmp_path, {"index.md": "# Home\n\nText [@k].\n"},
               plugin={"bibliography": "refs.bib", "brief_entry": "k", "pdf": value}, extra_files={"refs.bib": BIB})
    line = next(n for n, text in enumerate((tmp_path / "mkdocs.yml").read_text().splitlines(), 1)
                if text.strip().startswith("pdf:"))
    built = build(tmp_path)
    assert built.returncode != 0
    assert f"ntsbrief: mkdocs.yml:{line}: 'pdf' must be an http(s) URL or a path within the site" in built.log
    assert not (tmp_path / "site" / "index.html").exists()


def test_site_relative_pdf_is_written(tmp_path):
    write_site(tmp_path, {"index.md": "# Home\n\nText [@k].\n"},
               plugin={"bibliography": "refs.bib", "brief_entry": "k", "pdf": "downloads/brief.pdf"},
               extra_files={"refs.bib": BIB})
    built = build(tmp_path, strict=True)
    assert built.returncode == 0, built.log
    head = (tmp_path / "site" / "index.html").read_text(encoding="utf-8").split("</head>")[0]
    assert '<meta name="citation_pdf_url" content="downloads/brief.pdf">' in head
