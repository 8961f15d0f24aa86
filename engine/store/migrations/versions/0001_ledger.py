"""The ledger: member aliases, claims, decisions (versions), accumulators, append-only entries
and events.

Revision ID: 0001_ledger
Revises:
"""

from alembic import op

from engine.store.tables import APPEND_ONLY, metadata

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

TABLES = ("member_aliases", "claims", "decisions", "accumulators", "entries", "events")


def upgrade() -> None:
    bind = op.get_bind()
    for name in TABLES:  # the tables as this revision defines them
        metadata.tables[name].create(bind)
    if bind.dialect.name == "postgresql":
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
    bind = op.get_bind()
    for name in reversed(TABLES):
        metadata.tables[name].drop(bind)
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION ledger_append_only()")
