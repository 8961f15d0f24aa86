"""Money as integer fen, and the enrolments a claim states.

Accumulators and entries held a value as (digits, decimals). Now the value is an integer in the
row's `unit`: `fen` for money, `count` for days, payments and flags; a CHECK constraint admits
no other unit, so a value can never be stored at another scale. Rows at 2 decimals are fen as
they stand, at 1 decimal are multiplied by 10, at 0 decimals are counts; any other scale stops
the upgrade, naming how many rows hold it.

`enrolments` records each enrolment a recorded claim states, by its identity (person, plan,
term start) with the terms first stated (end, units, tier, fee paid in fen, source, fee
schedule) and the label it came under. Append-only, like entries, decisions and events.

Revision ID: 0002_fen_and_enrolments
Revises: 0001_ledger
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_fen_and_enrolments"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None

KEY = 200
VALUE_COLUMNS = {"accumulators": ("amount",), "entries": ("before_amount", "after_amount")}


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _drop_append_only(table: str) -> None:
    if _postgres():
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")


def _create_append_only(table: str) -> None:
    if _postgres():
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows are never updated or deleted'); END")


def upgrade() -> None:
    bind = op.get_bind()
    for table in VALUE_COLUMNS:
        odd = bind.execute(sa.text(f"SELECT COUNT(*) FROM {table} WHERE decimals NOT IN (0, 1, 2)")).scalar()
        if odd:
            raise RuntimeError(f"{odd} rows of {table} hold a value at a scale that is neither fen nor a count; "
                               "nothing was changed")
    _drop_append_only("entries")
    for table, columns in VALUE_COLUMNS.items():
        op.add_column(table, sa.Column("unit", sa.String(8), nullable=True))
        tenfold = ", ".join(f"{column} = {column} * 10" for column in columns)
        op.execute(f"UPDATE {table} SET {tenfold}, decimals = 2 WHERE decimals = 1")
        op.execute(f"UPDATE {table} SET unit = CASE WHEN decimals = 0 THEN 'count' ELSE 'fen' END")
        with op.batch_alter_table(table) as batch:
            batch.drop_column("decimals")
            batch.alter_column("unit", existing_type=sa.String(8), nullable=False)
            batch.create_check_constraint(f"ck_{table}_unit", "unit IN ('fen', 'count')")
    _create_append_only("entries")
    op.create_table(
        "enrolments",
        sa.Column("person", sa.String(KEY), nullable=False),
        sa.Column("plan", sa.String(KEY), nullable=False),
        sa.Column("term_start", sa.String(10), nullable=False),
        sa.Column("term_end", sa.String(10), nullable=False),
        sa.Column("units", sa.Integer),
        sa.Column("tier", sa.Integer),
        sa.Column("fee_paid_fen", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("fee_schedule", sa.String(16)),
        sa.Column("label", sa.String(KEY), nullable=False),
        sa.Column("claim_key", sa.String(KEY)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person", "plan", "term_start"))
    _create_append_only("enrolments")


def downgrade() -> None:
    _drop_append_only("enrolments")
    op.drop_table("enrolments")
    _drop_append_only("entries")
    for table in VALUE_COLUMNS:
        op.add_column(table, sa.Column("decimals", sa.SmallInteger, nullable=True))
        op.execute(f"UPDATE {table} SET decimals = CASE WHEN unit = 'fen' THEN 2 ELSE 0 END")
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"ck_{table}_unit", type_="check")
            batch.drop_column("unit")
            batch.alter_column("decimals", existing_type=sa.SmallInteger, nullable=False)
    _create_append_only("entries")
