"""Deadlines from each agency's service levels, and the overdue job that escalates exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlmodel import select

from suara.agencies.models import Agency
from suara.submissions.deadlines import deadlines_for
from suara.submissions.models import Status, Submission, SubmissionEvent
from suara.submissions.outbox_models import OutboxMessage
from suara.triage import service
from tests.factories import make_item

WIB = timezone(timedelta(hours=7))


def agency(tz: str = "Asia/Jakarta", **levels) -> Agency:
    values = dict(slug="x", name="X", short_name="X", timezone=tz, first_response_days=3,
                  information_request_days=5, resolution_days=14, resolution_with_field_check_days=60)
    values.update(levels)
    return Agency(**values)


def test_first_response_from_friday_evening_is_due_at_the_end_of_wednesday():
    friday_evening = datetime(2025, 6, 13, 17, 0, tzinfo=WIB)
    due = deadlines_for(agency(), "complaint", friday_evening).first_response_due_at
    local = due.astimezone(WIB)
    assert (local.date().isoformat(), local.hour, local.minute) == ("2025-06-18", 23, 59)


def test_information_requests_get_five_working_days_and_field_checks_sixty():
    start = datetime(2025, 6, 16, 9, 0, tzinfo=WIB)  # a Monday
    info = deadlines_for(agency(), "information_request", start)
    assert info.first_response_due_at.astimezone(WIB).date().isoformat() == "2025-06-23"
    checked = deadlines_for(agency(), "complaint", start, field_check=True)
    plain = deadlines_for(agency(), "complaint", start)
    assert checked.resolution_due_at > plain.resolution_due_at + timedelta(days=60)


def test_deadlines_across_idul_fitri_collective_leave_skip_the_whole_block():
    before_lebaran = datetime(2025, 3, 27, 10, 0, tzinfo=WIB)  # Thursday before the 2025 holidays
    due = deadlines_for(agency(), "complaint", before_lebaran).first_response_due_at
    # 28 Mar–7 Apr 2025 are weekends, Nyepi, Idul Fitri and cuti bersama: day 1 is 8 April.
    assert due.astimezone(WIB).date().isoformat() == "2025-04-10"


def test_the_same_instant_is_a_different_working_day_in_wib_and_wit():
    instant = datetime(2025, 1, 6, 15, 30, tzinfo=UTC)  # Monday 22:30 WIB, Tuesday 00:30 WIT
    wib = deadlines_for(agency("Asia/Jakarta"), "complaint", instant).first_response_due_at
    wit = deadlines_for(agency("Asia/Jayapura"), "complaint", instant).first_response_due_at
    assert wib.astimezone(WIB).date().isoformat() == "2025-01-09"
    assert wit.astimezone(timezone(timedelta(hours=9))).date().isoformat() == "2025-01-10"


async def test_overdue_job_escalates_exactly_the_late_items_once_and_tells_the_triage_admins(db_session, cast):
    now = datetime.now(UTC)
    late = await make_item(db_session, agency_slug=cast.agency_a, status=Status.ROUTED, now=now - timedelta(days=10))
    answered_late = await make_item(
        db_session, agency_slug=cast.agency_a, status=Status.IN_PROGRESS, now=now - timedelta(days=40),
        first_responded_at=now - timedelta(days=39),
    )
    on_time = await make_item(db_session, agency_slug=cast.agency_a, status=Status.ROUTED, now=now)
    answered = await make_item(
        db_session, agency_slug=cast.agency_a, status=Status.ACKNOWLEDGED, now=now - timedelta(days=10),
        first_responded_at=now - timedelta(days=9),
    )

    late, answered_late, on_time, answered = (i.id for i in (late, answered_late, on_time, answered))
    await service.escalate_overdue(db_session, now=now)
    await service.escalate_overdue(db_session, now=now)
    db_session.expire_all()

    async def escalations(submission_id: int) -> list[str]:
        events = await db_session.exec(select(SubmissionEvent).where(
            SubmissionEvent.submission_id == submission_id, SubmissionEvent.kind == "escalated"))
        return [event.details["deadline"] for event in events]

    assert await escalations(late) == ["first_response"]
    assert await escalations(answered_late) == ["resolution"]
    assert await escalations(on_time) == []
    assert await escalations(answered) == []
    assert (await db_session.get(Submission, late)).first_response_escalated_at == now
    triage_admin_email = (await db_session.exec(
        select(OutboxMessage.recipient).where(OutboxMessage.submission_id == late, OutboxMessage.channel == "email")
    )).all()
    assert any(email.startswith("triage_admin.") for email in triage_admin_email)


def test_wita_agencies_count_in_their_own_zone():
    instant = datetime(2025, 1, 6, 16, 30, tzinfo=UTC)  # Monday 23:30 WIB, Tuesday 00:30 WITA
    wib = deadlines_for(agency("Asia/Jakarta"), "complaint", instant).first_response_due_at
    wita = deadlines_for(agency("Asia/Makassar"), "complaint", instant).first_response_due_at
    assert wib.astimezone(WIB).date().isoformat() == "2025-01-09"
    assert wita.astimezone(timezone(timedelta(hours=8))).date().isoformat() == "2025-01-10"
    assert wita.astimezone(timezone(timedelta(hours=8))).hour == 23
