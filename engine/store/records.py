"""What a claims store returns, and the canonical payload a submission is known by.

The claim id (case folded, `engine.identity.claim_key`) is the idempotency key; the SHA-256 of
the claim's canonical payload is the body hash: the claim as validated (money as fen strings,
dates ISO, ids normalised), with sorted keys, so two spellings of one claim hash the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from engine.errors import EngineError
from engine.identity import claim_key
from engine.ledger import EnrolmentRecord
from engine.model.claim import Claim
from engine.model.decision import AccumulatorKey

Outcome = Literal["created", "replayed", "resubmitted"]


def canonical_payload(claim: Claim) -> str:
    data = claim.model_dump(mode="json")
    data["claim_id"] = claim_key(claim.claim_id)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_sha256(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Submission:
    """A claim as the store answered it: `created` (adjudicated and recorded as version 1),
    `replayed` (the same payload was recorded before: the stored decision, byte for byte),
    `resubmitted` (its stored decision was pending: adjudicated afresh as a new version)."""

    outcome: Outcome
    claim_id: str
    version: int
    decision_json: str
    payload_sha256: str
    retries: int = 0  # how often it was adjudicated again because another writer changed its history


@dataclass(frozen=True)
class StoredDecision:
    claim_id: str
    version: int
    status: str
    total: Decimal
    decision_json: str
    payload_sha256: str
    plan_revisions: list[dict]  # [{plan, revision, hash}] of the enrolments decided
    engine_version: str
    decided_at: dt.datetime


@dataclass(frozen=True)
class EntryRow:
    """One append-only change of an accumulator, by one version of one claim."""

    claim_id: str
    version: int
    before: Decimal
    after: Decimal
    recorded_at: dt.datetime


@dataclass(frozen=True)
class AccumulatorRow:
    key: AccumulatorKey
    value: Decimal
    version: int
    entries: list[EntryRow] = field(default_factory=list)


@dataclass(frozen=True)
class MemberAccumulators:
    person: str
    aliases: list[str]
    accumulators: list[AccumulatorRow]
    enrolments: list[EnrolmentRecord] = field(default_factory=list)  # as first stated, by plan and term start


@dataclass(frozen=True)
class Drift:
    """An accumulator whose stored value differs from the sum of its entries."""

    key: AccumulatorKey
    stored: Decimal
    from_entries: Decimal


class ClaimConflict(EngineError):
    """The claim id is recorded with another payload (and its decision is not pending)."""

    def __init__(self, claim_id: str, stored_sha256: str, new_sha256: str):
        self.claim_id, self.stored_sha256, self.new_sha256 = claim_id, stored_sha256, new_sha256
        super().__init__(f"claim {claim_id!r} is already recorded with another payload (stored SHA-256 {stored_sha256}, "
                         f"this one {new_sha256}); a recorded claim is changed only when its decision is pending")


class StoreNotReady(EngineError):
    """The database has no ledger tables, or older ones: `adjudicator ledger upgrade` prepares it."""


class StoreBusy(EngineError):
    """Other writers kept changing the claim's history: given up after the bounded retries."""
