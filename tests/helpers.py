"""What the property tests share: how many examples, and adjudicating a sequence that must be valid."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from engine import MemoryLedger
from engine.model.decision import ClaimFailure

# The profile (tests/conftest.py) sets how deep a run goes: `deep` draws ten times the examples.
DEPTH = 10 if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else 1
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", str(120 * DEPTH)))
SETTINGS = settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])


def budget(examples: int, **extra) -> settings:
    """Settings for a property that draws `examples` examples in an ordinary run."""
    return settings(max_examples=examples * DEPTH, suppress_health_check=[HealthCheck.too_slow], **extra)


def adjudicate_valid(adjudicator, claims) -> list:
    """Every claim's decision, in order, on one fresh ledger; a claim refused is a test failure."""
    results = list(adjudicator.adjudicate_many(claims, MemoryLedger()))
    for result in results:
        assert not isinstance(result, ClaimFailure), f"valid claim refused: {result}"
    return [result.decision for result in results]
