"""The claims store on a SQL database (SQLAlchemy Core): a SQLite file by default, PostgreSQL
(psycopg 3) in production.

One transaction per batch of claims (the CLI's batches: 256 claims on SQLite, 32 on
PostgreSQL; the service's group-commit batches). Inside it a session reads the batch's claim
versions, aliases, and each person's accumulators and events in a few queries, decides the
claims on them, and writes everything the batch recorded when it commits, a statement or two
per table: claims, decision versions, accumulator rows (each write checks the row version it
read), append-only entries, events, aliases and enrolments.

Concurrency:
- SQLite: every transaction starts with `BEGIN IMMEDIATE`, taking the database's write lock,
  so what a transaction read cannot change before it commits (WAL: readers are not blocked).
- PostgreSQL: READ COMMITTED with transaction-scoped advisory locks, one per claim key and one
  per person, taken (sorted, a statement per set) before the history is read, so two claims
  of one person are decided one after the other. Every accumulator write still checks the version it read, and
  new rows are inserted with ON CONFLICT DO NOTHING; a transaction that finds its reads stale,
  or loses a race on a new key or a deadlock, is rolled back and the claims are adjudicated
  again on the fresh history (bounded retries, engine.store.base).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import time
from collections import defaultdict
from decimal import Decimal
from typing import Iterator, Sequence

from sqlalchemy import and_, bindparam, create_engine, event, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from engine.errors import LedgerError
from engine.identity import lookup_aliases
from engine.ledger import AccumulatorKey, Change, EnrolmentRecord, EventRecord, Recording, check_current
from engine.model.types import normalise_id
from engine.store import migrate
from engine.store.base import BaseStore, Retry, engine_version, plan_revisions
from engine.store.records import AccumulatorRow, Drift, EntryRow, MemberAccumulators, StoredDecision, StoreNotReady
from engine.store.tables import ACCUMULATOR_KEY, accumulators, claims, decisions, enrolments, entries, events, member_aliases

ZERO = Decimal(0)
FEN = Decimal("0.01")
RETRYABLE_SQLSTATES = {"40001", "40P01", "23505"}  # serialization failure, deadlock, unique violation


def to_stored(value: Decimal) -> tuple[int, str]:
    """An accumulator value as stored: (fen, "fen") for money, a value with decimals
    (1234.50 -> (123450, "fen")); (n, "count") for a whole count (3 days -> (3, "count")).
    A value that is not a whole number of fen is refused, never rounded."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(value), "count"
    fen = value.scaleb(2)
    if fen != fen.to_integral_value():
        raise ValueError(f"{value} is not a whole number of fen: the ledger stores money as integer fen")
    return int(fen), "fen"


def from_stored(amount: int, unit: str) -> Decimal:
    return Decimal(amount).scaleb(-2) if unit == "fen" else Decimal(amount)


def entry_values(before: Decimal, after: Decimal) -> tuple[int, int, str]:
    """An entry's before and after in one unit: fen when either is money (a sum that falls to
    a whole number, or a reversal to 0, keeps its fen), else a count."""
    (stored_before, unit_before), (stored_after, unit_after) = to_stored(before), to_stored(after)
    if unit_before == unit_after:
        return stored_before, stored_after, unit_after
    return int(before.scaleb(2)), int(after.scaleb(2)), "fen"


def key_values(key: AccumulatorKey) -> dict:
    return {"member": key.member, "plan": key.plan, "term": key.term or "", "benefit": key.benefit,
            "measure": key.measure, "scope": key.scope or ""}


def key_of(row) -> AccumulatorKey:
    return AccumulatorKey(row.member, row.plan, row.term or None, row.benefit, row.measure, row.scope or None)


def sqlalchemy_url(url_or_path: str) -> str:
    """A path is a SQLite file; postgresql:// means psycopg 3."""
    if "://" not in url_or_path:
        return f"sqlite:///{url_or_path}"
    if url_or_path.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url_or_path.split("://", 1)[1]
    return url_or_path


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # pooled (QueuePool): a connection opened per transaction cost its PRAGMAs and, when it
        # was the last one, a WAL checkpoint at every close
        engine = create_engine(url, pool_size=4, max_overflow=8, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # the driver opens no transaction of its own: we do
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a commit survives kill -9 of the process
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock before reading history

        return engine
    # no pre-ping (a round trip per transaction): a connection that died is a failed
    # transaction (503, or the CLI's error), and SQLAlchemy then replaces the whole pool
    return create_engine(url, pool_size=4, max_overflow=4)


class _SqlSession:
    """One transaction's view of the ledger, with reads cached per person and writes buffered
    until `flush` (at commit)."""

    def __init__(self, store: "SqlStore", connection: Connection):
        self.store = store
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.now = dt.datetime.now(dt.timezone.utc)
        self._values: dict[AccumulatorKey, tuple[Decimal, int]] = {}  # value, version read (0: no row)
        self._loaded: set[str] = set()
        self._events: dict[str, list[EventRecord]] = {}
        self._aliases: dict[str, str] = {}
        self._aliases_of: dict[str, set[str]] = defaultdict(set)
        self._absent: set[str] = set()  # aliases read and not found (this transaction adds them as it records)
        self._locked: set[str] = set()
        self._changed: dict[AccumulatorKey, Decimal] = {}
        self._rows: dict[str, list[dict]] = defaultdict(list)  # table -> rows to insert
        self._new_claims: dict[str, dict] = {}
        self._enrolments_stated: set[tuple[str, str, str]] = set()

    # -- reads ----------------------------------------------------------------------------------

    def _lock(self, name: str) -> None:
        if self.postgres and name not in self._locked:
            self.connection.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name})
            self._locked.add(name)

    def _lock_all(self, names: list[str]) -> None:
        """PostgreSQL: the advisory locks of `names` in one statement, in sorted order (two
        batches that need the same locks take them in the same order: no deadlock)."""
        wanted = sorted(set(names) - self._locked)
        if self.postgres and wanted:
            self.connection.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(name, 0)) "
                                         "FROM (SELECT unnest(CAST(:names AS text[])) AS name ORDER BY 1) AS sorted"),
                                    {"names": wanted}).all()
            self._locked.update(wanted)

    def _load_person(self, person: str) -> None:
        if person in self._loaded:
            return
        self._lock(f"person:{person}")
        for row in self.connection.execute(select(accumulators).where(accumulators.c.member == person)):
            self._values[key_of(row)] = (from_stored(row.amount, row.unit), row.version)
        self._events[person] = [
            EventRecord(row.claim_key, row.kind, row.first_day, row.last_day, row.code, row.accident, row.fingerprint)
            for row in self.connection.execute(select(events).where(events.c.person == person).order_by(events.c.id))]
        self._drop_voided([person])
        self._loaded.add(person)

    def _load_people(self, people: list[str]) -> None:
        for start in range(0, len(people), 500):
            part = people[start:start + 500]
            for person in part:
                self._events[person] = []
            for row in self.connection.execute(select(accumulators).where(accumulators.c.member.in_(part))):
                self._values[key_of(row)] = (from_stored(row.amount, row.unit), row.version)
            for row in self.connection.execute(select(events).where(events.c.person.in_(part)).order_by(events.c.id)):
                self._events[row.person].append(
                    EventRecord(row.claim_key, row.kind, row.first_day, row.last_day, row.code, row.accident, row.fingerprint))
            self._drop_voided(part)
            self._loaded.update(part)

    def _drop_voided(self, people: Sequence[str]) -> None:
        """Events of a claim whose newest version is void are not recorded events any more (a
        claim sent again is not a duplicate of a voided one); a claim whose newest version was
        decided on another payload (an appeal's new evidence, a pending claim completed) counts
        only the events of that payload. Only claims with a second version qualify, so this
        reads few rows."""
        keys = sorted({record.claim_id for person in people for record in self._events.get(person, ())})
        if not keys:
            return
        newest: dict[str, tuple[int, str, str]] = {}
        for start in range(0, len(keys), 500):
            for row in self.connection.execute(select(decisions.c.claim_key, decisions.c.version, decisions.c.status,
                                                      decisions.c.payload_sha256)
                                               .where(decisions.c.claim_key.in_(keys[start:start + 500]), decisions.c.version > 1)):
                if row.version > newest.get(row.claim_key, (0, "", ""))[0]:
                    newest[row.claim_key] = (row.version, row.status, row.payload_sha256)
        if not newest:
            return
        voided = {key for key, (_version, status, _sha) in newest.items() if status == "void"}
        kept: dict[str, set[EventRecord]] = {}
        others = sorted(set(newest) - voided)
        if others:
            first = dict(self.connection.execute(select(claims.c.claim_key, claims.c.payload_sha256)
                                                 .where(claims.c.claim_key.in_(others))).all())
            for key in others:
                version, _status, sha = newest[key]
                if first.get(key) not in (None, sha):
                    kept[key] = self._events_of_version(key, version)
        if voided or kept:
            for person in people:
                self._events[person] = [record for record in self._events.get(person, ()) if record.claim_id not in voided
                                        and (record.claim_id not in kept or record in kept[record.claim_id])]

    def _events_of_version(self, key: str, version: int) -> set[EventRecord]:
        from engine.claims import parse_claim
        from engine.events import events_of_claim

        payload = self.connection.execute(select(decisions.c.payload).where(decisions.c.claim_key == key,
                                                                            decisions.c.version == version)).scalar_one()
        return set(events_of_claim(parse_claim(json.loads(payload))))

    def value(self, key: AccumulatorKey) -> Decimal:
        if key.member not in self._loaded:
            self._load_person(key.member)
        found = self._values.get(key)
        return found[0] if found else ZERO

    def has_claim(self, claim_id: str) -> bool:
        return bool(self.versions(claim_id))

    def persons(self, aliases: Sequence[str]) -> dict[str, str]:
        missing = [alias for alias in aliases if alias not in self._aliases and alias not in self._absent]
        for start in range(0, len(missing), 500):
            part = missing[start:start + 500]
            rows = self.connection.execute(select(member_aliases.c.alias, member_aliases.c.person)
                                           .where(member_aliases.c.alias.in_(part))).all()
            people = {row.person for row in rows}
            if people:
                rows += self.connection.execute(select(member_aliases.c.alias, member_aliases.c.person)
                                                .where(member_aliases.c.person.in_(people))).all()
            for row in rows:
                self._aliases[row.alias] = row.person
                self._aliases_of[row.person].add(row.alias)
            self._absent.update(alias for alias in part if alias not in self._aliases)
        found = {alias: self._aliases[alias] for alias in aliases if alias in self._aliases}
        for person in set(found.values()):
            for alias in self._aliases_of[person]:
                found.setdefault(alias, person)
        return found

    def events_of(self, person: str) -> Sequence[EventRecord]:
        self._load_person(person)
        return tuple(self._events[person])

    def prefetch(self, keys: list[str], alias_lists: list[tuple[str, ...]]) -> None:
        """Read what a batch of claims needs in a few queries instead of a few per claim: their
        stored versions, the persons their aliases name, and those persons' accumulators and
        events. SQLite holds the write lock for the batch. PostgreSQL first takes the claims'
        advisory locks, then the persons' (each set in one statement, sorted), and reads
        history after them; a person the aliases did not foresee is locked when first read,
        and an alias another writer recorded meanwhile makes the insert clash: a retry."""
        if not keys:
            return
        self._lock_all([f"claim:{key}" for key in keys])
        self.persons([alias for aliases in alias_lists for alias in aliases])
        people = {next((self._aliases[a] for a in aliases if a in self._aliases), aliases[0]) for aliases in alias_lists}
        self._lock_all([f"person:{person}" for person in people])
        self._load_people(sorted(people - self._loaded))
        found: dict[str, list[StoredDecision]] = {key: [] for key in keys}
        for start in range(0, len(keys), 500):
            rows = self.connection.execute(select(decisions).where(decisions.c.claim_key.in_(keys[start:start + 500]))
                                           .order_by(decisions.c.claim_key, decisions.c.version))
            for row in rows:
                found[row.claim_key].append(stored_decision(row))
        self._versions = found

    def versions(self, key: str) -> list[StoredDecision]:
        known = getattr(self, "_versions", None)
        if known is not None and key in known:
            return list(known[key])  # (a claim recorded by this batch is recorded in it too: see record)
        self._lock(f"claim:{key}")
        rows = self.connection.execute(select(decisions).where(decisions.c.claim_key == key).order_by(decisions.c.version))
        return [stored_decision(row) for row in rows]

    # -- writes ---------------------------------------------------------------------------------

    def apply(self, claim_id: str, changes: list[Change], recording: Recording | None = None) -> None:
        self._apply(claim_id, 1, changes, recording)

    def _apply(self, key: str, version: int, changes: list[Change], recording: Recording | None) -> None:
        check_current(key, changes, self.value)
        if recording is not None:
            for alias in recording.aliases:
                if self._aliases.get(alias, recording.person) != recording.person:
                    raise LedgerError(f"claim {key!r}: {alias} is now recorded for another person")
        for change in changes:
            if change.after == change.before:
                continue
            before_version = self._values.get(change.key, (ZERO, 0))[1]
            self._values[change.key] = (change.after, before_version)
            self._changed[change.key] = change.after
            before, after, unit = entry_values(change.before, change.after)
            self._rows["entries"].append({"claim_key": key, "version": version, **key_values(change.key),
                                          "before_amount": before, "after_amount": after,
                                          "unit": unit, "recorded_at": self.now})
        if recording is not None:
            for alias in recording.aliases:
                self._aliases[alias] = recording.person
                self._aliases_of[recording.person].add(alias)
                self._rows["member_aliases"].append({"alias": alias, "person": recording.person, "claim_key": key,
                                                     "recorded_at": self.now})
            for enrolment in recording.enrolments:
                identity = (recording.person, enrolment.plan, enrolment.term_start)
                if identity not in self._enrolments_stated:
                    self._enrolments_stated.add(identity)
                    self._rows["enrolments"].append({
                        "person": recording.person, "plan": enrolment.plan, "term_start": enrolment.term_start,
                        "term_end": enrolment.term_end, "units": enrolment.units, "tier": enrolment.tier,
                        "fee_paid_fen": to_stored(enrolment.fee_paid.quantize(FEN))[0], "source": enrolment.source,
                        "fee_schedule": enrolment.fee_schedule, "label": enrolment.label, "claim_key": key,
                        "recorded_at": self.now})
            for record in recording.events:
                self._events.setdefault(recording.person, []).append(record)
                self._rows["events"].append({"person": recording.person, "claim_key": record.claim_id, "kind": record.kind,
                                             "first_day": record.first_day, "last_day": record.last_day, "code": record.code,
                                             "accident": record.accident, "fingerprint": record.fingerprint})

    def append_version(self, key: str, claim_id: str, version: int, status: str, total: Decimal, payload: str, sha: str,
                       decision_json: str, revisions: list[dict], changes: list[Change], recording: Recording | None) -> None:
        """A later version of a recorded claim (a void, a re-adjudication: engine.store.corrections),
        with its entries, and the aliases and events it adds."""
        self._apply(key, version, changes, recording)
        self._rows["decisions"].append({
            "claim_key": key, "version": version, "claim_id": claim_id, "status": status,
            "total_fen": to_stored(total.quantize(FEN))[0], "payload_sha256": sha, "payload": payload,
            "decision_json": decision_json, "plan_revisions": json.dumps(revisions, ensure_ascii=False),
            "engine_version": self.store.engine_version, "decided_at": self.now})

    def events_of_claims(self, person: str, keys: set[str]) -> list[EventRecord]:
        """The events stored for these claims of the person, voided or not."""
        rows = self.connection.execute(select(events).where(events.c.person == person, events.c.claim_key.in_(sorted(keys)))
                                       .order_by(events.c.id))
        return [EventRecord(row.claim_key, row.kind, row.first_day, row.last_day, row.code, row.accident, row.fingerprint)
                for row in rows]

    def record(self, key, claim, version, sha, payload, result, decision_json) -> None:
        self._apply(key, version, result.changes, result.recording)
        decision = result.decision
        revisions = plan_revisions(decision)
        known = getattr(self, "_versions", None)
        if known is not None:  # the same claim again later in this batch replays this version
            known.setdefault(key, []).append(StoredDecision(
                claim.claim_id, version, decision.status, decision.total, decision_json, sha,
                revisions, self.store.engine_version, self.now))
        if version == 1:
            self._rows["claims"].append({"claim_key": key, "claim_id": claim.claim_id, "person": result.recording.person,
                                         "member_id": claim.member.member_id, "payload_sha256": sha, "received_at": self.now})
        self._rows["decisions"].append({
            "claim_key": key, "version": version, "claim_id": claim.claim_id, "status": decision.status,
            "total_fen": to_stored(decision.total.quantize(FEN))[0], "payload_sha256": sha, "payload": payload,
            "decision_json": decision_json, "plan_revisions": json.dumps(revisions, ensure_ascii=False),
            "engine_version": self.store.engine_version, "decided_at": self.now})

    def flush(self) -> None:
        """Write what the transaction recorded, a few statements for the whole batch; a version
        that moved under us, or a new key another writer inserted first, means a lost race."""
        connection = self.connection
        updates = []
        for key, value in self._changed.items():
            read_version = self._values[key][1]
            amount, unit = to_stored(value)
            if read_version:
                updates.append({**key_values(key), "read_version": read_version, "amount": amount, "unit": unit})
            else:
                self._rows["accumulators"].append({**key_values(key), "amount": amount, "unit": unit, "version": 1})
        if updates:
            self._update_accumulators(updates)
        for table, name in ((member_aliases, "member_aliases"), (claims, "claims"), (accumulators, "accumulators")):
            rows = self._rows.get(name)
            if rows:
                self._insert_new(table, rows)
        for table, name in ((decisions, "decisions"), (entries, "entries"), (events, "events")):
            rows = self._rows.get(name)
            if rows:
                connection.execute(table.insert(), rows)
        if self._rows.get("enrolments"):  # the first statement of an enrolment stays; a later one adds nothing
            insert = _dialect_insert(self.postgres)
            connection.execute(insert(enrolments).on_conflict_do_nothing(), self._rows["enrolments"])

    def _update_accumulators(self, updates: list[dict]) -> None:
        """Every changed accumulator in one statement, each only at the version it was read."""
        if self.postgres:  # one UPDATE … FROM unnest(arrays): a round trip for the batch
            columns = (*ACCUMULATOR_KEY, "read_version", "amount", "unit")
            types = {"read_version": "integer", "amount": "bigint"}
            arrays = ", ".join(f"CAST(:{name} AS {types.get(name, 'text')}[])" for name in columns)
            matches = " AND ".join(f"a.{name} = v.{name}" for name in ACCUMULATOR_KEY)
            statement = text(f"UPDATE accumulators AS a SET amount = v.amount, unit = v.unit, version = v.read_version + 1 "
                             f"FROM unnest({arrays}) AS v({', '.join(columns)}) "
                             f"WHERE {matches} AND a.version = v.read_version RETURNING a.version")
            updated = self.connection.execute(statement, {name: [row[name] for row in updates] for name in columns}).all()
            if len(updated) != len(updates):
                raise Retry()
            return
        # SQLite: the batch holds the write lock; an executemany, counted
        statement = (accumulators.update()
                     .where(and_(*(accumulators.c[name] == bindparam(f"k_{name}") for name in ACCUMULATOR_KEY)),
                            accumulators.c.version == bindparam("read_version"))
                     .values(amount=bindparam("amount"), unit=bindparam("unit"), version=bindparam("read_version") + 1))
        rows = [{**{f"k_{name}": row[name] for name in ACCUMULATOR_KEY}, "read_version": row["read_version"],
                 "amount": row["amount"], "unit": row["unit"]} for row in updates]
        if self.connection.execute(statement, rows).rowcount != len(rows):
            raise Retry()

    def _insert_new(self, table, rows: list[dict]) -> None:
        """Insert rows whose keys must be new; one that another writer inserted first is a lost race."""
        if not self.postgres:  # under SQLite's write lock no one else inserts: a clash is a bug, and raises
            self.connection.execute(table.insert(), rows)
            return
        insert = _dialect_insert(True)
        statement = insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)
        if len(self.connection.execute(statement, rows).all()) != len(rows):  # (one multi-row statement)
            raise Retry()


def _dialect_insert(postgres: bool):
    if postgres:
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def stored_decision(row) -> StoredDecision:
    decided_at = row.decided_at if row.decided_at.tzinfo else row.decided_at.replace(tzinfo=dt.timezone.utc)
    return StoredDecision(row.claim_id, row.version, row.status, from_stored(row.total_fen, "fen"), row.decision_json,
                          row.payload_sha256, json.loads(row.plan_revisions), row.engine_version, decided_at)


class SqlStore(BaseStore):
    def __init__(self, url: str, engine: Engine | None = None):
        self.url = url
        self.engine = engine or make_engine(url)
        self.postgres = self.engine.dialect.name == "postgresql"
        self.batch_size = 32 if self.postgres else 256  # PostgreSQL: other writers wait for fewer people's locks
        self.engine_version = engine_version()

    def _complete(self, raws):
        from engine.enrolment.ledger import complete_claims

        return complete_claims(self, raws)

    # -- schema ---------------------------------------------------------------------------------

    def revision(self) -> str | None:
        return migrate.current(self.engine)

    def upgrade(self) -> str:
        return migrate.upgrade(self.engine)

    def check_ready(self) -> None:
        current, head = self.revision(), migrate.head()
        if current != head:
            raise StoreNotReady(f"{self.display_url()}: ledger schema is at {current or 'nothing'}, this release needs {head}; "
                                f"run: adjudicator ledger upgrade --ledger {self.display_url()}")

    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    # -- transactions ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self, read_only: bool = False) -> Iterator[_SqlSession]:
        try:
            with self.engine.begin() as connection:
                session = _SqlSession(self, connection)
                yield session
                if not read_only:
                    session.flush()
        except (OperationalError, DBAPIError) as error:
            if _retryable(error):
                time.sleep(random.uniform(0, 0.01))  # let the winner commit before reading again
                raise Retry() from error
            raise

    # -- reads ----------------------------------------------------------------------------------

    def claim_versions(self, claim_id: str) -> list[StoredDecision]:
        from engine.identity import claim_key

        key = claim_key(normalise_id(claim_id))
        with self.engine.connect() as connection:
            rows = connection.execute(select(decisions).where(decisions.c.claim_key == key).order_by(decisions.c.version))
            return [stored_decision(row) for row in rows]

    def member_accumulators(self, member_id: str) -> MemberAccumulators | None:
        candidates = lookup_aliases(member_id)
        with self.engine.connect() as connection:
            row = connection.execute(select(member_aliases.c.person).where(member_aliases.c.alias.in_(candidates))
                                     .order_by(member_aliases.c.alias.desc())).first()
            if row is None:
                return None
            person = row.person
            aliases = sorted(connection.execute(select(member_aliases.c.alias).where(member_aliases.c.person == person)).scalars())
            history: dict[tuple, list[EntryRow]] = defaultdict(list)
            query = (select(entries, decisions.c.claim_id).join(decisions, and_(decisions.c.claim_key == entries.c.claim_key,
                                                                                  decisions.c.version == entries.c.version))
                     .where(entries.c.member == person).order_by(entries.c.id))
            for entry in connection.execute(query):
                history[tuple(entry._mapping[name] for name in ACCUMULATOR_KEY)].append(EntryRow(
                    entry.claim_id, entry.version, from_stored(entry.before_amount, entry.unit),
                    from_stored(entry.after_amount, entry.unit), entry.recorded_at))
            rows = [AccumulatorRow(key_of(acc), from_stored(acc.amount, acc.unit), acc.version,
                                   history.get(tuple(acc._mapping[name] for name in ACCUMULATOR_KEY), []))
                    for acc in connection.execute(select(accumulators).where(accumulators.c.member == person)
                                                  .order_by(*(accumulators.c[name] for name in ACCUMULATOR_KEY)))]
            stated = [EnrolmentRecord(row.plan, row.term_start, row.term_end, from_stored(row.fee_paid_fen, "fen"), row.units,
                                      row.tier, row.source, row.fee_schedule, row.label)
                      for row in connection.execute(select(enrolments).where(enrolments.c.person == person)
                                                    .order_by(enrolments.c.plan, enrolments.c.term_start))]
            return MemberAccumulators(person, aliases, rows, stated)

    def verify(self) -> list[Drift]:
        """Accumulators recomputed from the entries (sum of after − before per key), compared
        with the stored values; every difference is drift."""
        sums: dict[tuple, Decimal] = defaultdict(Decimal)
        with self.engine.connect() as connection:
            for entry in connection.execute(select(entries).order_by(entries.c.id)).yield_per(10_000):
                sums[tuple(entry._mapping[name] for name in ACCUMULATOR_KEY)] += (
                    from_stored(entry.after_amount - entry.before_amount, entry.unit))
            drift = []
            seen = set()
            for acc in connection.execute(select(accumulators)).yield_per(10_000):
                key = tuple(acc._mapping[name] for name in ACCUMULATOR_KEY)
                seen.add(key)
                stored = from_stored(acc.amount, acc.unit)
                if sums.get(key, ZERO) != stored:
                    drift.append(Drift(key_of(acc), stored, sums.get(key, ZERO)))
            for key, total in sums.items():
                if key not in seen and total:
                    drift.append(Drift(AccumulatorKey(key[0], key[1], key[2] or None, key[3], key[4], key[5] or None), ZERO, total))
            return drift

    def export(self) -> Iterator[str]:
        """Every stored decision (each version) as its JSON line, in the order recorded."""
        with self.engine.connect() as connection:
            query = select(decisions.c.decision_json).order_by(decisions.c.decided_at, decisions.c.claim_key, decisions.c.version)
            for row in connection.execute(query).yield_per(5_000):
                yield row.decision_json

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()


def _retryable(error: DBAPIError) -> bool:
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    if code in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(error)
