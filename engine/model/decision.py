"""Decisions as the engine returns them (JSON). Every amount cites its formula inputs, every
refusal its clause, and every decision the plan revision and the hash of the plan files.

These are plain dataclasses, built by the engine from values it already checked, so making a
decision costs no validation; pydantic serialises them (`to_json`) and exports their schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from engine.model.types import Money, Quantity

Status = Literal["paid", "partial", "denied", "pending", "suspected_duplicate"]
EnrolmentStatus = Literal["paid", "partial", "denied", "pending"]


@dataclass(slots=True)
class CapApplied:
    cap: Annotated[str, Field(description="cap_per_claim, cap_per_term or cap_per_life")]
    limit: str
    used_before: str
    available: str


@dataclass(slots=True)
class DefinitionChecked:
    disease: Annotated[str, Field(description="list/entry")]
    name: str
    outcome: Literal["met", "failed", "pending"]
    criteria: Annotated[str, Field(description="the criteria with what the claim stated for each test")]


@dataclass(slots=True)
class DiseaseMatch:
    """Which definition of which list a lump sum paid on, and why."""

    disease_list: str
    disease: str
    number: int
    name: str
    diagnosis: Annotated[str, Field(description="the diagnosis that met it, with its JSON path")]
    codes: Annotated[str, Field(description="the definition's ICD-10 codes")]
    criteria: Annotated[str, Field(description="the criteria with what the claim stated; 'always' when the code decides")]
    preferred_checked: Annotated[
        list[DefinitionChecked],
        Field(description="definitions of the benefits this one yields to (e.g. severe for a mild payment), and why they failed"),
    ] = field(default_factory=list)


@dataclass(slots=True)
class BenefitLine:
    benefit: str
    title: str
    amount: Annotated[Money, Field(description="paid, after rounding and caps")]
    computed: Annotated[Money, Field(description="rounded formula result before caps")]
    formula: Annotated[str, Field(description="the formula with its numbers")]
    inputs: Annotated[dict[str, str], Field(description="every input of the formula")]
    clause: Annotated[str, Field(description="rule that triggered the benefit")]
    caps: list[CapApplied] = field(default_factory=list)
    note_code: Annotated[str | None, Field(description="why less than computed, e.g. cap_reached")] = None
    note: str | None = None
    disease: DiseaseMatch | None = None
    refund: Annotated[bool, Field(description="a refund of fee paid (e.g. waiting_period_refund), not a benefit")] = False


@dataclass(slots=True)
class Refusal:
    code: Annotated[str, Field(description="not_eligible, not_covered, waiting_period, excluded:<clause>, cap_reached, ...")]
    clause: str
    message: Annotated[str, Field(description="中文说明")]
    detail: str | None = None


@dataclass(slots=True)
class MissingEvidence:
    field: Annotated[str, Field(description="JSON path of what the claim lacks, e.g. $.event.diagnoses[0].findings.lvef")]
    needed_by: Annotated[str, Field(description="the definition whose criteria wait for it")]


@dataclass(frozen=True, slots=True)
class AccumulatorKey:
    """Which accumulator: structured, never joined text, so no id can collide with another's.
    The enrolment is identified by its real identity (person, plan, term start), never by the
    label the claim gives it; lifetime counters have no term and follow the person."""

    member: Annotated[str, Field(description="the person: id:<resident ID number>, or member:<member id> when none was given")]
    plan: str
    term: Annotated[str | None, Field(description="the enrolment's term start (ISO date); null for a lifetime counter")]
    benefit: str
    measure: Annotated[str, Field(description="paid, deductible_used, days_paid, payments, ended, ...")]
    scope: Annotated[str | None, Field(description="a narrower scope, e.g. accident:<accident id>")] = None

    def label(self, member: bool = True) -> str:
        """For people, messages and test cases only, never an identity:
        `plan/benefit/measure@term` (`@life` for a lifetime counter), then `@scope`, then the member."""
        text = f"{self.plan}/{self.benefit}/{self.measure}@{self.term or 'life'}" + (f"@{self.scope}" if self.scope else "")
        return f"{text} of {self.member}" if member else text


@dataclass(slots=True)
class AccumulatorChange:
    key: AccumulatorKey
    before: Quantity
    after: Quantity


@dataclass(slots=True)
class SuspectedDuplicate:
    """The claim repeats an event already recorded for the member: nothing is paid or recorded
    as paid until an officer decides."""

    claim_id: Annotated[str, Field(description="the earlier claim whose event this one repeats")]
    code: Literal["suspected_duplicate"]
    message: Annotated[str, Field(description="中文说明")]
    detail: str


@dataclass(slots=True)
class EnrolmentDecision:
    enrolment_id: str
    plan: str
    plan_title: str
    revision: str
    plan_hash: str
    status: EnrolmentStatus
    amount: Annotated[Money, Field(description="everything paid out for the enrolment, refunds included")]
    clauses: Annotated[list[str], Field(description="rules that decided, e.g. exclusion:hiv, benefit:inpatient-reimbursement:0")]
    lines: list[BenefitLine] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    missing: list[MissingEvidence] = field(default_factory=list)


@dataclass(slots=True)
class SkippedEnrolment:
    """An enrolment the claim did not count: its term does not cover the event's date, or
    (catalogue §0, 2024.1) its plan does not cover this kind of event (not applicable, with the
    reason code and sentence). `event_not_covered` is how decisions before 2024.1 said it."""

    enrolment_id: str
    plan: str
    reason: Literal["outside_term", "not_applicable", "event_not_covered"]
    code: Annotated[str | None, Field(description="not applicable: excluded:<clause> where a §1.1 clause names the event, else not_covered")] = None
    message: Annotated[str | None, Field(description="not applicable: 中文说明")] = None
    plan_title: str | None = None


def skipped_label(skipped) -> str:
    """How a test case names a skipped enrolment: outside_term, or the not-applicable reason code
    (e.g. excluded:disease-caused)."""
    code = getattr(skipped, "code", None)
    return code if skipped.reason == "not_applicable" and code else skipped.reason


@dataclass(slots=True)
class Decision:
    claim_id: str
    member_id: str
    status: Status
    total: Money
    enrolments: list[EnrolmentDecision]
    skipped: list[SkippedEnrolment] = field(default_factory=list)
    accumulator_changes: list[AccumulatorChange] = field(default_factory=list)
    suspected_duplicate: SuspectedDuplicate | None = None

    def to_json(self) -> str:
        return _DECISION.dump_json(self).decode()


@dataclass(slots=True)
class ClaimFailure:
    """A claim that could not be adjudicated: nothing was recorded for it."""

    claim_id: str | None
    errors: list[str]

    def to_json(self) -> str:
        return _FAILURE.dump_json(self).decode()


_DECISION = TypeAdapter(Decision)
_FAILURE = TypeAdapter(ClaimFailure)


def decision_from_json(data: dict) -> Decision:
    """A decision read back from its JSON data (for reports built from stored decisions)."""
    return _DECISION.validate_python(data)


def decision_schema() -> dict:
    return _DECISION.json_schema(mode="serialization")
