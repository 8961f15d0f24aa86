"""Response bodies of the service, as the OpenAPI document declares them. Decisions are the
engine's own (`engine.model.decision.Decision`), sent as the engine serialised them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from engine.model.decision import AccumulatorKey, Decision, Status
from engine.model.types import Money, Quantity
from engine.store.records import StoredDecision


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]
    plans: str = Field(description="fingerprint of the plan set in force")
    ledger: Literal["ok"]


class PlanSummary(BaseModel):
    plan: str
    revision: str
    title: str
    effective_from: dt.date
    effective_to: dt.date | None
    hash: str = Field(description="SHA-256 of the plan file and the rule libraries it was compiled with")
    rules: int = Field(description="number of compiled rules")


class PlanList(BaseModel):
    fingerprint: str = Field(description="SHA-256 over every revision's hash: the plan set in force")
    loaded_at: dt.datetime
    warnings: list[str] = Field(description="warnings of `check` on this plan set")
    plans: list[PlanSummary]


class PlanDetail(PlanSummary):
    source: str = Field(description="the plan file, as named when loaded")
    rule_names: list[str] = Field(description="the compiled rules, each tied to its YAML clause")
    definition: dict[str, Any] = Field(description="the plan as loaded and validated (schemas/plan.schema.json)")


class ExplanationNode(BaseModel):
    label: str
    children: list["ExplanationNode"] = Field(default_factory=list)


class SimulationResult(BaseModel):
    decision: Decision
    explanation: ExplanationNode | None = Field(default=None, description="the decision as a tree, with `?explain=true`")


class ReloadResult(BaseModel):
    changed: bool = Field(description="false when the plan set on disk is the one already in force")
    fingerprint: str
    previous_fingerprint: str
    plans: list[PlanSummary]
    warnings: list[str]
    other_workers_notified: bool = Field(description="with several workers, the others were asked to reload too")


class PlanRevisionUsed(BaseModel):
    plan: str
    revision: str
    hash: str


class ClaimVersionHead(BaseModel):
    version: int = Field(description="1 for the first decision; a pending claim decided again gets the next")
    status: Status
    total: Money
    payload_sha256: str = Field(description="SHA-256 of the canonical claim payload this version decided")
    plan_revisions: list[PlanRevisionUsed] = Field(description="the plan revisions (and their hashes) it was decided under")
    engine_version: str
    decided_at: dt.datetime


class ClaimVersion(ClaimVersionHead):
    decision: Decision


class ClaimHistory(BaseModel):
    claim_id: str
    versions: list[ClaimVersion] = Field(description="oldest first")

    @staticmethod
    def json_of(versions: list[StoredDecision]) -> str:
        """The history as JSON, each stored decision inserted as the bytes it was stored as."""
        parts = []
        for stored in versions:
            head = ClaimVersionHead(version=stored.version, status=stored.status, total=stored.total,
                                    payload_sha256=stored.payload_sha256, plan_revisions=stored.plan_revisions,
                                    engine_version=stored.engine_version, decided_at=stored.decided_at)
            parts.append(head.model_dump_json()[:-1] + ',"decision":' + stored.decision_json + "}")
        return '{"claim_id":' + json.dumps(versions[-1].claim_id, ensure_ascii=False) + ',"versions":[' + ",".join(parts) + "]}"


class EntryOut(BaseModel):
    claim_id: str
    version: int = Field(description="the claim's decision version that made the change")
    before: Quantity
    after: Quantity
    recorded_at: dt.datetime


class AccumulatorOut(BaseModel):
    key: AccumulatorKey
    label: str = Field(description="the key for people: plan/benefit/measure@term")
    value: Quantity = Field(description="yuan for amounts, a count for days and payments")
    version: int = Field(description="how many times it changed")
    entries: list[EntryOut] = Field(description="every change, oldest first: the value is their sum")


class EnrolmentOut(BaseModel):
    plan: str
    term_start: dt.date = Field(description="with the person and the plan, the enrolment's identity")
    term_end: dt.date
    units: int | None
    tier: int | None
    fee_paid: Money
    source: str = Field(description="paid or gift")
    fee_schedule: str | None
    label: str = Field(description="the enrolment_id it was first stated under (a label, never its identity)")


class MemberAccumulators(BaseModel):
    member_id: str = Field(description="the id asked for")
    person: str = Field(description="the person the ledger knows it as (resident ID number, else member id)")
    aliases: list[str] = Field(description="every member id and ID number recorded for the person")
    enrolments: list[EnrolmentOut] = Field(description="the enrolments recorded claims stated, as first stated")
    accumulators: list[AccumulatorOut]

    @classmethod
    def of(cls, member_id: str, found) -> "MemberAccumulators":
        enrolments = [EnrolmentOut(plan=e.plan, term_start=e.term_start, term_end=e.term_end, units=e.units, tier=e.tier,
                                   fee_paid=e.fee_paid, source=e.source, fee_schedule=e.fee_schedule, label=e.label)
                      for e in found.enrolments]
        return cls(member_id=member_id, person=found.person, aliases=found.aliases, enrolments=enrolments, accumulators=[
            AccumulatorOut(key=row.key, label=row.key.label(member=False), value=row.value, version=row.version,
                           entries=[EntryOut(claim_id=e.claim_id, version=e.version, before=e.before, after=e.after,
                                             recorded_at=e.recorded_at) for e in row.entries])
            for row in found.accumulators])
