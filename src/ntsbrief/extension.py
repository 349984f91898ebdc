"""The Markdown extension: it owns citation, note and interview syntax.

It emits placeholders while a page is converted and records each construct on
the current ``PageRecord``; nothing is resolved here, because note numbers and
formatted citations depend on every page of the brief (see ``brief.py``).

Registration priorities, relative to Python-Markdown's own processors:

=====================  ========  ==============================================
processor              priority  why
=====================  ========  ==============================================
note definitions       17        before link references (15), which would
                                 otherwise read ``[^n]: text`` as a link target
inline constructs      175       after escapes (180) and code spans (190), so
                                 ``\\@`` and code are left alone; before links
                                 (160), which would read ``[@key]`` as a link
note holder            50        attaches note texts to the tree before inline
                                 processing (20), so citations in notes work
=====================  ========  ==============================================
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from .brief import PageRecord
from .syntax import INLINE_RE, NOTE_DEF_RE, kind_of, parse_cluster, parse_interview_ids, parse_intext

_STASH_RE = re.compile("\x02klzzwxh:(\\d+)\x03")
_STASH_BEFORE_RE = re.compile("\x02klzzwxh:(\\d+)\x03\\Z")
_RAW_RE = re.compile("\x02wzxhzdk:(\\d+)\x03")  # Python-Markdown's raw HTML placeholder
_DEFINITION_RE = re.compile(NOTE_DEF_RE.pattern + r"[ ]*(?P<text>.*)$", re.MULTILINE)


FOOTNOTE_EXTENSIONS = ("footnotes", "markdown.extensions.footnotes")


def with_brief_extension(extensions: list, extension: BriefExtension) -> list:
    """The configured extensions with ours in place of Python-Markdown's footnotes,
    which would number notes per page."""
    return [e for e in extensions if e not in FOOTNOTE_EXTENSIONS] + [extension]


class BriefExtension(Extension):
    """Shared by all pages; the front end sets ``page`` before each conversion."""

    def __init__(self) -> None:
        super().__init__()
        self.page: PageRecord | None = None

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        if "@" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS.append("@")
        holder: list[etree.Element] = []  # this conversion's note definitions
        md.parser.blockprocessors.register(NoteDefinitionProcessor(md.parser, self, holder), "ntsbrief_notes", 17)
        md.inlinePatterns.register(BriefInlineProcessor(INLINE_RE, md, self), "ntsbrief", 175)
        md.treeprocessors.register(NoteHolderTreeprocessor(md, self, holder), "ntsbrief_notes", 50)


def _stashed(md: Markdown, ident: str):
    """What a Python-Markdown inline placeholder stands for (text or element)."""
    try:
        return md.treeprocessors["inline"].stashed_nodes.get(ident)
    except KeyError:
        return None


def _source(md: Markdown, text: str) -> str:
    """Inline text as the author wrote it: escapes back to ``\\x``, code to backticks."""
    if "\x02" not in text:
        return text  # nothing stashed in it: the common case
    def restore(match: re.Match) -> str:
        value = _stashed(md, match.group(1))
        if isinstance(value, str):
            return "\\" + value if len(value) == 1 else value  # an escaped character
        if value is None:
            return ""
        inner = "".join(value.itertext())
        return f"`{inner}`" if value.tag == "code" else inner

    return _STASH_RE.sub(restore, text)


def _placeholder(md: Markdown, page: PageRecord, kind: str, index: int, raw: str) -> str:
    """Raw HTML, stashed: Python-Markdown then carries a string, not an element it
    would have to place in the tree and serialise (a brief has thousands)."""
    tag = page.marks.ref_tag
    # The raw text is what the reader sees if the placeholder is never resolved.
    return md.htmlStash.store(f'<{tag} kind="{kind}" n="{index}">{html.escape(raw, quote=False)}</{tag}>')


class BriefInlineProcessor(InlineProcessor):
    def __init__(self, pattern: re.Pattern, md: Markdown, extension: BriefExtension):
        super().__init__(pattern.pattern, md)
        self.compiled_re = pattern
        self.extension = extension

    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 - Python-Markdown API
        page = self.extension.page
        kind = kind_of(m)
        if page is None or kind == "skip" or self._follows_element(m, data):
            return None, None, None
        raw = _source(self.md, m.group(0))
        if kind == "note":
            return _placeholder(self.md, page, "note", page.use_note(m.group("note"), raw), raw), m.start(0), m.end(0)
        if kind == "interviews":
            element = etree.Element("span", {"class": "ntsbrief-interviews"})
            element.text = AtomicString(page.interviews(raw, parse_interview_ids(_source(self.md, m.group("interviews")))))
            return element, m.start(0), m.end(0)
        if m.group("cluster") is not None:
            cluster = parse_cluster(_source(self.md, m.group("cluster")))
            if cluster is None:
                return None, None, None
        else:
            cluster = parse_intext(m.group("intext"), _source(self.md, m.group("intext_suffix") or ""))
        return _placeholder(self.md, page, "cite", page.cite(raw, cluster), raw), m.start(0), m.end(0)


    def _follows_element(self, m: re.Match, data: str) -> bool:
        """``@key`` right after code or another citation is not a citation, as
        after a word; after an escaped character (``\\[@key``) it is."""
        if m.group("intext") is None:
            return False
        before = _STASH_BEFORE_RE.search(data, 0, m.start())
        if before is None:
            return False
        value = _stashed(self.md, before.group(1))
        if not isinstance(value, str):
            return True  # code, emphasis and other elements
        # Another citation or note marker: raw HTML in Python-Markdown's stash.
        raw = _RAW_RE.fullmatch(value)
        return raw is not None and self._is_placeholder(self.md.htmlStash.rawHtmlBlocks[int(raw.group(1))])

    def _is_placeholder(self, block) -> bool:
        page = self.extension.page
        return isinstance(block, str) and page is not None and block.startswith(f"<{page.marks.ref_tag} ")


class NoteDefinitionProcessor(BlockProcessor):
    """``[^label]: text``, continued by lines indented four spaces."""

    def __init__(self, parser, extension: BriefExtension, holder: list[etree.Element]):
        super().__init__(parser)
        self.extension = extension
        self.holder = holder

    def test(self, parent, block):
        return self.extension.page is not None and bool(_DEFINITION_RE.search(block))

    def run(self, parent, blocks):
        block = blocks.pop(0)
        match = _DEFINITION_RE.search(block)
        before = block[: match.start()].rstrip("\n")
        following = _DEFINITION_RE.search(block, match.end())
        if following:
            own, rest = block[match.end(): following.start()], block[following.start():]
            blocks.insert(0, rest)
        else:
            own = block[match.end():]
        lines = [match.group("text")] + [self.detab_line(line) for line in own.split("\n")[1:]]
        if not following:
            while blocks and (blocks[0].startswith(" " * self.tab_length) or blocks[0].startswith("\t")):
                lines.append("")
                lines.extend(self.detab_line(line) for line in blocks.pop(0).split("\n"))
        if before:
            self.parser.parseBlocks(parent, [before])
        index = self.extension.page.define_note(match.group("label"))
        if index is None:
            return
        element = etree.Element(self.extension.page.marks.notedef_tag, {"n": str(index)})
        self.holder.append(element)
        self.parser.parseChunk(element, "\n".join(lines).strip("\n"))

    def detab_line(self, line: str) -> str:
        if line.startswith(" " * self.tab_length):
            return line[self.tab_length:]
        return line[1:] if line.startswith("\t") else line


class NoteHolderTreeprocessor(Treeprocessor):
    """Attaches the page's note texts at its end, where ``PageRecord.finish`` takes them."""

    def __init__(self, md: Markdown, extension: BriefExtension, holder: list[etree.Element]):
        super().__init__(md)
        self.extension = extension
        self.holder = holder

    def run(self, root):
        if self.holder and self.extension.page is not None:
            block = etree.SubElement(root, "div", {"class": self.extension.page.marks.holder_class})
            block.extend(self.holder)
        self.holder.clear()  # a Markdown object reused (reset) for another page starts empty
