"""Counters under concurrent writers: nobody waits for a shared row, and the figures stay exact (issue 16)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text

from suara.agencies.models import Agency
from suara.app import create_app
from suara.common.actors import Actor
from suara.db.columns import utcnow
from suara.db.engine import make_engine, make_session_factory, transaction
from suara.provision import migrate_and_seed
from suara.routing.router import NoRouter
from suara.state import AppState
from suara.submissions import service as submissions
from suara.submissions.counter_models import PLATFORM, SLOTS
from suara.submissions.counting import (
    FOLD_AT_ONCE,
    apply,
    counting_day,
    fold_slots,
    rebuild,
    recount,
    rollups_match_days,
    stored_counts,
)
from suara.submissions.models import Submission
from suara.transparency import queries
from suara.triage import service as triage
from tests.conftest import TEST_SECRET_KEY, create_database
from tests.conftest import test_settings as settings_for
from tests.factories import draft, make_staff, unique_text

WRITERS = 200
FIGURES = """query($agency: String) { transparency(period: ALL, agency: $agency) {
  agency { slug } received routedByPeople acknowledged resolved rejected forwarded
  firstResponse { count withinServiceLevel } resolution { count } } }"""
EVERY_VIEW = """query($today: Date!) {
  all: transparency(period: ALL) { agency { slug } received acknowledged resolved rejected forwarded
    rejectedByReason { reason count } firstResponse { count medianHours } resolution { count medianWorkingDays } }
  total: transparency(period: ALL, groupBy: TOTAL) { received resolved forwarded }
  months: transparency(period: MONTH) { periodStart agency { slug } received resolved }
  days: transparency(period: DAY, from: $today, to: $today) { periodStart agency { slug } received acknowledged }
  week: transparency(period: WEEK, groupBy: TOTAL) { periodStart received }
  backlog { agency { slug } openNow overdueNow } }"""


@pytest.fixture(scope="module")
async def spread_database():
    url = await create_database("suara_test_concurrent_counting")
    await migrate_and_seed(url)
    engine = make_engine(url, pool_size=12)
    yield url, engine
    await engine.dispose()


@pytest.fixture(scope="module")
async def gql(spread_database):
    url, engine = spread_database
    state = AppState(settings=settings_for(url), engine=engine, sessions=make_session_factory(engine),
                     router=NoRouter(), secret_key=TEST_SECRET_KEY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state.settings, state=state)),
                                 base_url="http://suara.test") as client:
        async def ask(query: str, variables: dict | None = None) -> dict:
            body = (await client.post("/graphql", json={"query": query, "variables": variables or {}})).json()
            assert "errors" not in body, body["errors"]
            return body["data"]

        yield ask


async def test_open_transactions_adding_to_the_same_counters_never_wait_for_each_other(spread_database):
    """Twenty transactions each add to the platform's rows and stay open until all twenty have written:
    with one row per counter the second would wait for the first's commit (here: its lock timeout)."""
    _, engine = spread_database
    sessions = make_session_factory(engine)
    metric, today = f"probe_{uuid.uuid4().hex[:8]}", counting_day(utcnow())
    all_written = asyncio.Barrier(20)

    async def writer() -> None:
        async with transaction(sessions) as session:
            await session.exec(text("SET LOCAL lock_timeout = '5s'"))
            await apply(session, [((PLATFORM, today, metric), 1)])
            await asyncio.wait_for(all_written.wait(), timeout=20)

    try:
        await asyncio.gather(*(writer() for _ in range(20)))
        async with sessions() as session:
            slots = (await session.exec(text(
                "SELECT span, count(*), count(DISTINCT slot), sum(value) FROM agency_daily_counts "
                "WHERE metric = :metric GROUP BY span ORDER BY span"), params={"metric": metric})).all()
            assert [tuple(row) for row in slots] == [("all", 20, 20, 20), ("day", 20, 20, 20), ("month", 20, 20, 20)]
            assert all(0 <= slot < SLOTS for (slot,) in (await session.exec(text(
                "SELECT slot FROM agency_daily_counts WHERE metric = :metric"), params={"metric": metric})).all())
            figures = await queries.figures(session, period=queries.Period.ALL, all_agencies_together=True)
            assert figures == []  # platform rows are not an agency's figures
    finally:
        async with transaction(sessions) as session:
            await session.exec(text("DELETE FROM agency_daily_counts WHERE metric = :metric"),
                               params={"metric": metric})


async def test_one_transaction_keeps_to_its_slot_across_several_writes(spread_database):
    """Locks are re-entrant, so a transaction writing twice adds to the same rows, not one row per write."""
    _, engine = spread_database
    sessions = make_session_factory(engine)
    metric, today = f"probe_{uuid.uuid4().hex[:8]}", counting_day(utcnow())
    try:
        async with transaction(sessions) as session:
            for _ in range(5):
                await apply(session, [((PLATFORM, today, metric), 2)])
        async with sessions() as session:
            rows = (await session.exec(text("SELECT span, value FROM agency_daily_counts WHERE metric = :metric "
                                            "ORDER BY span"), params={"metric": metric})).all()
        assert [tuple(row) for row in rows] == [("all", 10), ("day", 10), ("month", 10)]
    finally:
        async with transaction(sessions) as session:
            await session.exec(text("DELETE FROM agency_daily_counts WHERE metric = :metric"),
                               params={"metric": metric})


async def test_folding_puts_every_counter_back_in_one_row_and_never_waits(spread_database):
    _, engine = spread_database
    sessions = make_session_factory(engine)
    async with transaction(sessions) as session:
        agency = Agency(slug=f"dinas-lipat-{uuid.uuid4().hex[:6]}", name="Dinas Lipat", short_name="Lipat")
        session.add(agency)
    today = counting_day(utcnow())
    ended = today - timedelta(days=40)  # a day of an ended month: its rows fold like today's
    together = asyncio.Barrier(6)

    async def writer() -> None:
        async with transaction(sessions) as session:
            await apply(session, [((agency.id, ended, "resolved"), 1), ((agency.id, today, "resolved"), 1)])
            await asyncio.wait_for(together.wait(), timeout=20)

    async def rows() -> dict[tuple[str, str], list[int]]:
        async with sessions() as session:
            found = (await session.exec(text(
                "SELECT span, day, array_agg(value ORDER BY slot) FROM agency_daily_counts "
                "WHERE agency_id = :agency GROUP BY span, day"), params={"agency": agency.id})).all()
        return {(span, "ended" if day < today.replace(day=1) else "now"): values for span, day, values in found}

    async def figures() -> list:
        async with sessions() as session:
            return [await queries.figures(session, period=period, agency_id=agency.id) for period in queries.Period]

    try:
        await asyncio.gather(*(writer() for _ in range(6)))
        assert await rows() == {key: [1] * 6 for key in (("day", "ended"), ("month", "ended"), ("day", "now"),
                                                          ("month", "now"))} | {("all", "ended"): [2] * 6}

        async with transaction(sessions) as holder:  # a writer holds slot 0: folding skips this round, unblocked
            await apply(holder, [((agency.id, ended, "resolved"), 1)])
            async with transaction(sessions) as session:
                await session.exec(text("SET LOCAL lock_timeout = '2s'"))
                assert await fold_slots(session) == 0
        assert (await rows())[("day", "ended")] == [2, 1, 1, 1, 1, 1]

        unfolded = await figures()
        async with transaction(sessions) as session:
            assert await fold_slots(session) == 5  # counters: two days, two months, all time
        assert await rows() == {("day", "ended"): [7], ("month", "ended"): [7], ("day", "now"): [6],
                                ("month", "now"): [6], ("all", "ended"): [13]}
        assert await figures() == unfolded
        assert [period.count("resolved") for period in unfolded[-1]] == [13]  # Period.ALL
        async with transaction(sessions) as session:
            assert await fold_slots(session) == 0  # nothing left to fold
        async with sessions() as session:
            assert await rollups_match_days(session)
    finally:
        async with transaction(sessions) as session:
            await session.exec(text("DELETE FROM agency_daily_counts WHERE agency_id = :agency"),
                               params={"agency": agency.id})


@dataclass
class History:
    agencies: list[Agency]
    done: Counter[str]
    """Successful staff actions by kind, and items per agency at the end."""
    slots_used: int


@pytest.fixture(scope="module")
async def concurrent_history(spread_database) -> History:
    """200 concurrent filings, then 200 concurrent routings and 200 concurrent agency actions, then the
    resolutions of the acknowledged items, each in its own transaction on a pool of 24 connections."""
    _, engine = spread_database
    sessions = make_session_factory(engine)
    async with transaction(sessions) as session:
        agencies = []
        for index in range(3):
            agency = Agency(slug=f"dinas-serentak-{index}-{uuid.uuid4().hex[:6]}", name=f"Dinas Serentak {index}",
                            short_name=f"Serentak {index}")
            session.add(agency)
            agencies.append(agency)
        await session.flush()
        officers: dict[int, Actor] = {agency.id: (await make_staff(session, agency.slug))[1] for agency in agencies}
        _, admin = await make_staff(session, "pemprov-jateng", role="triage_admin")

    async def submit_one() -> int:
        async with transaction(sessions) as session:
            receipt = await submissions.submit(session, draft(text=unique_text()), router=NoRouter(),
                                               secret_key=TEST_SECRET_KEY)
            return receipt.submission.id

    done: Counter[str] = Counter()

    async def act(kind: str, submission_id: int, index: int) -> None:
        async with transaction(sessions) as session:
            item = await session.get(Submission, submission_id)
            officer = officers.get(item.agency_id, admin)
            other = agencies[(index + 1) % len(agencies)]
            match kind:
                case "route":
                    await triage.route_submission(session, admin, submission_id, "infrastruktur",
                                                  agencies[index % len(agencies)].slug)
                case "acknowledge":
                    await triage.acknowledge(session, officer, submission_id)
                case "forward":
                    await triage.forward(session, officer, submission_id, other.slug, "Kewenangan dinas lain.")
                case "reject":
                    reason = sorted(triage.REJECTION_REASONS)[index // 4 % 2]
                    await triage.reject(session, officer, submission_id, reason, "Laporan kurang lengkap.")
                case "resolve":
                    await triage.resolve(session, officer, submission_id, "Sudah diperbaiki.")
        done[kind] += 1

    ids = list(await asyncio.gather(*(submit_one() for _ in range(WRITERS))))
    await asyncio.gather(*(act("route", item, index) for index, item in enumerate(ids)))
    agency_work = ["acknowledge", "acknowledge", "forward", "reject"]
    await asyncio.gather(*(act(agency_work[index % 4], item, index) for index, item in enumerate(ids)))
    await asyncio.gather(*(act("resolve", item, index) for index, item in enumerate(ids) if index % 4 < 2))
    async with sessions() as session:
        slots_used = (await session.exec(text("SELECT count(DISTINCT slot) FROM agency_daily_counts"))).one()[0]
    return History(agencies, done, slots_used)


async def test_200_concurrent_submits_and_staff_actions_leave_counters_equal_to_a_full_rebuild(
    spread_database, concurrent_history,
):
    _, engine = spread_database
    history = concurrent_history
    assert history.done == {"route": WRITERS, "acknowledge": WRITERS // 2, "forward": WRITERS // 4,
                            "reject": WRITERS // 4, "resolve": WRITERS // 2}
    assert history.slots_used > 1, "concurrent writers should have been spread over slots"
    async with make_session_factory(engine)() as session:
        incremental, recomputed = await stored_counts(session), await recount(session)
        assert await rollups_match_days(session)
    assert incremental == recomputed
    assert sum(value for (agency, _, metric), value in incremental.items()
               if agency == PLATFORM and metric == "submitted") == WRITERS


async def test_public_figures_are_exact_right_after_concurrent_writers(spread_database, concurrent_history, gql):
    history = concurrent_history
    by_slug = {row["agency"]["slug"]: row for row in (await gql(FIGURES))["transparency"]}
    ours = [by_slug[agency.slug] for agency in history.agencies]
    # Each agency got every third routing, and every fourth item of another agency's share forwarded to it.
    assert sum(row["received"] for row in ours) == WRITERS + WRITERS // 4
    assert sum(row["routedByPeople"] for row in ours) == WRITERS
    assert sum(row["acknowledged"] for row in ours) == WRITERS // 2
    assert sum(row["resolved"] for row in ours) == WRITERS // 2
    assert sum(row["rejected"] for row in ours) == WRITERS // 4
    assert sum(row["forwarded"] for row in ours) == WRITERS // 4
    assert sum(row["firstResponse"]["count"] for row in ours) == WRITERS // 2 + WRITERS // 4  # acks and rejections
    assert sum(row["resolution"]["count"] for row in ours) == WRITERS // 2
    backlog = {row["agency"]["slug"]: row["openNow"]
               for row in (await gql("{ backlog { openNow agency { slug } } }"))["backlog"]}
    # Open: the forwarded items, now with the agency they were forwarded to.
    assert sum(backlog[agency.slug] for agency in history.agencies) == WRITERS // 4
    [total] = (await gql("{ transparency(period: ALL, groupBy: TOTAL) { received resolved } }"))["transparency"]
    assert (total["received"], total["resolved"]) == (WRITERS + WRITERS // 4, WRITERS // 2)


async def test_spreading_leaves_every_public_figure_unchanged(spread_database, concurrent_history, gql):
    """The same events read the same: as the concurrent writers left them, as one row per counter (the layout
    before slots, which `rebuild` writes), and spread over every slot with parts that cancel out."""
    _, engine = spread_database
    sessions = make_session_factory(engine)
    today = counting_day(utcnow())
    views = {"today": today.isoformat()}

    async def everything() -> dict:
        async with sessions() as session:
            domain = {
                "together": await queries.figures(session, period=queries.Period.MONTH, all_agencies_together=True),
                "breakdowns": await queries.breakdowns(session, list(queries.Dimension), [today.replace(day=1)]),
                "backlog": await queries.backlog(session),
            }
        return {"graphql": await gql(EVERY_VIEW, views), **domain}

    as_written = await everything()
    shown = {row["agency"]["slug"] for row in as_written["graphql"]["all"]}
    assert shown >= {agency.slug for agency in concurrent_history.agencies}

    async with transaction(sessions) as session:
        await rebuild(session)
    async with sessions() as session:
        assert (await session.exec(text("SELECT count(DISTINCT slot) FROM agency_daily_counts"))).one()[0] == 1
    assert await everything() == as_written

    async with transaction(sessions) as session:
        # Every counter spread over all slots: parts from -2 to 2 in slots 1.., the rest in slot 0.
        await session.exec(text(f"""
            INSERT INTO agency_daily_counts (agency_id, span, day, metric, slot, value)
            SELECT agency_id, span, day, metric, part, (part * 7 + length(metric) + agency_id) % 5 - 2
            FROM agency_daily_counts, generate_series(1, {SLOTS - 1}) AS part WHERE slot = 0"""))
        await session.exec(text("""
            UPDATE agency_daily_counts AS whole SET value = whole.value - parts.total
            FROM (SELECT agency_id, span, day, metric, sum(value) AS total FROM agency_daily_counts WHERE slot > 0
                  GROUP BY agency_id, span, day, metric) AS parts
            WHERE whole.slot = 0 AND (whole.agency_id, whole.span, whole.day, whole.metric)
                  = (parts.agency_id, parts.span, parts.day, parts.metric)"""))
    async with sessions() as session:
        assert (await session.exec(text("SELECT count(DISTINCT slot) FROM agency_daily_counts"))).one()[0] == SLOTS
        assert await stored_counts(session) == await recount(session)
        assert await rollups_match_days(session)
    assert await everything() == as_written

    folds = 0  # the job's folding, FOLD_AT_ONCE slots a round, ends with one row per counter again
    while True:
        async with transaction(sessions) as session:
            if not await fold_slots(session):
                break
        folds += 1
    assert folds == -(-(SLOTS - 1) // FOLD_AT_ONCE)
    async with sessions() as session:
        assert (await session.exec(text("SELECT count(DISTINCT slot) FROM agency_daily_counts"))).one()[0] == 1
    assert await everything() == as_written
