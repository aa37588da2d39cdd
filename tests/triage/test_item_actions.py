"""The item page and its actions through GraphQL: assignment, duplicates, rejection, answers, conflicts."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from suara.db.columns import utcnow
from suara.db.engine import transaction
from suara.submissions import codes
from suara.submissions.models import Status, Submission, SubmissionEvent, SubmissionSupport
from suara.submissions.outbox_models import OutboxMessage
from suara.triage import service
from suara.triage.models import AnswerTemplate
from tests.factories import make_item
from tests.triage.workspace import app_for, call, new_desk, node_id

RESULT = """__typename ... on StaffActionSuccess { submission { version status supportCount duplicateOf
  assignee { id email } } } ... on Conflict { code current { version status assignee { email } } }
  ... on NotAllowed { code } ... on NotFound { code } ... on ValidationError { code field }
  ... on InvalidTransition { code }"""
TAKE = f"mutation($id: ID!, $v: Int) {{ takeSubmission(id: $id, expectedVersion: $v) {{ {RESULT} }} }}"
ASSIGN = f"mutation($id: ID!, $s: ID!, $v: Int) {{ assignSubmission(id: $id, staffId: $s, expectedVersion: $v) {{ {RESULT} }} }}"
UNASSIGN = f"mutation($id: ID!) {{ unassignSubmission(id: $id) {{ {RESULT} }} }}"
DUPLICATE = f"mutation($id: ID!, $of: String!, $v: Int) {{ markDuplicate(id: $id, duplicateOf: $of, expectedVersion: $v) {{ {RESULT} }} }}"
REJECT = f"mutation($id: ID!, $r: RejectReason!) {{ reject(id: $id, reason: $r, note: \"Bukan pengaduan layanan.\") {{ {RESULT} }} }}"
RESPOND = f"mutation($id: ID!, $t: ID) {{ respond(id: $id, text: \"Akan kami cek besok.\", templateId: $t) {{ {RESULT} }} }}"
REVEAL = """mutation($id: ID!) { revealContact(id: $id) { __typename ... on ContactRevealed { contact { email phone } }
  ... on NotFound { code } ... on NotAllowed { code } } }"""
ITEM = """query($id: ID!) { staffSubmission(id: $id) { text version supportCount locationText
  firstResponseWorkingDaysLeft resolutionWorkingDaysLeft assignee { email }
  possibleDuplicates { similarity submission { trackingCode } }
  events { kind actorEmail at public note } } }"""
CONTACT = {"name": "Siti Aminah", "email": "siti.aminah@example.id", "phone": "+6281234567890", "phone_verified": False}


async def items(sessions, slug: str, count: int = 1, **columns) -> list[Submission]:
    async with transaction(sessions) as session:
        return [await make_item(session, agency_slug=slug, **columns) for _ in range(count)]


async def events_of(sessions, submission_id: int) -> list[SubmissionEvent]:
    async with transaction(sessions) as session:
        return list(await session.exec(select(SubmissionEvent).where(SubmissionEvent.submission_id == submission_id)
                                       .order_by(SubmissionEvent.id)))


async def test_take_assign_and_unassign_are_recorded_and_a_colleague_of_another_agency_is_refused(sessions, app_state):
    desk, other = await new_desk(sessions), await new_desk(sessions)
    (item,) = await items(sessions, desk.slug)
    app, node = app_for(app_state), node_id(item.id)

    taken = (await call(app, desk.token, TAKE, {"id": node, "v": 1}))["takeSubmission"]
    assert taken["submission"]["assignee"] == {"id": str(desk.officer.id), "email": desk.officer.email}
    handed = (await call(app, desk.token, ASSIGN, {"id": node, "s": str(desk.colleague.id), "v": 2}))["assignSubmission"]
    assert handed["submission"]["assignee"]["email"] == desk.colleague.email and handed["submission"]["version"] == 3

    refused = (await call(app, desk.token, ASSIGN, {"id": node, "s": str(other.officer.id), "v": 3}))["assignSubmission"]
    assert refused == {"__typename": "NotAllowed", "code": "not_a_colleague"}
    # the other agency's officer cannot take it either, and learns nothing about it
    assert (await call(app, other.token, TAKE, {"id": node}))["takeSubmission"] == {
        "__typename": "NotFound", "code": "submission_not_found"}

    cleared = (await call(app, desk.token, UNASSIGN, {"id": node}))["unassignSubmission"]
    assert cleared["submission"]["assignee"] is None and cleared["submission"]["version"] == 4
    kinds = [(event.kind, event.public, event.actor) for event in await events_of(sessions, item.id)]
    assert kinds[1:] == [("assigned", False, f"staff:{desk.officer.id}"), ("assigned", False, f"staff:{desk.officer.id}"),
                         ("unassigned", False, f"staff:{desk.officer.id}")]


async def test_forwarding_clears_the_assignment(sessions, app_state, cast):
    (item,) = await items(sessions, cast.agency_a, status=Status.ACKNOWLEDGED)
    async with transaction(sessions) as session:
        await service.take(session, cast.officer_a, item.id)
        forwarded = await service.forward(session, cast.officer_a, item.id, cast.agency_b, "Kewenangan dinas lain.")
    assert forwarded.assigned_staff_id is None and forwarded.agency_id == cast.officer_b.agency_id


async def test_a_duplicate_moves_its_supports_to_the_kept_item_and_the_citizen_is_told(sessions, app_state):
    desk, other = await new_desk(sessions), await new_desk(sessions)
    async with transaction(sessions) as session:
        kept = await make_item(session, agency_slug=desk.slug, support_count=2)
        duplicate = await make_item(session, agency_slug=desk.slug, support_count=1, contact=CONTACT,
                                    assigned_staff_id=desk.officer.id)
        session.add(SubmissionSupport(submission_id=duplicate.id, channel="web"))
        finished = await make_item(session, agency_slug=desk.slug, status=Status.CLOSED)
        theirs = await make_item(session, agency_slug=other.slug)
    app, node = app_for(app_state), node_id(duplicate.id)
    code = codes.format_tracking_code

    for target, expected in [(duplicate, "ValidationError"), (finished, "InvalidTransition"), (theirs, "NotFound")]:
        refused = (await call(app, desk.token, DUPLICATE, {"id": node, "of": code(target.tracking_code)}))["markDuplicate"]
        assert refused["__typename"] == expected, refused

    closed = (await call(app, desk.token, DUPLICATE, {"id": node, "of": code(kept.tracking_code), "v": 1}))["markDuplicate"]
    assert closed["submission"] == {"version": 2, "status": "rejected", "supportCount": 0,
                                    "duplicateOf": code(kept.tracking_code), "assignee": None}
    async with transaction(sessions) as session:
        fresh = await session.get(Submission, kept.id)
        assert (fresh.support_count, fresh.version) == (2 + 1 + 1, 2)  # its support and its reporter
        moved = (await session.exec(select(SubmissionSupport).where(SubmissionSupport.submission_id == kept.id))).all()
        assert len(moved) == 1
        told = (await session.exec(select(OutboxMessage).where(OutboxMessage.submission_id == duplicate.id))).all()
        assert [m.recipient for m in told] == [CONTACT["email"]] and code(kept.tracking_code) in told[0].body
    rejected = next(e for e in await events_of(sessions, duplicate.id) if e.kind == "rejected")
    assert rejected.details["reason"] == "duplicate" and rejected.details["duplicate_of"] == code(kept.tracking_code)
    assert [e.kind for e in await events_of(sessions, kept.id)][-1] == "duplicate_merged"


async def test_a_stale_version_returns_conflict_with_the_fresh_item_and_writes_nothing(sessions, app_state):
    desk = await new_desk(sessions)
    (item,) = await items(sessions, desk.slug)
    app, node = app_for(app_state), node_id(item.id)
    assert (await call(app, desk.colleague_token, TAKE, {"id": node, "v": 1}))["takeSubmission"]["__typename"] == \
        "StaffActionSuccess"
    before = len(await events_of(sessions, item.id))
    for query, name in [(TAKE, "takeSubmission"), (DUPLICATE, "markDuplicate")]:
        stale = (await call(app, desk.token, query, {"id": node, "v": 1, "of": "XXX-XXX-XXX"}))[name]
        assert stale == {"__typename": "Conflict", "code": "conflict",
                         "current": {"version": 2, "status": "routed", "assignee": {"email": desk.colleague.email}}}
    assert len(await events_of(sessions, item.id)) == before


async def test_reject_takes_a_reason_from_the_list(sessions, app_state):
    desk = await new_desk(sessions)
    (item,) = await items(sessions, desk.slug)
    rejected = (await call(app_for(app_state), desk.token, REJECT, {"id": node_id(item.id), "r": "NOT_AUTHORITY"}))["reject"]
    assert rejected["submission"]["status"] == "rejected"
    assert (await events_of(sessions, item.id))[-1].details["reason"] == "not_our_authority"


async def test_an_answer_may_name_a_template_of_the_agency_only(sessions, app_state):
    desk, other = await new_desk(sessions), await new_desk(sessions)
    (item,) = await items(sessions, desk.slug, status=Status.ACKNOWLEDGED)
    async with transaction(sessions) as session:
        own = AnswerTemplate(agency_id=desk.agency_id, title="Cek lokasi", body="Akan kami cek besok.")
        foreign = AnswerTemplate(agency_id=other.agency_id, title="Lain", body="Bukan milik Anda.")
        session.add_all([own, foreign])
    app, node = app_for(app_state), node_id(item.id)
    refused = (await call(app, desk.token, RESPOND, {"id": node, "t": str(foreign.id)}))["respond"]
    assert refused == {"__typename": "NotFound", "code": "answer_template_not_found"}
    answered = (await call(app, desk.token, RESPOND, {"id": node, "t": str(own.id)}))["respond"]
    assert answered["submission"]["status"] == "in_progress"
    assert (await events_of(sessions, item.id))[-1].details["template_id"] == own.id


async def test_the_item_page_shows_deadlines_in_working_days_and_who_read_the_contact(sessions, app_state):
    desk, other = await new_desk(sessions), await new_desk(sessions)
    (item,) = await items(sessions, desk.slug, contact=CONTACT, location_text="Jl. Merdeka 5")
    (late,) = await items(sessions, desk.slug, now=utcnow() - timedelta(days=30))
    app, node = app_for(app_state), node_id(item.id)

    assert (await call(app, other.token, REVEAL, {"id": node}))["revealContact"] == {
        "__typename": "NotFound", "code": "submission_not_found"}
    revealed = (await call(app, desk.token, REVEAL, {"id": node}))["revealContact"]
    assert revealed["contact"] == {"email": CONTACT["email"], "phone": CONTACT["phone"]}

    page = (await call(app, desk.token, ITEM, {"id": node}))["staffSubmission"]
    assert page["locationText"] == "Jl. Merdeka 5" and page["text"] == item.text
    assert 0 <= page["firstResponseWorkingDaysLeft"] <= 5 and page["resolutionWorkingDaysLeft"] >= 10
    viewed = [e for e in page["events"] if e["kind"] == "contact_viewed"]
    assert len(viewed) == 1 and viewed[0]["actorEmail"] == desk.officer.email and viewed[0]["public"] is False
    overdue = (await call(app, desk.token, ITEM, {"id": node_id(late.id)}))["staffSubmission"]
    assert overdue["firstResponseWorkingDaysLeft"] < 0
