"""Time-bucketed hit counts: one row per (limit key, bucket), so no two clients share a hot row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, String
from sqlmodel import Field, SQLModel


class RateLimitHit(SQLModel, table=True):
    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_bucket", "bucket_start"),)

    key: str = Field(sa_column=Column(String(200), primary_key=True))
    """What is limited and for whom, e.g. ``submit:ip:203.0.113.7``; hashed where it holds personal data."""
    bucket_start: datetime = Field(sa_column=Column(DateTime(timezone=True), primary_key=True))
    hits: int = 0
