"""Provider directory: organizations, locations, services, source records, reports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _flag(name: str) -> sa.Column:
    return sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())


def upgrade() -> None:
    """Create the directory tables (see bot/directory/models.py)."""
    op.create_table(
        "directory_organizations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", sa.String(255), nullable=False, unique=True),
        sa.Column("website", sa.String(500)),
    )
    op.create_table(
        "directory_locations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organization_id",
            sa.Integer(),
            sa.ForeignKey("directory_organizations.id"),
            nullable=False,
        ),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("address_1", sa.String(255)),
        sa.Column("address_2", sa.String(255)),
        sa.Column("city", sa.String(100)),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("postal_code", sa.String(5)),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("precise", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("phone", sa.String(40)),
        sa.Column("intake_phone", sa.String(40)),
        sa.Column("website", sa.String(500)),
        sa.Column("hours", sa.Text()),
        *(
            _flag(name)
            for name in (
                "medicaid",
                "medicare",
                "private_insurance",
                "self_pay",
                "sliding_fee",
                "free",
                "state_funded",
                "telehealth",
                "walk_in",
            )
        ),  # fmt: skip
        sa.Column("languages", sa.String(100), nullable=False, server_default=""),
        sa.Column("populations", sa.String(100), nullable=False, server_default=""),
        sa.Column("sources", sa.String(100), nullable=False),
        sa.Column("last_verified", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_directory_locations_organization_id", "directory_locations", ["organization_id"]
    )
    op.create_index(
        "ix_directory_locations_state_zip", "directory_locations", ["state", "postal_code"]
    )
    op.create_table(
        "directory_services",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "location_id",
            sa.Integer(),
            sa.ForeignKey("directory_locations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("forms", sa.String(200), nullable=False, server_default=""),
        sa.Column("sources", sa.String(100), nullable=False),
        sa.Column("last_verified", sa.Date(), nullable=False),
        sa.UniqueConstraint("location_id", "kind"),
    )
    op.create_index("ix_directory_services_kind", "directory_services", ["kind"])
    op.create_table(
        "directory_source_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_key", sa.String(64), nullable=False),
        sa.Column(
            "location_id", sa.Integer(), sa.ForeignKey("directory_locations.id"), nullable=False
        ),
        sa.Column("content_hash", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("last_verified", sa.Date(), nullable=False),
        sa.Column("first_imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("source", "source_key"),
    )
    op.create_index(
        "ix_directory_source_records_location_id", "directory_source_records", ["location_id"]
    )
    op.create_table(
        "listing_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "location_id", sa.Integer(), sa.ForeignKey("directory_locations.id"), nullable=False
        ),
        sa.Column("reason", sa.String(500)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_listing_reports_location_id", "listing_reports", ["location_id"])
    op.create_table(
        "directory_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("revision", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop the directory tables."""
    op.drop_table("directory_state")
    op.drop_table("listing_reports")
    op.drop_table("directory_source_records")
    op.drop_table("directory_services")
    op.drop_table("directory_locations")
    op.drop_table("directory_organizations")
