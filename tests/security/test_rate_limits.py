"""Floods, as an attacker would send them: submits from one address, spoofed X-Forwarded-For,
SMS filings from one phone, Open311 writes with one key. Limits are on here (off in the rest of
the suite) and counted in the real database."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func
from sqlmodel import select

from suara.api.sms import webhook_secret
from suara.channels.open311 import service as open311
from suara.channels.sms.intake import drain_all
from suara.channels.sms.signature import suara_signature
from suara.config import Settings
from suara.db.columns import utcnow
from suara.db.engine import transaction
from suara.ratelimits.models import RateLimitHit
from suara.ratelimits.service import Limit, RateLimits, _verdict, network_of, prune
from suara.submissions.models import Submission, SubmissionEvent
from suara.submissions.outbox_models import OutboxMessage
from suara.submissions.sms_models import SmsInbound, SmsThread
from tests.channels.test_sms_webhook import new_phone
from tests.security.limits import client_from, fresh_address, limited_state

SUBMIT = """mutation($input: SubmitInput!) { submit(input: $input) { __typename
  ... on SubmissionReceipt { trackingCode } ... on RateLimited { code message messageEn retryAfterSeconds } } }"""


def submission_input(marker: str, index: int) -> dict:
    return {"kind": "COMPLAINT", "text": f"Jalan rusak berlubang di desa kami, uji banjir {marker} nomor {index}."}


async def submit(http, marker: str, index: int, headers: dict | None = None) -> dict:
    response = await http.post("/graphql", json={"query": SUBMIT, "variables": {"input": submission_input(marker, index)}},
                               headers=headers or {})
    assert response.status_code == 200
    return response.json()["data"]["submit"]


async def stored(state, marker: str) -> dict[str, int]:
    """Tracking code → number of events, of every submission this flood wrote."""
    async with state.reading() as session:
        rows = await session.exec(
            select(Submission.tracking_code, func.count(SubmissionEvent.id))
            .join(SubmissionEvent, SubmissionEvent.submission_id == Submission.id, isouter=True)
            .where(Submission.text.contains(marker)).group_by(Submission.tracking_code))
        return dict(rows.all())


async def test_300_concurrent_submits_from_one_address_are_limited_and_none_is_half_written(committing_app_state):
    """Commits: the submits race in transactions of their own."""
    state = limited_state(committing_app_state, suara_rate_limit_submit_per_minute=120)
    marker = uuid.uuid4().hex[:12]
    async with client_from(state, fresh_address()) as flooder:
        answers = await asyncio.gather(*(submit(flooder, marker, n) for n in range(300)))
    accepted = [a["trackingCode"] for a in answers if a["__typename"] == "SubmissionReceipt"]
    limited = [a for a in answers if a["__typename"] == "RateLimited"]
    assert len(accepted) + len(limited) == 300
    assert 115 <= len(accepted) <= 122, "about the limit, whichever minute the flood fell in"
    assert limited[0]["code"] == "rate_limited" and 1 <= limited[0]["retryAfterSeconds"] <= 120
    assert "detik" in limited[0]["message"] and "seconds" in limited[0]["messageEn"]
    written = await stored(state, marker)
    assert sorted(code.replace("-", "") for code in accepted) == sorted(written)  # none lost, none extra
    assert all(events >= 1 for events in written.values()), "every accepted submission has its events"
    # Someone else (another address) is not affected.
    async with client_from(state, fresh_address()) as neighbour:
        assert (await submit(neighbour, marker, 1000))["__typename"] == "SubmissionReceipt"


async def test_x_forwarded_for_from_an_untrusted_client_changes_nothing(app_state):
    state = limited_state(app_state, suara_rate_limit_submit_per_minute=3)
    marker = uuid.uuid4().hex[:12]
    async with client_from(state, fresh_address()) as spoofer:
        answers = [await submit(spoofer, marker, n, {"X-Forwarded-For": fresh_address()}) for n in range(5)]
    assert [a["__typename"] for a in answers] == ["SubmissionReceipt"] * 3 + ["RateLimited"] * 2
    assert [a["code"] for a in answers[3:]] == ["rate_limited"] * 2
    assert len(await stored(state, marker)) == 3


async def test_behind_a_trusted_proxy_the_forwarded_client_is_limited_not_the_proxy(app_state):
    proxy = "192.0.2.10"
    state = limited_state(app_state, suara_rate_limit_submit_per_minute=3,
                          suara_forwarded_allow_ips=f"{proxy}, 198.51.100.0/24")
    marker = uuid.uuid4().hex[:12]
    first, second = fresh_address(), fresh_address()
    async with client_from(state, proxy) as via_proxy:
        answers = [await submit(via_proxy, marker, n, {"X-Forwarded-For": first}) for n in range(3)]
        # The client's own made-up entry left of what the proxy appended is not believed.
        spoofed = await submit(via_proxy, marker, 3, {"X-Forwarded-For": f"{fresh_address()}, {first}"})
        # A chain through a second trusted proxy still finds the client.
        chained = await submit(via_proxy, marker, 4, {"X-Forwarded-For": f"{first}, 198.51.100.7"})
        other = await submit(via_proxy, marker, 5, {"X-Forwarded-For": second})
    assert [a["__typename"] for a in answers] == ["SubmissionReceipt"] * 3
    assert (spoofed["__typename"], spoofed["code"]) == (chained["__typename"], chained["code"]) == (
        "RateLimited", "rate_limited")
    assert other["__typename"] == "SubmissionReceipt", "the proxy's other clients are not limited"


async def test_ipv6_addresses_count_per_64(app_state):
    assert network_of("2001:db8:1:2:aaaa::1") == network_of("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert network_of("2001:db8:1:3::1") != network_of("2001:db8:1:2::1")
    assert network_of("::ffff:203.0.113.9") == "203.0.113.9" and network_of(None) == "unknown"
    state = limited_state(app_state, suara_rate_limit_submit_per_minute=2)
    prefix = f"2001:db8:{uuid.uuid4().int % 65536:x}:{uuid.uuid4().int % 65536:x}"
    marker = uuid.uuid4().hex[:12]
    kinds = []
    for n, host in enumerate(("1", "2", "3")):
        async with client_from(state, f"{prefix}::{host}") as rotating:
            kinds.append((await submit(rotating, marker, n))["__typename"])
    assert kinds == ["SubmissionReceipt", "SubmissionReceipt", "RateLimited"]


def test_the_window_slides_and_retry_after_says_when_the_next_attempt_passes():
    limit = Limit("t", 10, 60)
    assert _verdict(limit, 10, 0, 0.5).allowed
    refused = _verdict(limit, 11, 0, 0.5)
    # the next minute, once 1 + 11·(1 − g) ≤ 10: 30 s + 0.18 of a minute
    assert not refused.allowed and refused.first_refusal and refused.retry_after_seconds == 30 + 11
    assert not _verdict(limit, 12, 0, 0.5).first_refusal
    # Half of a full previous minute still counts at its middle; it slides out as the minute goes on.
    assert not _verdict(limit, 6, 10, 0.5).allowed
    waiting = _verdict(limit, 6, 10, 0.5)
    assert waiting.retry_after_seconds == 12  # at 0.7 of the minute: 7 + 10·0.3 ≤ 10
    assert _verdict(limit, 7, 10, 0.7).allowed


class Phone:
    def __init__(self, http, state):
        self.http, self.state = http, state
        self.local, self.e164 = new_phone()

    async def send(self, text: str) -> str:
        """The gateway's request, then the intake worker's drain; what the conversation made of it."""
        message_id = uuid.uuid4().hex
        body = urlencode({"from": self.local, "text": text, "message_id": message_id}).encode()
        timestamp = str(int(time.time()))
        response = await self.http.post("/sms/inbound", content=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Suara-Timestamp": timestamp,
            "X-Suara-Signature": suara_signature(webhook_secret(self.state), timestamp, body)})
        assert response.status_code == 200 and response.json() == {"status": "queued"}, response.text
        await drain_all(self.state.sessions, router=self.state.router, secret_key=self.state.secret_key,
                        limits=self.state.limits)
        async with self.state.reading() as session:
            return (await session.exec(select(SmsInbound.command).where(SmsInbound.gateway_message_id == message_id))).one()


async def test_an_sms_flood_from_one_phone_is_limited_with_one_polite_reply_and_the_gateway_gets_2xx(
    app_state
):
    state = limited_state(app_state, suara_rate_limit_sms_filings_per_hour=3)
    async with client_from(state, "127.0.0.1") as gateway:
        phone = Phone(gateway, state)
        responses = [await phone.send(f"LAPOR jalan rusak berlubang di RT 0{n} mohon diperbaiki") for n in range(6)]
        check = await phone.send("CEK K7M2QX9PA")  # other commands still answer
        other_phone = Phone(gateway, state)
        other = await other_phone.send("LAPOR lampu jalan mati semua di desa kami sejak minggu lalu")
    assert responses == ["complaint"] * 3 + ["rate_limited"] * 3
    assert check.startswith("check")
    assert other == "complaint"
    async with state.reading() as session:
        filed = (await session.exec(select(func.count()).select_from(SmsThread).where(SmsThread.phone == phone.e164))).one()
        replies = list(await session.exec(select(OutboxMessage.body).where(
            OutboxMessage.recipient == phone.e164).order_by(OutboxMessage.id)))
        refused_ids = (await session.exec(select(func.count()).select_from(SmsInbound).where(
            SmsInbound.command == "rate_limited", SmsInbound.submission_id.is_(None)))).one()
    assert filed == 3
    polite = [body for body in replies if "terlalu banyak laporan" in body]
    assert len(polite) == 1, "one answer per run, not one per message"
    assert len(replies) == 3 + 1 + 1  # three receipts, one refusal, the CEK answer
    assert refused_ids >= 3  # recorded, so a gateway retry of them is a duplicate


@pytest.fixture
async def api_key(sessions) -> str:
    async with transaction(sessions) as session:
        _, key = await open311.create_key(session, f"Aplikasi banjir {uuid.uuid4().hex[:6]}")
    return key


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_an_open311_flood_with_one_key_gets_429_with_retry_after(app_state, api_key, fmt):
    state = limited_state(app_state, suara_rate_limit_open311_writes_per_minute=3)
    report = {"service_code": "infrastruktur", "lat": "-6.9932", "long": "110.4203", "api_key": api_key,
              "description": "Jalan berlubang besar di depan SD Negeri 3 Pedurungan, sudah dua motor jatuh."}
    async with client_from(state, fresh_address()) as app:
        responses = await asyncio.gather(*(app.post(f"/open311/v2/requests.{fmt}", data=report) for _ in range(6)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [429] * 3
    refused = next(r for r in responses if r.status_code == 429)
    assert 1 <= int(refused.headers["retry-after"]) <= 2 * 60  # the window, plus the overflow sliding out
    if fmt == "json":
        assert refused.json()[0]["code"] == 429 and "Too many requests" in refused.json()[0]["description"]
    else:
        assert b"<errors><error><code>429</code>" in refused.content


def test_suara_serve_trusts_only_the_proxies_it_is_told_and_turns_uvicorns_own_trust_off(monkeypatch, database_url):
    """uvicorn alone would believe X-Forwarded-For from 127.0.0.1; Suara's ForwardedClient decides."""
    import signal

    import uvicorn
    from typer.testing import CliRunner

    from suara import cli
    from suara.api.client_address import ForwardedClient
    from suara.config import get_settings

    served = []

    async def no_database(work, url=None):
        return 100  # what serve reads from the database: its max_connections

    monkeypatch.setattr(cli, "_with_session", no_database)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append((app, options)))
    monkeypatch.setattr(signal, "signal", lambda *args: None)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SUARA_FORWARDED_ALLOW_IPS", raising=False)
    get_settings.cache_clear()
    try:
        for extra in ([], ["--forwarded-allow-ips", "10.0.0.5,192.0.2.0/24"]):
            result = CliRunner().invoke(cli.app, ["serve", "--no-jobs", "--no-seed", *extra])
            assert result.exit_code == 0, result.output
    finally:
        get_settings.cache_clear()
    trusted = []
    for app, options in served:
        assert options["proxy_headers"] is False
        middleware = next(m for m in app.user_middleware if m.cls is ForwardedClient)
        trusted.append(middleware.kwargs["trusted"])
    assert trusted == ["", "10.0.0.5,192.0.2.0/24"]


async def test_old_buckets_are_pruned_and_keys_hold_no_personal_data(db_session):
    limits = RateLimits(None, b"key", Settings(suara_secret_key="key"))
    phone = "+6281234567890"
    key = limits.key(limits.sms_filing, phone)
    assert key.startswith("sms_filing:") and "81234567890" not in key and len(key) <= 200
    assert key != RateLimits(None, b"other", Settings(suara_secret_key="other")).key(limits.sms_filing, phone)
    db_session.add(RateLimitHit(key="old:" + uuid.uuid4().hex, bucket_start=utcnow() - timedelta(days=3), hits=4))
    fresh = RateLimitHit(key="new:" + uuid.uuid4().hex, bucket_start=utcnow() - timedelta(hours=1), hits=4)
    db_session.add(fresh)
    await db_session.flush()
    assert await prune(db_session) >= 1
    remaining = list(await db_session.exec(select(RateLimitHit.key).where(RateLimitHit.bucket_start < utcnow())))
    assert fresh.key in remaining and not any(k.startswith("old:") for k in remaining)
