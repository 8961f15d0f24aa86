"""Three-valued reading of disease criteria: met, failed, or undecided for missing evidence.

Catalogue §1.3/§0: a finding the claim does not state is missing evidence, unless the criterion
is decided without it (`a or b` with `a` true). That is Kleene's logic, with a finding that is
not stated as *unknown*. Only findings (`f_*` fields) can be unknown: circumstances, code lists
and procedures are flags whose absence is known (an absent procedures list means no procedure).

Both evaluators compute *met* with the ordinary two-valued rules (a comparison on a missing
field is false, as in durable_rules). `undecided(condition)` rewrites a condition into one that
holds exactly when the original is unknown, so durable_rules can fire a `pending:` rule for it
too; `evaluate` computes the three values in Python and names the findings that would decide.
Tests check the two agree on random facts.
"""

from __future__ import annotations

from engine.conditions import TRUE, All, AnyOf, Compare, Condition, Flag, Labels, SYMBOLS, compares, conjoin, negate
from engine.findings import FACT_PREFIX

FALSE = AnyOf(())


def may_be_unknown(condition: Compare) -> bool:
    return condition.field.startswith(FACT_PREFIX)


def disjoin(*conditions: Condition) -> Condition:
    """Any of the conditions, flattening nested `AnyOf`s and dropping those that never hold."""
    items: list[Condition] = []
    for condition in conditions:
        if isinstance(condition, AnyOf):
            items.extend(condition.items)
        elif isinstance(condition, All) and not condition.items:
            return TRUE
        else:
            items.append(condition)
    return items[0] if len(items) == 1 else AnyOf(tuple(items))


def _is_false(condition: Condition) -> bool:
    return isinstance(condition, AnyOf) and not condition.items


def possible(condition: Condition) -> Condition:
    """Holds when `condition` is met or unknown (not known to fail)."""
    if isinstance(condition, Compare):
        return disjoin(Flag(condition.field, False), condition) if may_be_unknown(condition) else condition
    if isinstance(condition, Flag):
        return condition
    parts = [possible(item) for item in condition.items]
    return conjoin(*parts) if isinstance(condition, All) else disjoin(*parts)


def undecided(condition: Condition) -> Condition:
    """Holds exactly when `condition` is unknown for want of a finding."""
    if isinstance(condition, Compare):
        return Flag(condition.field, False) if may_be_unknown(condition) else FALSE
    if isinstance(condition, Flag):
        return FALSE
    unknowns = [undecided(item) for item in condition.items]
    some_unknown = disjoin(*[u for u in unknowns if not _is_false(u)]) if any(not _is_false(u) for u in unknowns) else FALSE
    if _is_false(some_unknown):
        return FALSE
    if isinstance(condition, All):  # none fails, one is unknown
        return conjoin(*[possible(item) for item in condition.items], some_unknown)
    return conjoin(*[possible(negate(item)) for item in condition.items], some_unknown)  # none holds


def evaluate(condition: Condition, fact: dict) -> tuple[bool | None, frozenset[str]]:
    """(True | False | None for unknown, the finding fields whose absence leaves it unknown)."""
    if isinstance(condition, Compare):
        value = fact.get(condition.field)
        if value is None:
            return (None, frozenset((condition.field,))) if may_be_unknown(condition) else (False, frozenset())
        return compares(condition, value), frozenset()
    if isinstance(condition, Flag):
        return (condition.name in fact) == condition.present, frozenset()
    decisive = False if isinstance(condition, All) else True
    missing: set[str] = set()
    for item in condition.items:
        value, item_missing = evaluate(item, fact)
        if value is decisive:
            return decisive, frozenset()
        if value is None:
            missing |= item_missing
    if missing:
        return None, frozenset(missing)
    return not decisive, frozenset()


def explain(condition: Condition, fact: dict, labels: Labels) -> str:
    """The condition with what the claim stated for each test, e.g.
    `(troponin_multiple ≥ 15 [8.00: no] or lvef < 50 [not stated])`."""
    if isinstance(condition, Compare):
        text = f"{labels.field(condition.field)} {SYMBOLS[condition.op]} {labels.value(condition.field, condition.value)}"
        if condition.field not in fact:
            return f"{text} [not stated]"
        value, _ = evaluate(condition, fact)
        return f"{text} [{labels.value(condition.field, fact[condition.field])}: {'yes' if value else 'no'}]"
    if isinstance(condition, Flag):
        value, _ = evaluate(condition, fact)
        return f"{labels.flag(condition.name, condition.present)} [{'yes' if value else 'no'}]"
    if not condition.items:
        return "always" if isinstance(condition, All) else "never"
    joiner = " and " if isinstance(condition, All) else " or "
    return "(" + joiner.join(explain(item, fact, labels) for item in condition.items) + ")"
