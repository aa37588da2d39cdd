"""The SMS channel over real HTTP requests to the app, on the real database: the webhook queues each
message and answers; the intake worker (drained here after each message) runs the conversation."""

from __future__ import annotations

import random
import time
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from suara.api.sms import webhook_secret
from suara.channels.sms.intake import drain_all
from suara.channels.sms.signature import suara_signature, twilio_signature
from suara.common.gsm import is_gsm7, segments
from suara.db.columns import utcnow
from suara.db.engine import transaction
from suara.notifications.senders import ChannelSender, ConsoleSender
from suara.notifications.service import send_due
from suara.notifications.sms_gateways import HttpSmsGateway, TwilioSmsGateway
from suara.submissions.codes import format_tracking_code
from suara.submissions.models import ReporterContact, Submission
from suara.submissions.outbox import DAILY_SMS_CAP
from suara.submissions.outbox_models import OutboxMessage
from suara.submissions.sms_models import SmsInbound, SmsThread
from suara.triage import service as triage


def new_phone() -> tuple[str, str]:
    """A fresh valid Telkomsel number, as people type it and in E.164."""
    digits = f"{random.randrange(10**7, 10**8)}"
    return f"0812{digits}", f"+62812{digits}"


async def drain(state) -> None:
    """What the server's intake worker does in the background, run to the end."""
    await drain_all(state.sessions, router=state.router, secret_key=state.secret_key, limits=state.limits)


class Phone:
    """A citizen's phone talking to Suara through a signing gateway."""

    def __init__(self, client: httpx.AsyncClient, state):
        self.client, self.state = client, state
        self.local, self.e164 = new_phone()
        self.secret = webhook_secret(state)

    async def post(self, text: str, *, message_id: str | None = None, age_seconds: int = 0,
                   signature: str | None = None, extra: dict | None = None) -> httpx.Response:
        """The gateway's request only: the message is queued, not yet processed."""
        body = urlencode({"from": self.local, "text": text, "message_id": message_id or uuid.uuid4().hex,
                          **(extra or {})}).encode()
        timestamp = str(int(time.time()) - age_seconds)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Suara-Timestamp": timestamp,
                   "X-Suara-Signature": signature or suara_signature(self.secret, timestamp, body)}
        return await self.client.post("/sms/inbound", content=body, headers=headers)

    async def send(self, text: str, **options) -> httpx.Response:
        """The gateway's request, then the intake worker's drain: as a citizen sees it a moment later."""
        response = await self.post(text, **options)
        await drain(self.state)
        return response

    async def say(self, text: str, *, message_id: str | None = None, extra: dict | None = None) -> str:
        """Send and drain; what the conversation made of the message (the command handled)."""
        message_id = message_id or uuid.uuid4().hex
        response = await self.send(text, message_id=message_id, extra=extra)
        assert response.status_code == 200 and response.json() == {"status": "queued"}, response.text
        async with self.state.reading() as session:
            inbound = (await session.exec(
                select(SmsInbound).where(SmsInbound.gateway_message_id == message_id))).one()
        assert inbound.state == "done", (inbound.state, inbound.last_error)
        return inbound.command

    async def outbox(self) -> list[OutboxMessage]:
        async with self.state.reading() as session:
            return list(await session.exec(
                select(OutboxMessage).where(OutboxMessage.recipient == self.e164).order_by(OutboxMessage.id)))

    async def last_reply(self) -> str:
        return (await self.outbox())[-1].body


@pytest.fixture
def phone(client, app_state) -> Phone:
    return Phone(client, app_state)


async def stored_for(state, phone: Phone) -> list[Submission]:
    async with state.reading() as session:
        return list(await session.exec(
            select(Submission).join(SmsThread, SmsThread.submission_id == Submission.id)
            .where(SmsThread.phone == phone.e164).order_by(Submission.id)))


async def test_a_whole_conversation_from_report_to_confirmation(phone, app_state, cast):
    assert await phone.say("LAPOR jalan rusak di desa Sukamaju RT 02, lubang besar membahayakan motor") == "complaint"
    [item] = await stored_for(app_state, phone)
    code = item.tracking_code
    reply = await phone.last_reply()
    pretty = f"{code[:3]}-{code[3:6]}-{code[6:]}"
    assert reply.startswith(pretty) and f"CEK {code}" in reply
    assert is_gsm7(reply) and len(segments(reply)) == 1

    async with transaction(app_state.sessions) as session:
        await triage.route_submission(session, cast.triage_admin, item.id, "infrastruktur", cast.agency_a)
        await triage.acknowledge(session, cast.officer_a, item.id)
        await triage.resolve(session, cast.officer_a, item.id, "Lubang sudah ditambal.")
    gateway = ConsoleSender()
    await send_due(app_state.sessions, ChannelSender(sms=gateway, other=ConsoleSender()))
    received = [m.body for m in gateway.sent if m.recipient == phone.e164]
    assert any("ditangani" in body for body in received)
    assert any("selesai" in body and f"SELESAI {code}" in body for body in received)
    assert all(len(segments(body)) == 1 for body in received)

    await phone.send(f"cek {pretty.lower()}")
    assert "dinyatakan selesai" in await phone.last_reply()
    await phone.send(f"SELESAI {code}")
    assert "terima kasih" in await phone.last_reply()
    async with app_state.reading() as session:
        assert (await session.get(Submission, item.id)).status == "closed"
        contact = await session.get(ReporterContact, item.id)
    assert contact.phone == phone.e164  # not anonymous: the agency may see the number


async def test_someone_elses_code_reads_like_an_unknown_one(phone, client, app_state):
    await phone.send("LAPOR sampah menumpuk di pasar Johar sudah dua minggu tidak diangkut")
    [item] = await stored_for(app_state, phone)
    stranger = Phone(client, app_state)
    await stranger.send(f"CEK {item.tracking_code}")
    theirs = await stranger.last_reply()
    await stranger.send("CEK 222222222")
    unknown = await stranger.last_reply()
    assert "tidak ditemukan" in theirs and theirs.replace(item.tracking_code, "X") == unknown.replace("222222222", "X")
    await stranger.send(f"SELESAI {item.tracking_code}")
    assert "tidak ditemukan" in await stranger.last_reply()


async def count(state, table, *where) -> int:
    async with state.reading() as session:
        return (await session.exec(select(func.count()).select_from(table).where(*where))).one()


async def test_bad_signature_replayed_id_and_stale_timestamp_are_refused_and_store_nothing(phone, app_state):
    forged = await phone.send("LAPOR palsu", signature="v1=" + "0" * 64)
    stale = await phone.send("LAPOR jalan rusak tapi pesan lama", age_seconds=6 * 60)
    unsigned = await phone.client.post("/sms/inbound", data={"from": phone.local, "text": "LAPOR x", "message_id": "u1"})
    assert (forged.status_code, forged.json()["error"]) == (403, "bad_signature")
    assert (stale.status_code, stale.json()["error"]) == (403, "stale_timestamp")
    assert (unsigned.status_code, unsigned.json()["error"]) == (403, "missing_signature")
    assert await phone.outbox() == [] and await stored_for(app_state, phone) == []

    message_id = uuid.uuid4().hex
    first = await phone.send("LAPOR lampu jalan mati di jalan Pemuda sejak kemarin malam", message_id=message_id)
    again = await phone.send("LAPOR lampu jalan mati di jalan Pemuda sejak kemarin malam", message_id=message_id)
    assert first.json() == {"status": "queued"} and again.json() == {"status": "duplicate"}
    assert len(await stored_for(app_state, phone)) == 1 and len(await phone.outbox()) == 1
    assert await count(app_state, SmsInbound, SmsInbound.gateway_message_id == message_id) == 1


async def test_a_gateway_outage_keeps_messages_in_the_outbox_until_it_recovers(phone, app_state):
    await phone.send("INFO syarat membuat akta kelahiran untuk anak kedua apa saja")
    up = {"now": False}
    delivered = []

    def provider(request: httpx.Request) -> httpx.Response:
        if not up["now"]:
            return httpx.Response(503, text="maintenance")
        delivered.append(request)
        return httpx.Response(202, json={"queued": True})

    gateway = HttpSmsGateway("https://sms-gateway.example/send", "token-123",
                             client=httpx.AsyncClient(transport=httpx.MockTransport(provider)))
    sender = ChannelSender(sms=gateway, other=ConsoleSender())
    down = await send_due(app_state.sessions, sender)
    assert down.retried >= 1  # others' committed messages may be due too: assert on this phone's own below
    [waiting] = await phone.outbox()
    assert waiting.state == "pending" and waiting.attempts == 1 and "503" in waiting.last_error
    up["now"] = True
    await send_due(app_state.sessions, sender, now=utcnow() + timedelta(minutes=5))
    [sent] = await phone.outbox()
    assert sent.state == "sent"
    mine = [r for r in delivered if phone.e164.encode() in r.content]
    assert len(mine) == 1 and mine[0].headers["authorization"] == "Bearer token-123"


async def test_twilio_gateway_posts_the_form_twilio_expects():
    seen = []

    def twilio(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"sid": "SM123"})

    gateway = TwilioSmsGateway("AC123", "auth-token", "+15005550006",
                               client=httpx.AsyncClient(transport=httpx.MockTransport(twilio)))
    from suara.notifications.senders import Outgoing

    await gateway.send(Outgoing("sms", "+6281234567890", None, "K7M-2QX-9PA: selesai"))
    [request] = seen
    assert request.url.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert dict(httpx.QueryParams(request.content.decode())) == {
        "To": "+6281234567890", "From": "+15005550006", "Body": "K7M-2QX-9PA: selesai"}
    assert request.headers["authorization"].startswith("Basic ")


async def test_twilio_signed_webhooks_are_accepted(client, app_state):
    local, e164 = new_phone()
    params = {"From": local, "Body": "LAPOR banjir di perumahan Tlogosari setinggi lutut", "MessageSid": "SM" + uuid.uuid4().hex}
    signature = twilio_signature(webhook_secret(app_state), "http://suara.test/sms/inbound", list(params.items()))
    response = await client.post("/sms/inbound", data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200 and "<Response>" in response.text
    await drain(app_state)
    async with app_state.reading() as session:
        inbound = (await session.exec(select(SmsInbound).where(SmsInbound.gateway_message_id == params["MessageSid"]))).one()
    assert (inbound.state, inbound.command) == ("done", "complaint")
    bad = await client.post("/sms/inbound", data={**params, "Body": "LAPOR diubah"}, headers={"X-Twilio-Signature": signature})
    assert bad.status_code == 403


async def test_anonim_keeps_the_number_for_replies_only(phone, app_state, cast):
    await phone.send("ANONIM LAPOR pungutan liar saat mengurus KTP di kantor kecamatan")
    [item] = await stored_for(app_state, phone)
    assert item.anonymous
    async with transaction(app_state.sessions) as session:
        assert await session.get(ReporterContact, item.id) is None
        await triage.route_submission(session, cast.triage_admin, item.id, "infrastruktur", cast.agency_a)
        assert await triage.read_contact(session, cast.officer_a, item.id) is None
        await triage.acknowledge(session, cast.officer_a, item.id)
    assert "ditangani" in await phone.last_reply()  # the status still reaches the number that asked


async def test_stop_ends_status_messages_but_questions_are_still_answered(phone, app_state, cast):
    await phone.send("LAPOR drainase tersumbat di jalan Majapahit sehingga air meluap ke rumah warga")
    [item] = await stored_for(app_state, phone)
    await phone.send("STOP")
    assert "no more status updates" in await phone.last_reply()
    before = len(await phone.outbox())
    async with transaction(app_state.sessions) as session:
        await triage.route_submission(session, cast.triage_admin, item.id, "infrastruktur", cast.agency_a)
        await triage.acknowledge(session, cast.officer_a, item.id)
    assert len(await phone.outbox()) == before
    await phone.send(f"CEK {item.tracking_code}")
    assert len(await phone.outbox()) == before + 1


async def test_status_messages_stop_at_the_daily_cap(phone, app_state, cast):
    await phone.send("LAPOR jembatan kayu di dusun Krajan hampir roboh mohon segera diperbaiki")
    [item] = await stored_for(app_state, phone)
    async with transaction(app_state.sessions) as session:
        for _ in range(DAILY_SMS_CAP):
            session.add(OutboxMessage(channel="sms", recipient=phone.e164, body="pesan lain"))
    async with transaction(app_state.sessions) as session:
        await triage.route_submission(session, cast.triage_admin, item.id, "infrastruktur", cast.agency_a)
    assert len(await phone.outbox()) == DAILY_SMS_CAP + 1  # the filing reply and the ten others, no more


async def test_plain_text_help_vote_and_a_long_message_in_parts(phone, app_state):
    await phone.send("air PDAM tidak mengalir tiga hari di kelurahan Pedurungan")
    reply = await phone.last_reply()
    assert "LAPOR" in reply and len(segments(reply)) == 1
    await phone.send("PILIH 999999999 1")
    assert "PILIH <nomor jajak> <nomor pilihan>" in await phone.last_reply()
    await phone.send("HELP")
    assert "REPORT" in await phone.last_reply()

    first = await phone.say("LAPOR jalan desa Wonosari rusak parah sepanjang dua kilometer, ",
                            extra={"concat_ref": "77", "concat_part": "1", "concat_total": "2"})
    assert first == "waiting_for_parts"
    second = await phone.say("truk pasir lewat setiap hari dan anak sekolah sering jatuh.",
                             extra={"concat_ref": "77", "concat_part": "2", "concat_total": "2"})
    assert second == "complaint"
    filed = (await stored_for(app_state, phone))[-1]
    assert filed.text.endswith("anak sekolah sering jatuh.") and "sepanjang dua kilometer" in filed.text


async def test_an_empty_report_gets_an_example_back_and_files_nothing(phone, app_state):
    assert await phone.say("LAPOR") == "invalid"
    assert "Contoh: LAPOR" in await phone.last_reply()
    assert await stored_for(app_state, phone) == []


async def test_an_sms_routed_by_the_model_gets_one_reply_naming_the_agency_not_a_second_status_message(
    client, app_state,
):
    """The filing reply says where the report went; the 'sent to' status message would only repeat it
    and spend the citizen's daily SMS allowance."""
    from dataclasses import replace

    from suara.config import Settings
    from suara.routing.loading import load_router

    state = replace(app_state, router=load_router(Settings()))
    phone = Phone(client, state)
    await phone.say("LAPOR E-KTP saya belum jadi padahal sudah rekam tiga bulan di kecamatan, blanko katanya habis")
    [item] = await stored_for(state, phone)
    assert item.status == "routed" and item.route_automatic
    [reply] = await phone.outbox()
    assert format_tracking_code(item.tracking_code) in reply.body
