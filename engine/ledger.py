"""History and accumulators.

The adjudicator is a pure function of (plans, claim, history): it reads accumulators (amount
paid per term, deductible consumed, days used, ...) from a `History` and returns the changes it
wants, each with the value it saw (`before`) and the value it sets (`after`), plus every value it
only read (as a change to itself). A ledger applies them atomically per claim and refuses a
change whose `before` is stale or a claim it already holds, so two workers racing on one member, or a claim sent twice, can never pay twice.
`MemoryLedger` is the in-process ledger; a persistent one (SQLite, PostgreSQL) implements the
same three methods (`value`, `has_claim`, `apply`: the `Ledger` protocol).
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Protocol

from engine.errors import LedgerError
from engine.model.decision import AccumulatorChange

ZERO = Decimal(0)


def accumulator_key(member_id: str, plan: str, enrolment_id: str, benefit: str, measure: str) -> str:
    """`member/plan/enrolment/benefit/measure`; `*` as enrolment for lifetime counters."""
    return f"{member_id}/{plan}/{enrolment_id}/{benefit}/{measure}"


# A change is what the decision reports: the accumulator, the value read and the value set.
Change = AccumulatorChange


class History(Protocol):
    def value(self, key: str) -> Decimal: ...

    def has_claim(self, claim_id: str) -> bool: ...


class Ledger(History, Protocol):
    def apply(self, claim_id: str, changes: list[Change]) -> None: ...


class EmptyHistory:
    """No earlier claims: every accumulator starts at 0."""

    def value(self, key: str) -> Decimal:
        return ZERO

    def has_claim(self, claim_id: str) -> bool:
        return False


class MemoryLedger:
    """Accumulators and adjudicated claim ids, in memory. Grows with members and claims."""

    def __init__(self) -> None:
        self._values: dict[str, Decimal] = {}
        self._claims: set[str] = set()
        self._lock = threading.Lock()  # check-then-write must be atomic across threads

    def value(self, key: str) -> Decimal:
        return self._values.get(key, ZERO)

    def has_claim(self, claim_id: str) -> bool:
        return claim_id in self._claims

    def apply(self, claim_id: str, changes: list[Change]) -> None:
        """Record a claim's changes, all or nothing."""
        with self._lock:
            self._apply(claim_id, changes)

    def _apply(self, claim_id: str, changes: list[Change]) -> None:
        if claim_id in self._claims:
            raise LedgerError(f"claim {claim_id!r} is already recorded; it is not paid twice")
        for change in changes:
            current = self.value(change.key)
            if current != change.before:
                raise LedgerError(
                    f"claim {claim_id!r}: {change.key} is {current}, not {change.before} as adjudicated; "
                    "adjudicate the claim again on the current history"
                )
        for change in changes:
            if change.after != change.before:
                self._values[change.key] = change.after
        self._claims.add(claim_id)

    def snapshot(self) -> dict[str, Decimal]:
        return dict(self._values)


class Scratch:
    """A claim's working view of history: reads fall through, writes are collected."""

    def __init__(self, history: History):
        self._history = history
        self._before: dict[str, Decimal] = {}
        self._after: dict[str, Decimal] = {}

    def value(self, key: str) -> Decimal:
        if key in self._after:
            return self._after[key]
        if key not in self._before:
            self._before[key] = self._history.value(key)
        return self._before[key]

    def add(self, key: str, amount: Decimal) -> None:
        if amount:
            self._after[key] = self.value(key) + amount

    def changes(self) -> list[Change]:
        return [Change(key, self._before.get(key, ZERO), after) for key, after in self._after.items()]

    def reads(self) -> list[Change]:
        """Values the claim read without changing (a cap's use, ended cover, a death paid), as
        changes from a value to itself: the ledger checks them too, so a claim decided on a
        value another claim has since changed is refused, not paid."""
        return [Change(key, before, before) for key, before in self._before.items() if key not in self._after]
