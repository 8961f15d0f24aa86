"""Group enrolment in the ledger: the applications accepted (by the SHA-256 of what they ask, so
the same application sent again records nothing) and the members they enrolled, with the data
claims that name only a member id are completed from. The enrolments themselves go to the
`enrolments` table (claim_key NULL: stated by an application, not by a claim).

Revision ID: 0004_applications
Revises: 0003_audit_log
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_applications"
down_revision = "0003_audit_log"
branch_labels = None
depends_on = None

KEY = 200


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("digest", sa.String(64), primary_key=True, comment="SHA-256 of what the application asks"),
        sa.Column("employer", sa.String(KEY), nullable=False),
        sa.Column("office", sa.String(KEY), nullable=False),
        sa.Column("term_start", sa.String(10), nullable=False),
        sa.Column("result", sa.Text, nullable=False, comment="the decided application as JSON"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False))
    op.create_table(
        "members",
        sa.Column("person", sa.String(KEY), nullable=False),
        sa.Column("application", sa.String(64), nullable=False),
        sa.Column("member", sa.Text, nullable=False, comment="the member as the application gave it (JSON)"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person", "application"))
