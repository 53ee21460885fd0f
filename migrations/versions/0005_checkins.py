"""Check-ins and the action team's figures: check-in series and texts, directory lookups,
each inbound message's payload and topic, and when retention expired a conversation.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

RUNNING = sa.text("status != 'ended'")


def upgrade() -> None:
    """Add the check-in tables, the lookups table and the two message columns."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("payload", sa.String(64)))
        batch.add_column(sa.Column("topic", sa.String(32)))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("expired_at", sa.DateTime(timezone=True)))
    op.create_table(
        "checkin_series",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "conversation_id",
            sa.Integer(),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("enrolled_by", sa.String(16), nullable=False),
        sa.Column("navigator_id", sa.Integer()),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("end_reason", sa.String(16)),
    )
    op.create_index("ix_checkin_series_conversation_id", "checkin_series", ["conversation_id"])
    op.create_index(
        "uq_checkin_series_running",
        "checkin_series",
        ["conversation_id"],
        unique=True,
        sqlite_where=RUNNING,
        postgresql_where=RUNNING,
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "series_id",
            sa.Integer(),
            sa.ForeignKey("checkin_series.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("job_id", sa.String(64)),
        sa.Column("skip_reason", sa.String(16)),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("messages.id", ondelete="SET NULL")),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("replied_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_checkins_series_id", "checkins", ["series_id"])
    op.create_index("ix_checkins_due", "checkins", ["status", "due_at"])
    op.create_table(
        "directory_lookups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("need", sa.String(16), nullable=False),
        sa.Column("medication", sa.String(16)),
        sa.Column("town", sa.String(100)),
        sa.Column("state", sa.String(2)),
        sa.Column("nearby", sa.Integer(), nullable=False),
        sa.Column("nearest_miles", sa.Float()),
    )
    op.create_index("ix_directory_lookups_at", "directory_lookups", ["at"])


def downgrade() -> None:
    """Drop what upgrade() added."""
    op.drop_table("directory_lookups")
    op.drop_table("checkins")
    op.drop_table("checkin_series")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("expired_at")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("topic")
        batch.drop_column("payload")
