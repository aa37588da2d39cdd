"""The outbox: one row per message to send, with its send state and failure count."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, text
from sqlmodel import Field, SQLModel

from suara.db.columns import created_at_column, timestamp_column, utcnow


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "state", "next_attempt_at"),
        Index("ix_outbox_recipient_created", "recipient", "created_at"),  # the daily SMS cap
        Index("ix_outbox_submission", "submission_id", postgresql_where=text("submission_id IS NOT NULL")),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    submission_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, ForeignKey("submissions.id"), nullable=True)
    )
    channel: str
    """``sms`` or ``email``."""
    recipient: str
    subject: str | None = None
    body: str
    state: str = Field(default=OutboxState.PENDING, sa_column_kwargs={"server_default": text("'pending'")})
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())
    last_error: str | None = None
    sent_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())
