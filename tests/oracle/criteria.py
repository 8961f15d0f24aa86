"""Criteria of the disease tables in three values (catalogue §1.3, §0 "missing evidence").

A criterion looks at one diagnosis in its event and answers met (True), failed (False) or
undecided (None, naming the findings it would need). A finding the claim does not state
leaves its test undecided, unless the rest of the criterion decides without it (`a or b`
with `a` true; `a and b` with `a` false): Kleene's logic. Procedures and circumstances are
never missing: an absent procedures list means that no procedure was performed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from oracle.codes import Codes, clean, procedure_matches

ROMAN = {"0": 0, "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}


@dataclass(frozen=True)
class Tri:
    value: bool | None
    missing: frozenset[str] = frozenset()


MET, FAILED = Tri(True), Tri(False)


@dataclass
class Dx:
    """One diagnosis as the criteria see it: its code and findings, and its event's
    procedures, circumstances and other diagnoses."""

    code: str
    findings: dict
    procedures: list[str] | None
    circumstances: frozenset[str]
    others: list[str] = field(default_factory=list)


Criterion = Callable[[Dx], Tri]


def _parts(test, *parts, **facts):
    """Tag a criterion with what it is made of, so strategies can state findings and
    procedures that meet, miss or leave it undecided (`keys`, `procedures`)."""
    test.parts = parts
    test.keys = frozenset(facts.get("keys", ())).union(*(getattr(p, "keys", frozenset()) for p in parts))
    test.procedures = tuple(facts.get("procedures", ())) + tuple(x for p in parts for x in getattr(p, "procedures", ()))
    return test


def all_of(*parts: Criterion) -> Criterion:
    def test(dx: Dx) -> Tri:
        results = [part(dx) for part in parts]
        if any(r.value is False for r in results):
            return FAILED
        unknown = [r for r in results if r.value is None]
        if unknown:
            return Tri(None, frozenset().union(*(r.missing for r in unknown)))
        return MET
    return _parts(test, *parts)


def any_of(*parts: Criterion) -> Criterion:
    def test(dx: Dx) -> Tri:
        results = [part(dx) for part in parts]
        if any(r.value is True for r in results):
            return MET
        unknown = [r for r in results if r.value is None]
        if unknown:
            return Tri(None, frozenset().union(*(r.missing for r in unknown)))
        return FAILED
    return _parts(test, *parts)


def negated(part: Criterion) -> Criterion:
    def test(dx: Dx) -> Tri:
        result = part(dx)
        return result if result.value is None else Tri(not result.value)
    return _parts(test, part)


def always(dx: Dx) -> Tri:
    return MET


_parts(always)


def finding(key: str, holds: Callable[[object], bool], when_unstated: Tri | None = None) -> Criterion:
    """A test of one finding; unstated is undecided (missing evidence) unless the table's
    reading says otherwise (`when_unstated`)."""
    def test(dx: Dx) -> Tri:
        if key not in dx.findings:
            return when_unstated if when_unstated is not None else Tri(None, frozenset({key}))
        return Tri(bool(holds(dx.findings[key])))
    return _parts(test, keys=(key,))


def number(value) -> Decimal:
    return Decimal(str(value))


def at_least(key: str, n) -> Criterion:
    return finding(key, lambda v: number(v) >= Decimal(str(n)))


def at_most(key: str, n) -> Criterion:
    return finding(key, lambda v: number(v) <= Decimal(str(n)))


def below(key: str, n) -> Criterion:
    return finding(key, lambda v: number(v) < Decimal(str(n)))


def equal(key: str, n) -> Criterion:
    return finding(key, lambda v: number(v) == Decimal(str(n)))


def stated_as(key: str, *values) -> Criterion:
    """An ordinal, text or boolean finding equal to one of `values`."""
    return finding(key, lambda v: v in values or str(v) in {str(x) for x in values})


def roman_at_least(key: str, numeral: str) -> Criterion:
    return finding(key, lambda v: ROMAN[str(v)] >= ROMAN[numeral])


def is_true(key: str) -> Criterion:
    return finding(key, lambda v: v is True)


def is_false(key: str) -> Criterion:
    return finding(key, lambda v: v is False)


def procedure(*prefixes: str) -> Criterion:
    return _parts(lambda dx: Tri(procedure_matches(dx.procedures, prefixes)), procedures=prefixes)


def circumstance(code: str) -> Criterion:
    return _parts(lambda dx: Tri(code in dx.circumstances))


def coded(text: str) -> Criterion:
    """The diagnosis's own code is in `text` (the tumour exceptions name a code)."""
    codes = Codes(text)
    return _parts(lambda dx: Tri(dx.code in codes))


def with_second_diagnosis(text: str) -> Criterion:
    """§1.5: another diagnosis of the same event has a code in `text`."""
    codes = Codes(text)
    return _parts(lambda dx: Tri(any(other in codes for other in dx.others)))


def code_of(diagnosis: dict) -> str:
    return clean(diagnosis["code"])
