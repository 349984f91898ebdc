"""The BibTeX store: parse ``.bib`` files once, index entries by key, keep lines.

Parsing uses bibtexparser v2 without its LaTeX-decoding middleware: the CSL
processor (pandoc) reads the raw BibTeX of the cited entries and decodes LaTeX
itself, so decoding here would be work done twice.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import importlib.metadata
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import DiskCache, digest
from .diagnostics import Diagnostics, shown_path
from .syntax import alias  # noqa: F401 - also part of this module's interface

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
    key: str
    entry_type: str
    fields: dict[str, str]  # values without their enclosing braces or quotes
    raw: str
    path: str
    line: int
    raw_fields: dict[str, str] = field(default_factory=dict)  # values as written

    def field(self, name: str, default: str = "") -> str:
        return self.fields.get(name.lower(), default)


@dataclass(frozen=True)
class PandocBibtex:
    """Entries as pandoc reads them: the whole text, and each entry with what
    converting it on its own needs (the macros and its parents' entries)."""

    text: str
    macros: str
    entries: tuple[tuple[str, str, tuple[str, ...]], ...]  # (key as pandoc reads it, BibTeX, parents' keys)


@dataclass
class Bibliography:
    entries: dict[str, Entry] = field(default_factory=dict)
    macros: list[str] = field(default_factory=list)  # raw @string blocks
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    sources: list[Path] = field(default_factory=list)
    unparsed: int = 0  # blocks that failed to parse
    digest: str = ""  # of every file's text: what the store was read from
    _alias_map: dict[str, str] | None = field(default=None, repr=False)
    _pandoc: dict[tuple[str, ...], PandocBibtex] = field(default_factory=dict, repr=False, compare=False)

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
                text = path.read_text(encoding="utf-8-sig")
            except FileNotFoundError:
                store.diagnostics.add(shown, None, "bibliography file not found")
                continue
            except (OSError, UnicodeDecodeError) as error:
                store.diagnostics.add(shown, None, f"cannot read bibliography file: {error}")
                continue
            store.sources.append(path)
            texts.append((text, shown))
            store.digest = _chained(store.digest, shown, text)
        if (previous is not None and (previous.digest, previous.sources) == (store.digest, store.sources)
                and not store.diagnostics):
            return previous
        for text, shown in texts:
            store._add_blocks(text, shown, cache)
        return store

    def add_text(self, text: str, path: str, cache: DiskCache | None = None) -> None:
        self.digest = _chained(self.digest, path, text)
        self._add_blocks(text, path, cache)

    def _add_blocks(self, text: str, path: str, cache: DiskCache | None) -> None:
        self._pandoc.clear()  # entries change
        for kind, line, *data in _blocks(text, cache):
            if kind == "entry":
                key, entry_type, fields, raw = data
                previous = self.entries.get(key)
                if previous is not None:
                    self._duplicate(key, path, line, previous)
                    continue
                self.entries[key] = Entry(
                    key=key,
                    entry_type=entry_type.lower(),
                    fields={name.lower(): _strip_enclosing(value) for name, value in fields},
                    raw=raw,
                    raw_fields={name.lower(): value for name, value in fields},
                    path=path,
                    line=line,
                )
            elif kind == "string":
                self.macros.append(data[0])
            elif kind == "duplicate_key":
                self._duplicate(data[0], path, line, self.entries.get(data[0]))
            elif kind == "duplicate_fields":
                key, names = data
                self.diagnostics.add(path, line, f"entry '{key}' repeats the field(s) {names}")
            elif kind == "failed":
                self.unparsed += 1
                self.diagnostics.add(path, line, f"cannot parse this BibTeX block: {data[0]}")

    def _duplicate(self, key: str, path: str, line: int, previous: Entry | None) -> None:
        first = f" (first defined at {previous.path}:{previous.line})" if previous else ""
        self.diagnostics.add(path, line, f"duplicate BibTeX key '{key}'{first}")

    def keep_unparsed_from(self, previous: Bibliography) -> None:
        """While some block does not parse, keep the previous version of entries it hid."""
        if not self.unparsed:
            return
        kept = [key for key in previous.entries if key not in self.entries]
        for key in kept:
            self.entries[key] = previous.entries[key]
        self._pandoc.clear()
        if kept:
            self.diagnostics.add(previous.entries[kept[0]].path, None,
                                 f"showing the last good version of {', '.join(kept)} until the file parses again",
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
        lowered = {k.lower(): k for k in self.entries}
        if key.lower() in lowered:
            return lowered[key.lower()]
        close = difflib.get_close_matches(key, list(self.entries), n=1, cutoff=0.75)
        return close[0] if close else None

    def bibtex_for(self, keys: list[str]) -> str:
        """Raw BibTeX of the given entries, their crossref parents and all macros."""
        return self.for_pandoc(keys).text

    def for_pandoc(self, keys: list[str]) -> PandocBibtex:
        """The given entries and their crossref parents as pandoc reads them.

        Remembered for the last few key lists: a live preview keeps an unchanged
        store, and each of its builds asks for the same cited works."""
        asked = tuple(keys)
        if asked not in self._pandoc:
            self._pandoc[asked] = self._make_for_pandoc(keys)
            while len(self._pandoc) > 4:
                del self._pandoc[next(iter(self._pandoc))]
        return self._pandoc[asked]

    def _make_for_pandoc(self, keys: list[str]) -> PandocBibtex:
        wanted = self._with_parents(keys)
        blocks = [(alias(k), self._for_pandoc(self.entries[k])) for k in wanted]
        return PandocBibtex(
            text="\n\n".join(self.macros + [block for _, block in blocks]) + "\n",
            macros="\n\n".join(self.macros),
            entries=tuple((name, block, tuple(alias(p) for p in self._with_parents([key])[1:]))
                          for (name, block), key in zip(blocks, wanted)),
        )

    def _with_parents(self, keys: list[str]) -> list[str]:
        """The keys (those in the store), then the parents they name, transitively."""
        wanted: dict[str, None] = {}  # ordered, with quick membership
        pending = deque(k for k in keys if k in self.entries)
        while pending:
            key = pending.popleft()
            if key in wanted:
                continue
            wanted[key] = None
            for name in PARENT_FIELDS:
                parent = self.entries[key].field(name)
                for parent_key in (p.strip() for p in parent.split(",")):
                    if parent_key in self.entries and parent_key not in wanted:
                        pending.append(parent_key)
        return list(wanted)

    def _for_pandoc(self, entry: Entry) -> str:
        """The entry's BibTeX for pandoc: its key as pandoc can read it, and the
        container title a crossref parent gives it."""
        raw = self._aliased(entry)
        parent = self.entries.get(entry.field("crossref").strip())
        if parent is None or "booktitle" in entry.fields or "title" not in parent.fields:
            return raw
        if (parent.entry_type, entry.entry_type) not in TITLE_INHERITANCE:
            return raw
        body = raw.rstrip()
        if not body.endswith(("}", ")")):
            return entry.raw
        body = body[:-1].rstrip().rstrip(",")
        return f"{body},\n  booktitle = {parent.raw_fields['title']}\n{raw.rstrip()[-1]}"

    def _aliased(self, entry: Entry) -> str:
        """Keys pandoc cannot read (with # % ~ < | ^ …) are renamed, as are the
        crossref fields that name them; ``unalias`` maps results back."""
        raw = entry.raw
        if alias(entry.key) != entry.key:
            raw = raw.replace(entry.key, alias(entry.key), 1)
        for name in PARENT_FIELDS:
            target = entry.field(name).strip()
            stand_in = alias(target)
            if target and stand_in != target:
                raw = re.sub(rf"({name}\s*=\s*[{{\"]?){re.escape(target)}", lambda m, s=stand_in: m.group(1) + s,
                             raw, count=1, flags=re.IGNORECASE)
        return raw

    def unalias(self, key: str) -> str:
        return self._aliases().get(key, key)

    @property
    def has_aliases(self) -> bool:
        """Whether some key reaches pandoc through a stand-in."""
        return bool(self._aliases())

    def _aliases(self) -> dict[str, str]:
        if self._alias_map is None:
            self._alias_map = {alias(k): k for k in self.entries if alias(k) != k}
        return self._alias_map


def _chained(digest_so_far: str, path: str, text: str) -> str:
    """The store's digest after one more file."""
    return hashlib.sha256((digest_so_far + path + "\0" + text).encode("utf-8")).hexdigest()


def _blocks(text: str, cache: DiskCache | None) -> tuple[tuple, ...]:
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


BLOCKS_VERSION = "1"


@functools.lru_cache(maxsize=1)
def _parser_version() -> str:
    """bibtexparser's version, read without importing it: a build whose store
    comes from the cache never needs the parser."""
    try:
        return importlib.metadata.version("bibtexparser")
    except importlib.metadata.PackageNotFoundError:
        import bibtexparser

        return bibtexparser.__version__


def _frozen(value):
    """Lists as tuples: tuples of strings are dropped from the garbage collector's
    watch, which otherwise rescans every block of a large store in each collection."""
    return tuple(_frozen(item) for item in value) if isinstance(value, list) else value


def _parse(text: str) -> tuple[tuple, ...]:
    """bibtexparser's blocks as plain tuples: (kind, line, data...), lines from 1."""
    import bibtexparser  # here: only a store missing from the cache is parsed
    from bibtexparser import model

    blocks: list[list] = []
    for block in bibtexparser.parse_string(text, parse_stack=[]).blocks:
        line = block.start_line + 1  # bibtexparser counts from 0
        if isinstance(block, model.Entry):
            fields = [[f.key, str(f.value)] for f in block.fields]
            blocks.append(["entry", line, block.key, block.entry_type, fields, block.raw])
        elif isinstance(block, model.String):
            blocks.append(["string", line, block.raw])
        elif isinstance(block, model.DuplicateBlockKeyBlock):
            blocks.append(["duplicate_key", line, block.key])
        elif isinstance(block, model.DuplicateFieldKeyBlock):
            key = getattr(block.ignore_error_block, "key", "?")
            blocks.append(["duplicate_fields", line, key, ", ".join(sorted(block.duplicate_keys))])
        elif isinstance(block, model.ParsingFailedBlock):
            blocks.append(["failed", line, _reason(block)])
    return _frozen(blocks)


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
