"""Which counters an event moves, applied in the event's own transaction, and recomputed from scratch.

Both the incremental path and the rebuild call `increments_for_event`, so they cannot disagree
about what an event means; the rebuild only has to replay which agency held the item, which the
events record (``details.agency_id`` on every ``routed`` and ``forwarded`` event).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency
from suara.common.calendar import working_days_between
from suara.submissions.counter_models import (
    ALL_TIME,
    ALL_TIME_DAY,
    DAY,
    MONTH,
    PLATFORM,
    SLOTS,
    AgencyDailyCount,
)
from suara.submissions.models import SubmissionEvent

COUNTING_ZONE = ZoneInfo("Asia/Jakarta")
"""Days are counted in WIB for every agency, so all figures share one calendar."""

ACTION_METRICS = {
    "acknowledged", "responded", "resolved", "rejected", "forwarded", "reopened", "disputed",
    "confirmed_resolved", "closed", "escalated",
}
"""Event kinds counted for the agency that held the item when it happened."""

AGENCY_CHANGING = {"routed", "forwarded"}
OVERDUE_ENDS = {"resolved", "rejected", "closed", "confirmed_resolved"}
"""An overdue item stops being overdue when its agency finishes it or hands it on (AGENCY_CHANGING)."""
FIRST_RESPONSES = {"acknowledged", "responded", "resolved", "rejected"}
"""Any of these, the first after the agency got the item, is its first response."""

HOUR_EDGES = (1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 240, 336, 504, 720, 1440)
WORKING_DAY_EDGES = (0.25, 0.5, 1, 2, 3, 4, 5, 7, 10, 14, 20, 30, 45, 60)
"""Upper edges of the duration histograms; medians and 90th percentiles are read from them."""

Key = tuple[int, date, str]


@dataclass(frozen=True)
class Clock:
    """The agency's clock for one item at the moment of an event."""

    started_at: datetime
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    responded: bool
    timezone: str
    automatic_route: bool = False
    """The route is still the model's: a person changing it counts against routing accuracy."""
    overdue: bool = False
    """The agency has missed a deadline and not yet finished or handed on the item."""


def bucket(value: float, edges: tuple[float, ...], unit: str) -> str:
    for edge in edges:
        if value <= edge:
            return f"le_{edge:g}_{unit}"
    return f"gt_{edges[-1]:g}_{unit}"


def _durations(prefix: str, agency_id: int, day: date, clock: Clock, at: datetime, due: datetime | None):
    hours = max((at - clock.started_at).total_seconds() / 3600, 0.0)
    working_days = working_days_between(clock.started_at, at, clock.timezone)
    changes = [
        ((agency_id, day, f"{prefix}_count"), 1),
        ((agency_id, day, f"{prefix}_{bucket(hours, HOUR_EDGES, 'hours')}"), 1),
        ((agency_id, day, f"{prefix}_{bucket(working_days, WORKING_DAY_EDGES, 'working_days')}"), 1),
    ]
    if due is not None and at <= due:
        changes.append(((agency_id, day, f"{prefix}_within_service_level"), 1))
    return changes


def counting_day(at: datetime) -> date:
    return at.astimezone(COUNTING_ZONE).date()


@dataclass(frozen=True)
class Facets:
    """What an arrival is broken down by: how it came in, where from, what about."""

    channel: str | None = None
    region_code: str | None = None
    category: str | None = None

    def metrics(self) -> list[str]:
        region = (self.region_code or "")[:5] or "unknown"  # regency level, e.g. 33.74
        return [
            f"received_by_channel:{self.channel or 'unknown'}",
            f"received_by_region:{region}",
            f"received_by_category:{self.category or 'unknown'}",
        ]


def increments_for_event(
    kind: str, actor: str, agency_before: int | None, agency_after: int | None, at: datetime,
    clock: Clock | None = None, facets: Facets | None = None, details: dict | None = None,
) -> list[tuple[Key, int]]:
    """The counter changes one event causes; ``clock`` is the item's clock before the event."""
    day = counting_day(at)
    details = details or {}
    changes: list[tuple[Key, int]] = []
    if kind == "received":
        changes.append(((PLATFORM, day, "submitted"), 1))
    elif kind == "in_triage":
        changes.append(((PLATFORM, day, "sent_to_triage"), 1))
    if kind in AGENCY_CHANGING and agency_after is not None and agency_after != agency_before:
        changes.append(((agency_after, day, "received"), 1))
        changes += [((agency_after, day, metric), 1) for metric in (facets or Facets()).metrics()]
        if agency_before is not None:
            changes.append(((agency_before, day, "transferred_out"), 1))
    if kind == "routed" and agency_after is not None:
        how = "routed_automatically" if actor.startswith("model:") else "routed_by_people"
        changes.append(((agency_after, day, how), 1))
    if kind in ACTION_METRICS and agency_before is not None:
        changes.append(((agency_before, day, kind), 1))
    if kind == "rejected" and agency_before is not None:
        changes.append(((agency_before, day, f"rejected_by_reason:{details.get('reason') or 'unspecified'}"), 1))
    if clock is not None and agency_before is not None:
        changes += _routing_and_overdue(kind, actor, agency_before, day, clock, details)
        if kind in FIRST_RESPONSES and not clock.responded:
            changes += _durations("first_response", agency_before, day, clock, at, clock.first_response_due_at)
        if kind == "resolved":
            changes += _durations("resolution", agency_before, day, clock, at, clock.resolution_due_at)
    return changes


def _routing_and_overdue(kind: str, actor: str, agency_id: int, day: date, clock: Clock, details: dict):
    changes = []
    corrected = kind == "routed" and not actor.startswith("model:") and details.get("decision") == "corrected"
    if clock.automatic_route and (corrected or kind == "forwarded"):
        # Counted on the day of the route it undoes, so a period's accuracy is about that period's routes.
        changes.append(((agency_id, counting_day(clock.started_at), "automatic_route_changed"), 1))
    if kind == "escalated" and not clock.overdue:
        changes.append(((agency_id, day, "overdue_open"), 1))
    elif clock.overdue and (kind in OVERDUE_ENDS or kind in AGENCY_CHANGING):
        changes.append(((agency_id, day, "overdue_open"), -1))
    return changes


def clock_state_changes(kind: str, actor: str, at: datetime, overdue_since: datetime | None) -> dict:
    """Submission columns an event sets so the next event's clock agrees with the replay in `recount`."""
    if kind in AGENCY_CHANGING:
        return {"route_automatic": kind == "routed" and actor.startswith("model:"), "overdue_since": None}
    if kind == "escalated":
        return {"overdue_since": overdue_since or at}
    if kind in OVERDUE_ENDS:
        return {"overdue_since": None}
    return {}


async def apply(session: AsyncSession, changes: Iterable[tuple[Key, int]]) -> None:
    """Add the changes to the counters, in the rows of a slot no other open transaction is writing.

    Every filing moves the platform's rows (and every month's and all time's), so one row per counter
    made all writers queue on it until commit. Here each transaction first takes the lowest free slot
    (`UPSERT`), so concurrent writers touch disjoint rows and never wait for each other; readers add up
    the slots. Chosen over append-only deltas folded by a job: no job, no watermark, nothing unfolded for
    a read to add, and a counter keeps at most `SLOTS` rows however long the history. Rows are still
    touched in key order, so writers sharing a slot (more than `SLOTS` at once) cannot deadlock.
    """
    rows = counter_rows(changes)
    if rows:
        await session.exec(UPSERT, params=counter_params(rows))


def counter_rows(changes: Iterable[tuple[Key, int]]) -> list[dict]:
    """The rows a set of changes adds to (their sums, with the month and all-time rollups), in key order."""
    totals: Counter[Key] = Counter()
    for key, delta in changes:
        totals[key] += delta
    return _rows_with_rollups(totals) if totals else []


def counter_params(rows: list[dict]) -> dict:
    """The parameters of `UPSERT` (and of a statement embedding `upsert_sql`) for these rows."""
    return {
        "agency_ids": [row["agency_id"] for row in rows], "spans": [row["span"] for row in rows],
        "days": [row["day"] for row in rows], "metrics": [row["metric"] for row in rows],
        "values": [row["value"] for row in rows],
    }


SLOT_LOCKS = "hashtext('suara.counter_slot')"
"""The first key of the advisory locks that hand out slots (the two-key form: apart from one-bigint locks)."""

SLOT_SQL = f"""
    SELECT CAST(coalesce(
        (SELECT candidate FROM generate_series(0, {SLOTS - 1}) AS candidate
         WHERE pg_try_advisory_xact_lock({SLOT_LOCKS}, candidate) LIMIT 1),
        pg_backend_pid() % {SLOTS}) AS smallint) AS number
"""


def upsert_sql(condition: str = "true") -> str:
    """The counter upsert, reading its slot from a CTE named ``slot`` (`SLOT_SQL`); ``condition`` lets a
    statement that embeds it add nothing when its own write did not happen."""
    return f"""
    INSERT INTO agency_daily_counts (agency_id, span, day, metric, slot, value)
    SELECT change.agency_id, change.span, change.day, change.metric, slot.number, change.value
    FROM slot, unnest(CAST(:agency_ids AS integer[]), CAST(:spans AS varchar[]), CAST(:days AS date[]),
                      CAST(:metrics AS varchar[]), CAST(:values AS bigint[]))
               WITH ORDINALITY AS change(agency_id, span, day, metric, value, position)
    WHERE {condition}
    ORDER BY change.position
    ON CONFLICT (agency_id, span, day, metric, slot) DO UPDATE SET value = agency_daily_counts.value + excluded.value
    """


UPSERT = text(f"WITH slot AS MATERIALIZED ({SLOT_SQL}) {upsert_sql()}")
"""One statement of fixed shape whatever the number of rows: prepared once, not compiled per event.

The slot is the lowest one whose transaction-scoped advisory lock is free (`LIMIT 1` stops at the first lock
taken; a transaction takes its own slot again, locks being re-entrant), held until commit, so no two open
transactions write the same rows. Only when all `SLOTS` are held does a writer share one (by backend pid)
and may wait, as every writer did before."""


def _rows_with_rollups(totals: Counter[Key]) -> list[dict]:
    """Day rows plus the month and all-time rows they roll up into, in key order (no deadlocks)."""
    expanded: Counter[tuple[int, str, date, str]] = Counter()
    for (agency_id, day, metric), value in totals.items():
        expanded[(agency_id, DAY, day, metric)] += value
        expanded[(agency_id, MONTH, day.replace(day=1), metric)] += value
        expanded[(agency_id, ALL_TIME, ALL_TIME_DAY, metric)] += value
    return [{"agency_id": a, "span": s, "day": d, "metric": m, "value": v}
            for (a, s, d, m), v in sorted(expanded.items())]


PENDING = "suara.pending_counter_changes"


@asynccontextmanager
async def counted_together(session: AsyncSession) -> AsyncIterator[None]:
    """Apply the counter changes of many events as one sorted write when the block ends.

    A batch job that moves items of many agencies would otherwise take counter rows out of key
    order across its events and could deadlock with an officer's single-event write.
    """
    pending: list[tuple[Key, int]] = []
    session.info[PENDING] = pending
    try:
        yield
    finally:
        session.info.pop(PENDING, None)
    await apply(session, pending)


async def count_event(
    session: AsyncSession, kind: str, actor: str, agency_before: int | None, agency_after: int | None,
    at: datetime, clock: Clock | None = None, facets: Facets | None = None, details: dict | None = None,
) -> None:
    changes = increments_for_event(kind, actor, agency_before, agency_after, at, clock, facets, details)
    if PENDING in session.info:
        session.info[PENDING].extend(changes)
    else:
        await apply(session, changes)


def _due(details: dict, key: str) -> datetime | None:
    value = details.get(key)
    return datetime.fromisoformat(value) if value else None


async def recount(session: AsyncSession, submissions=None) -> Counter[Key]:
    """Every counter recomputed from the event log alone (only the items ``submissions`` selects, when given:
    a select of submission ids)."""
    totals: Counter[Key] = Counter()
    holder: dict[int, int | None] = {}
    clocks: dict[int, Clock] = {}
    facets: dict[int, Facets] = {}
    zones = dict((await session.exec(select(Agency.id, Agency.timezone))).all())
    query = (
        select(SubmissionEvent.submission_id, SubmissionEvent.kind, SubmissionEvent.actor,
               SubmissionEvent.details, SubmissionEvent.created_at)
        .order_by(SubmissionEvent.submission_id, SubmissionEvent.id)
    )
    if submissions is not None:
        query = query.where(SubmissionEvent.submission_id.in_(submissions))
    events = await session.exec(query)
    for submission_id, kind, actor, details, at in events:
        details = details or {}
        before = holder.get(submission_id)
        after = details.get("agency_id", before) if kind in AGENCY_CHANGING else before
        holder[submission_id] = after
        clock = clocks.get(submission_id)
        item = facets.get(submission_id, Facets())
        if kind == "received":
            item = Facets(details.get("channel"), details.get("region_code"), None)
        elif kind == "routed":
            item = replace(item, category=details.get("category"))
        facets[submission_id] = item
        for key, delta in increments_for_event(kind, actor, before, after, at, clock, item, details):
            totals[key] += delta
        clocks[submission_id] = _clock_after(kind, actor, details, at, after, clock, zones)
    return totals


def _clock_after(kind: str, actor: str, details: dict, at: datetime, agency_id: int | None,
                 clock: Clock | None, zones: dict[int, str]) -> Clock | None:
    """How an event moves the item's clock, as the workflow does (see triage.deadlines)."""
    if kind in AGENCY_CHANGING and agency_id is not None:
        return Clock(at, _due(details, "first_response_due_at"), _due(details, "resolution_due_at"), False,
                     zones.get(agency_id, "Asia/Jakarta"),
                     automatic_route=clock_state_changes(kind, actor, at, None)["route_automatic"])
    if clock is None:
        return None
    if kind == "escalated":
        clock = replace(clock, overdue=True)
    if kind in OVERDUE_ENDS:
        clock = replace(clock, overdue=False)
    if kind in FIRST_RESPONSES and not clock.responded:
        clock = replace(clock, responded=True)
    if kind == "field_check_marked":
        clock = replace(clock, resolution_due_at=_due(details, "resolution_due_at"))
    return clock


async def stored_counts(session: AsyncSession) -> Counter[Key]:
    """The day rows as stored, summed over their slots."""
    value = func.sum(AgencyDailyCount.value)
    rows = await session.exec(
        select(AgencyDailyCount.agency_id, AgencyDailyCount.day, AgencyDailyCount.metric, value)
        .where(AgencyDailyCount.span == DAY)
        .group_by(AgencyDailyCount.agency_id, AgencyDailyCount.day, AgencyDailyCount.metric)
        .having(value != 0)
    )
    return Counter({(agency_id, day, metric): int(total) for agency_id, day, metric, total in rows})


async def rollups_match_days(session: AsyncSession) -> bool:
    """Every month and all-time counter equals the sum of its day counters (each summed over its slots)."""
    value = func.sum(AgencyDailyCount.value)
    keys = (AgencyDailyCount.agency_id, AgencyDailyCount.span, AgencyDailyCount.day, AgencyDailyCount.metric)
    rows = list(await session.exec(select(*keys, value).group_by(*keys).having(value != 0)))
    days = Counter({(a, d, m): int(v) for a, s, d, m, v in rows if s == DAY})
    expected = Counter({(r["agency_id"], r["span"], r["day"], r["metric"]): r["value"]
                        for r in _rows_with_rollups(days) if r["span"] != DAY and r["value"]})
    stored = Counter({(a, s, d, m): int(v) for a, s, d, m, v in rows if s != DAY})
    return stored == expected


FOLD_AT_ONCE = 8
"""Slots one fold takes: the others stay free for writers, which take the lowest free slot."""

FOLD = text(f"""
    WITH target AS MATERIALIZED (
        SELECT pg_try_advisory_xact_lock({SLOT_LOCKS}, 0) AS free
    ), held AS MATERIALIZED (
        SELECT spread.slot
        FROM target, (SELECT DISTINCT slot FROM agency_daily_counts WHERE slot > 0 ORDER BY slot) AS spread
        WHERE CASE WHEN target.free THEN pg_try_advisory_xact_lock({SLOT_LOCKS}, spread.slot) ELSE false END
        LIMIT {FOLD_AT_ONCE}
    ), moved AS (
        DELETE FROM agency_daily_counts AS counter
        WHERE counter.slot > 0 AND counter.slot IN (SELECT slot FROM held)
        RETURNING counter.agency_id, counter.span, counter.day, counter.metric, counter.value
    )
    INSERT INTO agency_daily_counts (agency_id, span, day, metric, slot, value)
    SELECT agency_id, span, day, metric, 0, sum(value) FROM moved
    GROUP BY agency_id, span, day, metric ORDER BY agency_id, span, day, metric
    ON CONFLICT (agency_id, span, day, metric, slot) DO UPDATE SET value = agency_daily_counts.value + excluded.value
""")


async def fold_slots(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Fold the rows of up to `FOLD_AT_ONCE` slots into slot 0, so that after a burst a counter is read from
    one row again; returns how many counters it folded. For a periodic job, in a transaction of its own that
    commits at once. (``now`` is not needed: folding does not depend on the date.)

    It takes the advisory locks of slot 0 and of the lowest slots that have rows and no open transaction
    holds, and folds only those, so it never waits for a writer and no writer waits for it; while a writer
    holds slot 0 it folds nothing (next time). The partial index on ``slot > 0`` finds the spread rows
    without reading the rest.
    """
    result = await session.exec(FOLD)
    return result.rowcount


async def rebuild(session: AsyncSession) -> int:
    """Replace every counter by its recount from the event log (`suara stats rebuild`), each in one row (slot 0)."""
    await session.exec(text("LOCK TABLE agency_daily_counts IN EXCLUSIVE MODE"))
    totals = await recount(session)
    await session.exec(delete(AgencyDailyCount))
    rows = _rows_with_rollups(totals)
    for start in range(0, len(rows), 5000):
        await session.exec(insert(AgencyDailyCount.__table__), params=rows[start:start + 5000])
    return len(rows)
