"""The ledger: member aliases, claims, decisions (versions), accumulators, append-only entries
and events. The tables are written out here as they are at this revision (never imported from
engine/store/tables.py, which follows the newest revision), so a new database replays history.

Revision ID: 0001_ledger
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

KEY = 200
APPEND_ONLY = ("entries", "decisions", "events")
ROW_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _key_columns() -> list[sa.Column]:
    return [sa.Column("member", sa.String(KEY), nullable=False), sa.Column("plan", sa.String(KEY), nullable=False),
            sa.Column("term", sa.String(16), nullable=False), sa.Column("benefit", sa.String(KEY), nullable=False),
            sa.Column("measure", sa.String(KEY), nullable=False), sa.Column("scope", sa.String(KEY), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "member_aliases",
        sa.Column("alias", sa.String(KEY), primary_key=True),
        sa.Column("person", sa.String(KEY), nullable=False),
        sa.Column("claim_key", sa.String(KEY), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False))
    op.create_index("ix_member_aliases_person", "member_aliases", ["person"])
    op.create_table(
        "claims",
        sa.Column("claim_key", sa.String(KEY), primary_key=True),
        sa.Column("claim_id", sa.String(KEY), nullable=False),
        sa.Column("person", sa.String(KEY), nullable=False),
        sa.Column("member_id", sa.String(KEY), nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False))
    op.create_index("ix_claims_person", "claims", ["person"])
    op.create_table(
        "decisions",
        sa.Column("claim_key", sa.String(KEY), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("claim_id", sa.String(KEY), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("total_fen", sa.BigInteger, nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("decision_json", sa.Text, nullable=False),
        sa.Column("plan_revisions", sa.Text, nullable=False),
        sa.Column("engine_version", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("claim_key", "version"),
        sa.ForeignKeyConstraint(["claim_key"], ["claims.claim_key"]))
    op.create_table(
        "accumulators", *_key_columns(),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("decimals", sa.SmallInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("member", "plan", "term", "benefit", "measure", "scope"))
    op.create_table(
        "entries",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("claim_key", sa.String(KEY), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        *_key_columns(),
        sa.Column("before_amount", sa.BigInteger, nullable=False),
        sa.Column("after_amount", sa.BigInteger, nullable=False),
        sa.Column("decimals", sa.SmallInteger, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False))
    op.create_index("ix_entries_key", "entries", ["member", "plan", "term", "benefit", "measure", "scope"])
    op.create_index("ix_entries_claim", "entries", ["claim_key", "version"])
    op.create_table(
        "events",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("person", sa.String(KEY), nullable=False),
        sa.Column("claim_key", sa.String(KEY), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("first_day", sa.String(10), nullable=False),
        sa.Column("last_day", sa.String(10), nullable=False),
        sa.Column("code", sa.String(32)),
        sa.Column("accident", sa.String(KEY)),
        sa.Column("fingerprint", sa.String(64)))
    op.create_index("ix_events_person", "events", ["person"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                      BEGIN RAISE EXCEPTION '% is append-only: rows are never updated or deleted', TG_TABLE_NAME; END $$""")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()")
    else:
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows are never updated or deleted'); END")


def downgrade() -> None:
    for table in ("events", "entries", "accumulators", "decisions", "claims", "member_aliases"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ledger_append_only()")
