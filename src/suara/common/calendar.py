"""Working days for Indonesian service levels: Monday–Friday minus public holidays and cuti bersama.

The `holidays` package lists national holidays ("public") and the collective leave days set each
year by joint ministerial decree ("government", e.g. "Eid al-Fitr Joint Holiday").
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=64)
def _days_off(year: int) -> dict[date, str]:
    calendar = holidays.ID(years=year, categories=("public", "government"))
    return dict(calendar.items())


def holiday_name(day: date) -> str | None:
    return _days_off(day.year).get(day)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and holiday_name(day) is None


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(start: datetime, days: int, timezone: str) -> datetime:
    """The end (23:59:59.999999 local) of the ``days``-th working day after start's local date."""
    if days < 1:
        raise ValueError("days must be at least 1")
    zone = ZoneInfo(timezone)
    day = start.astimezone(zone).date()
    for _ in range(days):
        day = next_working_day(day)
    end_of_day = datetime.combine(day, time.max, tzinfo=zone)
    return end_of_day.astimezone(ZoneInfo("UTC"))


def working_days_between(start: datetime, end: datetime, timezone: str) -> float:
    """Elapsed time between two instants counting only working days, in days."""
    if end <= start:
        return 0.0
    zone = ZoneInfo(timezone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    total = timedelta()
    day = local_start.date()
    while day <= local_end.date():
        if is_working_day(day):
            day_start = datetime.combine(day, time.min, tzinfo=zone)
            day_end = day_start + timedelta(days=1)
            total += min(day_end, local_end) - max(day_start, local_start)
        day += timedelta(days=1)
    return total.total_seconds() / 86400


def working_days_left(due: datetime, now: datetime, timezone: str) -> int:
    """Whole working days from today (local) to the due day: 0 on the due day itself, negative
    (the working days since) once it has passed."""
    zone = ZoneInfo(timezone)
    today, due_day = now.astimezone(zone).date(), due.astimezone(zone).date()
    if due >= now:
        return _working_days_after(today, due_day)
    return -max(_working_days_after(due_day, today), 1)


def _working_days_after(start: date, end: date) -> int:
    """Working days d with start < d <= end."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
