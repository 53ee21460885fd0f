"""Directory import runs: when each import or sync ran, and whether it failed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=False, server_default="0")


def upgrade() -> None:
    """Create directory_import_runs (see bot/directory/models.py)."""
    op.create_table(
        "directory_import_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(255), nullable=False, server_default=""),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("verified_on", sa.Date()),
        *(_count(name) for name in ("rows", "added", "updated", "unchanged", "retired")),
        _count("rejected"),
        sa.Column("message", sa.String(500)),
    )
    op.create_index(
        "ix_directory_import_runs_source_started",
        "directory_import_runs",
        ["source", "started_at"],
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_directory_import_runs_source_started", "directory_import_runs")
    op.drop_table("directory_import_runs")
