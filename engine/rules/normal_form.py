"""Conditions as alternatives of flat conjunctions, simplified.

durable_rules takes a rule only as a conjunction of plain tests and `$or`s of plain tests, with
at most about 13 compound parts (measured: error 113 beyond). `flat_alternatives` rewrites any
condition into alternatives of that shape; the durable compiler emits one rule per alternative.
The same form serves the static checks (`engine.static_checks`): an alternative that simplifies
to nothing can never hold, so a condition with no alternative left is dead.
"""

from __future__ import annotations

from engine.conditions import All, AnyOf, Compare, Condition, Flag

MAX_CLAUSES = 10  # `$or` parts per durable rule; the engine fails from about 13


def _literal(condition: Condition) -> bool:
    return isinstance(condition, (Compare, Flag))


def _clause(condition: Condition) -> bool:
    """An `$or` of plain tests, which the engine takes inside a flat conjunction."""
    return isinstance(condition, AnyOf) and bool(condition.items) and all(_literal(item) for item in condition.items)


class TooComplex(ValueError):
    """More alternatives than the caller's limit."""


def flat_alternatives(condition: Condition, limit: int | None = None) -> list[tuple[Condition, ...]]:
    """`condition` as alternatives (any may hold), each a conjunction of plain tests and
    `$or`s of plain tests, simplified: tests implied twice, `$or`s already satisfied and
    alternatives that contradict themselves are dropped. Raises TooComplex past `limit`."""
    if _literal(condition) or _clause(condition):
        return [(condition,)]
    if isinstance(condition, AnyOf):
        return list(dict.fromkeys(alt for item in condition.items for alt in flat_alternatives(item, limit)))
    alternatives: list[tuple[Condition, ...]] = [()]
    for item in condition.items:
        combined = (simplify(left + right) for left in alternatives for right in flat_alternatives(item, limit))
        alternatives = list(dict.fromkeys(alt for alt in combined if alt is not None))
        if limit is not None and len(alternatives) > limit:
            raise TooComplex(f"more than {limit} alternatives")
    result = []
    for alternative in alternatives:
        result.extend(_within_limits(alternative))
    return list(dict.fromkeys(result))


def simplify(parts: tuple[Condition, ...]) -> tuple[Condition, ...] | None:
    """Unit propagation over one conjunction; None when it can never hold."""
    literals: list[Condition] = []
    clauses: list[tuple[Condition, ...]] = []
    for part in parts:
        if isinstance(part, AnyOf):
            clauses.append(tuple(dict.fromkeys(part.items)))
        elif isinstance(part, All):
            literals.extend(part.items)  # flat tests only: `flat_alternatives` guarantees it
        else:
            literals.append(part)
    changed = True
    while changed:
        changed = False
        literals = list(dict.fromkeys(literals))
        for i, a in enumerate(literals):
            for b in literals[i + 1:]:
                if _conflict(a, b):
                    return None
        remaining = []
        for clause in clauses:
            if any(item in literals for item in clause):
                continue  # already satisfied
            kept = tuple(item for item in clause if not any(_conflict(item, lit) for lit in literals))
            if not kept:
                return None
            if len(kept) == 1:
                literals.append(kept[0])
                changed = True
            else:
                remaining.append(kept)
        clauses = list(dict.fromkeys(remaining))
    return tuple(literals) + tuple(AnyOf(clause) for clause in clauses)


def _conflict(a: Condition, b: Condition) -> bool:
    """Whether two plain tests can never hold together."""
    if isinstance(a, Flag) and isinstance(b, Flag):
        return a.name == b.name and a.present != b.present
    if isinstance(a, Flag) or isinstance(b, Flag):
        flag, test = (a, b) if isinstance(a, Flag) else (b, a)
        return not flag.present and flag.name == test.field  # a comparison needs the field
    if a.field != b.field:
        return False
    return not _compatible(a, b)


def _compatible(a: Compare, b: Compare) -> bool:
    if isinstance(a.value, str) or isinstance(b.value, str):
        if a.op == b.op == "eq":
            return a.value == b.value
        if {a.op, b.op} == {"eq", "neq"}:
            return a.value != b.value
        return True
    low, high = -(10**18), 10**18
    excluded = set()
    for test in (a, b):
        v = test.value
        if test.op == "eq":
            low, high = max(low, v), min(high, v)
        elif test.op == "gte":
            low = max(low, v)
        elif test.op == "gt":
            low = max(low, v + 1)
        elif test.op == "lte":
            high = min(high, v)
        elif test.op == "lt":
            high = min(high, v - 1)
        else:
            excluded.add(v)
    return low <= high and not (low == high and low in excluded)


def _within_limits(parts: tuple[Condition, ...]) -> list[tuple[Condition, ...]]:
    """Split a conjunction with too many `$or`s by distributing the last ones."""
    clauses = [part for part in parts if isinstance(part, AnyOf)]
    if len(clauses) <= MAX_CLAUSES:
        return [parts]
    spread = clauses[-1]
    rest = tuple(part for part in parts if part is not spread)
    result = []
    for item in spread.items:
        simplified = simplify(rest + (item,))
        if simplified is not None:
            result.extend(_within_limits(simplified))
    return result
