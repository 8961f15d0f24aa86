"""A plain-Python evaluator of the same compiled rules.

It reads the same condition trees as the durable_rules compiler and follows durable_rules'
semantics (a comparison on a missing field is false), so the two can be checked against each
other on any claim. It is also the fallback a caller can select when durable_rules is not
wanted.
"""

from __future__ import annotations

from engine.conditions import All, Compare, Condition, Flag, compares, leading_flag
from engine.errors import RuleEvaluationError
from engine.rules.compiler import CompiledPlan

def holds(condition: Condition, fact: dict) -> bool:
    if isinstance(condition, Compare):
        return compares(condition, fact.get(condition.field))
    if isinstance(condition, Flag):
        return (condition.name in fact) == condition.present
    if isinstance(condition, All):
        return all(holds(item, fact) for item in condition.items)
    return any(holds(item, fact) for item in condition.items)


class _PlanRules:
    """A plan's rules by subject; diagnosis rules also by the code list that every one of them
    requires first, so a diagnosis is tested only against definitions its code can meet."""

    def __init__(self, plan: CompiledPlan):
        self.claim = [rule for rule in plan.rules if rule.subject == "claim"]
        self.by_code: dict[str, list] = {}
        self.always: list = []
        for rule in plan.rules:
            if rule.subject != "diagnosis":
                continue
            flag = leading_flag(rule.condition)
            if flag is not None:
                self.by_code.setdefault(flag, []).append(rule)
            else:
                self.always.append(rule)

    def for_diagnosis(self, fact: dict) -> list:
        rules = list(self.always)
        for flag, flagged in self.by_code.items():
            if flag in fact:
                rules.extend(flagged)
        return rules


class PythonEvaluator:
    name = "python"

    def __init__(self):
        self._plans: dict[str, _PlanRules] = {}

    def prepare(self, plan: CompiledPlan) -> None:
        if plan.key not in self._plans:
            self._plans[plan.key] = _PlanRules(plan)

    def evaluate(self, requests: list[tuple[CompiledPlan, dict]]) -> list[frozenset[str] | RuleEvaluationError]:
        results = []
        for plan, fact in requests:
            self.prepare(plan)
            rules = self._plans[plan.key]
            candidates = rules.for_diagnosis(fact) if fact.get("t") == "d" else rules.claim
            results.append(frozenset(rule.name for rule in candidates if holds(rule.condition, fact)))
        return results
