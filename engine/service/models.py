"""Response bodies of the service, as the OpenAPI document declares them. Decisions are the
engine's own (`engine.model.decision.Decision`), sent as the engine serialised them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from engine.model.decision import Decision


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


class ClaimVersion(BaseModel):
    version: int = Field(description="1 for the first decision; a pending claim decided again gets the next")
    payload_sha256: str = Field(description="SHA-256 of the canonical claim payload this version decided")
    recorded_at: dt.datetime
    decision: Decision


class ClaimHistory(BaseModel):
    claim_id: str
    versions: list[ClaimVersion] = Field(description="oldest first")

    @staticmethod
    def json_of(claim_id: str, versions) -> str:
        """The history as JSON, each stored decision inserted as the bytes it was stored as."""
        parts = []
        for stored in versions:
            head = ClaimVersion.model_construct(version=stored.version, payload_sha256=stored.payload_sha256,
                                                recorded_at=stored.recorded_at)
            fields = head.model_dump_json(include={"version", "payload_sha256", "recorded_at"})
            parts.append(fields[:-1] + ',"decision":' + stored.decision_json + "}")
        return '{"claim_id":' + json.dumps(claim_id, ensure_ascii=False) + ',"versions":[' + ",".join(parts) + "]}"
