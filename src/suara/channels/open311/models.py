"""API keys of Open311 clients (civic apps), stored hashed and revocable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from suara.db.columns import created_at_column, timestamp_column, utcnow


class Open311Key(SQLModel, table=True):
    __tablename__ = "open311_keys"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    name: str = Field(max_length=200)
    """Who holds it, e.g. "FixMyStreet Semarang"."""
    key_hash: str = Field(unique=True, max_length=64)
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    last_used_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())
