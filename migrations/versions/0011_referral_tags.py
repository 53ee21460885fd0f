"""Referral tags: what a navigator referred the person to, ticked when closing a request.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create handoff_referrals (see bot/handoff/models.py HandoffReferral)."""
    op.create_table(
        "handoff_referrals",
        sa.Column(
            "handoff_id",
            sa.Integer(),
            sa.ForeignKey("handoffs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag", sa.String(32), primary_key=True),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("handoff_referrals")
