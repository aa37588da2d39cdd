"""The photos of a submission: files on disk (see `storage`), their review state here."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from suara.db.columns import created_at_column, timestamp_column, utcnow


class PhotoState(StrEnum):
    PENDING = "pending"
    """Seen by the handling agency only, until an officer looks for faces, plates and ID cards."""
    APPROVED = "approved"
    """Public (unless the item is confidential)."""
    HIDDEN = "hidden"
    """Approved once, hidden again by staff: agency only."""


class SubmissionPhoto(SQLModel, table=True):
    __tablename__ = "submission_photos"
    __table_args__ = (
        Index("ix_submission_photos_submission", "submission_id", "id"),
        UniqueConstraint("submission_id", "source_digest", name="uq_submission_photos_source"),
        CheckConstraint("state IN ('pending', 'approved', 'hidden')", name="ck_submission_photos_state"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    submission_id: int = Field(sa_column=Column(BigInteger, ForeignKey("submissions.id"), nullable=False))
    file_name: str = Field(unique=True, max_length=64)
    """Unguessable (secrets.token_urlsafe): the URL is the only handle on the file."""
    thumbnail_name: str = Field(unique=True, max_length=64)
    source_digest: str = Field(max_length=64)
    """SHA-256 of the file as uploaded: the same photo sent twice to one item (a retry) is kept once."""
    content_type: str = Field(default="image/jpeg", max_length=32)
    width: int
    height: int
    byte_size: int
    state: str = Field(default=PhotoState.PENDING, max_length=10)
    added_by: str = Field(max_length=40)
    reviewed_by: str | None = Field(default=None, max_length=40)
    reviewed_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())
