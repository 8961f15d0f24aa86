"""The claims store in memory: the same API as the SQL store, for runs without a database
(and as the reference the contract tests hold the SQL stores to). Nothing survives the process."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from decimal import Decimal
from typing import Iterator, Sequence

from engine.ledger import AccumulatorKey, Change, EventRecord, MemoryLedger, Recording
from engine.store.base import BaseStore, engine_version, plan_revisions
from engine.store.records import AccumulatorRow, Drift, EntryRow, MemberAccumulators, StoredDecision


class _MemorySession:
    """A transaction over the memory store: its ledger, plus the decisions it holds."""

    def __init__(self, store: "MemoryStore"):
        self._store = store
        self._ledger = store._ledger

    def value(self, key: AccumulatorKey) -> Decimal:
        return self._ledger.value(key)

    def has_claim(self, claim_id: str) -> bool:
        return claim_id in self._store._versions

    def persons(self, aliases: Sequence[str]) -> dict[str, str]:
        return self._ledger.persons(aliases)

    def events_of(self, person: str) -> Sequence[EventRecord]:
        return self._ledger.events_of(person)

    def apply(self, claim_id: str, changes: list[Change], recording: Recording | None = None) -> None:
        self._ledger.apply(claim_id, changes, recording)

    def versions(self, key: str) -> list[StoredDecision]:
        return list(self._store._versions.get(key, ()))

    def record(self, key, claim, version, sha, payload, result, decision_json) -> None:
        now = dt.datetime.now(dt.timezone.utc)
        self._ledger.apply(f"{key}@{version}", result.changes, result.recording)
        store = self._store
        for change in result.changes:
            if change.after != change.before:
                store._entries.setdefault(change.key, []).append(EntryRow(claim.claim_id, version, change.before, change.after, now))
                store._row_versions[change.key] = store._row_versions.get(change.key, 0) + 1
        decision = result.decision
        store._versions.setdefault(key, []).append(StoredDecision(
            claim.claim_id, version, decision.status, decision.total, decision_json, sha,
            plan_revisions(decision), engine_version(), now))
        store._person_of_claim[key] = result.recording.person


class MemoryStore(BaseStore):
    def __init__(self) -> None:
        self._ledger = MemoryLedger()
        self._versions: dict[str, list[StoredDecision]] = {}
        self._entries: dict[AccumulatorKey, list[EntryRow]] = {}
        self._row_versions: dict[AccumulatorKey, int] = {}
        self._person_of_claim: dict[str, str] = {}
        self._lock = threading.RLock()

    url = "memory"

    @contextlib.contextmanager
    def _transaction(self, read_only: bool = False) -> Iterator[_MemorySession]:
        with self._lock:
            yield _MemorySession(self)

    def claim_versions(self, claim_id: str) -> list[StoredDecision]:
        from engine.identity import claim_key
        from engine.model.types import normalise_id

        with self._lock:
            return list(self._versions.get(claim_key(normalise_id(claim_id)), ()))

    def member_accumulators(self, member_id: str) -> MemberAccumulators | None:
        from engine.identity import lookup_aliases

        with self._lock:
            candidates = lookup_aliases(member_id)
            found = self._ledger.persons(candidates)
            known = [alias for alias in candidates if alias in found]
            if not known:
                return None
            person = found[known[0]]
            aliases = sorted(a for a, p in found.items() if p == person)
            rows = [AccumulatorRow(key, value, self._row_versions.get(key, 0), list(self._entries.get(key, ())))
                    for key, value in sorted(self._ledger.snapshot().items(), key=lambda kv: _order(kv[0])) if key.member == person]
            return MemberAccumulators(person, aliases, rows, self._ledger.enrolments_of(person))

    def verify(self) -> list[Drift]:
        with self._lock:
            drift = []
            for key, value in self._ledger.snapshot().items():
                replayed = sum((entry.after - entry.before for entry in self._entries.get(key, ())), Decimal(0))
                if replayed != value:
                    drift.append(Drift(key, value, replayed))
            return drift

    def ping(self) -> None:
        return None

    def close(self) -> None:
        return None


def _order(key: AccumulatorKey) -> tuple:
    return (key.plan, key.term or "", key.benefit, key.measure, key.scope or "")
