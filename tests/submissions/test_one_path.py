"""One path for every state change: whatever citizens, staff and jobs do, in any order, the status, the
event log, the counters and the outbox agree; and filing notifies exactly as a later transition does."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import uuid
from collections import Counter

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.actors import Actor
from suara.common.errors import DomainError
from suara.db.columns import utcnow
from suara.routing.router import NoRouter, RoutingDecision
from suara.submissions import codes, origins, service
from suara.submissions.counting import recount, stored_counts
from suara.submissions.models import Submission, SubmissionEvent, SubmissionSupport
from suara.submissions.outbox import CITIZEN_MESSAGES, DAILY_SMS_CAP
from suara.submissions.outbox_models import OutboxMessage
from suara.submissions.workflow import Action, transition
from suara.triage import service as triage
from tests.conftest import TEST_SECRET_KEY as KEY
from tests.factories import draft


class FixedRouter:
    """A classifier that always says "infrastruktur", sure (``automatic``) or not."""

    def __init__(self, automatic: bool):
        self.automatic = automatic

    def decide(self, text: str) -> RoutingDecision:
        return RoutingDecision(category="infrastruktur", confidence=0.97 if self.automatic else 0.4,
                               suggestions=[{"category": "infrastruktur", "confidence": 0.97}],
                               model_version="test-model-1", automatic=self.automatic)

    def suggest(self, text: str, k: int = 3) -> list[dict]:
        return []


ROUTERS = {"auto": FixedRouter(True), "triage": FixedRouter(False), "none": NoRouter()}


def new_phone() -> str:
    return "0812" + str(uuid.uuid4().int % 10**8).zfill(8)


PHONE_VERIFIED_AT_FILING = dataclasses.replace(origins.CLIENT, proves_phone=True)
"""A web filing whose phone was verified by code before sending. (An SMS filing's phone is verified too,
but the SMS conversation answers the filing itself, naming the agency: see tests/channels.)"""


async def file(session, *, routing: str, reporter: str) -> Submission:
    """``reporter``: "phone" (a phone verified at filing), "email", or "anonymous"."""
    if reporter == "phone":
        filing = draft(reporter_phone=new_phone())
        origin = PHONE_VERIFIED_AT_FILING
    else:
        filing = draft(reporter_email=f"warga-{uuid.uuid4().hex[:8]}@example.id") if reporter == "email" \
            else draft(anonymous=True)
        origin = origins.CLIENT
    receipt = await service.submit(session, filing, router=ROUTERS[routing], secret_key=KEY, origin=origin)
    return receipt.submission


# The property: random sequences of actions.

STEPS = [
    "submit", "route", "route_elsewhere", "acknowledge", "respond", "note", "field_check", "forward", "resolve",
    "reject", "confirm", "dispute", "reopen", "escalate", "support", "assign", "unassign", "mark_duplicate",
    "view_contact", "confirm_routing", *["advance"] * 12,
]
"""``advance`` is the item's usual next step, so random sequences also reach the late states often."""
ADVANCE = {
    "received": ["route"], "in_triage": ["route", "reject"], "routed": ["acknowledge", "forward"],
    "forwarded": ["acknowledge"], "acknowledged": ["resolve", "respond"], "in_progress": ["resolve"],
    "reopened": ["resolve", "acknowledge"], "resolved": ["confirm", "dispute", "reopen"], "closed": ["reopen"],
    "rejected": ["support"],
}
FILINGS = st.tuples(st.sampled_from(sorted(ROUTERS)), st.sampled_from(["phone", "email", "anonymous"]))
STEP = st.tuples(st.sampled_from(STEPS), st.integers(0, 2), FILINGS)


class Scenario:
    def __init__(self, session: AsyncSession, cast):
        self.session = session
        self.cast = cast
        self.items: list[int] = []
        self.reporters: dict[int, str] = {}

    def officer_for(self, item: Submission) -> Actor:
        return self.cast.officer_b if item.agency_id == self.cast.officer_b.agency_id else self.cast.officer_a

    def other_agency(self, item: Submission) -> str:
        return self.cast.agency_a if item.agency_id == self.cast.officer_b.agency_id else self.cast.agency_b

    async def item(self, index: int) -> Submission:
        return await self.session.get(Submission, self.items[index % len(self.items)], populate_existing=True)

    async def run(self, step: str, index: int, filing: tuple[str, str]) -> None:
        session, cast = self.session, self.cast
        if step == "submit" or not self.items:
            item = await file(session, routing=filing[0], reporter=filing[1])
            self.items.append(item.id)
            self.reporters[item.id] = filing[1]
            return
        item = await self.item(index)
        if step == "advance":
            choices = ADVANCE[item.status]
            step = choices[index % len(choices)]
        officer = self.officer_for(item)
        secret = codes.citizen_secret(item.tracking_code, KEY)
        match step:
            case "route":
                await triage.route_submission(session, cast.triage_admin, item.id, "infrastruktur")
            case "route_elsewhere":
                await triage.route_submission(session, cast.triage_admin, item.id, "permades_dan_kependudukan")
            case "acknowledge":
                await triage.acknowledge(session, officer, item.id)
            case "respond":
                await triage.respond(session, officer, item.id, "Tim kami akan mengecek lokasi besok.")
            case "note":
                await triage.add_note(session, officer, item.id, "Koordinasi dengan UPT wilayah.")
            case "field_check":
                await triage.mark_field_check(session, officer, item.id)
            case "forward":
                await triage.forward(session, officer, item.id, self.other_agency(item), "Kewenangan dinas lain.")
            case "resolve":
                await triage.resolve(session, officer, item.id, "Saluran sudah dibersihkan.")
            case "reject":
                await triage.reject(session, cast.triage_admin if item.agency_id is None else officer, item.id,
                                    "incomplete", "Lokasi tidak jelas.")
            case "confirm":
                await triage.confirm_resolved(session, item.tracking_code, secret, key=KEY)
            case "dispute":
                await triage.dispute(session, item.tracking_code, secret, "Masih tersumbat.", key=KEY)
            case "reopen":
                await triage.reopen(session, item.tracking_code, secret, "Tersumbat lagi.", key=KEY)
            case "escalate":  # what the overdue job does to one item, without touching other tests' items
                which = "first_response" if item.first_responded_at is None else "resolution"
                due = getattr(item, f"{which}_due_at")
                await transition(session, item, Action.ESCALATE, Actor.system(), changes={f"{which}_escalated_at": utcnow()},
                                 details={"deadline": which, "due_at": due.isoformat() if due else None,
                                          "agency_id": item.agency_id})
            case "support":
                await service.support(session, item.tracking_code, channel="web")
            case "assign":
                await triage.take(session, officer, item.id)
            case "unassign":
                await triage.unassign(session, officer, item.id)
            case "mark_duplicate":
                kept = await self.item(index + 1)
                await triage.mark_duplicate(session, officer, item.id, kept.tracking_code)
            case "view_contact":
                await triage.read_contact(session, officer, item.id)
            case "confirm_routing":
                await triage.confirm_routing(session, cast.triage_admin, item.id)
            case _:
                raise AssertionError(step)

    async def check(self, counters_before: Counter) -> None:
        """Status, events, counters and outbox agree for every item of the scenario."""
        session = self.session
        session.expire_all()
        ids = self.items
        events: dict[int, list[SubmissionEvent]] = {i: [] for i in ids}
        for event in await session.exec(
            select(SubmissionEvent).where(SubmissionEvent.submission_id.in_(ids)).order_by(SubmissionEvent.id)
        ):
            events[event.submission_id].append(event)
        supports = Counter(await session.exec(
            select(SubmissionSupport.submission_id).where(SubmissionSupport.submission_id.in_(ids))))
        outbox: dict[int, list[OutboxMessage]] = {i: [] for i in ids}
        for message in await session.exec(
            select(OutboxMessage).where(OutboxMessage.submission_id.in_(ids)).order_by(OutboxMessage.id)
        ):
            outbox[message.submission_id].append(message)
        for submission in await session.exec(select(Submission).where(Submission.id.in_(ids))):
            log = events[submission.id]
            assert log[0].kind == "received" and log[0].status_before is None
            assert submission.status == log[-1].status_after
            for earlier, later in itertools.pairwise(log):
                assert later.status_before == earlier.status_after, (earlier.kind, later.kind)
            merged = sum(1 for event in log if event.kind == "duplicate_merged")
            assert submission.support_count == supports[submission.id] + merged
            told = [event for event in log if event.kind in CITIZEN_MESSAGES]
            reporter = self.reporters[submission.id]
            expected = 0 if reporter == "anonymous" else len(told)
            if reporter == "phone":
                expected = min(expected, DAILY_SMS_CAP)
            messages = outbox[submission.id]
            assert len(messages) == expected, ([e.kind for e in told], [m.body for m in messages])
            code = codes.format_tracking_code(submission.tracking_code)
            for event, message in zip(told, messages):
                fragment = CITIZEN_MESSAGES[event.kind][0].split("{")[0]
                assert message.body.startswith(f"{code}: laporan Anda {fragment}"), (event.kind, message.body)
                assert message.channel == ("sms" if reporter == "phone" else "email")
        stored = await stored_counts(session)
        stored.subtract(counters_before)
        assert +stored == +(await recount(session, ids))


@settings(max_examples=40, phases=[Phase.explicit, Phase.generate], derandomize=True, deadline=None,
          database=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(STEP, min_size=1, max_size=16))
@example(steps=[("submit", 0, ("auto", "phone")), ("acknowledge", 0, ("none", "anonymous")),
                ("respond", 0, ("none", "anonymous")), ("resolve", 0, ("none", "anonymous")),
                ("dispute", 0, ("none", "anonymous")), ("escalate", 0, ("none", "anonymous")),
                ("forward", 0, ("none", "anonymous")), ("support", 0, ("none", "anonymous"))])
@example(steps=[("submit", 0, ("triage", "email")), ("submit", 0, ("auto", "email")),
                ("route", 0, ("none", "anonymous")), ("support", 0, ("none", "anonymous")),
                ("mark_duplicate", 0, ("none", "anonymous")), ("view_contact", 1, ("none", "anonymous")),
                ("confirm_routing", 1, ("none", "anonymous")), ("resolve", 1, ("none", "anonymous")),
                ("confirm", 1, ("none", "anonymous")), ("reopen", 1, ("none", "anonymous"))])
async def test_random_sequences_of_actions_keep_status_events_counters_and_outbox_in_agreement(engine, cast, steps):
    async with engine.connect() as connection:
        outer = await connection.begin()
        factory = async_sessionmaker(bind=connection, class_=AsyncSession, expire_on_commit=False,
                                     join_transaction_mode="create_savepoint")
        try:
            async with factory() as session:
                scenario = Scenario(session, cast)
                counters_before = await stored_counts(session)
                refused = 0
                for step, index, filing in steps:
                    try:
                        async with session.begin_nested():  # each action is one request's transaction
                            await scenario.run(step, index, filing)
                    except DomainError:
                        refused += 1
                    await scenario.check(counters_before)
                assert refused < len(steps) or not scenario.items
        finally:
            await outer.rollback()


# Filing notifies like a transition.

async def outbox_of(session, submission_id: int) -> list[OutboxMessage]:
    return list(await session.exec(select(OutboxMessage).where(OutboxMessage.submission_id == submission_id)))


async def test_an_auto_routed_submission_with_a_verified_phone_queues_its_message_like_a_staff_routed_one(
    db_session, cast,
):
    auto = await file(db_session, routing="auto", reporter="phone")
    by_staff = await file(db_session, routing="none", reporter="phone")
    assert (auto.status, by_staff.status) == ("routed", "received")
    assert await outbox_of(db_session, by_staff.id) == []
    by_staff = await triage.route_submission(db_session, cast.triage_admin, by_staff.id, "infrastruktur")
    assert auto.agency_id == by_staff.agency_id

    [from_filing] = await outbox_of(db_session, auto.id)
    [from_staff] = await outbox_of(db_session, by_staff.id)
    contacts = {item.id: (await triage.read_contact(db_session, cast.officer_a, item.id)).phone
                for item in (auto, by_staff)}
    assert (from_filing.channel, from_filing.recipient) == ("sms", contacts[auto.id])
    assert (from_staff.channel, from_staff.recipient) == ("sms", contacts[by_staff.id])

    def without_code(message: OutboxMessage, item: Submission) -> tuple:
        body = message.body.replace(codes.format_tracking_code(item.tracking_code), "CODE")
        return message.channel, message.subject, body.replace(item.tracking_code, "CODE"), message.state

    assert without_code(from_filing, auto) == without_code(from_staff, by_staff)
    assert "diteruskan ke" in from_filing.body


async def test_an_auto_routed_filing_writes_its_first_events_through_the_workflow(db_session):
    item = await file(db_session, routing="auto", reporter="email")
    events = list(await db_session.exec(
        select(SubmissionEvent).where(SubmissionEvent.submission_id == item.id).order_by(SubmissionEvent.id)))
    assert [(e.kind, e.actor, e.status_before, e.status_after) for e in events] == [
        ("received", "citizen:api", None, "received"), ("routed", "model:test-model-1", "received", "routed")]
    assert events[1].details["agency_id"] == item.agency_id
    assert events[1].details["first_response_due_at"] == item.first_response_due_at.isoformat()
    [message] = await outbox_of(db_session, item.id)
    assert message.channel == "email" and "diteruskan ke" in message.body


async def test_an_anonymous_or_unrouted_filing_queues_no_message(db_session):
    for routing, reporter in (("auto", "anonymous"), ("triage", "phone"), ("none", "email")):
        item = await file(db_session, routing=routing, reporter=reporter)
        assert await outbox_of(db_session, item.id) == [], (routing, reporter)


async def test_a_support_is_recorded_through_the_workflow_and_leaves_the_version_alone(db_session):
    item = await file(db_session, routing="auto", reporter="anonymous")
    supported = await service.support(db_session, item.tracking_code, channel="web")
    assert (supported.support_count, supported.version) == (1, item.version)
    [event] = list(await db_session.exec(
        select(SubmissionEvent).where(SubmissionEvent.submission_id == item.id, SubmissionEvent.kind == "supported")))
    assert (event.status_before, event.status_after, event.public) == ("routed", "routed", True)
    assert event.details == {"support_count": 1}


def test_no_module_but_the_workflow_writes_submission_events():
    """The event table's writers: the workflow only (the demo history copies synthetic past events in bulk,
    and tests build past data by hand)."""
    import pathlib
    import re

    source = pathlib.Path(service.__file__).resolve().parents[1]
    writers = sorted(
        str(path.relative_to(source)) for path in source.rglob("*.py")
        if re.search(r"SubmissionEvent\(\s*submission_id|insert\((EVENTS|SubmissionEvent)", path.read_text())
    )
    assert writers == ["submissions/workflow.py"]



async def test_twenty_concurrent_supports_count_twenty_and_each_event_holds_its_own_count(engine):
    from suara.db.engine import make_session_factory, transaction

    sessions = make_session_factory(engine)
    async with transaction(sessions) as session:
        item = await file(session, routing="auto", reporter="anonymous")

    async def support() -> None:
        async with transaction(sessions) as session:
            await service.support(session, item.tracking_code, channel="web")

    await asyncio.gather(*(support() for _ in range(20)))
    async with sessions() as session:
        counted = (await session.get(Submission, item.id)).support_count
        recorded = sorted(event.details["support_count"] for event in await session.exec(
            select(SubmissionEvent).where(SubmissionEvent.submission_id == item.id,
                                          SubmissionEvent.kind == "supported")))
    assert counted == 20
    assert recorded == list(range(1, 21))


class CountingRouter(FixedRouter):
    def __init__(self):
        super().__init__(automatic=True)
        self.calls = 0

    def decide(self, text: str) -> RoutingDecision:
        self.calls += 1
        return super().decide(text)


async def test_a_lean_submit_classifies_once_and_takes_one_statement(db_session, app_state):
    """Filing, contact, events, counters, the reporter's message and the announcement in one statement: no read of the
    agency (the cached directory), no idempotency read before the insert, no second classification."""
    from sqlalchemy import event

    directory = await app_state.directory()
    router = CountingRouter()
    statements: list[str] = []
    connection = await db_session.connection()

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0] + " " + " ".join(statement.split()[1:4]))

    event.listen(connection.sync_connection, "before_cursor_execute", seen)
    try:
        receipt = await service.submit(
            db_session, draft(reporter_email="warga@example.id", idempotency_key=f"lean-{uuid.uuid4()}"),
            router=router, secret_key=KEY, directory=directory)
        await db_session.flush()  # what the commit would write
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", seen)
    assert receipt.submission.status == "routed" and router.calls == 1
    own = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]
    # one round trip; possible duplicates only when asked
    assert len(own) == 1, statements
    assert own[0].startswith("WITH filed AS")
    queued = (await db_session.exec(select(OutboxMessage).where(OutboxMessage.submission_id == receipt.submission.id))).all()
    assert [(m.channel, m.recipient) for m in queued] == [("email", "warga@example.id")]
    assert "diteruskan ke" in queued[0].body
    assert router.calls == 1
    await receipt.possible_duplicates(db_session)
    assert router.calls == 1, "the receipt's duplicates reuse the filing's routing"
