"""A plan revision as product teams write it in `plans/`.

Conditions (`require`, `when`, `applies_when`) are kept as raw YAML here and parsed by
`engine.conditions` with their YAML paths, so a wrong field name points at its own line.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag, model_validator

from engine.model.types import Identifier, Money, Rate, Strict, not_before
from engine.vocabulary import DAY_FIELDS, EVENT_KINDS, MONEY_FIELDS

MoneyField = Literal[tuple(MONEY_FIELDS)]  # type: ignore[valid-type]
DayField = Literal[DAY_FIELDS]  # type: ignore[valid-type]
EventKind = Literal[EVENT_KINDS]  # type: ignore[valid-type]


class PerUnit(Strict):
    """An amount multiplied by the enrolment's units (× 份数)."""

    per_unit: Money


class PerTier(Strict):
    """An amount by the enrolment's tier (档次): the first for tier 1, and so on."""

    per_tier: list[Money] = Field(min_length=1)


def _amount_kind(value: Any) -> str:
    if isinstance(value, PerTier) or (isinstance(value, dict) and "per_tier" in value):
        return "amount-per-tier"
    return "amount-per-unit" if isinstance(value, (dict, PerUnit)) else "fixed-amount"


# A fixed amount, {per_unit: ...} or {per_tier: [...]}: told apart by shape, so an error names
# one kind only.
Amount = Annotated[
    Union[Annotated[Money, Tag("fixed-amount")], Annotated[PerUnit, Tag("amount-per-unit")],
          Annotated[PerTier, Tag("amount-per-tier")]],
    Discriminator(_amount_kind),
]


class FeeTable(Strict):
    """Fees by fee schedule (normal or high-risk occupations), each by tier."""

    per_tier: dict[Literal["normal", "high_risk"], list[Money]]


def _fee_kind(value: Any) -> str:
    if isinstance(value, FeeTable) or (isinstance(value, dict) and isinstance(value.get("per_tier"), dict)):
        return "fee-table"
    return _amount_kind(value)


Fee = Annotated[
    Union[Annotated[Money, Tag("fixed-amount")], Annotated[PerUnit, Tag("amount-per-unit")],
          Annotated[PerTier, Tag("amount-per-tier")], Annotated[FeeTable, Tag("fee-table")]],
    Discriminator(_fee_kind),
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


class ProportionalPayment(Clause):
    """Every benefit paid in proportion paid fee ÷ due fee of the tier when `when` holds
    (e.g. a high-risk member enrolled on the normal-occupation fee)."""

    when: Any
    paid_fee: Literal["normal", "high_risk"]
    due_fee: Literal["normal", "high_risk"]


class EventCover(Strict):
    """An event kind covered only for one cause, e.g. hospital stays caused by an accident."""

    kind: EventKind
    cause: Literal["disease", "accident"]


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


class ScopedExclusions(Strict):
    """Exclusion groups and clauses that apply only to events meeting `when`."""

    when: Any
    groups: list[Identifier] = []
    clauses: list[Identifier] = []


class Exclusions(Strict):
    groups: list[Identifier] = []
    clauses: list[Identifier] = []
    scoped: list[ScopedExclusions] = Field(
        default_factory=list, description="e.g. group accident for accident events, group medical for disease events"
    )


class BaseDifference(Strict):
    """A base computed as one money field less others, never below 0."""

    of: MoneyField
    less: list[MoneyField] = []
    less_paid_before: bool = Field(
        default=False,
        description="indemnity (补偿原则): also less what the medical benefits of plans adjudicated before paid for this event",
    )


class Band(Strict):
    """Rate paid on the part of the after-deductible base up to `up_to` (the last band has none)."""

    up_to: Money | None = None
    rate: Rate


class Schedule(Strict):
    """Deductible and bands for the claims that meet `when` (tried in order, first wins)."""

    when: Any = None
    deductible_per_term: Money = Decimal("0.00")
    deductible_per_accident: Money = Field(default=Decimal("0.00"), description="consumed once per accident id")
    bands: list[Band] = Field(min_length=1, description="checked by engine.rules.compiler: limits increase, the last has none")

    @cached_property
    def bands_text(self) -> str:
        """`up to 10000.00 at 0.50; rest at 0.60`, for explanations (written once per plan)."""
        return "; ".join(
            f"{'up to ' + str(band.up_to) if band.up_to is not None else 'rest'} at {band.rate}" for band in self.bands
        )


class Caps(Strict):
    cap_per_claim: Amount | None = None
    cap_per_accident: Amount | None = None
    cap_per_term: Amount | None = None
    cap_per_life: Amount | None = None


class Reimbursement(Caps, Clause):
    """Pays a share of a cost base after an annual deductible, by bands."""

    pays: Literal["reimbursement"]
    when: Any = None
    base: MoneyField | BaseDifference
    schedules: list[Schedule] = Field(min_length=1)


class ExtraDays(Clause):
    """Days among the paid days that are paid again (e.g. ICU days paid twice). Without its own
    `amount_per_day` they are paid at the benefit's rate, so that rate is written once."""

    days: DayField
    amount_per_day: Amount | None = Field(default=None, description="每日金额 / absent: the benefit's own amount_per_day")

    def rate(self, benefit: "PerDay"):
        return benefit.amount_per_day if self.amount_per_day is None else self.amount_per_day


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
    cover for the member's later claims (the claim's other benefits are still paid). Two lump
    sums that could pay one diagnosis must say which way: `yields_to` (only one pays) or
    `stacks_with` (both pay)."""

    pays: Literal["lump_sum"]
    when: Any = None
    diseases: DiseaseSelector
    amount: Amount
    yields_to: list[Identifier] = Field(
        default_factory=list,
        description="benefits that take precedence: a diagnosis meeting one of their definitions is not paid here, "
                    "when that benefit could pay this enrolment (its `when` holds)",
    )
    stacks_with: list[Identifier] = Field(
        default_factory=list,
        description="benefits this one pays on top of: a diagnosis meeting definitions of both is paid by both",
    )
    max_payments_per_life: int | None = Field(default=None, ge=1)
    once_per_disease: bool = Field(default=False, description="each definition is paid at most once in the member's life")
    ends_cover: bool | Literal["at_once"] = Field(
        default=False,
        description="true: after a payment the plan covers this member for nothing more in later claims, for good; "
                    "at_once: nor for the rest of this claim (one payment in life)",
    )


class DeathDisability(Clause):
    """Accidental death (within `death_within_days` of the accident) pays the sum; disability pays
    the sum × the ratio of the grade (rules/disability-grades.yaml). Death and disability together
    never exceed the sum per accident (a later death pays the difference) nor per term."""

    pays: Literal["death_disability"]
    when: Any = None
    sum: Amount
    death_within_days: int = Field(ge=0)


class Fixed(Clause):
    """A fixed amount when the benefit's rule fires (disease death, maturity refund)."""

    pays: Literal["fixed"]
    when: Any = None
    amount: Amount
    once_per_enrolment: bool = False
    unless_death_paid: bool = Field(default=False, description="refused when this enrolment paid a death benefit")
    is_death_benefit: bool = Field(default=False, description="counts as a death benefit of the enrolment")


Benefit = Annotated[Union[Reimbursement, PerDay, LumpSum, DeathDisability, Fixed], Field(discriminator="pays")]


class Participation(Clause):
    """参保比例 / catalogue §4: at least `share` of the unit's eligible staff must join (those the
    plan's eligibility admits and `among` selects); all of them where fewer than `all_below` are
    eligible. Checked by `adjudicator enrol` (engine.enrolment)."""

    share: Rate = Field(description="最低参保比例 / minimum share of the eligible staff, e.g. 0.80")
    among: Any = Field(default=None, description="whom the share counts, e.g. {gender: female} (eligible women); default: every eligible person")
    all_below: int | None = Field(default=None, ge=1, description="全员参保 / where fewer than this many are eligible, every one must join")


class GroupEnrolment(Strict):
    """团体参保 / how a workplace union enrols its staff in this plan (catalogue §4)."""

    participation: Participation | None = Field(default=None, description="参保比例 / none: every eligible person may join alone")
    same_choice: bool = Field(default=True, description="同一申请统一份数（档次）/ everyone in one application takes the same units (or tier)")


class Plan(Strict):
    """互助保障方案的一个版本 / One revision of a mutual-aid plan (plans/<plan>/<revision>.yaml)."""

    plan: Identifier = Field(description="方案编号 / plan id, e.g. inpatient-medical")
    title: str = Field(description="方案名称 / the plan's Chinese title")
    revision: str = Field(min_length=1, description="版本 / revision, e.g. \"2025\"")
    effective_from: dt.date = Field(description="生效日期 / first enrolment start this revision applies to")
    effective_to: dt.date | None = Field(default=None, description="失效日期 / last enrolment start it applies to (open if absent)")
    fee: Fee = Field(description="会费 / fee: an amount, {per_unit}, {per_tier} or {per_tier: {normal, high_risk}}")
    order: int | None = Field(
        default=None, ge=1, description="理赔顺序 / adjudication order among plans (catalogue §2: 1 inpatient-medical ... 8 event-accident)"
    )
    tiers: int | None = Field(default=None, ge=1, description="档次数 / number of tiers (档次) an enrolment may choose")
    proportional_payment: ProportionalPayment | None = Field(default=None, description="按比例给付 / proportional payment")
    units: UnitRange | None = Field(default=None, description="份数范围 / units an enrolment may buy")
    term_years: list[int] | None = Field(
        default=None, description="保障期（年）/ allowed term lengths in whole years (a term ends the day before its anniversary); none: any dates"
    )
    events: list[EventKind | EventCover] = Field(min_length=1, description="保障的事件 / event kinds the plan covers")
    eligibility: list[Requirement] = Field(default=[], description="参保条件 / who may claim (refused not_eligible)")
    coverage: list[Requirement] = Field(default=[], description="保障范围 / what is covered (refused not_covered)")
    waiting_periods: list[WaitingPeriod] = Field(default=[], description="等待期 / waiting periods (refused waiting_period)")
    exclusions: Exclusions = Field(default=Exclusions(), description="除外责任 / exclusion groups and clauses from rules/")
    benefits: list[Benefit] = Field(min_length=1, description="保障责任 / benefits, tried in order")
    group_enrolment: GroupEnrolment = Field(default=GroupEnrolment(), description="团体参保规则 / group enrolment rules (catalogue §4)")
    notes: str | None = Field(default=None, description="说明 / how ambiguous catalogue text was read")

    def fee_due(self, units: int | None = None, tier: int | None = None, fee_schedule: str | None = None) -> Decimal:
        """The fee one enrolment owes under this revision: a fixed fee, per unit × units, by tier,
        or by fee schedule (normal or high-risk occupations) and tier."""
        fee = self.fee
        if isinstance(fee, PerUnit):
            return fee.per_unit * (units or 1)
        if isinstance(fee, PerTier):
            return fee.per_tier[(tier or 1) - 1]
        if isinstance(fee, FeeTable):
            return fee.per_tier[fee_schedule or "normal"][(tier or 1) - 1]
        return fee

    def covers_event(self, kind: str, cause: str | None) -> bool:
        return any(e == kind if isinstance(e, str) else (e.kind == kind and e.cause == cause) for e in self.events)

    _to_after_from = not_before("effective_from", "effective_to")

