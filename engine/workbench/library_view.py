"""The shared rule libraries (`rules/`) as a product person reads them, and which of their
entries are in force on a chosen date: disease lists, exclusion clauses with their text and
groups, circumstance codes, findings and offices, each linked to its YAML file and line.

Entries are dated like plan revisions (catalogue 2024.1: an enrolment sees the library as it
stood on its term's start): an entry with `effective_from` / `effective_to` is in force from the
first day to the last, both included; an entry without them always is. Dates are read from the
entry as written in the file the plan set was loaded from, so the page shows exactly the dates
the engine was given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from engine.workbench.plain import ConditionText, Sentence
from engine.workbench.sources import SourceIndex, SourceLink


@dataclass(frozen=True)
class Dates:
    start: dt.date | None = None
    end: dt.date | None = None

    def holds_on(self, day: dt.date | None) -> bool:
        if day is None:
            return True
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    @property
    def text(self) -> str:
        if self.start is None and self.end is None:
            return "一直有效"
        if self.end is None:
            return f"{self.start} 起"
        if self.start is None:
            return f"至 {self.end}"
        return f"{self.start} 至 {self.end}"

    @property
    def dated(self) -> bool:
        return self.start is not None or self.end is not None


def dates_of(raw: Any) -> Dates:
    """The `effective_from` / `effective_to` an entry carries (dates or ISO strings)."""
    if not isinstance(raw, dict):
        return Dates()
    return Dates(_day(raw.get("effective_from")), _day(raw.get("effective_to")))


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


@dataclass
class Entry:
    key: str
    title: str
    link: SourceLink
    dates: Dates
    in_force: bool
    detail: list[tuple[str, Sentence]] = field(default_factory=list)  # (label, plain-language text)
    note: str = ""


@dataclass
class Part:
    key: str
    title: str
    file: SourceLink | None
    entries: list[Entry]

    @property
    def in_force(self) -> int:
        return sum(entry.in_force for entry in self.entries)


@dataclass
class ListSummary:
    id: str
    title: str
    link: SourceLink
    dates: Dates
    in_force: int
    total: int


@dataclass
class LibraryView:
    day: dt.date | None
    lists: list[ListSummary]
    parts: list[Part]

    @property
    def dated_entries(self) -> int:
        return sum(entry.dates.dated for part in self.parts for entry in part.entries) + sum(
            summary.dates.dated for summary in self.lists)


def library_view(index: SourceIndex, day: dt.date | None) -> LibraryView:
    library = index.adjudicator.library
    conditions = ConditionText(library)
    lists = []
    for listing in library.disease_lists.values():
        name = index.list_files.get(listing.id, "")
        document = index.library_documents.get(name)
        list_dates = dates_of(document.data if document else None)
        raws = [index.disease_entry_data(listing.id, entry.path[1] if len(entry.path) > 1 else i)
                for i, entry in enumerate(listing.entries)]
        in_force = sum(list_dates.holds_on(day) and dates_of(raw).holds_on(day) for raw in raws)
        lists.append(ListSummary(listing.id, listing.title, index.library_link(name), list_dates, in_force, len(raws)))

    groups_of: dict[str, list[str]] = {}
    for group, members in library.groups.items():
        for clause in members:
            groups_of.setdefault(clause, []).append(group)
    clauses = []
    for clause_id in library.exclusions:
        raw = index.exclusion_data(clause_id)
        dates = dates_of(raw)
        entry = Entry(clause_id, str(raw.get("title", clause_id)), index.exclusion_link(clause_id) or SourceLink("rules", None),
                      dates, dates.holds_on(day), note="、".join(groups_of.get(clause_id, [])))
        if raw.get("when") is not None:
            entry.detail.append(("适用情形", conditions.render(raw["when"])))
        if raw.get("unless"):
            entry.detail.append(("但以下情形除外", conditions.render(raw["unless"])))
        clauses.append(entry)
    parts = [Part("exclusions", "除外责任条款", _file_of(index, "exclusions"), clauses)]
    parts.append(_coded(index, day, "circumstances", "出险情形代码", "codes", "code"))
    parts.append(_coded(index, day, "findings", "病历检查结论", "findings", "key"))
    parts.append(_coded(index, day, "offices", "办事处", "offices", "code"))
    return LibraryView(day, lists, parts)


def _file_of(index: SourceIndex, kind: str) -> SourceLink | None:
    for name, document in index.library_documents.items():
        if isinstance(document.data, dict) and document.data.get("kind") == kind:
            return index.library_link(name)
    return None


def _coded(index: SourceIndex, day: dt.date | None, kind: str, title: str, items: str, key: str) -> Part:
    """A library file listing `{key: ..., title: ...}` entries (circumstances, findings, offices)."""
    entries = []
    for name, document in index.library_documents.items():
        data = document.data if isinstance(document.data, dict) else {}
        if data.get("kind") != kind:
            continue
        for position, raw in enumerate(data.get(items) or []):
            if not isinstance(raw, dict) or key not in raw:
                continue
            dates = dates_of(raw)
            entries.append(Entry(str(raw[key]), str(raw.get("title", raw[key])), index.library_link(name, (items, position)),
                                 dates, dates.holds_on(day), note=_finding_type(raw) if kind == "findings" else ""))
    return Part(kind, title, _file_of(index, kind), entries)


def _finding_type(raw: dict) -> str:
    kinds = {"integer": "整数", "decimal": "小数", "boolean": "是/否", "text": "文字", "ordinal": "等级"}
    text = kinds.get(str(raw.get("type")), str(raw.get("type", "")))
    if raw.get("values"):
        text += "：" + " < ".join(str(value) for value in raw["values"])
    bounds = [f"≥ {raw['min']}" if "min" in raw else "", f"≤ {raw['max']}" if "max" in raw else ""]
    if any(bounds):
        text += "（" + "，".join(b for b in bounds if b) + "）"
    return text


def parse_day(text: str) -> tuple[dt.date | None, str | None]:
    """A date from the page's date field: (date, None), (None, None) when blank, or the reason."""
    text = text.strip()
    if not text:
        return None, None
    try:
        return dt.date.fromisoformat(text), None
    except ValueError:
        return None, f"日期 {text[:20]} 无法识别：请用 YYYY-MM-DD"
