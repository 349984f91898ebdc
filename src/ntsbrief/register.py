"""The interview register: anonymised interviews that notes may cite.

Only the published fields (``interviewee``, ``date``/``dates``, ``place``,
``article``; a wording's ``interviews`` and ``wording``) are ever read into the
model; everything else in an entry (by convention under ``private:``) stays in
the YAML file, so no output can contain it.

Notes are generated from the entries by fixed rules. Where the brief's source
words a note its own way, a *wording* (top-level ``wordings:``) gives that
note's text as printed, for the interviews it cites; it is checked against
them (every interviewee and date must be in it) and cited like an interview.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import yaml

from .diagnostics import Diagnostics

PUBLISHED_FIELDS = {"interviewee", "date", "dates", "place", "article"}
WORDING_FIELDS = {"interviews", "wording"}
ARTICLES = ("a", "an", "the")
PRIVATE_FIELD = "private"
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")


@dataclass(frozen=True)
class Interview:
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
    # interviews and wordings by id: a note may cite either
    interviews: dict[str, Interview | Wording] = field(default_factory=dict)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    path: str = ""
    unreadable: bool = False  # the file as a whole could not be read
    invalid: set[str] = field(default_factory=set)  # ids of entries that failed validation

    @classmethod
    def load(cls, path: Path, shown: str) -> Register:
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
        ident, line = str(key_node.value), _line(key_node)

        def bad(message: str, at: yaml.Node | None = None) -> None:
            self.invalid.add(ident)
            self.diagnostics.add(self.path, _line(at) if at is not None else line, f"interview '{ident}': {message}")

        if not _ID_RE.fullmatch(ident):
            return bad("ids use letters, digits and - _ . : only")
        if ident in self.interviews:
            return bad(f"duplicate id (first at line {self.interviews[ident].line})")
        if not isinstance(node, yaml.MappingNode):
            return bad("an entry is a mapping with interviewee, date(s) and place")
        values: dict[str, yaml.Node] = {}
        for field_key, field_value in node.value:
            name = str(field_key.value)
            if name == PRIVATE_FIELD:
                continue  # never read: confidential by construction
            if name not in PUBLISHED_FIELDS:
                bad(f"unknown field '{name}' (confidential details belong under 'private:')", field_key)
                continue
            values[name] = field_value
        interviewee = values.get("interviewee")
        if not isinstance(interviewee, yaml.ScalarNode) or not str(interviewee.value).strip():
            return bad("'interviewee' is required: who was interviewed, as it may be published")
        place = values.get("place")
        if place is not None and (not isinstance(place, yaml.ScalarNode) or not str(place.value).strip()):
            return bad("'place' must be text", place)
        article = values.get("article")
        if article is not None and (not isinstance(article, yaml.ScalarNode) or str(article.value).strip() not in ARTICLES):
            return bad("'article' is one of " + ", ".join(f"'{a}'" for a in ARTICLES), article)
        if ("date" in values) == ("dates" in values):
            return bad("give exactly one of 'date' or 'dates'")
        date_node = values.get("date") or values.get("dates")
        scalars = date_node.value if isinstance(date_node, yaml.SequenceNode) else [date_node]
        dates = []
        for scalar in scalars:
            parsed = _date(scalar)
            if parsed is None:
                return bad("dates are written YYYY-MM-DD", scalar)
            dates.append(parsed)
        if not dates:
            return bad("'dates' is empty", date_node)
        self.interviews[ident] = Interview(
            id=ident,
            interviewee=" ".join(str(interviewee.value).split()),
            dates=tuple(sorted(set(dates))),
            place=" ".join(str(place.value).split()) if place is not None else None,
            line=line,
            article=str(article.value).strip() if article is not None else None,
        )

    def _add_wording(self, key_node: yaml.Node, node: yaml.Node) -> None:
        ident, line = str(key_node.value), _line(key_node)

        def bad(message: str, at: yaml.Node | None = None) -> None:
            self.invalid.add(ident)
            self.diagnostics.add(self.path, _line(at) if at is not None else line, f"wording '{ident}': {message}")

        if not _ID_RE.fullmatch(ident):
            return bad("ids use letters, digits and - _ . : only")
        if ident in self.interviews or ident in self.invalid:
            first = self.interviews[ident].line if ident in self.interviews else None
            return bad("duplicate id" + (f" (first at line {first})" if first else ""))
        if not isinstance(node, yaml.MappingNode):
            return bad("a wording is a mapping with 'interviews' and 'wording'")
        values: dict[str, yaml.Node] = {}
        for field_key, field_value in node.value:
            name = str(field_key.value)
            if name == PRIVATE_FIELD:
                continue  # never read: confidential by construction
            if name not in WORDING_FIELDS:
                bad(f"unknown field '{name}' (a wording has 'interviews' and 'wording' only)", field_key)
                continue
            values[name] = field_value
        text = values.get("wording")
        if not isinstance(text, yaml.ScalarNode) or not str(text.value).strip():
            return bad("'wording' is required: the note's text as the source prints it", text)
        cited = values.get("interviews")
        if not isinstance(cited, yaml.SequenceNode) or not cited.value:
            return bad("'interviews' is required: a list of the ids of the interviews the note cites", cited)
        wording = " ".join(str(text.value).split())
        parts = []
        for item in cited.value:
            part = self.interviews.get(str(item.value)) if isinstance(item, yaml.ScalarNode) else None
            if part is None and str(item.value) in self.invalid:
                return bad(f"interview '{item.value}' in 'interviews' is not valid (see its own message)", item)
            if not isinstance(part, Interview):
                return bad(f"unknown interview '{item.value}' in 'interviews' (a wording cites entries "
                           "of 'interviews:')", item)
            missing = _not_in_wording(part, wording)
            if missing:
                return bad(f"the wording does not give {missing} of interview '{part.id}'", text)
            parts.append(part.id)
        self.interviews[ident] = Wording(id=ident, text=wording, interviews=tuple(parts), line=line)

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
                return value_node
    return None


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _date(node: yaml.Node) -> dt.date | None:
    if not isinstance(node, yaml.ScalarNode):
        return None
    try:
        return dt.date.fromisoformat(str(node.value).strip())
    except ValueError:
        return None
