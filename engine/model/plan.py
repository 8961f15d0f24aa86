"""A plan revision as product teams write it in `plans/`.

Conditions (`require`, `when`, `applies_when`) are kept as raw YAML here and parsed by
`engine.conditions` with their YAML paths, so a wrong field name points at its own line.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from engine.model.types import Identifier, Money, Rate, Strict
from engine.vocabulary import DAY_FIELDS, EVENT_KINDS, MONEY_FIELDS

MoneyField = Literal[tuple(MONEY_FIELDS)]  # type: ignore[valid-type]
DayField = Literal[DAY_FIELDS]  # type: ignore[valid-type]
EventKind = Literal[EVENT_KINDS]  # type: ignore[valid-type]


class PerUnit(Strict):
    """An amount multiplied by the enrolment's units (× 份数)."""

    per_unit: Money


def _amount_kind(value: Any) -> str:
    return "amount-per-unit" if isinstance(value, (dict, PerUnit)) else "fixed-amount"


# A fixed amount, or {per_unit: ...}: told apart by shape, so an error names one kind only.
Amount = Annotated[
    Union[Annotated[Money, Tag("fixed-amount")], Annotated[PerUnit, Tag("amount-per-unit")]],
    Discriminator(_amount_kind),
]


class UnitRange(Strict):
    min: int = Field(ge=1)
    max: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self):
        if self.min > self.max:
            raise ValueError(f"units.min ({self.min}) is above units.max ({self.max})")
        return self


class Clause(Strict):
    id: Identifier
    title: str = Field(description="中文说明, shown in decisions")


class Requirement(Clause):
    """Eligibility or coverage: the claim is refused when `require` does not hold."""

    require: Any


class WaitingPeriod(Clause):
    """Events with `applies_when` earlier than first continuous start + `days` are refused."""

    days: int = Field(ge=1)
    applies_when: Any = None
    refund_fee: bool = Field(
        default=False, description="when the event meets a benefit's disease definition: refund the enrolment's fee_paid"
    )
    ends_cover: Literal["enrolment"] | None = Field(
        default=None, description="when the event meets a benefit's disease definition: the enrolment covers nothing more"
    )


class Exclusions(Strict):
    groups: list[Identifier] = []
    clauses: list[Identifier] = []


class BaseDifference(Strict):
    """A base computed as one money field less others, never below 0."""

    of: MoneyField
    less: list[MoneyField] = []


class Band(Strict):
    """Rate paid on the part of the after-deductible base up to `up_to` (the last band has none)."""

    up_to: Money | None = None
    rate: Rate


class Schedule(Strict):
    """Deductible and bands for the claims that meet `when` (tried in order, first wins)."""

    when: Any = None
    deductible_per_term: Money = Decimal("0.00")
    bands: list[Band] = Field(min_length=1, description="checked by engine.rules.compiler: limits increase, the last has none")

    @cached_property
    def bands_text(self) -> str:
        """`up to 10000.00 at 0.50; rest at 0.60`, for explanations (written once per plan)."""
        return "; ".join(
            f"{'up to ' + str(band.up_to) if band.up_to is not None else 'rest'} at {band.rate}" for band in self.bands
        )


class Caps(Strict):
    cap_per_claim: Amount | None = None
    cap_per_term: Amount | None = None
    cap_per_life: Amount | None = None


class Reimbursement(Caps, Clause):
    """Pays a share of a cost base after an annual deductible, by bands."""

    pays: Literal["reimbursement"]
    when: Any = None
    base: MoneyField | BaseDifference
    schedules: list[Schedule] = Field(min_length=1)


class ExtraDays(Clause):
    """Days among the paid days that are paid again (e.g. ICU days paid twice)."""

    days: DayField
    amount_per_day: Amount


class PerDay(Caps, Clause):
    """Pays an amount per day of a stay after deductible days, within a day limit per term."""

    pays: Literal["per_day"]
    when: Any = None
    days: DayField
    deductible_days: int = Field(default=0, ge=0, description="days per stay not paid")
    amount_per_day: Amount
    max_days_per_term: int | None = Field(default=None, ge=1)
    extra_days: list[ExtraDays] = []


class DiseaseSelector(Strict):
    """Which definitions a lump sum pays on: a list of `rules/diseases`, optionally one kind."""

    list: Identifier
    kind: Identifier | None = None


class LumpSum(Clause):
    """Pays a fixed sum when a diagnosis meets a definition of the selected disease list.

    Benefits are tried in the order the plan lists them; one that `ends_cover` ends the plan's
    cover for the member at once, so benefits after it pay nothing in the same claim."""

    pays: Literal["lump_sum"]
    when: Any = None
    diseases: DiseaseSelector
    amount: Amount
    yields_to: list[Identifier] = Field(
        default_factory=list,
        description="benefits that take precedence: a diagnosis meeting one of their definitions is not paid here",
    )
    max_payments_per_life: int | None = Field(default=None, ge=1)
    once_per_disease: bool = Field(default=False, description="each definition is paid at most once in the member's life")
    ends_cover: bool = Field(default=False, description="after a payment, the plan covers this member for nothing more, for good")


Benefit = Annotated[Union[Reimbursement, PerDay, LumpSum], Field(discriminator="pays")]


class Plan(Strict):
    plan: Identifier = Field(description="plan id, e.g. inpatient-medical")
    title: str = Field(description="中文名称")
    revision: str = Field(min_length=1)
    effective_from: dt.date
    effective_to: dt.date | None = None
    fee: Amount
    units: UnitRange | None = None
    term_years: list[int] | None = Field(
        default=None, description="allowed term lengths in whole years (a term ends the day before its anniversary); none: any dates"
    )
    events: list[EventKind] = Field(min_length=1, description="event kinds the plan covers")
    eligibility: list[Requirement] = []
    coverage: list[Requirement] = []
    waiting_periods: list[WaitingPeriod] = []
    exclusions: Exclusions = Exclusions()
    benefits: list[Benefit] = Field(min_length=1)
    notes: str | None = Field(default=None, description="how ambiguous catalogue text was read")

    @field_validator("effective_to")
    @classmethod
    def _after_start(cls, value, info):
        start = info.data.get("effective_from")
        if value is not None and start is not None and value < start:
            raise ValueError(f"effective_to {value} is before effective_from {start}")
        return value

