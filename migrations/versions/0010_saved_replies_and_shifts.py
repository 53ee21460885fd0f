"""Saved replies (with a few to start from), navigators' shifts, and the escalation of
unclaimed requests (when the on-call phone was texted again, and the supervisor's).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The starting saved replies. Wording from the content's sources (FACTS.md: SAMHSA's
# overdose toolkit and the lines); the numbers stay placeholders, filled from
# domain/lines.yml when a navigator inserts one, so a changed number changes here too.
STARTING_REPLIES = (
    (
        "Naloxone steps",
        "If someone will not wake up: call {line_911}. Lay them on their back, tilt the head "
        "back, put the nozzle in one nostril and press the plunger. If you are trained, give "
        "rescue breaths. No response after 2-3 minutes: give a second dose in the other "
        "nostril. Once they breathe, roll them on their side. Stay with them: naloxone wears "
        "off in about 30-90 minutes and the overdose can come back.",
    ),
    (
        "Crisis lines",
        "If someone is overdosing now, call {line_911}. For a crisis, call or text "
        "{line_988}, the Suicide and Crisis Lifeline.",
    ),
    (
        "Treatment help 24/7",
        "Treatment help, 24/7: SAMHSA National Helpline {line_samhsa} (English and Spanish). "
        "Or text your ZIP code to {line_samhsa_text} for treatment nearby.",
    ),
    (
        "Connecticut Access Line",
        "Connecticut DMHAS Access Line: {line_ct_access}, 24/7, for treatment including detox "
        "and transportation.",
    ),
    (
        "Massachusetts lines",
        "In Massachusetts: Substance Use Helpline {line_ma_substance}. Behavioral Health Help "
        "Line {line_ma_behavioral}, 24/7, call or text.",
    ),
    (
        "Places near their town",
        "I can look for treatment and naloxone near {town}. What would help most right now?",
    ),
)


def upgrade() -> None:
    """Create saved_replies (with the starting ones) and shifts, and add the escalation
    times to handoffs (see bot/handoff/models.py)."""
    replies = op.create_table(
        "saved_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    now = datetime.now(timezone.utc)
    op.bulk_insert(
        replies,
        [
            {"title": title, "body": body, "created_at": now, "updated_at": now}
            for title, body in STARTING_REPLIES
        ],
    )
    op.create_table(
        "shifts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "navigator_id",
            sa.Integer(),
            sa.ForeignKey("navigators.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("ended_why", sa.String(16)),
    )
    op.create_index("ix_shifts_open", "shifts", ["ended_at", "navigator_id"])
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("realerted_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("escalated_at")
        batch.drop_column("realerted_at")
    op.drop_index("ix_shifts_open", "shifts")
    op.drop_table("shifts")
    op.drop_table("saved_replies")
