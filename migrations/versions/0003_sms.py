"""SMS: contacts (keyed hash + encrypted number), the outbox, and navigator holds.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create contacts and outbox; link conversations to contacts."""
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("phone_encrypted", sa.Text(), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("contact_id", sa.Integer()))
        batch.create_foreign_key(
            "fk_conversations_contact", "contacts", ["contact_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_conversations_contact_id", ["contact_id"])
        batch.add_column(sa.Column("navigator_id", sa.Integer()))
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "message_id",
            sa.Integer(),
            sa.ForeignKey("messages.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("provider_id", sa.String(64), unique=True),
        sa.Column("error_code", sa.String(32)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    """Drop the SMS tables."""
    op.drop_table("outbox")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index("ix_conversations_contact_id")
        batch.drop_constraint("fk_conversations_contact", type_="foreignkey")
        batch.drop_column("contact_id")
        batch.drop_column("navigator_id")
    op.drop_table("contacts")
