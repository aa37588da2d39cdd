"""Daily counters per agency: the only table public statistics read.

Each counter is spread over up to ``SLOTS`` rows (``slot`` in the key) that readers add up: a writing
transaction adds its changes to the rows of one slot that no other open transaction is writing (see
`suara.submissions.counting.apply`), so concurrent filings never queue on the platform's shared rows.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Column, Date, Index, SmallInteger, text
from sqlmodel import Field, SQLModel

PLATFORM = 0
"""The agency id under which items that have no agency yet are counted."""

DAY, MONTH, ALL_TIME = "day", "month", "all"
ALL_TIME_DAY = date(1970, 1, 1)
"""Every increment lands in its day's row, its month's row (first day of the month) and the all-time row,
so reading a month or all time costs the same however much history there is."""

SLOTS = 64
"""Rows a counter may be spread over. Slots are handed out lowest free first, so a counter has about as many
rows as transactions wrote it at the same moment (about 20 under 50 clients filing at once on 2 cores),
never more than this, and a job folds them back into slot 0 (`counting.fold_slots`): reads stay flat."""


class AgencyDailyCount(SQLModel, table=True):
    __tablename__ = "agency_daily_counts"
    __table_args__ = (
        # Public reads select one span and a range of days: an index-only scan of exactly those rows (every
        # slot of them, summed), where the primary key (agency first) would make them scan every day row.
        Index("ix_agency_daily_counts_span_day", "span", "day", "agency_id", "metric",
              postgresql_include=["value"]),
        # The rows of slots above 0 (few once folded): what `counting.fold_slots` reads, without a scan.
        Index("ix_agency_daily_counts_spread", "slot", postgresql_where=text("slot > 0")),
    )

    agency_id: int = Field(primary_key=True)
    span: str = Field(default=DAY, primary_key=True, max_length=5)
    day: date = Field(sa_column=Column(Date, primary_key=True))
    metric: str = Field(primary_key=True, max_length=100)
    """e.g. resolved, first_response_le_3_working_days, received_by_category:<slug up to 60>."""
    slot: int = Field(default=0, sa_column=Column(SmallInteger, primary_key=True, default=0,
                                                  server_default=text("0")))
    """Which of the counter's rows this is; the counter's value is the sum over its slots."""
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
