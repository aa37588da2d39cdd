"""Public figures per agency and period, read from the daily counters (never the submissions' contents);
breakdowns leave out confidential items, whose share is replayed from their events. Every read adds up a
counter's slots (see `suara.submissions.counter_models`), so a figure includes every committed change."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import func, literal, select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.errors import FieldProblem, ValidationFailed
from suara.db.columns import utcnow
from suara.submissions.counter_models import ALL_TIME, DAY, MONTH, PLATFORM, AgencyDailyCount
from suara.submissions.counting import (
    COUNTING_ZONE,
    HOUR_EDGES,
    WORKING_DAY_EDGES,
    counting_day,
    recount,
)
from suara.submissions.models import Submission
from suara.transparency import disclosure

FACET_PREFIX = "received_by_"


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


@dataclass(frozen=True)
class Durations:
    """A duration distribution read from a histogram: quantiles are the upper edge of their bucket."""

    count: int
    within_service_level: int
    median_hours: float | None
    p90_hours: float | None
    median_working_days: float | None
    p90_working_days: float | None

    @property
    def within_service_level_share(self) -> float | None:
        return self.within_service_level / self.count if self.count else None


@dataclass
class AgencyPeriod:
    agency_id: int
    period_start: date | None
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, metric: str) -> int:
        return self.counts.get(metric, 0)

    def by_prefix(self, prefix: str) -> dict[str, int]:
        return {metric[len(prefix):]: value for metric, value in self.counts.items()
                if metric.startswith(prefix) and value}

    def share(self, part: str, whole: str) -> float | None:
        return self.count(part) / self.count(whole) if self.count(whole) else None

    @property
    def routing_accuracy(self) -> float | None:
        """Share of this period's automatic routes to the agency that people did not change."""
        automatic = self.count("routed_automatically")
        return 1 - self.count("automatic_route_changed") / automatic if automatic else None

    def durations(self, prefix: str) -> Durations:
        return Durations(
            count=self.count(f"{prefix}_count"),
            within_service_level=self.count(f"{prefix}_within_service_level"),
            median_hours=self._quantile(prefix, HOUR_EDGES, "hours", 0.5),
            p90_hours=self._quantile(prefix, HOUR_EDGES, "hours", 0.9),
            median_working_days=self._quantile(prefix, WORKING_DAY_EDGES, "working_days", 0.5),
            p90_working_days=self._quantile(prefix, WORKING_DAY_EDGES, "working_days", 0.9),
        )

    def _quantile(self, prefix: str, edges: tuple[float, ...], unit: str, q: float) -> float | None:
        total = self.count(f"{prefix}_count")
        if not total:
            return None
        seen = 0
        for edge in edges:
            seen += self.count(f"{prefix}_le_{edge:g}_{unit}")
            if seen >= q * total:
                return float(edge)
        return None  # beyond the last edge: reported as "more than" it


def _bucket_start(period: Period):
    if period == Period.ALL:
        return None
    return func.date_trunc(period.value, AgencyDailyCount.day).cast(AgencyDailyCount.day.type)


def _span_for(period: Period, start: date | None, end: date | None) -> str:
    """The coarsest stored rows that answer the question: all-time and month rows keep reads cheap."""
    if period == Period.ALL and start is None and end is None:
        return ALL_TIME
    if period == Period.MONTH:
        return MONTH
    return DAY


async def figures(
    session: AsyncSession, *, period: Period, start: date | None = None, end: date | None = None,
    agency_id: int | None = None, all_agencies_together: bool = False,
) -> list[AgencyPeriod]:
    """Counters summed per agency (or over all agencies) and period; the cost depends on days and
    agencies, not on items.

    Months are whole calendar months: ``start`` selects from the first day of its month.
    """
    span = _span_for(period, start, end)
    bucket = _bucket_start(period)
    if span == MONTH:  # month rows are keyed by their first day: group by the column, in index order
        bucket = AgencyDailyCount.day
    who = literal(PLATFORM).label("agency_id") if all_agencies_together else AgencyDailyCount.agency_id
    columns = [who, AgencyDailyCount.metric, func.sum(AgencyDailyCount.value)]
    if bucket is not None:
        columns.insert(1, bucket.label("period_start"))
    query = select(*columns).where(
        AgencyDailyCount.span == span, AgencyDailyCount.agency_id != PLATFORM,
        AgencyDailyCount.metric.not_like(f"{FACET_PREFIX}%"),  # breakdowns are read by `arrivals_by`
    )
    if start:
        query = query.where(AgencyDailyCount.day >= (start.replace(day=1) if span == MONTH else start))
    if end:
        query = query.where(AgencyDailyCount.day <= end)
    if agency_id is not None:
        query = query.where(AgencyDailyCount.agency_id == agency_id)
    query = query.group_by(*([] if all_agencies_together else [AgencyDailyCount.agency_id]),
                           AgencyDailyCount.metric, *([bucket] if bucket is not None else []))
    rows = (await session.exec(query)).all()
    grouped: dict[tuple[int, date | None], AgencyPeriod] = {}
    for row in rows:
        if bucket is not None:
            agency, period_start, metric, value = row
        else:
            (agency, metric, value), period_start = row, None
        key = (agency, period_start)
        grouped.setdefault(key, AgencyPeriod(agency, period_start)).counts[metric] = int(value)
    return sorted(grouped.values(), key=lambda p: (p.agency_id, p.period_start or date.min))


@dataclass(frozen=True)
class AgencyBacklog:
    open_now: int
    overdue_now: int


BACKLOG_SIGNS = {
    "received": ("open", 1), "reopened": ("open", 1), "disputed": ("open", 1), "transferred_out": ("open", -1),
    "resolved": ("open", -1), "rejected": ("open", -1), "overdue_open": ("overdue", 1),
}


async def backlog(session: AsyncSession, agency_id: int | None = None) -> dict[int, AgencyBacklog]:
    """Items each agency holds unfinished right now, and how many of them are overdue, from all-time counters."""
    query = (
        select(AgencyDailyCount.agency_id, AgencyDailyCount.metric, func.sum(AgencyDailyCount.value))
        .where(AgencyDailyCount.metric.in_(BACKLOG_SIGNS), AgencyDailyCount.agency_id != PLATFORM,
               AgencyDailyCount.span == ALL_TIME)
        .group_by(AgencyDailyCount.agency_id, AgencyDailyCount.metric)
    )
    if agency_id is not None:
        query = query.where(AgencyDailyCount.agency_id == agency_id)
    totals: dict[int, dict[str, int]] = defaultdict(lambda: {"open": 0, "overdue": 0})
    for agency, metric, value in (await session.exec(query)).all():
        which, sign = BACKLOG_SIGNS[metric]
        totals[agency][which] += sign * int(value)
    return {agency: AgencyBacklog(t["open"], t["overdue"]) for agency, t in totals.items()}


class Dimension(StrEnum):
    CHANNEL = "channel"
    REGION = "region"
    CATEGORY = "category"


PROTECTED = (Dimension.REGION, Dimension.CATEGORY)
"""Dimensions that can point at a person; the channel only says how an item came in."""
ALL_AGENCIES = PLATFORM
UNKNOWN = "unknown"
"""The key of items without a region or category; always a column, so a row with one key can be covered."""
"""The row of a breakdown summed over all agencies."""


@dataclass(frozen=True)
class Cell:
    key: str
    count: int | None
    """None when hidden (fewer than 5 items, or hidden so that such a cell cannot be computed)."""

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class MonthBreakdown:
    """One calendar month of arrivals per agency and key, with the cells to hide already chosen."""

    month: date
    dimension: Dimension
    values: dict[tuple[int, str], int]
    """Arrivals of items that are not confidential, per (agency id or ALL_AGENCIES, key)."""
    hidden: set[tuple[int, str]]
    confidential: dict[int, int] = field(default_factory=dict)
    """Confidential arrivals per agency id (and ALL_AGENCIES): counted, never broken down. Each one's agency
    and dates are public, so this count is too; in a cell it could be found by subtracting the public items."""

    def total(self, agency_id: int = ALL_AGENCIES) -> int:
        """All arrivals (the agency's `received`), confidential ones included."""
        return self.confidential.get(agency_id, 0) + sum(
            value for (agency, _), value in self.values.items() if agency == agency_id)

    def shown(self, agency_id: int, key: str) -> bool:
        return (agency_id, key) not in self.hidden

    def cells(self, agency_id: int = ALL_AGENCIES) -> list[Cell]:
        """Non-zero cells, and hidden ones (a hidden cell may be 0: it is hidden to protect another)."""
        cells = [Cell(key, None if (agency, key) in self.hidden else value)
                 for (agency, key), value in self.values.items() if agency == agency_id and value]
        cells += [Cell(key, None) for agency, key in self.hidden
                  if agency == agency_id and not self.values.get((agency, key))]
        return sorted(cells, key=lambda cell: (cell.suppressed, -(cell.count or 0), cell.key))


def current_month(now: datetime | None = None) -> date:
    """The first day of the calendar month under way (WIB); its breakdowns are not published yet."""
    return counting_day(now or utcnow()).replace(day=1)


def calendar_month(period: str, *, now: datetime | None = None) -> date:
    """The first day of the ended calendar month written ``YYYY-MM``; anything else is refused.

    Breakdowns are published for whole calendar months only: two overlapping ranges (or a quarter
    and its months) could be subtracted to reveal a hidden cell, and so could two readings of a month
    still under way (their difference is a day's breakdown).
    """
    text = period.strip() if isinstance(period, str) else ""
    year, dash, month = text.partition("-")
    if not (dash and len(year) == 4 and len(month) == 2 and year.isdigit() and month.isdigit()
            and year.isascii() and month.isascii() and 1 <= int(month) <= 12 and int(year) >= 1970):
        raise ValidationFailed([FieldProblem(
            "period", "invalid_period",
            "Rincian hanya tersedia per bulan kalender, ditulis TTTT-BB (misalnya 2026-11); rentang tanggal "
            "lain tidak diterbitkan agar sel kecil tidak dapat dihitung dengan pengurangan.",
            "Breakdowns are published for whole calendar months only, written YYYY-MM (for example 2026-11); "
            "other date ranges are not published, so that small cells cannot be recovered by subtraction.",
        )])
    first = date(int(year), int(month), 1)
    if first >= current_month(now):
        raise ValidationFailed([FieldProblem(
            "period", "period_not_closed",
            "Rincian sebuah bulan diterbitkan setelah bulan itu berakhir (WIB), agar dua pembacaan bulan yang "
            "sedang berjalan tidak dapat dikurangkan.",
            "A month's breakdown is published once the month has ended (WIB), so that two readings of a month "
            "under way cannot be subtracted.",
        )])
    return first


async def breakdowns(
    session: AsyncSession, dimensions: list[Dimension], months: list[date] | None = None,
) -> dict[Dimension, dict[date, MonthBreakdown]]:
    """`month_breakdowns` of several dimensions, replaying the confidential items once."""
    confidential = await _confidential_arrivals(session, months)
    return {dimension: await month_breakdowns(session, dimension, months, confidential=confidential)
            for dimension in dimensions}


async def month_breakdowns(
    session: AsyncSession, dimension: Dimension, months: list[date] | None = None, *,
    confidential: dict[date, dict[tuple[int, str], int]] | None = None,
) -> dict[date, MonthBreakdown]:
    """Arrivals per month, agency and key, with complementary suppression over the whole month's table.

    The table of a month is every agency's row plus the all-agencies row; every agency's total
    (`received`) and the grand total are published, so hiding is decided for all rows at once.
    The month's keys and "unknown" are the columns, so a hidden zero can cover a row with one key.
    ``confidential`` is the confidential items' share (`_confidential_arrivals`), when already read.
    """
    prefix = f"{FACET_PREFIX}{dimension.value}:"
    total = func.sum(AgencyDailyCount.value)
    query = (
        select(AgencyDailyCount.day, AgencyDailyCount.agency_id, AgencyDailyCount.metric, total)
        .where(AgencyDailyCount.span == MONTH, AgencyDailyCount.metric.startswith(prefix),
               AgencyDailyCount.agency_id != PLATFORM)
        .group_by(AgencyDailyCount.day, AgencyDailyCount.agency_id, AgencyDailyCount.metric)
        .having(total != 0)
    )
    if months is not None:
        query = query.where(AgencyDailyCount.day.in_(months))
    by_month: dict[date, dict[tuple[int, str], int]] = defaultdict(dict)
    for month, agency, metric, value in (await session.exec(query)).all():
        by_month[month][(agency, metric[len(prefix):])] = int(value)
    if confidential is None:
        confidential = await _confidential_arrivals(session, months)
    result = {}
    for month in (months if months is not None else sorted(by_month)):
        values = by_month.get(month, {})
        held: dict[int, int] = defaultdict(int)
        for (agency, metric), value in confidential.get(month, {}).items():
            if not metric.startswith(prefix):
                continue
            key = metric[len(prefix):]
            values[(agency, key)] = values.get((agency, key), 0) - value
            held[agency] += value
            held[ALL_AGENCIES] += value
        values = {cell: value for cell, value in values.items() if value > 0}
        for (agency, key), value in list(values.items()):
            values[(ALL_AGENCIES, key)] = values.get((ALL_AGENCIES, key), 0) + value
        agencies = sorted({agency for agency, _ in values if agency != ALL_AGENCIES})
        month_keys = sorted({key for _, key in values} | ({UNKNOWN} if dimension in PROTECTED else set()))
        hidden = set()
        if dimension in PROTECTED:
            hidden = disclosure.protect_table(values, agencies, month_keys, ALL_AGENCIES)
        result[month] = MonthBreakdown(month, dimension, values, hidden, dict(held))
    return result


async def _confidential_arrivals(
    session: AsyncSession, months: list[date] | None,
) -> dict[date, dict[tuple[int, str], int]]:
    """The breakdown counters' share that confidential items make, replayed from their events with the
    counters' own rules (they are few), per month and (agency, breakdown metric)."""
    if months is not None and not months:
        return {}
    moved = select(Submission.id).where(Submission.confidential.is_(True), Submission.routed_at.is_not(None))
    if months:
        # An arrival in the months means filed before their end and last routed (or forwarded) after their start.
        last = max(months)
        end = datetime.combine(date(last.year + last.month // 12, last.month % 12 + 1, 1), time(0), COUNTING_ZONE)
        moved = moved.where(Submission.created_at < end,
                            Submission.routed_at >= datetime.combine(min(months), time(0), COUNTING_ZONE))
    wanted = None if months is None else set(months)
    shares: dict[date, dict[tuple[int, str], int]] = defaultdict(lambda: defaultdict(int))
    for (agency, day, metric), value in (await recount(session, moved)).items():
        month = day.replace(day=1)
        if value and metric.startswith(FACET_PREFIX) and agency != PLATFORM and (wanted is None or month in wanted):
            shares[month][(agency, metric)] += value
    return shares


async def arrivals(session: AsyncSession, dimension: Dimension, month: date) -> MonthBreakdown:
    """One calendar month of arrivals per channel, region or category, every agency and all together."""
    return (await month_breakdowns(session, dimension, [month]))[month]
