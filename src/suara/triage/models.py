"""Staff accounts, their sign-in sessions and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, text
from sqlmodel import Field, SQLModel

from suara.db.columns import created_at_column, timestamp_column, utcnow


class Role(StrEnum):
    TRIAGE_ADMIN = "triage_admin"
    """Works the triage queue across agencies and corrects routing."""
    AGENCY_ADMIN = "agency_admin"
    """Manages the agency's staff and works its inbox."""
    OFFICER = "officer"
    """Works the agency's inbox."""


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
