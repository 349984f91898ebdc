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
note holder            50        attaches note texts to the tree, so that
                                 citations in notes are read like any other
constructs             25        after the note holder, before inline patterns
                                 (20): each element's text is read as pandoc
                                 reads it (``syntax.constructs``), in document
                                 order, so clusters and notes are numbered in
                                 reading order; code, escapes and links are
                                 still as written, and read whole there
contexts               7         after inline patterns and attribute lists (8):
                                 a placeholder that ended up inside a link's
                                 text is marked to be rendered without links,
                                 one inside an attribute (an image's alt text)
                                 becomes text-only
=====================  ========  ==============================================
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor, UnescapeTreeprocessor
from markdown.util import HTML_PLACEHOLDER_RE, STX, AtomicString

from .records import PageRecord
from .render import as_text
from .syntax import NOTE_DEF_RE, Construct, constructs, parse_interview_ids

_RAW_RE = HTML_PLACEHOLDER_RE  # Python-Markdown's raw HTML placeholder: its number is group 1
_ESCAPED_RE = UnescapeTreeprocessor.RE  # Python-Markdown's escaped character: STX, its code point, ETX
_DEFINITION_RE = re.compile(NOTE_DEF_RE.pattern + r"[ ]*(?P<text>.*)$", re.MULTILINE)
_UNREAD_TAGS = frozenset({"pre", "code", "script", "style"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


FOOTNOTE_EXTENSIONS = ("footnotes", "markdown.extensions.footnotes")


def with_brief_extension(extensions: list[str | Extension],
                         extension: BriefExtension) -> list[str | Extension]:
    """The configured extensions with ours in place of Python-Markdown's footnotes,
    which would number notes per page."""
    return [e for e in extensions if e not in FOOTNOTE_EXTENSIONS] + [extension]


class BriefExtension(Extension):
    """Shared by all pages; the front end sets ``page`` before each conversion."""

    def __init__(self) -> None:
        super().__init__()
        self.page: PageRecord | None = None

    def extendMarkdown(self, md: Markdown) -> None:
        r"""Register the processors (see the module's table of priorities) and make ``\@``
        an escape, as in pandoc."""
        md.registerExtension(self)
        if "@" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS.append("@")
        holder: list[etree.Element] = []  # this conversion's note definitions
        md.parser.blockprocessors.register(NoteDefinitionProcessor(md.parser, self, holder), "ntsbrief_notes", 17)
        md.treeprocessors.register(NoteHolderTreeprocessor(md, self, holder), "ntsbrief_notes", 50)
        md.treeprocessors.register(ConstructTreeprocessor(md, self), "ntsbrief", 25)
        md.treeprocessors.register(ContextTreeprocessor(md, self), "ntsbrief_contexts", 7)


class ConstructTreeprocessor(Treeprocessor):
    """Citations, note references and interview references become placeholders:
    raw HTML in Python-Markdown's stash, which later patterns leave alone."""

    def __init__(self, md: Markdown, extension: BriefExtension):
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        """Replace the constructs in the page's text by placeholders, in document order."""
        page = self.extension.page
        if page is None:
            return
        page.fences = "fenced_code_block" in self.md.preprocessors  # what the source scan must blank
        self._element(root, page)

    def _element(self, element: etree.Element, page: PageRecord) -> None:
        if element.tag in _UNREAD_TAGS:
            return
        element.text = self._text(element.text, page)
        for child in element:
            self._element(child, page)
            child.tail = self._text(child.tail, page)

    def _text(self, text: str | None, page: PageRecord) -> str | None:
        if not text or isinstance(text, AtomicString):
            return text
        if STX in text:
            text = _as_written(text)
        if not _may_hold_constructs(text):
            return text
        found = constructs(text)
        if not found:
            return text
        pieces, last = [], 0
        for construct in found:
            raw = text[construct.start:construct.end]
            pieces.append(text[last:construct.start])
            pieces.append(self._placeholder(page, construct, raw))
            last = construct.end
        pieces.append(text[last:])
        return "".join(pieces)

    def _placeholder(self, page: PageRecord, construct: Construct, raw: str) -> str:
        if construct.kind == "inline-note":
            page.inline_note(raw)
            return raw
        if construct.kind == "interviews":
            note = page.interviews(raw, parse_interview_ids(construct.label))
            return self.md.htmlStash.store(f'<span class="ntsbrief-interviews">{html.escape(note, quote=False)}</span>')
        if construct.kind == "note":
            index = page.use_note(construct.label, raw)
        else:
            assert construct.cluster is not None, "a construct of kind 'cluster' holds its cluster"
            index = page.cite(raw, construct.cluster, construct.nested)
        tag = page.marks.ref_tag
        # The raw text is what the reader sees if the placeholder is never resolved.
        return self.md.htmlStash.store(f'<{tag} kind="{"cite" if construct.kind == "cluster" else "note"}" '
                                       f'n="{index}">{html.escape(raw, quote=False)}</{tag}>')


def _as_written(text: str) -> str:
    r"""The text with Python-Markdown's escaped characters (its escape pattern
    turns ``\*`` into STX, 42, ETX) written back as the escapes they were, had
    another extension read escapes before this tree processor: a cluster then
    reaches pandoc, and its raw text the page, as written, never as placeholder
    bytes. The inline patterns (priority 20) read the escapes again."""
    def written(match: re.Match[str]) -> str:
        code = int(match.group(1))
        return "\\" + chr(code) if code < 0x110000 else match.group(0)

    return _ESCAPED_RE.sub(written, text)


def _may_hold_constructs(text: str) -> bool:
    return "@" in text or "[" in text


class ContextTreeprocessor(Treeprocessor):
    """A citation inside a link's text is shown without links of its own (a link
    in a link is invalid HTML); one inside an attribute, as text only."""

    def __init__(self, md: Markdown, extension: BriefExtension):
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        """Mark the placeholders inside links and attributes, and give headings that hold
        one a table-of-contents label."""
        page = self.extension.page
        if page is None or not self.md.htmlStash.rawHtmlBlocks:
            return
        self._walk(root, page, in_link=False)

    def _walk(self, element: etree.Element, page: PageRecord, in_link: bool) -> None:
        in_link = in_link or element.tag == "a"
        if element.tag in _HEADINGS:
            self._heading(element, page)
        for name, value in element.attrib.items():
            if value and STX in value:  # attr_list writes a bare word ({: .a flag}) as None
                element.set(name, _RAW_RE.sub(lambda m: self._as_attribute(m, page), value))
        if in_link:
            for text in (element.text, *(child.tail for child in element)):
                if text and STX in text:
                    for match in _RAW_RE.finditer(text):
                        self._restash(int(match.group(1)), page, 'in="link"')
        for child in element:
            self._walk(child, page, in_link)

    def _heading(self, element: etree.Element, page: PageRecord) -> None:
        """A heading's entry in the table of contents and its anchor, made by the
        toc extension (priority 5) from the heading's text: a citation is left out
        of the anchor (a clean slug, stable whatever the style), and stands in the
        contents' text as a mark the front end resolves to the formatted citation
        (the front end does: plugin._resolve_titles); a note marker is left out of both."""
        label, found = [], False
        for text in element.itertext():
            def piece(match: re.Match[str]) -> str:
                nonlocal found
                index = int(match.group(1))
                kind_n = self._ours(index, page)
                if kind_n is None:
                    return match.group(0)  # other raw HTML: the toc extension reads it
                found = True
                self._restash_inner(index, "")  # nothing of it in the slug
                kind, n = kind_n
                return page.marks.attribute_mark(kind, n) if kind == "cite" else ""
            label.append(_RAW_RE.sub(piece, text))
        if found and "data-toc-label" not in element.attrib:
            element.set("data-toc-label", html.escape(" ".join("".join(label).split()), quote=False))

    def _ours(self, index: int, page: PageRecord) -> tuple[str, int] | None:
        """(kind, n) of one of our placeholders in the stash."""
        blocks = self.md.htmlStash.rawHtmlBlocks
        block = blocks[index] if index < len(blocks) else None
        if not isinstance(block, str):
            return None
        found = page.marks.found(block)
        return found[0] if found and block.startswith(f"<{page.marks.ref_tag} ") else None

    def _restash_inner(self, index: int, inner: str) -> None:
        """Our placeholder with another text inside (what is shown if it is never resolved)."""
        blocks = self.md.htmlStash.rawHtmlBlocks
        block = blocks[index]
        assert isinstance(block, str), "one of our placeholders (see _ours): text"
        head, _, rest = block.partition(">")
        blocks[index] = f"{head}>{inner}<{rest.rsplit('<', 1)[1]}"

    def _restash(self, index: int, page: PageRecord, context: str) -> None:
        blocks = self.md.htmlStash.rawHtmlBlocks
        block = blocks[index] if index < len(blocks) else None
        opening = f"<{page.marks.ref_tag} "
        if isinstance(block, str) and block.startswith(opening) and " in=" not in block.split(">", 1)[0]:
            head, rest = block.split(">", 1)
            blocks[index] = f"{head} {context}>{rest}"

    def _as_attribute(self, match: re.Match[str], page: PageRecord) -> str:
        blocks = self.md.htmlStash.rawHtmlBlocks
        index = int(match.group(1))
        block = blocks[index] if index < len(blocks) else None
        if isinstance(block, str):
            found = page.marks.found(block)
            if found:
                kind, n = found[0]
                return page.marks.attribute_mark(kind, n)
            return html.unescape(as_text(block))  # interview text: its words
        return match.group(0)


class NoteDefinitionProcessor(BlockProcessor):
    """``[^label]: text``, continued by lines indented four spaces."""

    def __init__(self, parser: BlockParser, extension: BriefExtension, holder: list[etree.Element]):
        super().__init__(parser)
        self.extension = extension
        self.holder = holder

    def test(self, parent: etree.Element, block: str) -> bool:
        """Whether the block holds a note definition (and a page is being recorded)."""
        return self.extension.page is not None and bool(_DEFINITION_RE.search(block))

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        """Take the first definition out of the blocks: the text before it is parsed as
        usual, its own text into an element of the holder (none for a label defined
        twice); what follows it goes back to be read."""
        block = blocks.pop(0)
        match = _DEFINITION_RE.search(block)
        assert match is not None, "test() found a definition in this block"
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
        page = self.extension.page
        assert page is not None, "test() found a page"
        index = page.define_note(match.group("label"))
        if index is None:
            return
        element = etree.Element(page.marks.notedef_tag, {"n": str(index)})
        self.holder.append(element)
        self.parser.parseChunk(element, "\n".join(lines).strip("\n"))

    def detab_line(self, line: str) -> str:
        """A continuation line without its indent (four spaces, or a tab)."""
        if line.startswith(" " * self.tab_length):
            return line[self.tab_length:]
        return line[1:] if line.startswith("\t") else line


class NoteHolderTreeprocessor(Treeprocessor):
    """Attaches the page's note texts at its end, where ``PageRecord.finish`` takes them."""

    def __init__(self, md: Markdown, extension: BriefExtension, holder: list[etree.Element]):
        super().__init__(md)
        self.extension = extension
        self.holder = holder

    def run(self, root: etree.Element) -> None:
        """Append the definitions as one holder element at the end of the page, and empty the holder."""
        if self.holder and self.extension.page is not None:
            block = etree.SubElement(root, "div", {"class": self.extension.page.marks.holder_class})
            block.extend(self.holder)
        self.holder.clear()  # a Markdown object reused (reset) for another page starts empty
