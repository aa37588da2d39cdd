"""Staff accounts, their sign-in sessions and API tokens."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, String, text
from sqlmodel import Field, SQLModel

from suara.db.columns import created_at_column, jsonb_column, timestamp_column, utcnow


class Staff(SQLModel, table=True):
    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agencies.id", index=True)
    email: str = Field(unique=True, max_length=254)
    password_hash: str
    role: str
    active: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})
    failed_logins: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    locked_until: datetime | None = Field(default=None, sa_column=timestamp_column())
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    """Set for a one-time password (new account, admin reset): the next sign-in must choose a new one."""
    disabled_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class StaffSession(SQLModel, table=True):
    """A browser sign-in. Only the SHA-256 of the cookie value is stored."""

    __tablename__ = "staff_sessions"

    token_hash: str = Field(primary_key=True, max_length=64)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    expires_at: datetime = Field(sa_column=timestamp_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class ApiToken(SQLModel, table=True):
    """A revocable bearer token for an agency's integration; stored hashed."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    staff_id: int = Field(sa_column=Column(ForeignKey("staff.id"), nullable=False, index=True))
    name: str
    token_hash: str = Field(unique=True, max_length=64)
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    last_used_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class AnswerTemplate(SQLModel, table=True):
    """A reusable public answer an agency's staff start from."""

    __tablename__ = "answer_templates"

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agencies.id", index=True)
    title: str = Field(max_length=120)
    body: str
    created_by: int | None = Field(default=None, foreign_key="staff.id")
    archived_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class ServiceLevelChange(SQLModel, table=True):
    """An agency's service levels from ``changed_at`` on (applied to new items only; shown publicly)."""

    __tablename__ = "service_level_changes"

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agencies.id", index=True)
    first_response_days: int
    information_request_days: int
    resolution_days: int
    resolution_with_field_check_days: int
    changed_by: int | None = Field(default=None, foreign_key="staff.id")
    changed_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class StaffAuditEntry(SQLModel, table=True):
    """Who did what in the back office (admin actions, inbox downloads). Rows are only inserted."""

    __tablename__ = "staff_audit"
    __table_args__ = (Index("ix_staff_audit_agency_created", "agency_id", "created_at"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    agency_id: int | None = Field(default=None, foreign_key="agencies.id")
    actor: str = Field(sa_column=Column(String(64), nullable=False))
    action: str = Field(sa_column=Column(String(60), nullable=False))
    target: str | None = Field(default=None, sa_column=Column(String(120)))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column(nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class StaffDigestRun(SQLModel, table=True):
    """Claimed once per officer and local day, so only one server process sends the daily digest."""

    __tablename__ = "staff_digest_runs"

    staff_id: int = Field(sa_column=Column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True))
    local_date: date = Field(sa_column=Column(Date, primary_key=True))
    sent_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())
