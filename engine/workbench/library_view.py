"""The shared rule libraries (`rules/`) as a product person reads them, and which of their
entries are in force on a chosen date: disease lists, exclusion clauses with their text and
groups, circumstance codes, findings and offices, each linked to its YAML file and line.

Entries are dated like plan revisions (catalogue 2024.1: an enrolment sees the library as it
stood on its term's start). What is in force on a day is what the engine itself takes,
`RuleLibrary.as_of(day)`; an undated entry is always in force.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from engine.rules.compiler import RuleLibrary
from engine.workbench.plain import ConditionText, Sentence
from engine.workbench.sources import SourceIndex, SourceLink


@dataclass(frozen=True)
class Dates:
    start: dt.date | None = None
    end: dt.date | None = None

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


def dates_of(entry: Any) -> Dates:
    """The `effective_from` / `effective_to` of a loaded library entry (a disease definition, an
    exclusion clause)."""
    return Dates(getattr(entry, "effective_from", None), getattr(entry, "effective_to", None))


def library_on(library: RuleLibrary, day: dt.date | None) -> RuleLibrary:
    """The library as the engine takes it for a term starting on `day` (the whole one for none)."""
    return library if day is None else library.as_of(day)


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
    in_force: int
    total: int
    dated: int  # entries with effective dates


@dataclass
class LibraryView:
    day: dt.date | None
    lists: list[ListSummary]
    parts: list[Part]

    @property
    def dated_entries(self) -> int:
        return sum(entry.dates.dated for part in self.parts for entry in part.entries) + sum(summary.dated for summary in self.lists)


def library_view(index: SourceIndex, day: dt.date | None) -> LibraryView:
    library = index.adjudicator.library
    in_force = library_on(library, day)
    conditions = ConditionText(library)
    lists = []
    for listing in library.disease_lists.values():
        kept = {id(entry) for entry in in_force.disease_lists[listing.id].entries}
        lists.append(ListSummary(listing.id, listing.title, index.library_link(index.list_files.get(listing.id, "")),
                                 sum(id(entry) in kept for entry in listing.entries), len(listing.entries),
                                 sum(dates_of(entry).dated for entry in listing.entries)))

    groups_of: dict[str, list[str]] = {}
    for group, members in library.groups.items():
        for clause in members:
            groups_of.setdefault(clause, []).append(group)
    clauses = []
    for clause_id, clause in library.exclusions.items():
        raw = index.exclusion_data(clause_id)
        entry = Entry(clause_id, clause.title, index.exclusion_link(clause_id) or SourceLink("rules", None),
                      dates_of(clause), clause_id in in_force.exclusions, note="、".join(groups_of.get(clause_id, [])))
        if raw.get("when") is not None:
            entry.detail.append(("适用情形", conditions.render(raw["when"])))
        if raw.get("unless"):
            entry.detail.append(("但以下情形除外", conditions.render(raw["unless"])))
        clauses.append(entry)
    parts = [Part("exclusions", "除外责任条款", _file_of(index, "exclusions"), clauses)]
    circumstances = _coded(index, "circumstances", "出险情形代码", "codes", "code")
    for entry in circumstances.entries:
        entry.dates = Dates(*library.circumstance_dates.get(entry.key, (None, None)))
        entry.in_force = entry.key in in_force.circumstances
    parts.append(circumstances)
    parts.append(_coded(index, "findings", "病历检查结论", "findings", "key"))
    parts.append(_coded(index, "offices", "办事处", "offices", "code"))
    return LibraryView(day, lists, parts)


def _file_of(index: SourceIndex, kind: str) -> SourceLink | None:
    for name, document in index.library_documents.items():
        if isinstance(document.data, dict) and document.data.get("kind") == kind:
            return index.library_link(name)
    return None


def _coded(index: SourceIndex, kind: str, title: str, items: str, key: str) -> Part:
    """A library file listing `{key: ..., title: ...}` entries (circumstances, findings, offices),
    undated (the caller dates the ones the engine dates)."""
    entries = []
    for name, document in index.library_documents.items():
        data = document.data if isinstance(document.data, dict) else {}
        if data.get("kind") != kind:
            continue
        for position, raw in enumerate(data.get(items) or []):
            if not isinstance(raw, dict) or key not in raw:
                continue
            entries.append(Entry(str(raw[key]), str(raw.get("title", raw[key])), index.library_link(name, (items, position)),
                                 Dates(), True, note=_finding_type(raw) if kind == "findings" else ""))
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
