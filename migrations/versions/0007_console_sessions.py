"""Console sessions kept on the server, so sign-out, deactivation and timeouts end them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the console_sessions table."""
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "navigator_id",
            sa.Integer(),
            sa.ForeignKey("navigators.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_console_sessions_navigator_id", "console_sessions", ["navigator_id"])


def downgrade() -> None:
    """Drop the console_sessions table."""
    op.drop_index("ix_console_sessions_navigator_id", "console_sessions")
    op.drop_table("console_sessions")
