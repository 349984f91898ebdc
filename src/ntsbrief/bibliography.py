"""The BibTeX store: parse ``.bib`` files once, index entries by key, keep lines.

Parsing uses bibtexparser v2 without its LaTeX-decoding middleware: the CSL
processor (pandoc) reads the raw BibTeX of the cited entries and decodes LaTeX
itself, so decoding here would be work done twice.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import DiskCache, digest
from .diagnostics import Diagnostics, shown_path, suggest

if TYPE_CHECKING:
    from bibtexparser import model

# Fields whose value names another entry the cited one inherits from.
PARENT_FIELDS = ("crossref", "xdata")

# Fields a reference needs to be citable, per entry type; "a|b" means either
# (BibTeX or biblatex names). Types not listed need only a title.
REQUIRED_FIELDS = {
    "article": ("author", "title", "journal|journaltitle", "year|date"),
    "book": ("author|editor", "title", "publisher", "year|date"),
    "incollection": ("author", "title", "booktitle", "year|date"),
    "inbook": ("author|editor", "title", "year|date"),
    "inproceedings": ("author", "title", "booktitle", "year|date"),
    "techreport": ("author", "title", "institution", "year|date"),
    "report": ("author", "title", "institution", "year|date"),
    "phdthesis": ("author", "title", "school|institution", "year|date"),
    "mastersthesis": ("author", "title", "school|institution", "year|date"),
    "thesis": ("author", "title", "institution|school", "year|date"),
    "online": ("title", "url|doi"),
}


# biblatex's inheritance of a parent's title by a child, which pandoc's
# reader does not do: the container a chapter or paper appears in.
TITLE_INHERITANCE = {
    ("book", "inbook"), ("book", "incollection"), ("collection", "incollection"), ("mvbook", "inbook"),
    ("proceedings", "inproceedings"), ("mvproceedings", "inproceedings"), ("reference", "inreference"),
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of the store, as parsed (``fields``) and as written (``raw``,
    ``raw_fields``), with the file and line it starts at."""

    key: str
    entry_type: str
    fields: dict[str, str]  # values without their enclosing braces or quotes
    raw: str
    path: str
    line: int
    raw_fields: dict[str, str] = field(default_factory=dict)  # values as written

    def field(self, name: str, default: str = "") -> str:
        """The value of field ``name`` (in any case), without its braces or quotes."""
        return self.fields.get(name.lower(), default)

    def parents(self) -> list[tuple[str, str]]:
        """(field, key) of each entry this one names as its parent (xdata may name several)."""
        return [(name, key) for name in PARENT_FIELDS for key in (k.strip() for k in self.field(name).split(","))
                if key]


@dataclass
class Bibliography:
    """The store: the entries of every BibTeX file by key, its @string macros, and
    the problems found reading it (``diagnostics``, ``unusable``)."""

    entries: dict[str, Entry] = field(default_factory=dict)
    macros: list[str] = field(default_factory=list)  # raw @string blocks
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    sources: list[Path] = field(default_factory=list)
    unparsed: int = 0  # blocks that failed to parse
    unusable: dict[str, str] = field(default_factory=dict)  # key -> why it is never given to pandoc (reported)
    unreadable_files: list[str] = field(default_factory=list)  # files that could not be read at all (reported)
    opted_in: frozenset[str] = frozenset()  # private fields the editor publishes (see ``fields``)
    digest: str = ""  # of every file's text: what the store was read from

    @classmethod
    def load(cls, paths: list[Path], display_root: Path | None = None, cache: DiskCache | None = None,
             previous: Bibliography | None = None) -> Bibliography:
        """The store in ``paths``; ``previous`` itself if it was read from the very
        same files and texts (a live preview rebuilding after a page edit)."""
        store = cls()
        texts = []
        for path in paths:
            shown = shown_path(path, display_root)
            try:
                text = decoded(path.read_bytes())
            except FileNotFoundError:
                store.diagnostics.add(shown, None, "bibliography file not found")
                store.unreadable_files.append(shown)
                continue
            except OSError as error:
                store.diagnostics.add(shown, None, f"cannot read bibliography file: {error.strerror or error}")
                store.unreadable_files.append(shown)
                continue
            store.sources.append(path)
            texts.append((text, shown))
            store.digest = _chained(store.digest, shown, text)
        if (previous is not None and (previous.digest, previous.sources) == (store.digest, store.sources)
                and not store.diagnostics):
            return previous
        for text, shown in texts:
            store._add_blocks(text, shown, cache)
        store._check_parents()
        return store

    def add_text(self, text: str, path: str, cache: DiskCache | None = None) -> None:
        """Add the entries of BibTeX ``text``, reported as coming from ``path``."""
        self.digest = _chained(self.digest, path, text)
        self._add_blocks(text, path, cache)
        self._check_parents()

    def _add_blocks(self, text: str, path: str, cache: DiskCache | None) -> None:
        lowered = {key.lower(): entry for key, entry in self.entries.items()}
        macros: frozenset[str] | None = None
        for kind, line, *data in _blocks(text, cache):
            if kind in ("entry", "duplicate_fields"):
                entry = self._add_entry(kind, line, data, path, lowered)
                if entry is None:
                    continue
                macros = macros if macros is not None else self._macro_names()
                for where, problem, *warning in _problems(entry.raw, data[2], macros):
                    if warning:  # pandoc reads the entry: it is reported, not withheld
                        self.diagnostics.add(path, line + where, problem, "warning")
                    else:
                        self._unusable(entry, line + where, problem)
            elif kind == "string":
                if _UNREADABLE_RE.search(data[0]):
                    continue  # reported as it is read (not_utf8); pandoc could not take it
                self.macros.append(data[0])
                macros = None  # defined anew
            else:
                self._report_block(kind, line, data, path)

    def _add_entry(self, kind: str, line: int, data: list[Any], path: str, lowered: dict[str, Entry]) -> Entry | None:
        """Add the entry of an "entry" or "duplicate_fields" block (``data`` as ``_parse``
        gives it), or report why it cannot be added (None). ``lowered`` indexes the
        entries so far by their key in lower case."""
        key, entry_type, fields, raw = data[:4]
        if not key.strip():
            self.diagnostics.add(path, line, f"this @{entry_type} entry has no key: write one after "
                                 f"'@{entry_type}{{' and a comma after it")
            return None
        if any(space in key for space in " \t\n\r"):  # BibTeX and pandoc read a key up to a space
            shown = " ".join(key.split())
            self.diagnostics.add(path, line, f"this @{entry_type} entry's key '{shown}' has a space or line break "
                                 "in it: a key is one word, followed by a comma (a '%' starts a comment)")
            return None
        previous = self.entries.get(key)
        if previous is not None:
            self._duplicate(key, path, line, previous)
            return None
        entry = Entry(
            key=key,
            entry_type=entry_type.lower(),
            fields={name.lower(): _strip_enclosing(value) for name, value in fields},
            raw=raw,
            raw_fields={name.lower(): value for name, value in fields},
            path=path,
            line=line,
        )
        self.entries[key] = entry
        if key.lower() in lowered:
            other = lowered[key.lower()]
            self.diagnostics.add(path, line, f"key '{key}' differs only in case from '{other.key}' "
                                 f"({other.path}:{other.line}); BibTeX takes them for one key: rename one")
        lowered.setdefault(key.lower(), entry)
        if kind == "duplicate_fields":
            self._unusable(entry, line, f"entry '{key}' repeats the field(s) {data[4]}")
        return entry

    def _report_block(self, kind: str, line: int, data: list[Any], path: str) -> None:
        """Report a block that adds nothing to the store (a duplicate key, a block that
        does not parse, an '@' between entries, text that is not UTF-8)."""
        if kind == "duplicate_key" and not data[0].strip():
                self.diagnostics.add(path, line, "this entry has no key: write one after '@type{' and a comma after it")
        elif kind == "duplicate_key":
            self._duplicate(data[0], path, line, self.entries.get(data[0]))
        elif kind == "failed":
            self.unparsed += 1
            self.diagnostics.add(path, line, f"cannot parse this BibTeX block: {data[0]}")
        elif kind == "stray_at":
            self.diagnostics.add(path, line, "'@' outside an entry: pandoc would take it for the start of one "
                                 "and refuse the whole file (start a comment line with %)")
        elif kind == "not_utf8":
            self.diagnostics.add(path, line, data[0])

    def _unusable(self, entry: Entry, line: int, message: str) -> None:
        """Report ``entry`` and keep it from pandoc: it would refuse it, or worse."""
        self.diagnostics.add(entry.path, line, message)
        self.unusable.setdefault(entry.key, message)

    def _macro_names(self) -> frozenset[str]:
        """Lower-case names of the macros defined so far, and the predefined months."""
        return frozenset(name.lower() for name in _MACRO_NAME_RE.findall("\n".join(self.macros))) | MONTHS

    def _check_parents(self) -> None:
        """Crossref and xdata links: a missing parent is reported; a cycle (which
        makes pandoc's reader loop without end) keeps its entries from pandoc."""
        for key, entry in self.entries.items():
            for name, parent in entry.parents():
                if parent not in self.entries:
                    hint = self.suggest(parent)
                    self.diagnostics.add(entry.path, entry.line + field_line(entry.raw, name),
                                         f"{name} '{parent}' of '{key}' is not in the bibliography"
                                         + (f" (did you mean '{hint}'?)" if hint else ""))
        for cycle in _cycles({key: [p for _, p in entry.parents() if p in self.entries]
                              for key, entry in self.entries.items()}):
            first = self.entries[cycle[0]]
            message = (f"crossref cycle {' → '.join([*cycle, cycle[0]])}" if len(cycle) > 1
                       else f"entry '{first.key}' names itself as its own parent")
            self.diagnostics.add(first.path, first.line, message)  # once, where the cycle starts
            for key in cycle:
                self.unusable.setdefault(key, message)

    def _duplicate(self, key: str, path: str, line: int, previous: Entry | None) -> None:
        first = f" (first defined at {previous.path}:{previous.line})" if previous else ""
        self.diagnostics.add(path, line, f"duplicate BibTeX key '{key}'{first}")

    def keep_last_good_from(self, previous: Bibliography) -> None:
        """While some block does not parse, keep the previous version of entries it
        hid: a live preview goes on showing them. (An entry that is there but
        unusable is stood in for by its last good reading: see ``Formatter``.)"""
        if not self.unparsed:
            return
        kept = [key for key in previous.entries if key not in self.entries]
        for key in kept:
            self.entries[key] = previous.entries[key]
            if key in previous.unusable:
                self.unusable[key] = previous.unusable[key]
        if kept:
            self.diagnostics.add(previous.entries[kept[0]].path, None,
                                 f"showing the last good version of {', '.join(kept)} until it can be read again",
                                 severity="warning")

    def missing_fields(self, key: str) -> list[str]:
        """Required fields the entry (with its crossref parents) lacks."""
        entry = self.entries[key]
        fields = set(entry.fields)
        for name in PARENT_FIELDS:
            parent = self.entries.get(entry.field(name).strip())
            if parent is not None:
                fields |= set(parent.fields)
                fields |= {"booktitle"} if "title" in parent.fields else set()
        required = REQUIRED_FIELDS.get(entry.entry_type, ("title",))
        return [group.replace("|", " or ") for group in required if not fields & set(group.split("|"))]

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def suggest(self, key: str) -> str | None:
        """The known key closest to a mistyped one, for 'did you mean' hints."""
        return suggest(key, self.entries)


def _chained(digest_so_far: str, path: str, text: str) -> str:
    """The store's digest after one more file."""
    return hashlib.sha256((digest_so_far + path + "\0" + text).encode("utf-8", "surrogatepass")).hexdigest()


# A block of a BibTeX file as the store keeps it: (kind, line from 1, data...); see ``_parse``.
_Block = tuple[Any, ...]


def _blocks(text: str, cache: DiskCache | None) -> tuple[_Block, ...]:
    """What the store needs of each block of a file, in order: kept on disk, where
    reading it back is far quicker than parsing. (In a live preview an unchanged
    store is not read at all: see ``Bibliography.load``.)"""
    key = digest("bibtex-blocks", BLOCKS_VERSION, _parser_version(), text)
    stored = cache.read_marshal(key) if cache is not None else None
    if isinstance(stored, tuple):
        return stored
    blocks = _parse(text)
    if cache is not None:
        cache.write_marshal(key, blocks)
    return blocks


BLOCKS_VERSION = "5"  # 5: lines found by each block's text


@functools.lru_cache(maxsize=1)
def _parser_version() -> str:
    """bibtexparser's version, read without importing it: a build whose store
    comes from the cache never needs the parser."""
    try:
        return importlib.metadata.version("bibtexparser")
    except importlib.metadata.PackageNotFoundError:
        import bibtexparser

        return bibtexparser.__version__


def _frozen(value: Any) -> Any:
    """Lists as tuples: tuples of strings are dropped from the garbage collector's
    watch, which otherwise rescans every block of a large store in each collection."""
    return tuple(_frozen(item) for item in value) if isinstance(value, list) else value


def _parse(text: str) -> tuple[_Block, ...]:
    """bibtexparser's blocks as plain tuples: (kind, line, data...), lines from 1."""
    import bibtexparser  # here: only a store missing from the cache is parsed
    from bibtexparser import model

    blocks: list[list[Any]] = []
    read = without_comments(text)
    as_written = _as_written(text, read)
    where = _Where(read)
    for block in bibtexparser.parse_string(read, parse_stack=[]).blocks:
        line = where.line_of(block)
        if isinstance(block, model.Entry):
            fields = [[f.key, str(f.value)] for f in block.fields]
            blocks.append(["entry", line, block.key, block.entry_type, fields, as_written(block)])
        elif isinstance(block, model.String):
            blocks.append(["string", line, block_text(block)])
        elif isinstance(block, model.DuplicateBlockKeyBlock):
            blocks.append(["duplicate_key", line, block.key])
        elif isinstance(block, model.DuplicateFieldKeyBlock) and isinstance(block.ignore_error_block, model.Entry):
            entry = block.ignore_error_block
            fields = [[f.key, str(f.value)] for f in entry.fields]
            blocks.append(["duplicate_fields", line, entry.key, entry.entry_type, fields, as_written(entry),
                           ", ".join(sorted(block.duplicate_keys))])
        elif isinstance(block, model.ParsingFailedBlock):
            blocks.append(["failed", line, _reason(block)])
        if not isinstance(block, (model.Entry, model.DuplicateFieldKeyBlock)):
            blocks += [["not_utf8", line + where, message] for where, message in _undecodable(block_text(block))]
        if isinstance(block, model.ImplicitComment):
            blocks += [["stray_at", line + where] for where in _stray_ats(block_text(block))]
    frozen: tuple[_Block, ...] = _frozen(blocks)
    return frozen


class _Where:
    """Each block's line, from 1, found by its text in the file: bibtexparser's
    own count loses a line at every backslash that ends one."""

    def __init__(self, text: str):
        self._text = text
        self._position = 0  # where the last block found ends
        self._line = 1  # the line at that position

    def line_of(self, block: Any) -> int:
        raw = block_text(block)
        at = self._text.find(raw, self._position) if raw else -1
        if at < 0:  # not expected; bibtexparser's count is the best left
            return block_line(block) + 1
        self._line += self._text.count("\n", self._position, at)
        line = self._line
        self._line += raw.count("\n")
        self._position = at + len(raw)
        return line


# bibtexparser types a block's line and text as optional (a block made in code has
# neither); its parser sets both on every block it reads, the only blocks read here.


def block_line(block: model.Block) -> int:
    """The line a block of a parsed text starts at, counted from 0."""
    assert block.start_line is not None, "bibtexparser's parser gives every block its line"
    return block.start_line


def block_text(block: model.Block) -> str:
    """A block of a parsed text as written there."""
    assert block.raw is not None, "bibtexparser's parser gives every block its text"
    return block.raw


MONTHS = frozenset(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))
_MACRO_NAME_RE = re.compile(r"@string\s*[{(]\s*([^\s=,{}()\"#]+)\s*=", re.IGNORECASE)
# Bytes that are not UTF-8 (kept as lone surrogates by ``decoded``), and control
# characters no text has (NUL: a damaged file).
_UNREADABLE_RE = re.compile("[\udc80-\udcff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_comments(text: str) -> str:
    """``text`` with what pandoc's BibTeX reader skips as a comment blanked (to
    spaces, so that lines and columns stay): from a % outside any field value to
    the end of its line. bibtexparser would read ``%@article{…`` as an entry."""
    if "%" not in text:
        return text
    chars = list(text)
    depth, quoted, index, end = 0, False, 0, len(chars)
    while index < end:
        char = chars[index]
        if char == "\\" and (depth >= 2 or quoted):
            index += 2  # an escaped brace or quote is text
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == '"' and depth == 1:
            quoted = not quoted
        elif char == "%" and (depth == 0 or (depth == 1 and not quoted)):
            while index < end and chars[index] != "\n":
                chars[index] = " "
                index += 1
            continue
        index += 1
    return "".join(chars)


def _as_written(text: str, read: str) -> Callable[[model.Block], str]:
    """A block's text as the file has it, comments included (``read`` is ``text``
    with comments blanked, so every block stands at the same place in both)."""
    if read is text:
        return block_text
    starts = [0] + [index + 1 for index, char in enumerate(read) if char == "\n"]

    def original(block: model.Block) -> str:
        raw = block_text(block)
        at = read.find(raw, starts[min(block_line(block), len(starts) - 1)])
        return text[at: at + len(raw)] if at >= 0 else raw

    return original


def decoded(data: bytes) -> str:
    """A BibTeX file's text: UTF-8 (a byte-order mark dropped, any line ends);
    bytes that are not UTF-8 are kept as lone surrogates, to be reported where
    they are rather than making the whole file unreadable."""
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _undecodable(raw: str) -> list[tuple[int, str]]:
    """(line within ``raw`` from 0, message) for its first character that is no text."""
    found = _UNREADABLE_RE.search(raw)
    if found is None:
        return []
    before = raw[: found.start()]
    where = f"(column {found.start() - before.rfind(chr(10))})"
    code = ord(found.group(0))
    if code >= 0xDC80:
        return [(before.count("\n"), f"byte 0x{code - 0xDC00:02X} {where} is not UTF-8: the file seems to be "
                 "saved as Latin-1 or Windows-1252; save it as UTF-8")]
    return [(before.count("\n"), f"control character U+{code:04X} {where}: the file is damaged or not text")]


def _stray_ats(raw: str) -> list[int]:
    """Lines (from 0) of text between entries holding an '@', which pandoc takes
    for the start of an entry (it skips lines that start with %)."""
    return [n for n, line in enumerate(raw.split("\n")) if "@" in line and not line.lstrip().startswith("%")][:1]


# A field longer than this is refused: no reference needs it, and pandoc's reader
# takes time and memory out of proportion to it (a 1 MB field: about 12 s).
MAX_FIELD = 100_000


def _problems(raw: str, fields: Iterable[tuple[str, str]],
              macros: frozenset[str]) -> list[tuple[int, str] | tuple[int, str, str]]:
    """(line within the entry from 0, message) for what makes it unusable;
    (line, message, "warning") for what pandoc reads silently but is likely a slip."""
    problems: list[tuple[int, str] | tuple[int, str, str]] = list(_undecodable(raw))
    for name, value in fields:
        if len(value) > MAX_FIELD:
            problems.append((field_line(raw, name), f"field '{name}' is {len(value) / 1e6:.1f} MB, more than a "
                             f"reference's field needs (at most {MAX_FIELD // 1000} kB): shorten it"))
            continue
        if not value.strip():  # `title = ,`: pandoc and bibtexparser read an empty title
            problems.append((field_line(raw, name), f"field '{name}' has no value (nothing after '='): write its "
                             "value in braces, or delete the field", "warning"))
        for macro in _macros_used(value):
            if macro.lower() not in macros:
                problems.append((field_line(raw, name), f"undefined @string macro '{macro}' in field '{name}' "
                                 f"(define it with @string, or write {{{macro}}} for the text itself)"))
    return problems


def _macros_used(value: str) -> list[str]:
    """The macro names a field's value as written refers to (``a # {b} # "c" # 12``)."""
    if "#" not in value:  # one part, as nearly every value is: no need to look inside
        single = value.strip()
        return [single] if single and single[0] not in '{"' and not single.isdigit() else []
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:index])
            start = index + 1
    parts.append(value[start:])
    names = [part.strip() for part in parts]
    return [name for name in names if name and name[0] not in '{"' and not name.isdigit()]


def field_line(raw: str, name: str) -> int:
    """The line (from 0) of field ``name`` in an entry as written; 0 if not found."""
    found = re.search(rf"[,{{(\s]{re.escape(name)}\s*=", raw, re.IGNORECASE)
    return raw.count("\n", 0, found.start() + 1) if found else 0


def _cycles(parents: dict[str, list[str]]) -> list[list[str]]:
    """The cycles in a graph of entries and the parents they name (Tarjan's
    strongly connected components, without recursion), each as a path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in parents:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, next_child = work.pop()
            if next_child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            children = parents[node]
            if next_child < len(children):
                work.append((node, next_child + 1))
                child = children[next_child]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = _pop_component(stack, on_stack, node)
                if len(component) > 1 or node in parents[node]:
                    found.append(_cycle_path(component, parents))
    return found


def _pop_component(stack: list[str], on_stack: set[str], root: str) -> list[str]:
    """Tarjan's step for a root: the strongly connected component is the stack down to
    ``root``, popped (and taken off ``on_stack``) in that order."""
    component = []
    while True:
        member = stack.pop()
        on_stack.discard(member)
        component.append(member)
        if member == root:
            return component


def _cycle_path(component: list[str], parents: dict[str, list[str]]) -> list[str]:
    """A path through the component from its first key back to it, as far as it goes."""
    members = set(component)
    path = [min(component)]
    while True:
        step = next((p for p in parents[path[-1]] if p in members and p not in path), None)
        if step is None:
            return path + sorted(members - set(path))
        path.append(step)


def _strip_enclosing(value: object) -> str:
    text = str(value).strip()
    if len(text) >= 2 and ((text[0] == "{" and text[-1] == "}") or (text[0] == '"' and text[-1] == '"')):
        return text[1:-1]
    return text


def _reason(block: model.ParsingFailedBlock) -> str:
    message = str(getattr(block.error, "abort_reason", "") or block.error).strip()
    # bibtexparser's message starts with its own (0-based) location; keep the cause.
    if "bibtex:" in message:
        message = message.split("bibtex:", 1)[1].strip()
    message = " ".join(message.split()) or "syntax error"
    if "end of file" in message:
        message += " (an unclosed brace or quote?)"
    return message
