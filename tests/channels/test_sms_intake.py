"""The SMS intake: the webhook answers at once, the worker drains in order per phone, failures back
off and end as dead letters that triage admins see (the phone masked)."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.app import create_app
from suara.channels.sms.conversation import InboundSms
from suara.channels.sms.intake import (
    BACKOFF,
    GAVE_UP,
    MAX_ATTEMPTS,
    describe,
    drain_sms,
    mask_phone,
    store_once,
)
from suara.common.gsm import segments
from suara.db.columns import utcnow
from suara.db.engine import make_session_factory, transaction
from suara.submissions.models import Submission
from suara.submissions.sms_models import SmsInbound, SmsThread
from tests import conftest
from tests.channels.test_sms_webhook import Phone, drain
from tests.factories import make_staff
from tests.triage.staff_clients import cheap_hashing, staff_client  # noqa: F401 — fixture

DEAD_LETTERS = """query($after: String) { smsDeadLetters(first: 50, after: $after) {
  totalCount hasNextPage endCursor letters { id phoneMasked attempts lastError receivedAt failedAt } } }"""


async def inbound(state, message_id: str) -> SmsInbound:
    async with state.reading() as session:
        return (await session.exec(select(SmsInbound).where(SmsInbound.gateway_message_id == message_id))).one()


async def count(state, table, *where) -> int:
    async with state.reading() as session:
        return (await session.exec(select(func.count()).select_from(table).where(*where))).one()


async def test_the_webhook_answers_before_the_conversation_runs(client, app_state):
    phone = Phone(client, app_state)
    message_id = uuid.uuid4().hex
    response = await phone.post("LAPOR jalan rusak di desa Sukamaju RT 02, lubang besar sekali", message_id=message_id)
    assert response.status_code == 200 and response.json() == {"status": "queued"}
    queued = await inbound(app_state, message_id)
    assert (queued.state, queued.attempts, queued.phone, queued.command) == ("queued", 0, phone.e164, None)
    assert queued.text.startswith("LAPOR jalan rusak")
    assert await phone.outbox() == [] and await count(app_state, SmsThread, SmsThread.phone == phone.e164) == 0

    await drain(app_state)
    done = await inbound(app_state, message_id)
    assert (done.state, done.command, done.attempts, done.text) == ("done", "complaint", 1, None)
    [reply] = await phone.outbox()
    assert reply.submission_id == done.submission_id
    retry = await phone.post("LAPOR jalan rusak di desa Sukamaju RT 02, lubang besar sekali", message_id=message_id)
    assert retry.json() == {"status": "duplicate"}
    await drain(app_state)
    assert len(await phone.outbox()) == 1


async def test_twenty_identical_deliveries_at_once_queue_one_message_and_file_once(
        committing_client, committing_app_state):
    """Commits: the deliveries race in transactions of their own."""
    client, app_state = committing_client, committing_app_state
    phone = Phone(client, app_state)
    message_id = uuid.uuid4().hex
    responses = await asyncio.gather(*(
        phone.post("LAPOR lampu jalan mati di jalan Pemuda sejak kemarin malam", message_id=message_id)
        for _ in range(20)))
    assert sorted(r.json()["status"] for r in responses) == ["duplicate"] * 19 + ["queued"]
    await drain(app_state)
    assert await count(app_state, SmsInbound, SmsInbound.gateway_message_id == message_id) == 1
    assert await count(app_state, SmsThread, SmsThread.phone == phone.e164) == 1
    assert len(await phone.outbox()) == 1


async def test_bad_signature_size_and_encoding_get_their_4xx_and_store_nothing(client, app_state):
    phone = Phone(client, app_state)
    before = await count(app_state, SmsInbound)
    forged = await phone.post("LAPOR palsu sekali ini", signature="v1=" + "0" * 64)
    too_long = await phone.post("LAPOR " + "jalan rusak " * 900)  # 10,806 characters: no SMS
    too_big = await phone.post("LAPOR " + "x" * (70 * 1024))  # over the server's body limit
    nul = await phone.post("LAPOR jalan\x00 rusak di desa")
    no_sender = await client.post("/sms/inbound", content=b"text=LAPOR+x&message_id=m1", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    bad_part = await phone.post("LAPOR jalan rusak bagian satu", extra={"concat_ref": "9", "concat_part": "3",
                                                                          "concat_total": "2"})
    assert [(r.status_code, r.json()["error"]) for r in (forged, too_long, too_big, nul, no_sender, bad_part)] == [
        (403, "bad_signature"), (413, "text_too_long"), (413, "payload_too_large"), (400, "invalid_text"),
        (403, "missing_signature"), (400, "invalid_part")]
    assert all(r.json()["message"] and r.json()["message_en"] for r in (too_long, nul, bad_part))
    await drain(app_state)
    assert await count(app_state, SmsInbound) == before and await phone.outbox() == []


async def test_parts_out_of_order_and_repeated_are_assembled_once(client, app_state):
    phone = Phone(client, app_state)
    parts = {"2": "dan anak sekolah sering jatuh di lubang itu.", "1": "LAPOR jalan desa Wonosari rusak parah, "}
    ids = {number: uuid.uuid4().hex for number in parts}
    for number in ("2", "2", "1"):  # the gateway delivers part 2 first, and twice
        await phone.post(parts[number], message_id=ids[number],
                         extra={"concat_ref": "41", "concat_part": number, "concat_total": "2"})
    await drain(app_state)
    assert [(await inbound(app_state, ids[n])).command for n in ("2", "1")] == ["waiting_for_parts", "complaint"]
    async with app_state.reading() as session:
        [filed] = list(await session.exec(select(Submission).join(SmsThread, SmsThread.submission_id == Submission.id)
                                          .where(SmsThread.phone == phone.e164)))
    assert filed.text == "jalan desa Wonosari rusak parah, dan anak sekolah sering jatuh di lubang itu."


async def test_a_failing_message_backs_off_holds_its_phone_then_becomes_a_dead_letter_admins_see(
        client, app_state, cast, cheap_hashing):  # noqa: F811
    """The database refuses one filing (a trigger stands in for any failure): the message is retried
    with backoff, the phone's later message waits behind it, and after the last attempt it is set
    aside so the later one goes on; other phones are never held."""
    marker = f"racun{uuid.uuid4().hex[:8]}"
    async with transaction(app_state.sessions) as session:
        await session.exec(text(f"""CREATE FUNCTION refuse_{marker}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'disk full (test)'; END $$"""))
        await session.exec(text(f"""CREATE TRIGGER refuse_{marker} BEFORE INSERT ON submissions FOR EACH ROW
            WHEN (NEW.text LIKE '%{marker}%') EXECUTE FUNCTION refuse_{marker}()"""))
    try:
        phone, other = Phone(client, app_state), Phone(client, app_state)
        poison, later, elsewhere = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
        await phone.post(f"LAPOR jalan rusak di desa {marker} mohon diperbaiki", message_id=poison)
        await phone.post("CEK K7M2QX9PA", message_id=later)
        await other.post("LAPOR lampu jalan mati di jalan Pemuda sejak kemarin", message_id=elsewhere)
        now = utcnow()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            report = await drain_sms(app_state.sessions, router=app_state.router, secret_key=app_state.secret_key,
                                     now=now)
            failed = await inbound(app_state, poison)
            assert failed.attempts == attempt and "disk full (test)" in failed.last_error
            if attempt < MAX_ATTEMPTS:
                assert failed.state == "queued" and report.retried >= 1
                assert failed.next_attempt_at == now + BACKOFF[attempt - 1]
                assert (await inbound(app_state, later)).state == "queued", "held behind the failing message"
                early = await drain_sms(app_state.sessions, router=app_state.router,
                                        secret_key=app_state.secret_key, now=now + BACKOFF[attempt - 1] / 2)
                assert (await inbound(app_state, poison)).attempts == attempt and early.claimed == 0
                now += BACKOFF[attempt - 1]
            else:
                assert failed.state == "dead" and report.dead == 1 and failed.processed_at == now
        assert (await inbound(app_state, elsewhere)).command == "complaint", "other phones are never held"
        await drain(app_state)
        assert (await inbound(app_state, later)).command == "check_unknown"
        gave_up, answered = [m.body for m in await phone.outbox()]
        assert gave_up == GAVE_UP and len(segments(gave_up)) == 1, "the sender learns it failed, once"
        assert answered.startswith("Suara: kode K7M2QX9PA tidak ditemukan")
        assert await count(app_state, Submission, Submission.text.contains(marker)) == 0
    finally:
        async with transaction(app_state.sessions) as session:
            await session.exec(text(f"DROP TRIGGER refuse_{marker} ON submissions"))
            await session.exec(text(f"DROP FUNCTION refuse_{marker}()"))

    async with transaction(app_state.sessions) as session:
        admin, _ = await make_staff(session, "pemprov-jateng", role="triage_admin")
        officer, _ = await make_staff(session, cast.agency_a)
    async with staff_client(app_state) as triage_admin, staff_client(app_state) as stranger:
        await triage_admin.login(admin.email, "kata-sandi-rahasia-1")
        page = (await triage_admin(DEAD_LETTERS))["smsDeadLetters"]
        [letter] = [entry for entry in page["letters"] if entry["id"] == str(failed.id)]
        assert letter["phoneMasked"] == "*" * (len(phone.e164) - 3) + phone.e164[-3:]
        assert letter["attempts"] == MAX_ATTEMPTS and "disk full (test)" in letter["lastError"]
        assert letter["receivedAt"] and letter["failedAt"]
        assert phone.e164[:-3] not in str(page)

        anonymous = await stranger.raw(DEAD_LETTERS)
        assert anonymous["data"] is None and anonymous["errors"][0]["extensions"]["code"] == "sign_in_required"
        await stranger.login(officer.email, "kata-sandi-rahasia-1")
        refused = await stranger.raw(DEAD_LETTERS)
        assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "triage_admin_only"
        assert marker not in str(refused)


async def test_store_once_through_a_callers_connection_rolls_back_with_it(engine):
    """Where the session factory is bound to one connection (tests that roll back), the webhook's
    insert goes through a session on it instead of autocommitting on the pool."""
    sms = InboundSms(message_id=uuid.uuid4().hex, phone="+6281234567890", text="CEK 222222222")
    async with engine.connect() as connection:
        outer = await connection.begin()
        sessions = async_sessionmaker(bind=connection, class_=AsyncSession, expire_on_commit=False,
                                      join_transaction_mode="create_savepoint")
        assert await store_once(sessions, sms) is True and await store_once(sessions, sms) is False
        await outer.rollback()
    async with make_session_factory(engine)() as session:
        assert (await session.exec(select(SmsInbound).where(
            SmsInbound.gateway_message_id == sms.message_id))).first() is None


def test_a_failure_is_described_without_sql_details_or_numbers():
    error = ValueError("duplicate key value violates unique constraint \"x\"\n"
                       "DETAIL:  Key (phone)=(+6281234567890) already exists.\n[SQL: INSERT INTO …]")
    assert describe(error) == 'ValueError: duplicate key value violates unique constraint "x"'
    assert describe(RuntimeError("NIK 3374012345678901 refused")) == "RuntimeError: NIK … refused"


def test_a_masked_phone_keeps_only_its_last_three_digits():
    assert mask_phone("+6281234567890") == "***********890"
    assert mask_phone("1234") == "***234" and mask_phone(None) == "***"


async def test_while_a_worker_holds_a_phones_message_no_other_takes_that_phones_next_one(
        committing_client, committing_app_state):
    """Commits: the held lock must be another transaction's."""
    client, app_state = committing_client, committing_app_state
    phone, other = Phone(client, app_state), Phone(client, app_state)
    codes = [f"{n}22222222" for n in range(2, 6)]
    ids = [uuid.uuid4().hex for _ in codes]
    for code, message_id in zip(codes, ids, strict=True):
        await phone.post(f"CEK {code}", message_id=message_id)
    await other.post("CEK 922222222")
    async with transaction(app_state.sessions) as held:  # another process's worker, mid-conversation
        await held.exec(select(SmsInbound).where(SmsInbound.gateway_message_id == ids[0]).with_for_update())
        report = await drain_sms(app_state.sessions, router=app_state.router, secret_key=app_state.secret_key)
        assert report.done == 1 and len(await other.outbox()) == 1
        assert [(await inbound(app_state, message_id)).state for message_id in ids] == ["queued"] * 4
    await drain(app_state)
    replies = [m.body for m in await phone.outbox()]
    assert [next(code for code in codes if code in body) for body in replies] == codes


async def test_the_servers_lifespan_runs_the_intake_worker(database_url, tmp_path):
    """What `suara serve` does with jobs on: the webhook answers and the server's own worker replies."""
    settings = conftest.test_settings(database_url, suara_jobs_interval_seconds=3600, suara_home=tmp_path,
                                      suara_model_path=tmp_path / "no-model.skops")
    app = create_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://suara.test") as client:
        phone = Phone(client, app.state.suara)
        message_id = uuid.uuid4().hex
        assert (await phone.post("CEK 222222222", message_id=message_id)).json() == {"status": "queued"}
        deadline = time.monotonic() + 20
        while (await inbound(app.state.suara, message_id)).state == "queued":
            assert time.monotonic() < deadline, "the lifespan's worker did not drain"
            await asyncio.sleep(0.05)
        assert (await inbound(app.state.suara, message_id)).command == "check_unknown"
        assert "tidak ditemukan" in await phone.last_reply()
