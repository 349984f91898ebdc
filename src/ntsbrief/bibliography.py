"""The BibTeX store: parse ``.bib`` files once, index entries by key, keep lines.

Parsing uses bibtexparser v2 without its LaTeX-decoding middleware: the CSL
processor (pandoc) reads the raw BibTeX of the cited entries and decodes LaTeX
itself, so decoding here would be work done twice.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser import model

from .diagnostics import Diagnostics

# Fields whose value names another entry the cited one inherits from.
PARENT_FIELDS = ("crossref", "xdata")


@dataclass(frozen=True)
class Entry:
    key: str
    entry_type: str
    fields: dict[str, str]
    raw: str
    path: str
    line: int

    def field(self, name: str, default: str = "") -> str:
        return self.fields.get(name.lower(), default)


@dataclass
class Bibliography:
    entries: dict[str, Entry] = field(default_factory=dict)
    macros: list[str] = field(default_factory=list)  # raw @string blocks
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    sources: list[Path] = field(default_factory=list)

    @classmethod
    def load(cls, paths: list[Path], display_root: Path | None = None) -> Bibliography:
        store = cls()
        for path in paths:
            shown = _display(path, display_root)
            try:
                text = path.read_text(encoding="utf-8-sig")
            except FileNotFoundError:
                store.diagnostics.add(shown, None, "bibliography file not found")
                continue
            except (OSError, UnicodeDecodeError) as error:
                store.diagnostics.add(shown, None, f"cannot read bibliography file: {error}")
                continue
            store.sources.append(path)
            store.add_text(text, shown)
        return store

    def add_text(self, text: str, path: str) -> None:
        library = bibtexparser.parse_string(text, parse_stack=[])
        for block in library.blocks:
            line = block.start_line + 1  # bibtexparser counts from 0
            if isinstance(block, model.Entry):
                previous = self.entries.get(block.key)
                if previous is not None:
                    self._duplicate(block.key, path, line, previous)
                    continue
                self.entries[block.key] = Entry(
                    key=block.key,
                    entry_type=block.entry_type.lower(),
                    fields={f.key.lower(): _strip_enclosing(f.value) for f in block.fields},
                    raw=block.raw,
                    path=path,
                    line=line,
                )
            elif isinstance(block, model.String):
                self.macros.append(block.raw)
            elif isinstance(block, model.DuplicateBlockKeyBlock):
                previous = self.entries.get(block.key)
                self._duplicate(block.key, path, line, previous)
            elif isinstance(block, model.DuplicateFieldKeyBlock):
                names = ", ".join(sorted(block.duplicate_keys))
                key = getattr(block.ignore_error_block, "key", "?")
                self.diagnostics.add(path, line, f"entry '{key}' repeats the field(s) {names}")
            elif isinstance(block, model.ParsingFailedBlock):
                self.diagnostics.add(path, line, f"cannot parse this BibTeX block: {_reason(block)}")

    def _duplicate(self, key: str, path: str, line: int, previous: Entry | None) -> None:
        first = f" (first defined at {previous.path}:{previous.line})" if previous else ""
        self.diagnostics.add(path, line, f"duplicate BibTeX key '{key}'{first}")

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
        wanted: list[str] = []
        pending = [k for k in keys if k in self.entries]
        while pending:
            key = pending.pop(0)
            if key in wanted:
                continue
            wanted.append(key)
            for name in PARENT_FIELDS:
                parent = self.entries[key].field(name)
                for parent_key in (p.strip() for p in parent.split(",")):
                    if parent_key in self.entries and parent_key not in wanted:
                        pending.append(parent_key)
        blocks = self.macros + [self.entries[k].raw for k in wanted]
        return "\n\n".join(blocks) + "\n"


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


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()
