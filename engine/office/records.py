"""Decided claims as office work reads them: the claim (member, enrolments, event), its current
decision and the day it was decided. From the ledger, that day is when the decision was recorded
and voided claims are marked; from a claims file adjudicated in memory (no ledger), a claim's
`received` date stands for it, or its event's date when it states none."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from engine.claims import parse_claim, read_claims_file
from engine.ledger import MemoryLedger
from engine.model.claim import Claim
from engine.model.decision import ClaimFailure, Decision


@dataclass(frozen=True)
class DecidedClaim:
    claim: Claim
    decision: Decision
    decided_on: dt.date
    version: int = 1
    voided: bool = False

    @property
    def paid(self) -> bool:
        """Money went out as benefits (a fee refund is not a benefit) and the claim stands."""
        return not self.voided and any(line.amount > 0 and not line.refund
                                       for enrolment in self.decision.enrolments for line in enrolment.lines)


def adjudicated_in_memory(adjudicator, claims: Iterable) -> Iterator[DecidedClaim | ClaimFailure]:
    """Adjudicate `claims` in order on one in-memory history, as `adjudicate` does."""
    ledger = MemoryLedger()
    parsed: list[Claim] = []

    def remember(raw):
        try:
            claim = parse_claim(raw)
        except Exception:  # the adjudicator reports it as a failure in its place
            parsed.append(None)
            return raw
        parsed.append(claim)
        return claim

    results = adjudicator.adjudicate_many((remember(raw) for raw in claims), ledger)
    for index, result in enumerate(results):
        if isinstance(result, ClaimFailure):
            yield result
            continue
        claim = parsed[index]
        yield DecidedClaim(claim, result.decision, claim.received or claim.event.date)


def from_claims_file(adjudicator, path: Path | str) -> Iterator[DecidedClaim | ClaimFailure]:
    return adjudicated_in_memory(adjudicator, read_claims_file(path))


def from_ledger(store) -> Iterator[DecidedClaim]:
    """Every claim in a persistent ledger, in the order recorded, as its newest decision says:
    the day it was decided is the day that version was recorded; a void claim is marked voided
    and carries the decision it voided."""
    import json

    from sqlalchemy import select

    from engine.model.decision import decision_from_json
    from engine.store.corrections import CorrectionError
    from engine.store.tables import claims, decisions

    if not hasattr(store, "engine"):
        raise CorrectionError("office documents from a ledger need a persistent one (a SQLite file or PostgreSQL)")
    query = (select(decisions.c.claim_key, decisions.c.claim_id, decisions.c.version, decisions.c.status, decisions.c.payload,
                    decisions.c.decision_json, decisions.c.decided_at)
             .join(claims, claims.c.claim_key == decisions.c.claim_key)
             .order_by(claims.c.received_at, claims.c.claim_key, decisions.c.version))
    with store.engine.connect() as connection:
        current: list = []
        for row in connection.execute(query).yield_per(2_000):
            if current and current[-1].claim_key != row.claim_key:
                yield _decided(current, json, decision_from_json)
                current = []
            current.append(row)
        if current:
            yield _decided(current, json, decision_from_json)


def _decided(versions: list, json, decision_from_json) -> DecidedClaim:
    newest = versions[-1]
    standing = next((row for row in reversed(versions) if row.status != "void"), newest)
    claim = parse_claim(json.loads(standing.payload)).model_copy(update={"claim_id": standing.claim_id})
    decision = decision_from_json(json.loads(standing.decision_json))
    decision.claim_id = standing.claim_id
    return DecidedClaim(claim, decision, newest.decided_at.date(), newest.version, voided=newest.status == "void")
