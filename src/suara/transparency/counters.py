"""Which counters an event moves, applied in the event's own transaction, and recomputed from scratch.

Both the incremental path and the rebuild call `increments_for_event`, so they cannot disagree
about what an event means; the rebuild only has to replay which agency held the item, which the
events record (``details.agency_id`` on every ``routed`` and ``forwarded`` event).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.submissions.models import SubmissionEvent
from suara.transparency.models import PLATFORM, AgencyDailyCount

COUNTING_ZONE = ZoneInfo("Asia/Jakarta")
"""Days are counted in WIB for every agency, so all figures share one calendar."""

ACTION_METRICS = {
    "acknowledged", "responded", "resolved", "rejected", "forwarded", "reopened", "disputed",
    "confirmed_resolved", "closed", "escalated",
}
"""Event kinds counted for the agency that held the item when it happened."""

AGENCY_CHANGING = {"routed", "forwarded"}

Key = tuple[int, date, str]


def counting_day(at: datetime) -> date:
    return at.astimezone(COUNTING_ZONE).date()


def increments_for_event(
    kind: str, actor: str, agency_before: int | None, agency_after: int | None, at: datetime
) -> list[tuple[Key, int]]:
    """The counter changes one event causes."""
    day = counting_day(at)
    changes: list[tuple[Key, int]] = []
    if kind == "received":
        changes.append(((PLATFORM, day, "submitted"), 1))
    elif kind == "in_triage":
        changes.append(((PLATFORM, day, "sent_to_triage"), 1))
    if kind in AGENCY_CHANGING and agency_after is not None and agency_after != agency_before:
        changes.append(((agency_after, day, "received"), 1))
        if agency_before is not None:
            changes.append(((agency_before, day, "transferred_out"), 1))
    if kind == "routed" and agency_after is not None:
        how = "routed_automatically" if actor.startswith("model:") else "routed_by_people"
        changes.append(((agency_after, day, how), 1))
    if kind in ACTION_METRICS and agency_before is not None:
        changes.append(((agency_before, day, kind), 1))
    return changes


async def apply(session: AsyncSession, changes: Iterable[tuple[Key, int]]) -> None:
    """Add the changes to the counters; rows are touched in key order so concurrent writers never deadlock."""
    totals: Counter[Key] = Counter()
    for key, delta in changes:
        totals[key] += delta
    if not totals:
        return
    rows = [{"agency_id": a, "day": d, "metric": m, "value": v} for (a, d, m), v in sorted(totals.items())]
    statement = pg_insert(AgencyDailyCount.__table__).values(rows)
    await session.exec(statement.on_conflict_do_update(
        index_elements=["agency_id", "day", "metric"],
        set_={"value": AgencyDailyCount.__table__.c.value + statement.excluded.value},
    ))


async def count_event(
    session: AsyncSession, kind: str, actor: str, agency_before: int | None, agency_after: int | None, at: datetime
) -> None:
    await apply(session, increments_for_event(kind, actor, agency_before, agency_after, at))


async def recount(session: AsyncSession) -> Counter[Key]:
    """Every counter recomputed from the event log alone."""
    totals: Counter[Key] = Counter()
    holder: dict[int, int | None] = {}
    events = await session.exec(
        select(SubmissionEvent.submission_id, SubmissionEvent.kind, SubmissionEvent.actor,
               SubmissionEvent.details, SubmissionEvent.created_at)
        .order_by(SubmissionEvent.submission_id, SubmissionEvent.id)
    )
    for submission_id, kind, actor, details, at in events:
        before = holder.get(submission_id)
        after = (details or {}).get("agency_id", before) if kind in AGENCY_CHANGING else before
        holder[submission_id] = after
        for key, delta in increments_for_event(kind, actor, before, after, at):
            totals[key] += delta
    return totals


async def stored_counts(session: AsyncSession) -> Counter[Key]:
    rows = await session.exec(select(AgencyDailyCount).where(AgencyDailyCount.value != 0))
    return Counter({(row.agency_id, row.day, row.metric): row.value for row in rows})


async def rebuild(session: AsyncSession) -> int:
    """Replace every counter by its recount from the event log (`suara stats rebuild`)."""
    await session.exec(text("LOCK TABLE agency_daily_counts IN EXCLUSIVE MODE"))
    totals = await recount(session)
    await session.exec(delete(AgencyDailyCount))
    rows = [{"agency_id": a, "day": d, "metric": m, "value": v} for (a, d, m), v in sorted(totals.items())]
    for start in range(0, len(rows), 5000):
        await session.exec(insert(AgencyDailyCount.__table__), params=rows[start:start + 5000])
    return len(rows)
