"""The state machine: every transition in the table works, every other one is refused and writes nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from suara.db.columns import utcnow
from suara.db.engine import make_session_factory, transaction
from suara.submissions import codes
from suara.submissions.models import Status, Submission, SubmissionEvent
from suara.submissions.workflow import (
    NO_STATUS_CHANGE,
    TRANSITIONS,
    Action,
    Conflict,
    InvalidTransition,
)
from suara.triage import service
from tests.conftest import TEST_SECRET_KEY as KEY
from tests.factories import make_item, make_staff

SYSTEM_ACTIONS = {Action.AUTO_ROUTE, Action.SEND_TO_TRIAGE, Action.AUTO_CLOSE, Action.ESCALATE}
PERSON_ACTIONS = [a for a in Action if a not in SYSTEM_ACTIONS and a not in NO_STATUS_CHANGE]


async def perform(session, action: Action, item: Submission, cast):
    officer, admin = cast.officer_a, cast.triage_admin
    secret = codes.citizen_secret(item.tracking_code, KEY)
    match action:
        case Action.ACKNOWLEDGE:
            return await service.acknowledge(session, officer, item.id)
        case Action.RESPOND:
            return await service.respond(session, officer, item.id, "Tim kami akan mengecek lokasi besok.")
        case Action.ADD_NOTE:
            return await service.add_note(session, officer, item.id, "Koordinasi dengan UPT wilayah.")
        case Action.MARK_FIELD_CHECK:
            return await service.mark_field_check(session, officer, item.id)
        case Action.FORWARD:
            return await service.forward(session, officer, item.id, cast.agency_b, "Kewenangan dinas lain.")
        case Action.RESOLVE:
            return await service.resolve(session, officer, item.id, "Saluran sudah dibersihkan.")
        case Action.REJECT:
            actor = admin if item.status in (Status.RECEIVED, Status.IN_TRIAGE) else officer
            return await service.reject(session, actor, item.id, "spam", "Isi laporan bukan pengaduan.")
        case Action.ROUTE:
            return await service.route_submission(session, admin, item.id, "infrastruktur")
        case Action.CONFIRM_RESOLVED:
            return await service.confirm_resolved(session, item.tracking_code, secret, key=KEY)
        case Action.DISPUTE:
            return await service.dispute(session, item.tracking_code, secret, "Masih tersumbat.", key=KEY)
        case Action.REOPEN:
            return await service.reopen(session, item.tracking_code, secret, "Tersumbat lagi.", key=KEY)
        case Action.ASSIGN:
            return await service.take(session, officer, item.id)
        case Action.UNASSIGN:
            await session.exec(update(Submission).where(Submission.id == item.id)
                               .values(assigned_staff_id=officer.staff_id))
            return await service.unassign(session, officer, item.id)
        case Action.MERGE_DUPLICATE:
            duplicate = await make_item(session, agency_slug=cast.agency_a, status=Status.ROUTED)
            session.expunge(item)  # keep the caller's copy as it was read
            await service.mark_duplicate(session, officer, duplicate.id, item.tracking_code)
            return await service.load_for_staff(session, officer, item.id)
    raise AssertionError(action)


async def event_count(session, submission_id: int) -> int:
    return (await session.exec(
        select(func.count()).select_from(SubmissionEvent).where(SubmissionEvent.submission_id == submission_id)
    )).one()


def item_columns(status: Status) -> dict:
    now = utcnow()
    if status in (Status.RESOLVED, Status.CLOSED):
        return {"resolved_at": now - timedelta(hours=1), "first_responded_at": now - timedelta(hours=2)}
    return {}


PERSON_TRANSITIONS = [(s, a) for (s, a) in TRANSITIONS if a not in SYSTEM_ACTIONS]


@pytest.mark.parametrize(("status", "action"), PERSON_TRANSITIONS, ids=lambda v: str(v))
async def test_every_transition_in_the_table_changes_status_and_appends_its_event(db_session, cast, status, action):
    item = await make_item(db_session, agency_slug=cast.agency_a, status=status, **item_columns(status))
    before = await event_count(db_session, item.id)
    updated = await perform(db_session, action, item, cast)
    assert updated.status == TRANSITIONS[(status, action)]
    assert updated.version == item.version + 1
    assert await event_count(db_session, item.id) == before + 1
    last = (await db_session.exec(
        select(SubmissionEvent).where(SubmissionEvent.submission_id == item.id).order_by(SubmissionEvent.id.desc())
    )).first()
    assert (last.status_before, last.status_after) == (status, updated.status)


NOT_IN_TABLE = [(s, a) for s in Status for a in PERSON_ACTIONS if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize(("status", "action"), NOT_IN_TABLE, ids=lambda v: str(v))
async def test_every_transition_not_in_the_table_is_refused_and_writes_nothing(db_session, cast, status, action):
    item = await make_item(db_session, agency_slug=cast.agency_a, status=status, **item_columns(status))
    item_id = item.id
    before = await event_count(db_session, item_id)
    with pytest.raises(InvalidTransition):
        await perform(db_session, action, item, cast)
    db_session.expire_all()
    unchanged = await db_session.get(Submission, item_id)
    assert (unchanged.status, unchanged.version) == (status, 1)
    assert await event_count(db_session, item_id) == before


RECORDED = [(s, a) for s in Status for a in (Action.ADD_NOTE, Action.SUPPORT)]


@pytest.mark.parametrize(("status", "action"), RECORDED, ids=lambda v: str(v))
async def test_a_no_status_change_action_appends_its_event_where_allowed_and_is_refused_elsewhere(
    db_session, cast, status, action,
):
    """Notes and supports go through the workflow's recorder: one event, same status and version."""
    from suara.common.errors import DomainError
    from suara.submissions import service as submissions

    item = await make_item(db_session, agency_slug=cast.agency_a, status=status, **item_columns(status))
    item_id = item.id
    before = await event_count(db_session, item_id)
    allowed = status in NO_STATUS_CHANGE[action]
    try:
        if action == Action.ADD_NOTE:
            await service.add_note(db_session, cast.officer_a, item_id, "Koordinasi dengan UPT wilayah.")
        else:
            await submissions.support(db_session, item.tracking_code, channel="web")
        refused = False
    except DomainError:
        refused = True
    assert refused == (not allowed)
    db_session.expire_all()
    after = await db_session.get(Submission, item_id)
    assert (after.status, after.version) == (status, 1)
    assert await event_count(db_session, item_id) == before + (1 if allowed else 0)
    if allowed:
        last = (await db_session.exec(select(SubmissionEvent).where(SubmissionEvent.submission_id == item_id)
                                      .order_by(SubmissionEvent.id.desc()))).first()
        assert (last.status_before, last.status_after) == (status, status)


async def test_system_transitions_close_and_escalate(db_session, cast):
    long_ago = utcnow() - timedelta(days=40)
    resolved = await make_item(db_session, agency_slug=cast.agency_a, status=Status.RESOLVED,
                               resolved_at=long_ago, first_responded_at=long_ago, now=long_ago)
    late = await make_item(db_session, agency_slug=cast.agency_a, status=Status.ROUTED, now=long_ago)
    resolved_id, late_id = resolved.id, late.id
    assert await service.auto_close(db_session) >= 1
    assert await service.escalate_overdue(db_session) >= 1
    db_session.expire_all()
    assert (await db_session.get(Submission, resolved_id)).status == Status.CLOSED
    escalated = await db_session.get(Submission, late_id)
    assert escalated.status == Status.ROUTED and escalated.first_response_escalated_at is not None


async def test_forwarding_restarts_the_clock_at_the_new_agency(db_session, cast):
    item = await make_item(db_session, agency_slug=cast.agency_a, status=Status.ACKNOWLEDGED,
                           now=utcnow() - timedelta(days=3), first_responded_at=utcnow() - timedelta(days=2))
    forwarded = await service.forward(db_session, cast.officer_a, item.id, cast.agency_b, "Urusan dukcapil.")
    assert forwarded.agency_id == cast.officer_b.agency_id
    assert forwarded.routed_at > item.routed_at
    assert forwarded.first_responded_at is None
    assert forwarded.first_response_due_at > item.first_response_due_at


async def test_two_concurrent_resolves_one_succeeds_and_the_other_gets_conflict(engine, database_url):
    sessions = make_session_factory(engine)
    async with transaction(sessions) as session:
        from tests.factories import default_agency_slug

        agency = await default_agency_slug(session, "infrastruktur")
        _, officer = await make_staff(session, agency)
        item = await make_item(session, agency_slug=agency, status=Status.ACKNOWLEDGED)

    async def resolve_once():
        async with transaction(sessions) as session:
            return await service.resolve(session, officer, item.id, "Sudah beres.", expected_version=item.version)

    results = await asyncio.gather(resolve_once(), resolve_once(), return_exceptions=True)
    assert sum(isinstance(r, Submission) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1
    async with sessions() as session:
        resolved_events = (await session.exec(
            select(func.count()).select_from(SubmissionEvent)
            .where(SubmissionEvent.submission_id == item.id, SubmissionEvent.kind == "resolved")
        )).one()
    assert resolved_events == 1


async def test_citizen_cannot_act_without_the_right_secret(db_session, cast):
    from suara.common.errors import NotAllowed

    item = await make_item(db_session, agency_slug=cast.agency_a, status=Status.RESOLVED, **item_columns(Status.RESOLVED))
    with pytest.raises(NotAllowed):
        await service.confirm_resolved(db_session, item.tracking_code, "WRONGSECRET2", key=KEY)


async def test_reopening_after_ten_working_days_is_refused(db_session, cast):
    from suara.common.errors import NotAllowed

    long_ago = utcnow() - timedelta(days=30)
    item = await make_item(db_session, agency_slug=cast.agency_a, status=Status.CLOSED,
                           resolved_at=long_ago, first_responded_at=long_ago, now=long_ago)
    secret = codes.citizen_secret(item.tracking_code, KEY)
    with pytest.raises(NotAllowed):
        await service.reopen(db_session, item.tracking_code, secret, "Rusak lagi.", key=KEY)
