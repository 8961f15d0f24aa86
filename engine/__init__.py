"""Benefit adjudicator for workers' mutual-aid plans (职工互助保障).

The public API is small: load the plans once, then adjudicate claims one by one or as a
sequence that carries each member's history forward.

    from engine import Adjudicator, MemoryLedger
    adjudicator = Adjudicator.load("plans", "rules")
    result = adjudicator.adjudicate(claim_dict, history=MemoryLedger())
"""

from engine.api import Adjudicator, AdjudicationResult
from engine.errors import ClaimError, EngineError, PlanError
from engine.ledger import History, MemoryLedger

__all__ = [
    "Adjudicator",
    "AdjudicationResult",
    "ClaimError",
    "EngineError",
    "History",
    "MemoryLedger",
    "PlanError",
]
