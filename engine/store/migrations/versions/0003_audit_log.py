"""Corrections and appeals: the audit trail (`audit_log`), append-only like the entries. Every
void, appeal and re-adjudication is a row: when, who, what, which claim and version, and why.

Revision ID: 0003_audit_log
Revises: 0002_fen_and_enrolments
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_audit_log"
down_revision = "0002_fen_and_enrolments"
branch_labels = None
depends_on = None

KEY = 200
ROW_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(KEY), nullable=False, comment="who did it, as they were authenticated or named"),
        sa.Column("action", sa.String(32), nullable=False, comment="void | appeal | readjudicate"),
        sa.Column("person", sa.String(KEY), nullable=False),
        sa.Column("claim_key", sa.String(KEY), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, comment="the decision version the action created"),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("details", sa.Text, nullable=False, comment="JSON: what changed (status and total before and after)"))
    op.create_index("ix_audit_log_person", "audit_log", ["person"])
    op.create_index("ix_audit_log_claim", "audit_log", ["claim_key"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{action.lower()} BEFORE {action} ON audit_log "
                       "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: rows are never updated or deleted'); END")


def downgrade() -> None:
    op.drop_table("audit_log")
