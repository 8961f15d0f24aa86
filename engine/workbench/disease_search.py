"""Searching the disease lists by name, number or ICD-10 code.

A query that reads as an ICD-10 code or range (`I21.0`, `C50`, `C00-C97`) finds the entries
whose codes overlap it, as the engine matches codes (catalogue §1.3); a number (`5`, `#5`, `5号`)
finds the entries of that number; anything else is looked for in the Chinese name and the id.
With a date, only the entries in force for a term starting on it, as the engine takes them
(`RuleLibrary.as_of`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from engine.diseases import DiseaseDefinition
from engine.icd import CodeSet, normalise_code, parse_spec
from engine.workbench.library_view import Dates, dates_of, library_on
from engine.workbench.plain import ConditionText, Sentence
from engine.workbench.sources import SourceIndex, SourceLink

MAX_QUERY = 100
_NUMBER = re.compile(r"^(?:#|第|no\.?\s*)?(\d{1,3})\s*(?:号|项)?$", re.IGNORECASE)


@dataclass
class Found:
    list_id: str
    list_title: str
    entry: DiseaseDefinition
    codes: str
    criteria: Sentence | None
    link: SourceLink
    why: str  # what matched: 名称, 编号, ICD-10
    dates: Dates


def search(index: SourceIndex, query: str, list_id: str | None = None, day: dt.date | None = None) -> list[Found]:
    query = query.strip()[:MAX_QUERY]
    conditions = ConditionText(index.adjudicator.library)
    matcher = _matcher(query)
    found = []
    in_force = library_on(index.adjudicator.library, day)
    for listing in index.adjudicator.library.disease_lists.values():
        if list_id and listing.id != list_id:
            continue
        kept = {id(entry) for entry in in_force.disease_lists[listing.id].entries}
        for position, entry in enumerate(listing.entries):
            why = matcher(entry)
            if why is None or id(entry) not in kept:
                continue
            raw = index.disease_entry_data(listing.id, entry.path[1] if len(entry.path) > 1 else position)
            criteria = conditions.render(raw["criteria"]) if raw.get("criteria") else None
            found.append(Found(listing.id, listing.title, entry, str(entry.codes).replace("-", "–"), criteria,
                               index.library_link(index.list_files.get(listing.id, ""), entry.path), why, dates_of(entry)))
    return found


def _matcher(query: str):
    if not query:
        return lambda entry: ""
    number = _NUMBER.match(query)
    if number:
        wanted = int(number.group(1))
        return lambda entry: "编号" if entry.number == wanted else None
    try:
        spec = CodeSet((parse_spec(normalise_code(query)),))
    except ValueError:
        spec = None
    if spec is not None:
        return lambda entry: "ICD-10" if entry.codes.overlaps(spec) else None
    needle = query.casefold()
    return lambda entry: "名称" if needle in entry.name.casefold() or needle in entry.id.casefold() else None
