"""Status changes a citizen should hear about go through the outbox; the worker retries failures."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from suara.db.columns import utcnow
from suara.db.engine import make_session_factory, transaction
from suara.notifications.senders import ConsoleSender
from suara.notifications.service import send_due
from suara.submissions.models import Status
from suara.submissions.outbox_models import OutboxMessage, OutboxState
from suara.triage import service
from tests.factories import default_agency_slug, make_item, make_staff


async def outbox_for(session, submission_id: int) -> list[OutboxMessage]:
    return list(await session.exec(select(OutboxMessage).where(OutboxMessage.submission_id == submission_id)))


async def test_acknowledging_queues_an_sms_to_the_reporter_in_the_same_transaction(db_session, cast):
    item = await make_item(db_session, agency_slug=cast.agency_a, status=Status.ROUTED,
                           contact={"phone": "+6281234500001", "phone_verified": True})
    await service.acknowledge(db_session, cast.officer_a, item.id)
    messages = await outbox_for(db_session, item.id)
    assert [(m.channel, m.recipient) for m in messages] == [("sms", "+6281234500001")]
    assert len(messages[0].body) <= 160 and item.tracking_code in messages[0].body


async def test_anonymous_items_without_contact_send_nothing(db_session, cast):
    item = await make_item(db_session, agency_slug=cast.agency_a, status=Status.ROUTED, anonymous=True)
    await service.acknowledge(db_session, cast.officer_a, item.id)
    await service.respond(db_session, cast.officer_a, item.id, "Sedang ditangani.")
    assert await outbox_for(db_session, item.id) == []


class FlakyGateway:
    def __init__(self, failures: int):
        self.failures = failures
        self.delivered: list[str] = []

    async def send(self, message) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("gateway down")
        self.delivered.append(message.recipient)


ALL = 100_000
"""The shared test database holds other tests' messages: reach this test's in one run."""


async def acknowledged_item_with_contact(sessions, contact: dict):
    """A committed item whose acknowledgement queued one message to ``contact``."""
    async with transaction(sessions) as session:
        agency = await default_agency_slug(session, "infrastruktur")
        _, officer = await make_staff(session, agency)
        item = await make_item(session, agency_slug=agency, status=Status.ROUTED, contact=contact)
        await service.acknowledge(session, officer, item.id)
    return item


async def test_a_gateway_outage_keeps_messages_and_they_go_out_after_recovery(engine):
    sessions = make_session_factory(engine)
    item = await acknowledged_item_with_contact(sessions, {"email": "warga@example.id"})

    gateway = FlakyGateway(failures=10_000)
    now = utcnow()
    await send_due(sessions, gateway, now=now, batch=ALL)
    async with sessions() as session:
        [message] = await outbox_for(session, item.id)
    assert (message.state, message.attempts) == (OutboxState.PENDING, 1)
    assert message.next_attempt_at > now and "gateway down" in message.last_error

    gateway.failures = 0
    await send_due(sessions, gateway, now=now, batch=ALL)  # not due yet: backoff
    assert "warga@example.id" not in gateway.delivered
    await send_due(sessions, gateway, now=now + timedelta(hours=3), batch=ALL)
    assert "warga@example.id" in gateway.delivered
    async with sessions() as session:
        [message] = await outbox_for(session, item.id)
    assert message.state == OutboxState.SENT


async def test_console_sender_records_what_it_would_send():
    from suara.notifications.senders import Outgoing

    sender = ConsoleSender()
    await sender.send(Outgoing("sms", "+62812", None, "halo"))
    assert sender.sent[0].body == "halo"


async def test_the_jobs_loop_inside_serve_sends_due_messages_until_cancelled(engine):
    import asyncio
    import contextlib

    from suara.jobs import run_forever

    sessions = make_session_factory(engine)
    await acknowledged_item_with_contact(sessions, {"phone": "+6281299990000", "phone_verified": True})
    sender = ConsoleSender()
    loop = asyncio.create_task(run_forever(sessions, sender, interval=0.05))
    for _ in range(100):
        if any(message.recipient == "+6281299990000" for message in sender.sent):
            break
        await asyncio.sleep(0.05)
    loop.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await loop
    assert any(message.recipient == "+6281299990000" for message in sender.sent)
