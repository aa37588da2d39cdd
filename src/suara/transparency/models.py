"""Daily counters per agency: the only table public statistics read."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Column, Date
from sqlmodel import Field, SQLModel

PLATFORM = 0
"""The agency id under which items that have no agency yet are counted."""


class AgencyDailyCount(SQLModel, table=True):
    __tablename__ = "agency_daily_counts"

    agency_id: int = Field(primary_key=True)
    day: date = Field(sa_column=Column(Date, primary_key=True))
    metric: str = Field(primary_key=True, max_length=100)
    """e.g. resolved, first_response_le_3_working_days, received_by_category:<slug up to 60>."""
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
