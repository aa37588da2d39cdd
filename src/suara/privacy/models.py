"""The record of erasures: which submission and when, never whose data, so a restore can apply them again."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, String
from sqlmodel import Field, SQLModel

from suara.db.columns import created_at_column, utcnow


class ErasureReason(StrEnum):
    CITIZEN = "citizen"
    """The reporter asked (UU PDP's right to erasure)."""
    RETENTION = "retention"
    """``SUARA_CONTACT_RETENTION_DAYS`` passed since the item ended."""


class Erasure(SQLModel, table=True):
    """One submission whose reporter's personal data was erased. One row per submission: a second
    request finds it and changes nothing."""

    __tablename__ = "erasures"

    submission_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("submissions.id"), primary_key=True)
    )
    reason: str = Field(sa_column=Column(String(16), nullable=False))
    erased_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())
