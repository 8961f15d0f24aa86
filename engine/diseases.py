"""Disease lists (`rules/diseases/*.yaml`) as the engine uses them.

Each entry is a definition that classifies one diagnosis: its own code must fall in the entry's
ICD-10 codes and its criteria must hold. Criteria are conditions of `engine.conditions`; they
are compiled into every plan that pays on the list, as two rules per entry evaluated on each
diagnosis of the claim: `disease:<list>/<entry>` (the definition is met) and
`pending:<list>/<entry>` (it is undecided for want of a finding, `engine.evidence`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

from engine.conditions import Condition, Flag, conjoin
from engine.errors import Issue
from engine.evidence import FALSE, undecided
from engine.icd import CodeSet


@dataclass(frozen=True)
class DiseaseDefinition:
    list: str
    id: str
    number: int
    name: str
    codes: CodeSet
    criteria: Condition
    kind: str | None
    source: str | None
    file: str
    path: tuple  # YAML path of the entry inside its file, for static-check messages
    effective_from: dt.date | None = None  # in force for terms starting on or after (None: always)
    effective_to: dt.date | None = None  # ... and on or before (None: open)

    @cached_property
    def key(self) -> str:
        return f"{self.list}/{self.id}"

    @cached_property
    def met_rule(self) -> str:
        return f"disease:{self.key}"

    @cached_property
    def pending_rule(self) -> str:
        return f"pending:{self.key}"

    @property
    def met(self) -> Condition:
        return conjoin(Flag(self.codes.flag), self.criteria)

    @property
    def undecided(self) -> Condition:
        """The code matches and the criteria wait for a finding (FALSE when none can be missing)."""
        waiting = undecided(self.criteria)
        return FALSE if waiting == FALSE else conjoin(Flag(self.codes.flag), waiting)


@dataclass
class DiseaseListDefinition:
    id: str
    title: str
    source: str | None
    file: str
    report: Callable[[str, tuple], Issue]  # locates an issue at a YAML path of the list's file
    entries: list[DiseaseDefinition] = field(default_factory=list)

    def entry(self, entry_id: str) -> DiseaseDefinition:
        return next(entry for entry in self.entries if entry.id == entry_id)

    def select(self, kind: str | None) -> list[DiseaseDefinition]:
        return [entry for entry in self.entries if kind is None or entry.kind == kind]
