"""History and accumulators.

The adjudicator is a pure function of (plans, claim, history): it reads accumulators (amount
paid per term, deductible consumed, days used, ...) from a `History` and returns the changes it
wants, each with the value it saw (`before`) and the value it sets (`after`), plus every value it
only read (as a change to itself). A ledger applies them atomically per claim and refuses a
change whose `before` is stale or a claim it already holds, so two workers racing on one member,
or a claim sent twice, can never pay twice.

Besides accumulators, history holds who a member is (the aliases a person is known by: resident
ID number, member ids) and the events recorded for a person (hospital stays, diagnoses,
accidents, deaths), so a repeated event is held as a suspected duplicate.

`MemoryLedger` is the in-process ledger; the persistent ones (`engine.store`, SQLite and
PostgreSQL) implement the same `Ledger` protocol.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Annotated, Iterable, Protocol, Sequence

from pydantic import Field

from engine.errors import LedgerError
from engine.model.decision import AccumulatorChange, AccumulatorKey

ZERO = Decimal(0)

# A change is what the decision reports: the accumulator, the value read and the value set.
Change = AccumulatorChange
__all__ = ["AccumulatorKey", "Change", "EventRecord", "EnrolmentRecord", "Recording", "History", "Ledger", "EmptyHistory", "MemoryLedger", "Scratch"]


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One event recorded for a person, as duplicate detection compares it (engine.events)."""

    claim_id: str
    kind: Annotated[str, Field(description="stay, diagnosis, accident or death")]
    first_day: str  # ISO date: admission, diagnosis, accident or death date
    last_day: str  # ISO date: discharge for a stay, else the first day
    code: str | None = None  # ICD-10 code of a diagnosis
    accident: str | None = None  # accident id of an accident claim
    fingerprint: str | None = None  # SHA-256 of an accident claim's event (injuries, dates, amounts)


@dataclass(frozen=True, slots=True)
class EnrolmentRecord:
    """An enrolment as a claim stated it. Its identity is (person, plan, term start), never the
    label (`enrolment_id`) the claim gave it; the ledger keeps the first statement."""

    plan: str
    term_start: str  # ISO date
    term_end: str  # ISO date, inclusive
    fee_paid: Decimal
    units: int | None = None
    tier: int | None = None
    source: str = "paid"
    fee_schedule: str | None = None
    label: str = ""  # the enrolment_id of the first claim that stated it, for people only


@dataclass(frozen=True, slots=True)
class Recording:
    """What recording a claim adds beside its accumulator changes: the person it was decided
    for, the aliases newly learnt for that person, the claim's events, and the enrolments it
    stated."""

    person: str
    aliases: tuple[str, ...] = ()
    events: tuple[EventRecord, ...] = ()
    enrolments: tuple[EnrolmentRecord, ...] = ()


class History(Protocol):
    def value(self, key: AccumulatorKey) -> Decimal: ...

    def has_claim(self, claim_id: str) -> bool: ...

    def persons(self, aliases: Sequence[str]) -> dict[str, str]:
        """alias -> person for the given aliases that are known, plus every other alias of the
        persons found (so a caller sees the ID number a person is already known by)."""
        ...

    def events_of(self, person: str) -> Sequence[EventRecord]: ...


class Ledger(History, Protocol):
    def apply(self, claim_id: str, changes: list[Change], recording: Recording | None = None) -> None: ...


class EmptyHistory:
    """No earlier claims: every accumulator starts at 0, nobody is known."""

    def value(self, key: AccumulatorKey) -> Decimal:
        return ZERO

    def has_claim(self, claim_id: str) -> bool:
        return False

    def persons(self, aliases: Sequence[str]) -> dict[str, str]:
        return {}

    def events_of(self, person: str) -> Sequence[EventRecord]:
        return ()


class MemoryLedger:
    """Accumulators, adjudicated claim ids, persons and events, in memory. Grows with members
    and claims; gone when the process ends (`engine.store` keeps them in a database)."""

    def __init__(self) -> None:
        self._values: dict[AccumulatorKey, Decimal] = {}
        self._claims: set[str] = set()
        self._aliases: dict[str, str] = {}
        self._aliases_of: dict[str, set[str]] = {}
        self._events: dict[str, list[EventRecord]] = {}
        self._enrolments: dict[tuple[str, str, str], EnrolmentRecord] = {}  # (person, plan, term start)
        self._lock = threading.Lock()  # check-then-write must be atomic across threads

    def value(self, key: AccumulatorKey) -> Decimal:
        return self._values.get(key, ZERO)

    def has_claim(self, claim_id: str) -> bool:
        return claim_id in self._claims

    def persons(self, aliases: Sequence[str]) -> dict[str, str]:
        found = {alias: self._aliases[alias] for alias in aliases if alias in self._aliases}
        for person in set(found.values()):
            for alias in self._aliases_of.get(person, ()):
                found.setdefault(alias, person)
        return found

    def events_of(self, person: str) -> Sequence[EventRecord]:
        return tuple(self._events.get(person, ()))

    def apply(self, claim_id: str, changes: list[Change], recording: Recording | None = None) -> None:
        """Record a claim's changes, all or nothing."""
        with self._lock:
            self._apply(claim_id, changes, recording)

    def _apply(self, claim_id: str, changes: list[Change], recording: Recording | None) -> None:
        if claim_id in self._claims:
            raise LedgerError(f"claim {claim_id!r} is already recorded; it is not paid twice")
        check_current(claim_id, changes, self.value)
        if recording is not None:
            for alias in recording.aliases:
                if self._aliases.get(alias, recording.person) != recording.person:
                    raise LedgerError(f"claim {claim_id!r}: {alias} is now recorded for another person; "
                                      "adjudicate the claim again on the current history")
        for change in changes:
            if change.after != change.before:
                self._values[_compact_key(change.key)] = change.after
        self._claims.add(claim_id)
        if recording is not None:
            for alias in recording.aliases:
                self._aliases[alias] = recording.person
                self._aliases_of.setdefault(recording.person, set()).add(alias)
            if recording.events:
                self._events.setdefault(recording.person, []).extend(map(_compact_event, recording.events))
            for enrolment in recording.enrolments:
                self._enrolments.setdefault((recording.person, enrolment.plan, enrolment.term_start), enrolment)

    def snapshot(self) -> dict[AccumulatorKey, Decimal]:
        return dict(self._values)

    def enrolments_of(self, person: str) -> list[EnrolmentRecord]:
        """The person's enrolments as first stated, by plan and term start."""
        return [record for (who, _, _), record in sorted(self._enrolments.items()) if who == person]


# History kept in memory grows with every claim and must (a later claim reads its caps and
# events). What repeats is stored once: a person's key and the term start appear in many
# accumulators, a day in many events; each claim makes new copies of them (bench/cli_memory.py).
def _compact_key(key: AccumulatorKey) -> AccumulatorKey:
    return replace(key, member=sys.intern(key.member), term=key.term and sys.intern(key.term))


def _compact_event(event: EventRecord) -> EventRecord:
    return replace(event, first_day=sys.intern(event.first_day), last_day=sys.intern(event.last_day))


def check_current(claim_id: str, changes: Iterable[Change], current_value) -> None:
    """Refuse changes decided on a value that is no longer current (another claim changed it)."""
    for change in changes:
        current = current_value(change.key)
        if current != change.before:
            raise LedgerError(
                f"claim {claim_id!r}: {change.key.label()} is {current}, not {change.before} as adjudicated; "
                "adjudicate the claim again on the current history"
            )


class Scratch:
    """A claim's working view of history: reads fall through, writes are collected."""

    def __init__(self, history: History):
        self._history = history
        self._before: dict[AccumulatorKey, Decimal] = {}
        self._after: dict[AccumulatorKey, Decimal] = {}

    def value(self, key: AccumulatorKey) -> Decimal:
        if key in self._after:
            return self._after[key]
        if key not in self._before:
            self._before[key] = self._history.value(key)
        return self._before[key]

    def events_of(self, person: str) -> Sequence[EventRecord]:
        return self._history.events_of(person)

    def add(self, key: AccumulatorKey, amount: Decimal) -> None:
        if amount:
            self._after[key] = self.value(key) + amount

    def changes(self) -> list[Change]:
        return [Change(key, self._before.get(key, ZERO), after) for key, after in self._after.items()]

    def reads(self) -> list[Change]:
        """Values the claim read without changing (a cap's use, ended cover, a death paid), as
        changes from a value to itself: the ledger checks them too, so a claim decided on a
        value another claim has since changed is refused, not paid."""
        return [Change(key, before, before) for key, before in self._before.items() if key not in self._after]
