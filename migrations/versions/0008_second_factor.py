"""The console's second factor: a TOTP secret per account, and one-time recovery codes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the TOTP columns and the recovery_codes table."""
    with op.batch_alter_table("navigators") as batch:
        batch.add_column(sa.Column("totp_secret_encrypted", sa.String(200)))
        batch.add_column(sa.Column("totp_enrolled_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("totp_last_step", sa.Integer()))
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "navigator_id",
            sa.Integer(),
            sa.ForeignKey("navigators.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_recovery_codes_navigator_id", "recovery_codes", ["navigator_id"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_recovery_codes_navigator_id", "recovery_codes")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("navigators") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enrolled_at")
        batch.drop_column("totp_secret_encrypted")
