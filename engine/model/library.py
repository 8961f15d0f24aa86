"""Shared rule libraries in `rules/`: circumstance codes, exclusion clauses with groups,
the findings a medical report may state, and disease lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import Field, model_validator

from engine.model.types import Identifier, Strict


class Dated(Strict):
    """An entry of a rule library in force from `effective_from` to `effective_to` (both
    inclusive; either open). An enrolment sees the library as it stood on its term's start, so
    an entry added for next year never changes a decision on this year's terms."""

    effective_from: dt.date | None = Field(default=None, description="生效日期：在此日或之后开始的保障期适用 / first term start it applies to")
    effective_to: dt.date | None = Field(default=None, description="失效日期：在此日或之前开始的保障期适用 / last term start it applies to")

    @model_validator(mode="after")
    def _dates_in_order(self):
        if self.effective_from is not None and self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(f"effective_to {self.effective_to} is before effective_from {self.effective_from}")
        return self


class CircumstanceCode(Dated):
    code: Identifier
    title: str = Field(description="中文名称")


class CircumstanceLibrary(Strict):
    """Codes a claim may state in `circumstances`; claims with other codes are refused."""

    kind: Literal["circumstances"]
    title: str
    codes: list[CircumstanceCode]


class Office(Strict):
    code: Identifier
    title: str = Field(description="中文名称")


class OfficeLibrary(Strict):
    """The mutual-aid offices (办事处) that serve members; plans' `office` conditions name these."""

    kind: Literal["offices"]
    title: str
    offices: list[Office] = Field(min_length=1)


class ExclusionClause(Dated):
    id: Identifier
    title: str = Field(description="中文条款")
    when: Any = Field(description="condition under which the clause excludes the claim")
    unless: Any = Field(default=None, description="condition that lifts the exclusion")
    applies_to: str | None = Field(default=None, description="note on which plans use the clause")
    source: str | None = None


class ExclusionLibrary(Strict):
    """Exclusion clauses (除外责任) and the named groups plans refer to."""

    kind: Literal["exclusions"]
    title: str
    clauses: list[ExclusionClause]
    groups: dict[Identifier, list[Identifier]]


class FindingDefinition(Strict):
    """One key a medical report may state for a diagnosis (`findings` in claims)."""

    key: Identifier
    title: str = Field(description="中文说明")
    type: Literal["integer", "decimal", "ordinal", "text", "boolean"]
    places: int = Field(default=0, ge=0, le=4, description="decimal: digits after the point a claim may give")
    min: Decimal | None = None
    max: Decimal | None = None
    values: list[str] = Field(default_factory=list, description="ordinal: the grades, lowest first")
    when_not_stated: Literal["missing", "not_applicable"] = Field(
        default="missing",
        description="missing: a criterion that needs it pends the claim; not_applicable: the report "
        "states it only when it applies, so an unstated value matches no test of it",
    )

    @model_validator(mode="after")
    def _shape(self):
        if self.type == "ordinal" and len(self.values) < 2:
            raise ValueError(f"ordinal finding {self.key!r} needs `values`, lowest first")
        if self.type != "ordinal" and self.values:
            raise ValueError(f"only ordinal findings take `values`; {self.key!r} is {self.type}")
        if self.type != "decimal" and self.places:
            raise ValueError(f"only decimal findings take `places`; {self.key!r} is {self.type}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class FindingsLibrary(Strict):
    kind: Literal["findings"]
    title: str
    findings: list[FindingDefinition]


class DiseaseEntry(Dated):
    number: int = Field(ge=1, description="the catalogue's number within the list")
    id: Identifier
    name: str = Field(description="中文病名")
    icd10: list[str] = Field(min_length=1, description="codes and ranges the diagnosis must fall in")
    criteria: Any = Field(default=None, description="condition on findings, procedures and diagnoses; none: the code decides")
    kind: Identifier | None = Field(default=None, description="a class plans may select, e.g. in_situ")
    source: str | None = None


class DiseaseList(Strict):
    """A list of defined diseases (疾病定义) that lump-sum benefits pay on."""

    kind: Literal["diseases"]
    list: Identifier
    title: str
    source: str | None = None
    extends: Identifier | None = Field(default=None, description="继承的清单 / another list whose entries this one starts from")
    remove: list[Identifier] = Field(default_factory=list, description="删除的条目 / with extends: ids of the other list's entries left out")
    entries: list[DiseaseEntry] = Field(default_factory=list, description="疾病定义 / entries (with extends: added, or replacing those of the same id)")

    @model_validator(mode="after")
    def _has_entries(self):
        if not self.entries and self.extends is None:
            raise ValueError("a disease list needs entries (or `extends:` another list)")
        if self.remove and self.extends is None:
            raise ValueError("`remove` takes ids of the list named by `extends`")
        return self


class DisabilityGrade(Strict):
    grade: int = Field(ge=1)
    ratio: Decimal = Field(ge=0, le=1, description="share of the sum paid for this grade")


class DisabilityGrades(Strict):
    """The disability standard: grades and ratios, how several injuries combine, when assessed."""

    kind: Literal["disability_grades"]
    title: str
    source: str | None = None
    grades: list[DisabilityGrade] = Field(min_length=1)
    raise_when_shared: bool = Field(description="two or more injuries at the most severe grade raise it one grade")
    assessment_day: int = Field(ge=1, description="assessed when treatment ends, or on this day after the accident")

    @model_validator(mode="after")
    def _numbered(self):
        numbers = [grade.grade for grade in self.grades]
        if numbers != list(range(1, 11)):  # claims state grades 1 to 10
            raise ValueError(f"grades must be numbered 1 to 10 in order, got {numbers}")
        return self


Library = Annotated[
    Union[CircumstanceLibrary, ExclusionLibrary, FindingsLibrary, DiseaseList, DisabilityGrades, OfficeLibrary],
    Field(discriminator="kind"),
]
