"""The ledger's tables (SQLAlchemy Core). Money is integer fen (BIGINT), never a float or
SQLite's NUMERIC: an accumulator's `amount` (and an entry's `before_amount`/`after_amount`) is
in the row's `unit`, `fen` for money (1,234.50 yuan is 123450) or `count` for days, payments
and flags (3 days is 3); a CHECK constraint admits no other unit. A total or fee is `*_fen`.
The schema itself is created and changed only by the Alembic revisions in
engine/store/migrations/, which also install the triggers that make `entries`, `decisions`,
`events`, `enrolments` and `audit_log` append-only."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

KEY = 200  # ids are at most 128 characters; keys add a prefix
metadata = MetaData()
ROW_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite's rowid alias must be INTEGER

member_aliases = Table(
    "member_aliases", metadata,
    Column("alias", String(KEY), primary_key=True, comment="id:<ID number> or member:<member id>"),
    Column("person", String(KEY), nullable=False),
    Column("claim_key", String(KEY), nullable=False, comment="the claim that taught it"),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_member_aliases_person", "person"),
)

claims = Table(
    "claims", metadata,
    Column("claim_key", String(KEY), primary_key=True, comment="claim id, NFKC-normalised and case folded"),
    Column("claim_id", String(KEY), nullable=False, comment="the id as first received"),
    Column("person", String(KEY), nullable=False),
    Column("member_id", String(KEY), nullable=False),
    Column("payload_sha256", String(64), nullable=False, comment="of the first version's canonical payload"),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Index("ix_claims_person", "person"),
)

decisions = Table(
    "decisions", metadata,
    Column("claim_key", String(KEY), nullable=False),
    Column("version", Integer, nullable=False),
    Column("claim_id", String(KEY), nullable=False),
    Column("status", String(32), nullable=False),
    Column("total_fen", BigInteger, nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("payload", Text, nullable=False, comment="canonical claim JSON this version decided"),
    Column("decision_json", Text, nullable=False, comment="the decision exactly as returned"),
    Column("plan_revisions", Text, nullable=False, comment="JSON [{plan, revision, hash}]"),
    Column("engine_version", String(64), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("claim_key", "version"),
    ForeignKeyConstraint(["claim_key"], ["claims.claim_key"]),
)

ACCUMULATOR_KEY = ("member", "plan", "term", "benefit", "measure", "scope")


def _key_columns() -> list[Column]:
    return [Column("member", String(KEY), nullable=False), Column("plan", String(KEY), nullable=False),
            Column("term", String(16), nullable=False, comment="term start, '' for a lifetime counter"),
            Column("benefit", String(KEY), nullable=False), Column("measure", String(KEY), nullable=False),
            Column("scope", String(KEY), nullable=False, comment="'' when none")]


accumulators = Table(
    "accumulators", metadata,
    *_key_columns(),
    Column("amount", BigInteger, nullable=False, comment="in `unit`: fen for money, else a count"),
    Column("unit", String(8), nullable=False),
    Column("version", Integer, nullable=False, comment="bumped by every change: a write checks the version it read"),
    PrimaryKeyConstraint(*ACCUMULATOR_KEY),
    CheckConstraint("unit IN ('fen', 'count')", name="ck_accumulators_unit"),
)

entries = Table(
    "entries", metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    Column("claim_key", String(KEY), nullable=False),
    Column("version", Integer, nullable=False),
    *_key_columns(),
    Column("before_amount", BigInteger, nullable=False),
    Column("after_amount", BigInteger, nullable=False),
    Column("unit", String(8), nullable=False, comment="of before_amount and after_amount: fen or count"),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_entries_key", *ACCUMULATOR_KEY),
    Index("ix_entries_claim", "claim_key", "version"),
    CheckConstraint("unit IN ('fen', 'count')", name="ck_entries_unit"),
)

events = Table(
    "events", metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    Column("person", String(KEY), nullable=False),
    Column("claim_key", String(KEY), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("first_day", String(10), nullable=False),
    Column("last_day", String(10), nullable=False),
    Column("code", String(32)),
    Column("accident", String(KEY)),
    Column("fingerprint", String(64)),
    Index("ix_events_person", "person"),
)

enrolments = Table(
    "enrolments", metadata,
    Column("person", String(KEY), nullable=False),
    Column("plan", String(KEY), nullable=False),
    Column("term_start", String(10), nullable=False, comment="ISO date: with person and plan, the enrolment's identity"),
    Column("term_end", String(10), nullable=False, comment="ISO date, inclusive"),
    Column("units", Integer),
    Column("tier", Integer),
    Column("fee_paid_fen", BigInteger, nullable=False),
    Column("source", String(16), nullable=False, comment="paid or gift"),
    Column("fee_schedule", String(16)),
    Column("label", String(KEY), nullable=False, comment="the enrolment_id it was first stated under; never an identity"),
    Column("claim_key", String(KEY), comment="the claim that first stated it"),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("person", "plan", "term_start"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(KEY), nullable=False, comment="who did it, as they were authenticated or named"),
    Column("action", String(32), nullable=False, comment="void | appeal | readjudicate"),
    Column("person", String(KEY), nullable=False),
    Column("claim_key", String(KEY), nullable=False),
    Column("version", Integer, nullable=False, comment="the decision version the action created"),
    Column("reason", Text, nullable=False),
    Column("details", Text, nullable=False, comment="JSON: what changed (status and total before and after)"),
    Index("ix_audit_log_person", "person"),
    Index("ix_audit_log_claim", "claim_key"),
)

applications = Table(
    "applications", metadata,
    Column("digest", String(64), primary_key=True, comment="SHA-256 of what the application asks"),
    Column("employer", String(KEY), nullable=False),
    Column("office", String(KEY), nullable=False),
    Column("term_start", String(10), nullable=False),
    Column("result", Text, nullable=False, comment="the decided application as JSON"),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

members = Table(
    "members", metadata,
    Column("person", String(KEY), nullable=False),
    Column("application", String(64), nullable=False),
    Column("member", Text, nullable=False, comment="the member as the application gave it (JSON)"),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("person", "application"),
)

APPEND_ONLY = ("entries", "decisions", "events", "enrolments", "audit_log")
