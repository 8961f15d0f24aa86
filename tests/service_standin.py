"""An in-memory stand-in for the claims store, used by the service tests only until the
persistent store lands (then these tests run on it, and this file goes)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from dataclasses import dataclass

from engine.claims import parse_claim
from engine.errors import LedgerError
from engine.ledger import MemoryLedger


class ClaimConflict(LedgerError):
    def __init__(self, claim_id: str, stored_sha256: str, new_sha256: str):
        super().__init__(f"claim {claim_id!r} was recorded with payload {stored_sha256}, not {new_sha256}")
        self.claim_id, self.stored_sha256, self.new_sha256 = claim_id, stored_sha256, new_sha256


@dataclass(frozen=True)
class Submission:
    outcome: str
    claim_id: str
    version: int
    decision_json: str
    payload_sha256: str
    retries: int = 0


@dataclass(frozen=True)
class StoredDecision:
    claim_id: str
    version: int
    payload_sha256: str
    recorded_at: dt.datetime
    decision_json: str
    status: str


class StandInStore:
    def __init__(self):
        self.ledger = MemoryLedger()
        self.versions: dict[str, list[StoredDecision]] = {}
        self.lock = threading.Lock()

    def submit(self, adjudicator, raw):
        claim = adjudicator.check_claim(parse_claim(raw))
        sha = hashlib.sha256(json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()
        with self.lock:
            versions = self.versions.setdefault(claim.claim_id, [])
            if versions and versions[-1].payload_sha256 == sha:
                last = versions[-1]
                return Submission("replayed", claim.claim_id, last.version, last.decision_json, sha)
            if versions and versions[-1].status != "pending":
                raise ClaimConflict(claim.claim_id, versions[-1].payload_sha256, sha)
            version = len(versions) + 1
            result = adjudicator.adjudicate(claim, self.ledger)
            self.ledger.apply(f"{claim.claim_id}#{version}", result.changes)
            stored = StoredDecision(claim.claim_id, version, sha, dt.datetime.now(dt.timezone.utc),
                                    result.decision.to_json(), result.decision.status)
            versions.append(stored)
            return Submission("resubmitted" if version > 1 else "created", claim.claim_id, version, stored.decision_json, sha)

    def simulate(self, adjudicator, raw):
        return adjudicator.adjudicate(raw, self.ledger)

    def claim_versions(self, claim_id):
        return list(self.versions.get(claim_id, []))

    def ping(self):
        return None
