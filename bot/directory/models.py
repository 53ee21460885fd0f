"""Provider directory tables, shaped after Open Referral HSDS.

An organization runs locations; a location offers services. Each location is the merge of
one or more source records (the same clinic listed by FindTreatment.gov and by the OTP
directory is one location with two records), so every fact keeps where it came from and
when that source last confirmed it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import List

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, relationship

from bot.db import Base, utcnow


class Organization(Base):
    """The body that runs one or more locations (HSDS organization)."""

    __tablename__ = "directory_organizations"

    id: Mapped[int] = Column(Integer, primary_key=True)
    name: Mapped[str] = Column(String(255), nullable=False)
    name_key: Mapped[str] = Column(String(255), nullable=False, unique=True)
    website: Mapped[str | None] = Column(String(500))

    locations: Mapped[List[Location]] = relationship("Location", back_populates="organization")


class Location(Base):
    """A place people can go or call, with what it offers (HSDS location + service attributes)."""

    __tablename__ = "directory_locations"
    __table_args__ = (Index("ix_directory_locations_state_zip", "state", "postal_code"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    organization_id: Mapped[int] = Column(
        ForeignKey("directory_organizations.id"), nullable=False, index=True
    )
    name: Mapped[str] = Column(String(255), nullable=False)
    address_1: Mapped[str | None] = Column(String(255))
    address_2: Mapped[str | None] = Column(String(255))
    city: Mapped[str | None] = Column(String(100))
    state: Mapped[str] = Column(String(2), nullable=False)
    postal_code: Mapped[str | None] = Column(String(5))
    latitude: Mapped[float] = Column(Float, nullable=False)
    longitude: Mapped[float] = Column(Float, nullable=False)
    # False when coordinates are a ZIP or town centroid rather than the street address.
    precise: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    phone: Mapped[str | None] = Column(String(40))
    intake_phone: Mapped[str | None] = Column(String(40))
    website: Mapped[str | None] = Column(String(500))
    hours: Mapped[str | None] = Column(Text)
    medicaid: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    medicare: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    private_insurance: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    self_pay: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    sliding_fee: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    free: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    state_funded: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    telehealth: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    walk_in: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    languages: Mapped[str] = Column(String(100), nullable=False, default="")
    populations: Mapped[str] = Column(String(100), nullable=False, default="")
    sources: Mapped[str] = Column(String(100), nullable=False)
    last_verified: Mapped[date] = Column(Date, nullable=False)
    active: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    updated_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    organization: Mapped[Organization] = relationship("Organization", back_populates="locations")
    services: Mapped[List[Service]] = relationship(
        "Service", back_populates="location", cascade="all, delete-orphan", order_by="Service.kind"
    )
    records: Mapped[List[SourceRecord]] = relationship("SourceRecord", back_populates="location")


class Service(Base):
    """One service at a location (HSDS service_at_location), e.g. buprenorphine."""

    __tablename__ = "directory_services"
    __table_args__ = (UniqueConstraint("location_id", "kind"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    location_id: Mapped[int] = Column(
        ForeignKey("directory_locations.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = Column(String(32), nullable=False, index=True)
    forms: Mapped[str] = Column(String(200), nullable=False, default="")
    sources: Mapped[str] = Column(String(100), nullable=False)
    last_verified: Mapped[date] = Column(Date, nullable=False)

    location: Mapped[Location] = relationship("Location", back_populates="services")


class SourceRecord(Base):
    """One listing as a source gave it; `source_key` stays the same across re-imports."""

    __tablename__ = "directory_source_records"
    __table_args__ = (UniqueConstraint("source", "source_key"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    source: Mapped[str] = Column(String(16), nullable=False)
    source_key: Mapped[str] = Column(String(64), nullable=False)
    location_id: Mapped[int] = Column(
        ForeignKey("directory_locations.id"), nullable=False, index=True
    )
    content_hash: Mapped[str] = Column(String(40), nullable=False)
    data: Mapped[dict] = Column(JSON, nullable=False)
    last_verified: Mapped[date] = Column(Date, nullable=False)
    first_imported_at: Mapped[datetime] = Column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    updated_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    retired_at: Mapped[datetime | None] = Column(DateTime(timezone=True))

    location: Mapped[Location] = relationship("Location", back_populates="records")


class ListingReport(Base):
    """Someone said a listing is wrong. Holds no personal data: no sender, no phone."""

    __tablename__ = "listing_reports"

    id: Mapped[int] = Column(Integer, primary_key=True)
    location_id: Mapped[int] = Column(
        ForeignKey("directory_locations.id"), nullable=False, index=True
    )
    reason: Mapped[str | None] = Column(String(500))
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class DirectoryState(Base):
    """A single row whose revision changes whenever the directory does (search index key)."""

    __tablename__ = "directory_state"

    id: Mapped[int] = Column(Integer, primary_key=True)
    revision: Mapped[int] = Column(Integer, nullable=False, default=0)
    changed_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class LookupRecord(Base):
    """One directory lookup from a conversation, for the action team's figures.

    Town-level only and never linked to the conversation: where people looked, for what,
    and whether anything was near (no nearby result marks a treatment desert). The time is
    kept to the hour only, so it cannot be matched to a person's message.
    """

    __tablename__ = "directory_lookups"
    __table_args__ = (Index("ix_directory_lookups_at", "at"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    channel: Mapped[str] = Column(String(16), nullable=False)  # sms or web
    need: Mapped[str] = Column(String(16), nullable=False)  # treatment or naloxone
    medication: Mapped[str | None] = Column(String(16))
    town: Mapped[str | None] = Column(String(100))  # None when the place was not found
    state: Mapped[str | None] = Column(String(2))
    # Places on the first page within the normal radius (25 miles); 0: nothing near.
    nearby: Mapped[int] = Column(Integer, nullable=False)
    nearest_miles: Mapped[float | None] = Column(Float)


class ImportRun(Base):
    """One import or sync of a source, and how it went: the console says when the listings
    were last refreshed and whether the last sync failed. Counts only, no personal data."""

    __tablename__ = "directory_import_runs"
    __table_args__ = (Index("ix_directory_import_runs_source_started", "source", "started_at"),)

    IMPORT = "import"
    SYNC = "sync"

    id: Mapped[int] = Column(Integer, primary_key=True)
    kind: Mapped[str] = Column(String(8), nullable=False)  # import (a file) or sync (the API)
    source: Mapped[str] = Column(String(16), nullable=False)
    # What was read: the file name, or the states synced ("CT,MA").
    scope: Mapped[str] = Column(String(255), nullable=False, default="")
    started_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False)
    ok: Mapped[bool] = Column(Boolean, nullable=False)
    # The date the listings were taken as current (None when nothing was imported).
    verified_on: Mapped[date | None] = Column(Date)
    rows: Mapped[int] = Column(Integer, nullable=False, default=0)
    added: Mapped[int] = Column(Integer, nullable=False, default=0)
    updated: Mapped[int] = Column(Integer, nullable=False, default=0)
    unchanged: Mapped[int] = Column(Integer, nullable=False, default=0)
    retired: Mapped[int] = Column(Integer, nullable=False, default=0)
    rejected: Mapped[int] = Column(Integer, nullable=False, default=0)
    # Why a run failed, for staff (never a traceback).
    message: Mapped[str | None] = Column(String(500))
