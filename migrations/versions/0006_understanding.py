"""What the assistant understood of each message (its answer and how sure it was), and the
labels staff give the messages it could not answer.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two message columns and the review labels table."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("answer_label", sa.String(64)))
        batch.add_column(sa.Column("confidence", sa.Float()))
    op.create_index("ix_messages_review", "messages", ["direction", "created_at"])
    op.create_table(
        "review_labels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "message_id",
            sa.Integer(),
            sa.ForeignKey("messages.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("navigator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Remove them."""
    op.drop_table("review_labels")
    op.drop_index("ix_messages_review", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("confidence")
        batch.drop_column("answer_label")
