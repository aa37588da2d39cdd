"""What the SMS channel stores: inbound messages (queued, done, dead), which number filed what, opt-outs, parts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from suara.db.columns import created_at_column, timestamp_column, utcnow


class SmsInbound(SQLModel, table=True):
    """One row per gateway message id, stored by the webhook before it answers: a gateway retrying a
    delivery is a no-op. Workers process ``queued`` rows in order per phone; a row that keeps failing
    becomes ``dead`` with its attempts and last error, for triage admins to see."""

    __tablename__ = "sms_inbound"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'done', 'dead')", name="ck_sms_inbound_state"),
        Index("ix_sms_inbound_queued", "id", postgresql_where=text("state = 'queued'")),
        Index("ix_sms_inbound_queued_phone", "phone", "id", postgresql_where=text("state = 'queued'")),
        Index("ix_sms_inbound_dead", "id", postgresql_where=text("state = 'dead'")),
        Index("ix_sms_inbound_submission", "submission_id", postgresql_where=text("submission_id IS NOT NULL")),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    gateway_message_id: str = Field(unique=True, max_length=128)
    phone: str | None = Field(default=None, max_length=20)
    """E.164; None only on rows from before the queue (all done)."""
    text: str | None = Field(default=None)
    """The raw text until processed (kept on dead letters for triage)."""
    part_reference: str | None = Field(default=None, max_length=32)
    part_number: int | None = None
    part_total: int | None = None
    state: str = Field(default="queued", sa_column=Column(String(8), nullable=False, server_default="queued"))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    last_error: str | None = Field(default=None)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())
    processed_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    command: str | None = Field(default=None, max_length=32)
    submission_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, ForeignKey("submissions.id"), nullable=True)
    )
    received_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class SmsThread(SQLModel, table=True):
    """The number a submission was filed from: the reply channel, also for anonymous reporters.

    Never shown to anyone: agencies see the phone only through the reporter contact, which an
    anonymous submission does not have.
    """

    __tablename__ = "sms_threads"

    submission_id: int = Field(sa_column=Column(BigInteger, ForeignKey("submissions.id"), primary_key=True))
    phone: str = Field(index=True, max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class SmsOptOut(SQLModel, table=True):
    """Numbers that sent BERHENTI/STOP: no more status messages, only answers to what they ask."""

    __tablename__ = "sms_opt_outs"

    phone: str = Field(primary_key=True, max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class SmsPart(SQLModel, table=True):
    """A part of a concatenated message whose gateway delivers parts separately, until all arrive."""

    __tablename__ = "sms_parts"
    __table_args__ = (UniqueConstraint("phone", "reference", "part_number"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    phone: str = Field(max_length=20)
    reference: str = Field(max_length=32)
    part_number: int
    total_parts: int
    text: str
    received_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())
