"""Tables of a submission, its reporter's contact (kept apart) and its append-only event log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Computed, ForeignKey, Index, Integer, UniqueConstraint, false, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from suara.db.columns import created_at_column, jsonb_column, timestamp_column, utcnow


class Kind(StrEnum):
    COMPLAINT = "complaint"
    ASPIRATION = "aspiration"
    INFORMATION_REQUEST = "information_request"


class Channel(StrEnum):
    WEB = "web"
    API = "api"
    SMS = "sms"
    OPEN311 = "open311"
    PROPOSAL = "proposal"
    """A citizen proposal that reached its support threshold (filed by Suara, not by a person)."""


class Status(StrEnum):
    RECEIVED = "received"
    IN_TRIAGE = "in_triage"
    ROUTED = "routed"
    FORWARDED = "forwarded"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    REOPENED = "reopened"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"


class StatusGroup(StrEnum):
    """The coarse public grouping of fine statuses (as FixMyStreet's open/closed/fixed)."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"


STATUS_GROUPS: dict[str, StatusGroup] = {
    Status.RECEIVED: StatusGroup.OPEN,
    Status.IN_TRIAGE: StatusGroup.OPEN,
    Status.ROUTED: StatusGroup.OPEN,
    Status.FORWARDED: StatusGroup.OPEN,
    Status.ACKNOWLEDGED: StatusGroup.IN_PROGRESS,
    Status.IN_PROGRESS: StatusGroup.IN_PROGRESS,
    Status.REOPENED: StatusGroup.IN_PROGRESS,
    Status.RESOLVED: StatusGroup.RESOLVED,
    Status.CLOSED: StatusGroup.RESOLVED,
    Status.REJECTED: StatusGroup.REJECTED,
}

UNFINISHED_GROUPS = (StatusGroup.OPEN, StatusGroup.IN_PROGRESS)


def unfinished_statuses() -> list[str]:
    """Statuses of items still being worked on: they can be supported and found as duplicates."""
    return [status for status, group in STATUS_GROUPS.items() if group in UNFINISHED_GROUPS]


SEARCH_DOCUMENT_SQL = "to_tsvector('simple', coalesce(title, '') || ' ' || \"text\")"
"""Words of an item for the inbox's text filter (language-neutral: reports mix Indonesian, regional languages and
English). Queries must use this exact expression so the GIN index serves them."""

ROUTING_MARGIN_SQL = (
    "(coalesce(CAST(routing_suggestions->0->>'confidence' AS double precision), routing_confidence)"
    " - coalesce(CAST(routing_suggestions->1->>'confidence' AS double precision), 0))"
)
"""How far the model's best suggestion is ahead of its second: the smaller, the more a person's choice
teaches it (the triage queue's uncertainty order). Queries must use this exact expression (its index)."""


class Submission(SQLModel, table=True):
    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_agency_status", "agency_id", "status"),
        Index("ix_submissions_status_created", "status", "created_at"),
        Index("ix_submissions_duplicate_bands", "duplicate_bands", postgresql_using="gin"),
        Index("ix_submissions_agency_inbox", "agency_id", "due_at", "id"),
        Index("ix_submissions_agency_assignee", "agency_id", "assigned_staff_id"),
        Index("ix_submissions_text_search", text(SEARCH_DOCUMENT_SQL), postgresql_using="gin"),
        Index(
            "ix_submissions_triage_queue", "created_at", "id",
            postgresql_where=text("status IN ('received', 'in_triage')"),
        ),
        Index(
            "ix_submissions_triage_uncertainty", text(ROUTING_MARGIN_SQL), "id",
            postgresql_where=text("status IN ('received', 'in_triage')"),
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    tracking_code: str = Field(unique=True, max_length=16)
    idempotency_key: str | None = Field(default=None, unique=True, max_length=200)
    """Namespaced by who may use it (``client:…``, ``sms:…``, ``proposal:…``): a client never reaches
    a key of another namespace."""
    idempotency_fingerprint: str | None = Field(default=None, max_length=64)
    """Digest of the request a key was first used with: a replay with another payload is a conflict."""
    kind: str
    channel: str
    title: str | None = None
    text: str
    public_text: str
    """The text with personal data masked: the only text any public view shows."""
    category_slug: str | None = Field(default=None, foreign_key="categories.slug")
    agency_id: int | None = Field(default=None, foreign_key="agencies.id")
    service_slug: str | None = Field(default=None, foreign_key="public_services.slug", index=True)
    """The public service the citizen filed about, when they chose one from the catalogue."""
    location_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    cell_lat: int | None = Field(default=None, sa_column=Column(
        Integer, Computed("(round(latitude::numeric, 3) * 1000)::integer", persisted=True)))
    """The ~100 m public cell (latitude rounded to 3 decimals, in thousandths): the grid of map queries."""
    cell_lon: int | None = Field(default=None, sa_column=Column(
        Integer, Computed("(round(longitude::numeric, 3) * 1000)::integer", persisted=True)))
    coarse_lat: int | None = Field(default=None, sa_column=Column(
        Integer, Computed("(round(latitude::numeric, 2) * 100)::integer", persisted=True)))
    """The ~1 km public cell (rounded to 2 decimals, in hundredths), shown where the ~100 m cell is sparse."""
    coarse_lon: int | None = Field(default=None, sa_column=Column(
        Integer, Computed("(round(longitude::numeric, 2) * 100)::integer", persisted=True)))
    public_fine: bool = Field(default=False, sa_column=Column(Boolean, server_default=false(), nullable=False))
    """The ~100 m cell holds at least 5 public items (see precision.py); kept by the map_cells trigger."""
    region_code: str | None = Field(default=None, max_length=13)
    anonymous: bool = False
    confidential: bool = False
    status: str = Field(default=Status.RECEIVED)
    version: int = 1
    routing_confidence: float | None = None
    routing_model_version: str | None = None
    routing_suggestions: list[dict[str, Any]] | None = Field(default=None, sa_column=jsonb_column())
    support_count: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    field_check: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    routed_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    first_response_due_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    resolution_due_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    first_responded_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    resolved_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    closed_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    first_response_escalated_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    resolution_escalated_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    route_automatic: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    """The current route is the model's and no person has changed it (for routing accuracy)."""
    overdue_since: datetime | None = Field(default=None, sa_column=timestamp_column())
    """Set when the agency missed a deadline, cleared when it resolves, rejects or hands the item on."""
    due_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    """The deadline that matters now: first response until answered, then resolution."""
    assigned_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    """The officer of the handling agency who took the item; cleared when it leaves the agency."""
    duplicate_of_id: int | None = Field(default=None, sa_column=Column(BigInteger, ForeignKey("submissions.id")))
    """Set when staff close the item as a duplicate of another one (its supports moved there)."""
    duplicate_bands: list[int] | None = Field(default=None, sa_column=Column(ARRAY(BigInteger)))
    """MinHash band hashes of the text, for finding near-identical open submissions."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class MapCell(SQLModel, table=True):
    """How many public (non-confidential, located) items share a ~100 m cell. Written only by the
    trigger of migration 0022, on every insert, move, confidentiality change and delete."""

    __tablename__ = "map_cells"

    cell_lat: int = Field(primary_key=True)
    cell_lon: int = Field(primary_key=True)
    public_items: int


class ReporterContact(SQLModel, table=True):
    """Who filed a submission. Reachable only through functions that check who is asking."""

    __tablename__ = "reporter_contacts"
    __table_args__ = (
        Index("ix_reporter_contacts_verified_phone", "phone", postgresql_where=text("phone_verified")),
    )

    submission_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    )
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    nik: str | None = Field(default=None, max_length=16)
    phone_verified: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    """Status messages go only to a verified phone (it sent the SMS, or confirmed a code)."""


class SubmissionEvent(SQLModel, table=True):
    """One step in a submission's life. Rows are only ever inserted."""

    __tablename__ = "submission_events"
    __table_args__ = (
        Index("ix_submission_events_submission", "submission_id", "id"),
        Index("ix_submission_events_contact_reads", "actor", "id", postgresql_where=text("kind = 'contact_viewed'")),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    submission_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("submissions.id"), nullable=False)
    )
    kind: str
    actor: str
    status_before: str | None = None
    status_after: str
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=jsonb_column(nullable=False)
    )
    public: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class SubmissionSupport(SQLModel, table=True):
    """A citizen's "me too" on an existing submission instead of filing a duplicate."""

    __tablename__ = "submission_supports"
    __table_args__ = (UniqueConstraint("idempotency_key"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    submission_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("submissions.id"), nullable=False, index=True)
    )
    channel: str
    idempotency_key: str | None = Field(default=None, max_length=200)
    """Namespaced like a submission's key (``client:…``)."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())
