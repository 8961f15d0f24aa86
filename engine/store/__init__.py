"""The claims store: history that survives the process, idempotent submission, decision versions.

    store = open_store("ledger.db")                      # a SQLite file, created on first use
    store = open_store("postgresql://user@host/db")      # PostgreSQL, prepared by `adjudicator ledger upgrade`
    store = open_store(None)                             # in memory, for one run
    submission = store.submit(adjudicator, claim)        # created | replayed | resubmitted
"""

from __future__ import annotations

from pathlib import Path

from engine.store.base import BaseStore as ClaimsStore
from engine.store.memory import MemoryStore
from engine.store.records import (
    AccumulatorRow,
    ClaimConflict,
    Drift,
    EntryRow,
    MemberAccumulators,
    StoreBusy,
    StoredDecision,
    StoreNotReady,
    Submission,
)

__all__ = ["open_store", "ClaimsStore", "MemoryStore", "Submission", "StoredDecision", "MemberAccumulators",
           "AccumulatorRow", "EntryRow", "Drift", "ClaimConflict", "StoreNotReady", "StoreBusy"]


def open_store(url_or_path: str | Path | None, *, upgrade: bool | None = None) -> ClaimsStore:
    """The store at `url_or_path`: None or ":memory:" in memory; a file path or sqlite:// URL is
    created and migrated on first use; PostgreSQL must be at the newest schema revision
    (`adjudicator ledger upgrade`), else StoreNotReady. `upgrade` overrides the default."""
    if url_or_path is None or str(url_or_path) in (":memory:", "memory"):
        return MemoryStore()
    from engine.store.sql import SqlStore, sqlalchemy_url

    store = SqlStore(sqlalchemy_url(str(url_or_path)))
    if upgrade if upgrade is not None else not store.postgres:
        if store.revision() != _head():
            store.upgrade()
    else:
        store.check_ready()
    return store


def _head() -> str:
    from engine.store.migrate import head

    return head()
