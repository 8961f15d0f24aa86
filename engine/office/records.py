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
