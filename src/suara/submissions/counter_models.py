"""Daily counters per agency: the only table public statistics read."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Column, Date, Index
from sqlmodel import Field, SQLModel

PLATFORM = 0
"""The agency id under which items that have no agency yet are counted."""

DAY, MONTH, ALL_TIME = "day", "month", "all"
ALL_TIME_DAY = date(1970, 1, 1)
"""Every increment lands in its day's row, its month's row (first day of the month) and the all-time row,
so reading a month or all time costs the same however much history there is."""


class AgencyDailyCount(SQLModel, table=True):
    __tablename__ = "agency_daily_counts"
    __table_args__ = (
        # Public reads select one span and a range of days: an index-only scan of exactly those rows,
        # where the primary key (agency first) would make them scan every day row ever written.
        Index("ix_agency_daily_counts_span_day", "span", "day", "agency_id", "metric",
              postgresql_include=["value"]),
    )

    agency_id: int = Field(primary_key=True)
    span: str = Field(default=DAY, primary_key=True, max_length=5)
    day: date = Field(sa_column=Column(Date, primary_key=True))
    metric: str = Field(primary_key=True, max_length=100)
    """e.g. resolved, first_response_le_3_working_days, received_by_category:<slug up to 60>."""
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
