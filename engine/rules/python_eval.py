"""A plain-Python evaluator of the same compiled rules.

It reads the same condition trees as the durable_rules compiler and follows durable_rules'
semantics (a comparison on a missing field is false), so the two can be checked against each
other on any claim. It is also the fallback a caller can select when durable_rules is not
wanted.
"""

from __future__ import annotations

from engine.conditions import All, Compare, Condition, Flag
from engine.errors import RuleEvaluationError
from engine.rules.compiler import CompiledPlan

_COMPARE = {
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}


def holds(condition: Condition, fact: dict) -> bool:
    if isinstance(condition, Compare):
        value = fact.get(condition.field)
        if value is None or isinstance(value, str) != isinstance(condition.value, str):
            return False
        return _COMPARE[condition.op](value, condition.value)
    if isinstance(condition, Flag):
        return (condition.name in fact) == condition.present
    if isinstance(condition, All):
        return all(holds(item, fact) for item in condition.items)
    return any(holds(item, fact) for item in condition.items)


SUBJECTS = {"c": "claim", "d": "diagnosis"}


class PythonEvaluator:
    name = "python"

    def prepare(self, plan: CompiledPlan) -> None:
        pass

    def evaluate(self, requests: list[tuple[CompiledPlan, dict]]) -> list[frozenset[str] | RuleEvaluationError]:
        return [
            frozenset(
                rule.name for rule in plan.rules
                if rule.subject == SUBJECTS[fact.get("t", "c")] and holds(rule.condition, fact)
            )
            for plan, fact in requests
        ]
