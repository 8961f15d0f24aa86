"""What the property tests share: how many examples, and adjudicating a sequence that must be valid."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from engine import MemoryLedger
from engine.model.decision import ClaimFailure

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "120"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def adjudicate_valid(adjudicator, claims) -> list:
    """Every claim's decision, in order, on one fresh ledger; a claim refused is a test failure."""
    results = list(adjudicator.adjudicate_many(claims, MemoryLedger()))
    for result in results:
        assert not isinstance(result, ClaimFailure), f"valid claim refused: {result}"
    return [result.decision for result in results]
