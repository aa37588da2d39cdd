"""What the SMS channel stores: gateway message ids seen, which number filed what, opt-outs, parts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel

from suara.db.columns import created_at_column, utcnow


class SmsInbound(SQLModel, table=True):
    """One row per gateway message id: a gateway retrying a delivery is processed once."""

    __tablename__ = "sms_inbound"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    gateway_message_id: str = Field(unique=True, max_length=128)
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
