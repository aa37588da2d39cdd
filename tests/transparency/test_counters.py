"""Counters kept in each event's transaction equal a full recount from the event log."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, timedelta

import pytest

from suara.agencies.models import Agency
from suara.common.errors import DomainError
from suara.config import Settings
from suara.db.columns import utcnow
from suara.db.engine import make_engine, make_session_factory, transaction
from suara.provision import migrate_and_seed
from suara.routing.loading import load_router
from suara.routing.router import NoRouter
from suara.submissions import codes
from suara.submissions import service as submissions
from suara.submissions.counting import (
    counting_day,
    rebuild,
    recount,
    rollups_match_days,
    stored_counts,
)
from suara.submissions.models import Submission
from suara.triage import service as triage
from tests.conftest import create_database
from tests.factories import draft, make_staff, unique_text

KEY = b"counter-test-key"


async def new_agency(session, name: str) -> Agency:
    agency = Agency(slug=f"{name}-{uuid.uuid4().hex[:6]}", name=name, short_name=name)
    session.add(agency)
    await session.flush()
    return agency


async def test_a_hand_followed_item_moves_exactly_the_expected_counters(db_session):
    first, second = await new_agency(db_session, "dinas-satu"), await new_agency(db_session, "dinas-dua")
    _, officer = await make_staff(db_session, first.slug)
    _, admin = await make_staff(db_session, "pemprov-jateng", role="triage_admin")
    receipt = await submissions.submit(db_session, draft(text=unique_text()), router=NoRouter(), secret_key=KEY)
    item = receipt.submission
    await triage.route_submission(db_session, admin, item.id, "infrastruktur", first.slug)
    await triage.acknowledge(db_session, officer, item.id)
    await triage.respond(db_session, officer, item.id, "Kami cek lokasi besok pagi.")
    await triage.forward(db_session, officer, item.id, second.slug, "Kewenangan dinas dua.")

    counts = await stored_counts(db_session)
    today = counting_day(item.created_at)
    mine = {(a, m): v for (a, d, m), v in counts.items() if a in (first.id, second.id) and d == today}
    assert mine == {
        (first.id, "received"): 1, (first.id, "routed_by_people"): 1, (first.id, "acknowledged"): 1,
        (first.id, "responded"): 1, (first.id, "forwarded"): 1, (first.id, "transferred_out"): 1,
        (first.id, "first_response_count"): 1, (first.id, "first_response_le_1_hours"): 1,
        (first.id, "first_response_le_0.25_working_days"): 1, (first.id, "first_response_within_service_level"): 1,
        (second.id, "received"): 1,
        **{(agency.id, metric): 1 for agency in (first, second) for metric in (
            "received_by_channel:api", "received_by_region:unknown", "received_by_category:infrastruktur")},
    }


@pytest.fixture(scope="module")
async def counting_database():
    url = await create_database("suara_test_counters")
    await migrate_and_seed(url)
    engine = make_engine(url, pool_size=10)
    yield engine
    await engine.dispose()


async def test_incremental_counters_equal_a_full_rebuild_after_random_concurrent_work(counting_database):
    sessions = make_session_factory(counting_database)
    rng = random.Random(20261125)
    async with transaction(sessions) as session:
        agencies = [await new_agency(session, "dinas-a"), await new_agency(session, "dinas-b")]
        officers = {a.id: (await make_staff(session, a.slug))[1] for a in agencies}
        _, admin = await make_staff(session, "pemprov-jateng", role="triage_admin")

    model = load_router(Settings())

    async def submit_one(index: int) -> int:
        """Half the items go to people, half are routed by the shipped model on a clear e-KTP complaint."""
        router = model if index % 2 else NoRouter()
        text = unique_text("E-KTP saya belum jadi padahal sudah rekam tiga bulan di kecamatan, blanko katanya habis")
        async with transaction(sessions) as session:
            receipt = await submissions.submit(session, draft(text=text), router=router, secret_key=KEY)
            return receipt.submission.id

    async def random_action(submission_id: int) -> None:
        try:
            async with transaction(sessions) as session:
                item = await session.get(Submission, submission_id)
                officer = officers.get(item.agency_id, admin)
                secret = codes.citizen_secret(item.tracking_code, KEY)
                choice = rng.choice(["route", "ack", "respond", "forward", "resolve", "reject", "confirm",
                                     "dispute", "note", "field", "late"])
                target = rng.choice(agencies)
                match choice:
                    case "route":
                        await triage.route_submission(session, admin, submission_id, "infrastruktur", target.slug)
                    case "ack":
                        await triage.acknowledge(session, officer, submission_id)
                    case "respond":
                        await triage.respond(session, officer, submission_id, "Sedang ditangani petugas.")
                    case "forward":
                        await triage.forward(session, officer, submission_id, target.slug, "Dialihkan ke dinas lain.")
                    case "resolve":
                        await triage.resolve(session, officer, submission_id, "Sudah selesai dikerjakan.")
                    case "reject":
                        await triage.reject(session, admin if item.agency_id is None else officer, submission_id,
                                            rng.choice(sorted(triage.REJECTION_REASONS)), "Laporan kurang lengkap.")
                    case "confirm":
                        await triage.confirm_resolved(session, item.tracking_code, secret, key=KEY)
                    case "dispute":
                        await triage.dispute(session, item.tracking_code, secret, "Belum beres.", key=KEY)
                    case "note":
                        await triage.add_note(session, officer, submission_id, "Catatan internal.")
                    case "field":
                        await triage.mark_field_check(session, officer, submission_id)
                    case "late":  # the jobs loop, a season later: everything unanswered is overdue
                        await triage.escalate_overdue(session, now=utcnow() + timedelta(days=rng.choice((10, 90))))
        except DomainError:
            pass  # refused actions roll back and must leave the counters untouched

    ids = list(await asyncio.gather(*(submit_one(index) for index in range(80))))
    for _ in range(40):
        batch = [rng.choice(ids) for _ in range(50)]
        await asyncio.gather(*(random_action(submission_id) for submission_id in batch))
    async with transaction(sessions) as session:
        await triage.escalate_overdue(session)

    async with sessions() as session:
        incremental, recomputed = await stored_counts(session), await recount(session)
        assert await rollups_match_days(session)
    assert incremental == recomputed
    assert sum(v for (_, _, m), v in incremental.items() if m == "submitted") >= 80
    exercised = {metric for (_, _, metric) in incremental}
    assert {"submitted", "received", "routed_by_people", "routed_automatically", "acknowledged", "responded",
            "forwarded", "transferred_out", "resolved", "rejected", "escalated", "overdue_open",
            "automatic_route_changed"} <= exercised
    assert len({metric for metric in exercised if metric.startswith("rejected_by_reason:")}) >= 2

    async with transaction(sessions) as session:
        await rebuild(session)
    async with sessions() as session:
        assert await stored_counts(session) == incremental
        assert await rollups_match_days(session)




def test_stats_rebuild_command_recomputes_from_the_event_log(counting_database):
    import os
    import subprocess
    import sys

    url = counting_database.url.render_as_string(hide_password=False)
    result = subprocess.run([sys.executable, "-m", "suara.cli", "stats", "rebuild"], capture_output=True, text=True,
                            env=dict(os.environ, DATABASE_URL=url), timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Rebuilt" in result.stderr and "counter rows" in result.stderr


def test_first_response_time_across_idul_fitri_counts_only_working_time():
    from datetime import datetime, timedelta, timezone

    from suara.submissions.counting import Clock, increments_for_event

    wib = timezone(timedelta(hours=7))
    routed = datetime(2025, 3, 27, 10, 0, tzinfo=wib)     # Thursday before the Lebaran holidays
    answered = datetime(2025, 4, 8, 10, 0, tzinfo=wib)    # first working day after them, 10:00
    clock = Clock(routed, first_response_due_at=datetime(2025, 4, 10, 23, 59, tzinfo=wib),
                  resolution_due_at=None, responded=False, timezone="Asia/Jakarta")
    changes = dict(increments_for_event("acknowledged", "staff:1", 7, 7, answered.astimezone(UTC), clock))
    day = answered.date()
    # 14 h on 27 March + 10 h on 8 April = exactly one working day; 288 wall-clock hours.
    assert changes == {
        (7, day, "acknowledged"): 1,
        (7, day, "first_response_count"): 1,
        (7, day, "first_response_le_336_hours"): 1,
        (7, day, "first_response_le_1_working_days"): 1,
        (7, day, "first_response_within_service_level"): 1,
    }
    late = dict(increments_for_event("acknowledged", "staff:1", 7, 7, datetime(2025, 4, 14, 9, 0, tzinfo=wib), clock))
    assert (7, datetime(2025, 4, 14).date(), "first_response_within_service_level") not in late


async def test_demo_history_is_plausible_and_its_counters_match_a_recount():
    from sqlalchemy import func, select

    from suara.submissions.models import Submission
    from suara.transparency.demo import seed_demo

    url = await create_database("suara_test_demo")
    await migrate_and_seed(url)
    engine = make_engine(url, pool_size=2)
    try:
        async with transaction(make_session_factory(engine)) as session:
            assert await seed_demo(session, 600, batch=250) == 600
        async with make_session_factory(engine)() as session:
            statuses = dict((await session.exec(
                select(Submission.status, func.count()).group_by(Submission.status))).all())
            assert sum(statuses.values()) == 600
            assert {"resolved", "closed", "acknowledged", "routed"} <= set(statuses)
            assert await stored_counts(session) == await recount(session)
            assert await rollups_match_days(session)
    finally:
        await engine.dispose()
