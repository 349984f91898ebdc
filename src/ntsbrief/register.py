"""The interview register: anonymised interviews that notes may cite.

Only the published fields (``interviewee``, ``date``/``dates``, ``place``,
``article``; a wording's ``interviews`` and ``wording``) are ever read into the
model; everything else in an entry (by convention under ``private:``) stays in
the YAML file, so no output can contain it.

Nothing under ``private:`` reaches a published field by a YAML alias either:
an anchor set anywhere under a ``private:`` key and used (``*name``, or ``<<:``)
outside it makes the entry invalid, and no message repeats the private value.

Notes are generated from the entries by fixed rules. Where the brief's source
words a note its own way, a *wording* (top-level ``wordings:``) gives that
note's text as printed, for the interviews it cites; it is checked against
them (every interviewee and date must be in it) and cited like an interview.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Protocol, overload

import yaml

from .diagnostics import Diagnostics

PUBLISHED_FIELDS = {"interviewee", "date", "dates", "place", "article"}
WORDING_FIELDS = {"interviews", "wording"}
ARTICLES = ("a", "an", "the")
PRIVATE_FIELD = "private"
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")


@dataclass(frozen=True)
class Interview:
    """An entry of ``interviews:``, its published fields only (dates sorted, without repeats)."""

    id: str
    interviewee: str
    dates: tuple[dt.date, ...]
    place: str | None
    line: int
    article: str | None = None  # printed before the interviewee when the entry is a note's only party


@dataclass(frozen=True)
class Wording:
    """A note's text as the source prints it, for the interviews it cites."""

    id: str
    text: str
    interviews: tuple[str, ...]
    line: int


@dataclass
class Register:
    """The register's interviews and wordings, and the problems found reading it: an
    entry that is not valid is left out, and its id kept in ``invalid``."""

    # interviews and wordings by id: a note may cite either
    interviews: dict[str, Interview | Wording] = field(default_factory=dict)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    path: str = ""
    unreadable: bool = False  # the file as a whole could not be read
    invalid: set[str] = field(default_factory=set)  # ids of entries that failed validation
    invalid_lines: dict[str, int | None] = field(default_factory=dict)  # their lines
    _private: _NodeSet = field(default_factory=lambda: _NodeSet(),  # noqa: PLW0108 - _NodeSet is defined below
                               repr=False, compare=False)  # under 'private:'

    @classmethod
    def load(cls, path: Path, shown: str) -> Register:
        """The register in file ``path`` (named ``shown`` in messages); a file that is
        missing or cannot be read is reported, and the register is empty."""
        register = cls(path=shown)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            register.diagnostics.add(shown, None, "interview register not found")
            return register
        except (OSError, UnicodeDecodeError) as error:
            register.diagnostics.add(shown, None, f"cannot read interview register: {error}")
            return register
        register.add_text(text)
        return register

    def add_text(self, text: str) -> None:
        """Add the interviews and wordings of a register's YAML ``text``."""
        try:
            self._add_text(text)
        finally:
            self._private = _NodeSet()  # holds private values: not kept

    def _add_text(self, text: str) -> None:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            position = getattr(error, "position", None)  # reader errors: an offset, not a mark
            line = mark.line + 1 if mark else (text.count("\n", 0, position) + 1 if position is not None else None)
            problem = getattr(error, "problem", None) or getattr(error, "reason", None) or str(error)
            self.diagnostics.add(self.path, line, f"invalid YAML: {problem}")
            self.unreadable = True
            return
        if root is None:
            return
        self._private = _private_nodes(root)
        interviews = _mapping_value(root, "interviews")
        if not isinstance(root, yaml.MappingNode) or interviews is None:
            self.diagnostics.add(self.path, _line(root), "the register needs a top-level 'interviews:' mapping")
            self.unreadable = True
            return
        if not isinstance(interviews, yaml.MappingNode):
            self.diagnostics.add(self.path, _line(interviews), "'interviews:' must map interview ids to entries")
            self.unreadable = True
            return
        for key_node, value_node in interviews.value:
            self._add_entry(key_node, value_node)
        wordings = _mapping_value(root, "wordings")
        if wordings is None:
            return
        if not isinstance(wordings, yaml.MappingNode):
            self.diagnostics.add(self.path, _line(wordings), "'wordings:' must map wording ids to wordings")
            self.unreadable = True
            return
        for key_node, value_node in wordings.value:
            self._add_wording(key_node, value_node)

    def _add_entry(self, key_node: yaml.Node, node: yaml.Node) -> None:
        checked = self._checker("interview", key_node, node)
        if checked is None:
            return None
        bad, ident, line = checked
        if ident in self.interviews:
            return bad(f"duplicate id (first at line {self.interviews[ident].line})")
        if not isinstance(node, yaml.MappingNode):
            return bad("an entry is a mapping with interviewee, date(s) and place")
        values = self._fields(node, PUBLISHED_FIELDS, bad, "confidential details belong under 'private:'")
        if values is None:
            return None
        interviewee = values.get("interviewee")
        interviewee_text = _text(interviewee)
        if interviewee is None or interviewee_text == "":
            return bad("'interviewee' is required: who was interviewed, as it may be published", interviewee)
        if interviewee_text is None:
            return bad(f"'interviewee' must be text, not {_described(interviewee)}", interviewee)
        place = values.get("place")
        place_text = _text(place)
        if place is not None and not place_text:
            return bad(f"'place' must be text, not {_described(place)}", place)
        article = values.get("article")
        if article is not None and _text(article) not in ARTICLES:
            return bad("'article' is one of " + ", ".join(f"'{a}'" for a in ARTICLES), article)
        if ("date" in values) == ("dates" in values):
            return bad("give exactly one of 'date' or 'dates'")
        date_node = values["date"] if "date" in values else values["dates"]
        dates = _dates(date_node)
        if isinstance(dates, tuple):
            return bad(*dates)
        self.interviews[ident] = Interview(
            id=ident,
            interviewee=" ".join(interviewee_text.split()),
            dates=tuple(sorted(set(dates))),
            place=" ".join(place_text.split()) if place_text else None,
            line=line,
            article=_text(article) if article is not None else None,
        )
        return None

    def _checker(self, kind: str, key_node: yaml.Node, node: yaml.Node) -> tuple[_Report, str, int] | None:
        """``bad(message, at=None)`` reporting problems of the entry ``key_node: node``,
        the entry's id and its line; None if the id is unusable (reported)."""
        line = _line(key_node)
        ident = _text(key_node, strip=False)
        if key_node in self._private or node in self._private:  # '*name: …' or 'id: *name'
            anchored = key_node if key_node in self._private else node
            what, here = ("id", _line(node)) if key_node in self._private else ("entry", line)
            here = here if node not in self._private else line
            self.diagnostics.add(self.path, here, f"this {kind}'s {what} {_from_private(anchored)}")
            return None
        if ident is None:
            article = "an" if kind[0] in "aeiou" else "a"
            self.diagnostics.add(self.path, line, f"{article} {kind}'s id must be text (letters, digits and - _ . :), "
                                 f"not {_described(key_node)}")
            return None

        def bad(message: str, at: yaml.Node | None = None) -> None:
            self.invalid.add(ident)
            self.invalid_lines.setdefault(ident, line)
            where = _line(at) if at is not None else line
            where = where if where >= line else line  # an alias of a node written before the entry
            self.diagnostics.add(self.path, where, f"{kind} '{ident}': {message}")

        if not _ID_RE.fullmatch(ident):
            bad("ids use letters, digits and - _ . : only")
            return None
        return bad, ident, line

    def _fields(self, node: yaml.MappingNode, known: set[str], bad: _Report,
                hint: str) -> dict[str, yaml.Node] | None:
        """The entry's published fields by name; None if one of them is unusable
        (reported). ``private:`` is not read, and nothing may be taken from it."""
        values: dict[str, yaml.Node] = {}
        unusable = False
        for field_key, field_value in node.value:
            name = _text(field_key, strip=False) if field_key not in self._private else None
            if name == PRIVATE_FIELD:
                continue  # never read: confidential by construction
            taken = next((n for n in _nodes(field_key, field_value) if n in self._private), None)
            if taken is not None:
                bad(f"field {f'{name!r}' if name else 'at this line'} {_from_private(taken)}", field_key)
                unusable = True
            elif name == "<<":
                bad("'<<' (a YAML merge key) is not read: write the fields out", field_key)
                unusable = True
            elif name is None:
                bad(f"a field's name must be text, not {_described(field_key)}", field_key)
            elif name not in known:
                bad(f"unknown field '{name}' ({hint})", field_key)
            else:
                values[name] = field_value
        return None if unusable else values

    def _add_wording(self, key_node: yaml.Node, node: yaml.Node) -> None:
        checked = self._checker("wording", key_node, node)
        if checked is None:
            return None
        bad, ident, line = checked
        if ident in self.interviews or ident in self.invalid:
            first = self.interviews[ident].line if ident in self.interviews else None
            return bad("duplicate id" + (f" (first at line {first})" if first else ""))
        if not isinstance(node, yaml.MappingNode):
            return bad("a wording is a mapping with 'interviews' and 'wording'")
        values = self._fields(node, WORDING_FIELDS, bad, "a wording has 'interviews' and 'wording' only")
        if values is None:
            return None
        text = values.get("wording")
        written = _text(text)
        if written is None or not written.strip():
            return bad("'wording' is required: the note's text as the source prints it", text)
        cited = values.get("interviews")
        if not isinstance(cited, yaml.SequenceNode) or not cited.value:
            return bad("'interviews' is required: a list of the ids of the interviews the note cites", cited)
        wording = " ".join(written.split())
        parts = []
        for item in cited.value:
            name = _text(item, strip=False)
            if name is None:
                return bad(f"'interviews' lists ids, not {_described(item)}", item)
            part = self.interviews.get(name)
            if part is None and name in self.invalid:
                return bad(f"interview '{name}' in 'interviews' is not valid (see its own message)", item)
            if not isinstance(part, Interview):
                return bad(f"unknown interview '{name}' in 'interviews' (a wording cites entries "
                           "of 'interviews:')", item)
            missing = _not_in_wording(part, wording)
            if missing:
                return bad(f"the wording does not give {missing} of interview '{part.id}'", text)
            parts.append(part.id)
        self.interviews[ident] = Wording(id=ident, text=wording, interviews=tuple(parts), line=line)
        return None

    def not_valid(self, ident: str) -> str | None:
        """Why a note may not cite ``ident``, an entry in the file that is not valid."""
        if ident not in self.invalid:
            return None
        line = self.invalid_lines.get(ident)
        return f"interview '{ident}' is not valid (see the message at {self.path}{f':{line}' if line else ''})"

    def keep_invalid_from(self, previous: Register) -> None:
        """While entries are being edited, keep their previous valid version."""
        kept = sorted(previous.interviews.keys() - self.interviews.keys()) if self.unreadable else sorted(
            i for i in self.invalid if i in previous.interviews and i not in self.interviews)
        for ident in kept:
            self.interviews[ident] = previous.interviews[ident]
        if kept:
            self.diagnostics.add(self.path, None, "showing the last good version of "
                                 f"{', '.join(kept)} until the register is valid again", severity="warning")

    def note_text(self, ids: list[str]) -> str:
        """The note's sentence for these interviews, in the brief's note style.

        A wording cited alone is its own text; cited with others, it stands for
        its interviews.
        """
        entries = [self.interviews[i] for i in ids]
        if len(entries) == 1 and isinstance(entries[0], Wording):
            return entries[0].text
        expanded: list[Interview] = []
        for entry in entries:
            parts = [self.interviews[i] for i in entry.interviews] if isinstance(entry, Wording) else [entry]
            expanded += [p for p in parts if isinstance(p, Interview) and p not in expanded]
        return interview_note(expanded)


def interview_note(interviews: list[Interview]) -> str:
    """E.g. 'Personal interviews with (1) NGO practitioners; and (2) legal
    specialist, Kuala Lumpur, 13 and 14 June 2011.'"""
    count = sum(len(i.dates) for i in interviews)
    noun = "interviews" if count > 1 else "interview"
    places = {i.place for i in interviews}
    shared_place = len(places) == 1
    parties = [i.interviewee if shared_place or not i.place else f"{i.interviewee}, {i.place}" for i in interviews]
    if len(interviews) == 1 and interviews[0].article:
        parties = [f"{interviews[0].article} {parties[0]}"]  # a lone party only: a numbered list has none
    if len(parties) > 1:
        numbered = [f"({n}) {party}" for n, party in enumerate(parties, 1)]
        parties_text = "; ".join(numbered[:-1]) + "; and " + numbered[-1]
    else:
        parties_text = parties[0]
    date_sets = [set(i.dates) for i in interviews]
    disjoint = len(interviews) > 1 and sum(map(len, date_sets)) == len(set().union(*date_sets))
    if disjoint:
        dates_text = _respectively([i.dates for i in interviews])
    else:
        dates_text = format_dates(sorted(set().union(*date_sets)))
    place = next(iter(places)) if shared_place else None
    tail = ", ".join(part for part in (place, dates_text) if part)
    return f"Personal {noun} with {parties_text}, {tail}."


def format_dates(dates: list[dt.date], compact: bool = False) -> str:
    """'13 and 14 June 2011', '13–15 June 2011', '30 June and 1 July 2011'.

    Two days read 'X and Y' unless ``compact``; longer runs of consecutive
    days become ranges with an en dash.
    """
    groups = [(key, [d.day for d in days]) for key, days in groupby(dates, key=lambda d: (d.year, d.month))]
    parts = []
    for index, ((year, month), days) in enumerate(groups):
        month_name = dt.date(year, month, 1).strftime("%B")
        last_of_year = index + 1 == len(groups) or groups[index + 1][0][0] != year
        suffix = f"{month_name} {year}" if last_of_year else month_name
        parts.append(f"{_days(days, compact)} {suffix}")
    return _join(parts)


def _days(days: list[int], compact: bool) -> str:
    if len(days) == 2 and not compact and days[1] == days[0] + 1:
        return f"{days[0]} and {days[1]}"
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return _join([f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs])


def _respectively(date_lists: list[tuple[dt.date, ...]]) -> str:
    months = {(d.year, d.month) for dates in date_lists for d in dates}
    if len(months) == 1:
        (year, month), = months
        days = [_days([d.day for d in dates], compact=True) for dates in date_lists]
        body = ", ".join(days[:-1]) + ", and " + days[-1]
        return f"{body} {dt.date(year, month, 1).strftime('%B')} {year}, respectively"
    texts = [format_dates(list(dates), compact=True) for dates in date_lists]
    return ", ".join(texts[:-1]) + ", and " + texts[-1] + ", respectively"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _not_in_wording(interview: Interview, wording: str) -> str | None:
    """What of the interview the wording does not give: its interviewee or a date."""
    if not re.search(rf"(?<!\w){re.escape(interview.interviewee)}(?!\w)", wording):
        return f"the interviewee '{interview.interviewee}'"
    days: set[int] = set()
    for first, last in re.findall(r"(?<![\w(])(\d{1,2})(?:\s*[–-]\s*(\d{1,2}))?(?!\w)", wording):
        days.update(range(int(first), int(last or first) + 1))
    for date in interview.dates:
        if date.day not in days or not re.search(rf"\b{date:%B}\b", wording) or str(date.year) not in wording:
            return f"the date {date.day} {date:%B} {date.year}"
    return None


def _mapping_value(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                found: yaml.Node = value_node
                return found
    return None


@overload
def _line(node: yaml.Node) -> int: ...
@overload
def _line(node: yaml.Node | None) -> int | None: ...
def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _dates(node: yaml.Node) -> list[dt.date] | tuple[str, yaml.Node]:
    """The dates of a ``date`` (one) or ``dates`` (a list) field, or what is wrong
    with them and where: ``(message, node)``."""
    scalars = node.value if isinstance(node, yaml.SequenceNode) else [node]
    dates = []
    for scalar in scalars:
        parsed = _date(scalar)
        if isinstance(parsed, str):
            return parsed, scalar
        dates.append(parsed)
    if not dates:
        return "'dates' is empty", node
    return dates


def _from_private(anchored: yaml.Node) -> str:
    return (f"takes a value from under 'private:' (a YAML alias of the value anchored at line {_line(anchored)}), "
            "which would publish it: write the published text out")


_NULL_TAG = "tag:yaml.org,2002:null"


def _text(node: yaml.Node | None, strip: bool = True) -> str | None:
    """A scalar's text, stripped ('' for null), or as written; None for a list or a mapping."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    if not strip:
        return str(node.value)
    return "" if node.tag == _NULL_TAG else str(node.value).strip()


def _described(node: yaml.Node | None) -> str:
    """A node as messages name it (never a repr of the parser's objects)."""
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG):
        return "nothing"
    return f"'{node.value}'"


def _nodes(*roots: yaml.Node) -> Iterator[yaml.Node]:
    """Every node reachable from ``roots`` (each once; aliases may make cycles)."""
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)


class _Report(Protocol):
    """``bad`` of ``Register._checker``: reports a problem of one entry, at node ``at``
    (default: the entry's line), and marks the entry invalid."""

    def __call__(self, message: str, at: yaml.Node | None = None) -> None: ...


class _NodeSet:
    """Nodes by identity (nodes are not hashable by content)."""

    def __init__(self) -> None:
        self._ids: set[int] = set()
        self._nodes: list[yaml.Node] = []  # kept alive: ids stay theirs

    def add(self, node: yaml.Node) -> None:
        if id(node) not in self._ids:
            self._ids.add(id(node))
            self._nodes.append(node)

    def __contains__(self, node: object) -> bool:
        return id(node) in self._ids


def _private_nodes(root: yaml.Node) -> _NodeSet:
    """The nodes written (not merely aliased) under a ``private:`` key, at any depth.

    The composer builds nodes in document order and an alias *is* its anchor's
    node, so a walk in document order meets every node first where it is written.
    """
    private = _NodeSet()
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, inside = stack.pop()
        if id(node) in seen:
            continue  # an alias: its node was written earlier
        seen.add(id(node))
        if inside:
            private.add(node)
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, inside) for child in reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                value_inside = inside or (isinstance(key, yaml.ScalarNode) and key.value == PRIVATE_FIELD)
                stack.append((value, value_inside))
                stack.append((key, inside))
    return private


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(node: yaml.Node) -> dt.date | str:
    """The date, or what is wrong with it. One rule on every Python version:
    YYYY-MM-DD only (``date.fromisoformat`` takes 20110613 from Python 3.11 on)."""
    written = _text(node)
    if written is None or not _DATE_RE.fullmatch(written):
        shown = f"'{written}'" if written else _described(node)
        return f"dates are written YYYY-MM-DD, e.g. 2011-06-13 (not {shown})"
    try:
        return dt.date.fromisoformat(written)
    except ValueError:
        return f"'{written}' is not a date of the calendar"
