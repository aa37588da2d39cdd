"""Per-item open data that never narrows an item to fewer than 5 by region × category × agency × month.

Only items filed in an ended month are listed (two readings of a month under way would date new rows
to the day). A row carries no tracking code (it would link to the item's public page, with exact dates
and place), dates only as calendar months (WIB), and the region only at regency level. A region or category is
left blank when the monthly breakdown hides that cell (so counting rows cannot undo the hiding), then
when fewer than 5 published rows share the row's region, category, agency and month; rows still
alone after both are blanked are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.submissions.counting import COUNTING_ZONE
from suara.submissions.models import Submission
from suara.transparency import disclosure
from suara.transparency.queries import Dimension, MonthBreakdown, breakdowns, current_month

REGION_LEVEL = 5
"""Regency codes such as 33.74, the level of the breakdowns."""

Group = tuple[str, str, int | None, str]
"""(region, category, agency id, month "YYYY-MM"); blank strings are withheld values."""


def _month(column):
    return func.to_char(func.timezone(str(COUNTING_ZONE), column), "YYYY-MM")


@dataclass(frozen=True)
class ItemRow:
    kind: str
    category: str
    agency_id: int | None
    region: str
    channel: str
    status: str
    submitted_month: str
    routed_month: str | None
    first_responded_month: str | None
    resolved_month: str | None
    closed_month: str | None
    first_response_within_service_level: bool | None
    resolution_within_service_level: bool | None


def _shown(breakdowns: dict[date, MonthBreakdown], agency_id: int | None, months: set[str], key: str,
           under_way: date) -> bool:
    """Whether the monthly breakdowns show this agency's cell in every month the item touches (filed,
    and arrived at its agency; a month under way shows nothing yet); items with no agency are in no
    breakdown. (Confidential items are in no cell either, so rows and cells differ by no confidential one.)
    """
    if not key:
        return True
    for month in months:
        first = date.fromisoformat(month + "-01")
        if first >= under_way:
            return False
        breakdown = breakdowns.get(first)
        if agency_id is not None and breakdown is not None and not breakdown.shown(agency_id, key):
            return False
    return True


Source = tuple[str, str, int | None, str, str | None]
"""A group as stored: (region, category, agency id, month filed, month it reached its agency)."""


async def placement(session: AsyncSession) -> dict[Source, Group | None]:
    """Where each group of public items is published (see the module docstring); None = left out."""
    region, month, routed = (func.left(Submission.region_code, REGION_LEVEL), _month(Submission.created_at),
                             _month(Submission.routed_at))
    rows = (await session.exec(
        select(region, Submission.category_slug, Submission.agency_id, month, routed, func.count())
        .where(Submission.confidential.is_(False))
        .group_by(region, Submission.category_slug, Submission.agency_id, month, routed)
    )).all()
    under_way = current_month()
    rows = [row for row in rows if date.fromisoformat(row[3] + "-01") < under_way]
    months = sorted({date.fromisoformat(value + "-01") for row in rows for value in row[3:5] if value})
    tables = await breakdowns(session, [Dimension.REGION, Dimension.CATEGORY], months)
    regions, categories = tables[Dimension.REGION], tables[Dimension.CATEGORY]
    counts: dict[Source, int] = {}
    start: dict[Source, Group] = {}
    for region_code, category, agency_id, filed, arrived, count in rows:
        source = (region_code or "", category or "", agency_id, filed, arrived)
        touched = {filed} | ({arrived} if arrived else set())
        counts[source] = int(count)
        start[source] = (
            source[0] if _shown(regions, agency_id, touched, source[0], under_way) else "",
            source[1] if _shown(categories, agency_id, touched, source[1], under_way) else "",
            agency_id, filed,
        )
    # k-anonymity over what is left after the breakdowns' hiding: group the start placements.
    started: dict[Group, int] = {}
    for source, count in counts.items():
        started[start[source]] = started.get(start[source], 0) + count
    steps = [lambda g: ("", g[1], g[2], g[3]), lambda g: (g[0], "", g[2], g[3])]
    final = disclosure.generalise(started, steps)
    return {source: final[start[source]] for source in counts}


async def published_items(session: AsyncSession) -> list[ItemRow]:
    """Public items as open-data rows, sorted by their published values only (never by filing order,
    which would place a row with a blanked region next to the ones it came from)."""
    placed = await placement(session)
    region, month = func.left(Submission.region_code, REGION_LEVEL), _month(Submission.created_at)
    query = (
        select(region, Submission.category_slug, Submission.agency_id, month, Submission.kind,
               Submission.channel, Submission.status, _month(Submission.routed_at),
               _month(Submission.first_responded_at), _month(Submission.resolved_at), _month(Submission.closed_at),
               Submission.first_responded_at, Submission.first_response_due_at, Submission.resolved_at,
               Submission.resolution_due_at)
        .where(Submission.confidential.is_(False))
    )
    items = []
    for row in (await session.exec(query)).all():
        target = placed.get((row[0] or "", row[1] or "", row[2], row[3], row[7]))
        if target is None:
            continue
        responded, responded_due, resolved, resolved_due = row[11:15]
        items.append(ItemRow(
            kind=row[4], category=target[1], agency_id=row[2], region=target[0], channel=row[5], status=row[6],
            submitted_month=row[3], routed_month=row[7], first_responded_month=row[8], resolved_month=row[9],
            closed_month=row[10],
            first_response_within_service_level=(responded <= responded_due) if responded and responded_due else None,
            resolution_within_service_level=(resolved <= resolved_due) if resolved and resolved_due else None,
        ))
    items.sort(key=lambda item: tuple("" if value is None else str(value) for value in (
        item.submitted_month, item.agency_id, item.category, item.region, item.kind, item.status, item.channel,
        item.routed_month, item.first_responded_month, item.resolved_month, item.closed_month,
        item.first_response_within_service_level, item.resolution_within_service_level)))
    return items
