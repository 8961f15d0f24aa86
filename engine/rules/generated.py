"""A generated-Python evaluator of the compiled rules: each plan revision becomes the source of
two Python functions (claim facts, diagnosis facts), compiled once with `compile()`.

Same semantics as `engine.rules.python_eval.holds` and durable_rules: a comparison on a missing
field is false, strings compare only with strings and numbers only with numbers, flags test
presence. Diagnosis rules are grouped under the code list every one of them requires first, so a
diagnosis is tested only against definitions its code can meet. Tests prove it gives the same
decisions as durable_rules on generated claims and sequences for every shipped plan.
"""

from __future__ import annotations

from engine.conditions import All, Compare, Condition, Flag, leading_flag
from engine.errors import RuleEvaluationError
from engine.rules.compiler import CompiledPlan

_OPERATORS = {"eq": "==", "neq": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def expression(condition: Condition) -> str:
    """A Python expression over the fact `f` (a dict) that holds exactly when `condition` does."""
    if isinstance(condition, Compare):
        field, value = repr(condition.field), repr(condition.value)
        if condition.op == "eq":
            return f"f.get({field}) == {value}"  # None and values of the other type never equal it
        kind = "str" if isinstance(condition.value, str) else "int"
        return f"(type(f.get({field})) is {kind} and f[{field}] {_OPERATORS[condition.op]} {value})"
    if isinstance(condition, Flag):
        return f"({condition.name!r} {'in' if condition.present else 'not in'} f)"
    if not condition.items:
        return "True" if isinstance(condition, All) else "False"
    joiner = " and " if isinstance(condition, All) else " or "
    return "(" + joiner.join(expression(item) for item in condition.items) + ")"


def source(plan: CompiledPlan) -> str:
    """The two functions of a plan, as Python source (readable: one `if` per rule)."""
    lines = ["def claim_rules(f):", "    fired = []"]
    for rule in plan.rules:
        if rule.subject == "claim":
            lines += [f"    if {expression(rule.condition)}:", f"        fired.append({rule.name!r})"]
    lines += ["    return frozenset(fired)", "", "def diagnosis_rules(f):", "    fired = []"]
    grouped: dict[str | None, list] = {}
    for rule in plan.rules:
        if rule.subject == "diagnosis":
            grouped.setdefault(leading_flag(rule.condition), []).append(rule)
    for flag, rules in grouped.items():
        indent = "    "
        if flag is not None:
            lines.append(f"    if {flag!r} in f:")
            indent = "        "
        for rule in rules:
            lines += [f"{indent}if {expression(rule.condition)}:", f"{indent}    fired.append({rule.name!r})"]
    lines += ["    return frozenset(fired)", ""]
    return "\n".join(lines)


class GeneratedEvaluator:
    name = "generated"

    def __init__(self):
        self._functions: dict[str, tuple] = {}

    def prepare(self, plan: CompiledPlan) -> None:
        if plan.key not in self._functions:
            namespace: dict = {}
            exec(compile(source(plan), f"<rules of {plan.key}>", "exec"), namespace)  # our own generated code
            self._functions[plan.key] = (namespace["claim_rules"], namespace["diagnosis_rules"])

    def evaluate(self, requests: list[tuple[CompiledPlan, dict]]) -> list[frozenset[str] | RuleEvaluationError]:
        results = []
        for plan, fact in requests:
            functions = self._functions.get(plan.key)
            if functions is None:
                self.prepare(plan)
                functions = self._functions[plan.key]
            results.append(functions[1](fact) if fact.get("t") == "d" else functions[0](fact))
        return results
