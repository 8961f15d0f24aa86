"""Decisions as the engine returns them (JSON). Every amount cites its formula inputs, every
refusal its clause, and every decision the plan revision and the hash of the plan files."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.model.types import Money, Quantity

Status = Literal["paid", "partial", "denied", "pending"]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CapApplied(Out):
    cap: str = Field(description="cap_per_claim, cap_per_term, cap_per_life or a day limit")
    limit: str
    used_before: str
    available: str


class BenefitLine(Out):
    benefit: str
    title: str
    amount: Money = Field(description="paid, after rounding and caps")
    computed: Money = Field(description="rounded formula result before caps")
    formula: str = Field(description="the formula with its numbers")
    inputs: dict[str, str] = Field(description="every input of the formula")
    caps: list[CapApplied] = []
    clause: str = Field(description="rule that triggered the benefit")
    note_code: str | None = Field(default=None, description="why less than computed, e.g. cap_reached")
    note: str | None = None


class Refusal(Out):
    code: str = Field(description="not_eligible, not_covered, waiting_period, excluded:<clause>, ...")
    clause: str
    message: str = Field(description="中文说明")
    detail: str | None = None


class MissingEvidence(Out):
    field: str
    needed_by: str


class AccumulatorChange(Out):
    key: str = Field(description="member/plan/enrolment/benefit/measure")
    before: Quantity
    after: Quantity


class EnrolmentDecision(Out):
    enrolment_id: str
    plan: str
    plan_title: str
    revision: str
    plan_hash: str
    status: Status
    amount: Money
    lines: list[BenefitLine] = []
    refusals: list[Refusal] = []
    missing: list[MissingEvidence] = []
    clauses: list[str] = Field(description="ids of the clauses that decided")


class SkippedEnrolment(Out):
    enrolment_id: str
    plan: str
    reason: Literal["outside_term", "event_not_covered"]


class Decision(Out):
    claim_id: str
    member_id: str
    status: Status
    total: Money
    enrolments: list[EnrolmentDecision]
    skipped: list[SkippedEnrolment] = []
    accumulator_changes: list[AccumulatorChange] = []


class ClaimFailure(Out):
    """A claim that could not be adjudicated: nothing was recorded for it."""

    claim_id: str | None
    errors: list[str]
