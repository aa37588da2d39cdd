"""Staff e-mail through a real local SMTP server (aiosmtpd): the SMTP sender itself, the daily digest
at 07:00 local time (once per officer and day, across processes) and the immediate escalation mail,
none of which carries citizen text or contact data."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func
from sqlmodel import select

from suara.agencies.models import Agency
from suara.config import Settings
from suara.db.engine import make_engine, make_session_factory, transaction
from suara.jobs import run_round
from suara.notifications.senders import ChannelSender, ConsoleSender, Outgoing, sender_from_settings
from suara.notifications.service import send_due
from suara.notifications.smtp import MailNotSent, SmtpSender, parse_smtp_url
from suara.notifications.staff_mail import queue_daily_digests
from suara.provision import migrate_and_seed
from suara.submissions.codes import format_tracking_code
from suara.submissions.models import Submission
from suara.triage.models import StaffDigestRun
from tests.conftest import create_database
from tests.factories import make_item, make_staff


class Mailbox:
    """aiosmtpd handler keeping every accepted message; refuses recipients at refused.example."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return f"550 5.1.1 <{address}>: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, recipient: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == recipient]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, f"smtp://127.0.0.1:{controller.port}"
    controller.stop()


def test_smtp_urls_choose_tls_and_never_send_a_password_in_clear_by_accident():
    starttls = parse_smtp_url("smtp://user:p%40ss@mail.example.id?starttls=1")
    assert (starttls.port, starttls.start_tls, starttls.use_tls, starttls.password) == (587, True, False, "p@ss")
    assert parse_smtp_url("smtp://user:pass@mail.example.id:2525").start_tls is True
    tls = parse_smtp_url("smtps://user:pass@mail.example.id")
    assert (tls.port, tls.use_tls, tls.start_tls) == (465, True, False)
    relay = parse_smtp_url("smtp://localhost")
    assert (relay.port, relay.start_tls, relay.username) == (25, None, None)
    with pytest.raises(ValueError):
        parse_smtp_url("http://mail.example.id")


def test_e_mail_goes_to_the_console_unless_an_smtp_url_is_configured():
    console = sender_from_settings(Settings())
    assert isinstance(console, ChannelSender) and isinstance(console.other, ConsoleSender)
    smtp = sender_from_settings(Settings(suara_smtp_url="smtp://localhost:2525", suara_mail_from="a@b.id"))
    assert isinstance(smtp.other, SmtpSender)


async def test_the_smtp_sender_delivers_plain_utf8_mail_to_a_real_server(smtp_server):
    mailbox, url = smtp_server
    sender = SmtpSender(url, "Suara <noreply@suara.example.id>")
    await sender.send(Outgoing("email", "petugas@dinas.example.id", "Ringkasan harian", "Laporan baru: 2 — ✓"))
    [mail] = mailbox.to("petugas@dinas.example.id")
    assert mail["Subject"] == "Ringkasan harian" and mail["From"] == "Suara <noreply@suara.example.id>"
    assert mail.get_content().strip() == "Laporan baru: 2 — ✓"


async def test_a_refused_recipient_is_reported_by_code_without_the_address(smtp_server):
    _, url = smtp_server
    with pytest.raises(MailNotSent) as refused:
        await SmtpSender(url, "noreply@suara.example.id").send(Outgoing("email", "warga@refused.example", "x", "y"))
    assert "550" in str(refused.value) and "refused.example" not in str(refused.value)


# The daily digest and the escalation mail, on a database of their own: digest claims are per officer
# and day across the whole database, and these tests commit like separate server processes do.

WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")
PUBLIC_URL = "https://suara.example.id"


@pytest.fixture(scope="module")
async def mail_sessions():
    url = await create_database(f"suara_test_staff_mail_{os.getpid()}")
    await migrate_and_seed(url)
    engine = make_engine(url, pool_size=6)
    yield make_session_factory(engine)
    await engine.dispose()


@pytest.fixture
def mail_sender(smtp_server):
    """What `suara serve` builds with SUARA_SMTP_URL set: SMS to the console, e-mail over SMTP."""
    mailbox, url = smtp_server
    return mailbox, sender_from_settings(Settings(suara_smtp_url=url, suara_mail_from="noreply@suara.example.id"))


async def new_agency(session, timezone: str) -> Agency:
    agency = Agency(slug=f"dinas-{uuid.uuid4().hex[:8]}", name="Dinas Uji", short_name="Dinas Uji", timezone=timezone)
    session.add(agency)
    await session.flush()
    return agency


@dataclass
class Citizen:
    """Distinctive text and contact of one item: none of it may reach a staff mail."""

    text: str = field(default_factory=lambda: f"Jembatan gantung ambruk rahasia-{uuid.uuid4().hex[:8]}")
    title: str = field(default_factory=lambda: f"Judul-{uuid.uuid4().hex[:8]}")
    location: str = field(default_factory=lambda: f"Gang Mawar-{uuid.uuid4().hex[:6]}")
    name: str = field(default_factory=lambda: f"Siti Warga-{uuid.uuid4().hex[:6]}")
    phone: str = field(default_factory=lambda: f"+62812{uuid.uuid4().int % 10**8:08d}")
    email: str = field(default_factory=lambda: f"warga.{uuid.uuid4().hex[:8]}@contoh.id")
    nik: str = field(default_factory=lambda: f"{uuid.uuid4().int % 10**16:016d}")

    def secrets(self) -> list[str]:
        return [self.text, self.title, self.location, self.name, self.phone, self.phone[3:], self.email, self.nik]


async def file_item(session, agency: Agency, citizen: Citizen, *, routed: datetime, **columns) -> Submission:
    return await make_item(
        session, agency_slug=agency.slug, now=routed, text=citizen.text, public_text=citizen.text, title=citizen.title,
        location_text=citizen.location,
        contact={"name": citizen.name, "phone": citizen.phone, "email": citizen.email, "nik": citizen.nik},
        **columns,
    )


def staff_mails(mailbox: Mailbox, addresses) -> list[EmailMessage]:
    return [message for message in mailbox.messages if message["To"] in set(addresses)]


def digests_to(mailbox: Mailbox, address: str) -> list[EmailMessage]:
    return [message for message in mailbox.to(address) if message["Subject"].startswith("Ringkasan harian")]


def assert_no_citizen_data(mails: list[EmailMessage], citizens: list[Citizen]) -> None:
    assert mails
    for mail in mails:
        whole = f"{mail['Subject']}\n{mail.get_content()}"
        for citizen in citizens:
            for secret in citizen.secrets():
                assert secret not in whole, (secret, whole)


async def test_the_daily_digest_goes_at_seven_local_time_once_per_officer_with_items(mail_sessions, mail_sender):
    mailbox, sender = mail_sender
    day = datetime(2027, 2, 2, tzinfo=WIB)  # a Tuesday, a working day
    citizens = [Citizen() for _ in range(4)]
    async with transaction(mail_sessions) as session:
        java, papua, sulawesi = (await new_agency(session, "Asia/Jakarta"), await new_agency(session, "Asia/Jayapura"),
                                 await new_agency(session, "Asia/Makassar"))
        java_staff = [(await make_staff(session, java.slug))[0], (await make_staff(session, java.slug))[0],
                      (await make_staff(session, java.slug, role="agency_admin"))[0]]
        disabled, _ = await make_staff(session, java.slug)
        disabled.active = False
        papua_officer, _ = await make_staff(session, papua.slug)
        quiet_officer, _ = await make_staff(session, sulawesi.slug)
        new = await file_item(session, java, citizens[0], routed=day - timedelta(hours=10))
        nearly = await file_item(session, java, citizens[1], routed=day - timedelta(days=7), status="acknowledged",
                                 first_responded_at=day - timedelta(days=6),
                                 resolution_due_at=day.replace(hour=23, minute=59), due_at=day.replace(hour=23, minute=59))
        late = await file_item(session, java, citizens[2], routed=day - timedelta(days=14))
        papua_item = await file_item(session, papua, citizens[3], routed=day - timedelta(days=3))
    java_addresses = [staff.email for staff in java_staff]
    everyone = [*java_addresses, disabled.email, papua_officer.email, quiet_officer.email]

    # 06:30 WIB is 08:30 WIT: Papua's digest goes, Java's waits for its own 07:00.
    before_seven = day.replace(hour=6, minute=30)
    report = await run_round(mail_sessions, sender, public_url=PUBLIC_URL, now=before_seven)
    assert report["staff_digests"] == 1 and report["escalated"] == 1  # the late item, escalated at once
    assert [len(digests_to(mailbox, address)) for address in everyone] == [0, 0, 0, 0, 1, 0]

    at_seven = day.replace(hour=7, minute=5)
    report = await run_round(mail_sessions, sender, public_url=PUBLIC_URL, now=at_seven)
    assert report["staff_digests"] == 3
    assert [len(digests_to(mailbox, address)) for address in everyone] == [1, 1, 1, 0, 1, 0]

    for later in (day.replace(hour=7, minute=6), day.replace(hour=23, minute=50)):
        report = await run_round(mail_sessions, sender, public_url=PUBLIC_URL, now=later)
        assert report["staff_digests"] == 0
    assert [len(digests_to(mailbox, address)) for address in everyone] == [1, 1, 1, 0, 1, 0]

    [digest] = digests_to(mailbox, java_addresses[0])
    body = digest.get_content()
    assert "1 baru, 1 hampir terlambat, 1 terlambat" in digest["Subject"]
    assert "Laporan baru sejak ringkasan terakhir: 1" in body and "New items since the last digest: 1" in body
    codes_in_order = [format_tracking_code(item.tracking_code) for item in (late, nearly, new)]
    assert [body.index(code) for code in codes_in_order] == sorted(body.index(code) for code in codes_in_order)
    assert f"{PUBLIC_URL}/petugas/#/item/{late.id}" in body and f"{PUBLIC_URL}/petugas/#/kotak-masuk" in body
    assert body.index("Ringkasan laporan") < body.index("Daily digest for")  # Indonesian first
    [papua_digest] = digests_to(mailbox, papua_officer.email)
    assert format_tracking_code(papua_item.tracking_code) in papua_digest.get_content()
    assert format_tracking_code(late.tracking_code) not in papua_digest.get_content()
    assert_no_citizen_data(staff_mails(mailbox, everyone), citizens)

    # The next morning counts as new only what arrived since this digest.
    next_day = (day + timedelta(days=1)).replace(hour=7, minute=1)
    await run_round(mail_sessions, sender, public_url=PUBLIC_URL, now=next_day)
    second = digests_to(mailbox, java_addresses[0])[-1].get_content()
    assert len(digests_to(mailbox, java_addresses[0])) == 2 and "Laporan baru sejak ringkasan terakhir: 0" in second


async def test_an_escalation_mails_the_agency_staff_at_once_without_citizen_data(mail_sessions, mail_sender):
    mailbox, sender = mail_sender
    day = datetime(2027, 2, 9, 3, 0, tzinfo=WIB)  # before 07:00: no digest in the way
    citizen = Citizen()
    async with transaction(mail_sessions) as session:
        agency = await new_agency(session, "Asia/Makassar")
        officer, _ = await make_staff(session, agency.slug)
        admin, _ = await make_staff(session, agency.slug, role="agency_admin")
        item = await file_item(session, agency, citizen, routed=day - timedelta(days=10))
    report = await run_round(mail_sessions, sender, public_url=PUBLIC_URL, now=day)
    assert report["escalated"] >= 1
    for address in (officer.email, admin.email):
        [mail] = mailbox.to(address)
        assert str(mail["Subject"]).strip().startswith("Terlambat / Overdue") and "tanggapan pertama" in mail["Subject"]
        body = mail.get_content()
        assert format_tracking_code(item.tracking_code) in body and "WITA" in body
        assert f"{PUBLIC_URL}/petugas/#/item/{item.id}" in body and "first response" in body
    assert_no_citizen_data(staff_mails(mailbox, [officer.email, admin.email]), [citizen])
    await run_round(mail_sessions, sender, public_url=PUBLIC_URL, now=day + timedelta(minutes=1))
    assert len(mailbox.to(officer.email)) == 1  # once per missed deadline


async def test_two_processes_at_seven_send_one_digest_per_officer(mail_sessions, mail_sender):
    mailbox, sender = mail_sender
    day = datetime(2027, 2, 16, 7, 0, tzinfo=WIT)
    async with transaction(mail_sessions) as session:
        agency = await new_agency(session, "Asia/Jayapura")
        officers = [(await make_staff(session, agency.slug))[0] for _ in range(3)]
        await file_item(session, agency, Citizen(), routed=day - timedelta(hours=2))

    async def one_process() -> int:
        async with transaction(mail_sessions) as session:
            return await queue_daily_digests(session, now=day, public_url=PUBLIC_URL)

    queued = await asyncio.gather(one_process(), one_process())
    assert min(queued) == 0  # the second process found every officer of the day claimed
    await send_due(mail_sessions, sender, now=day, batch=1000)
    assert [len(digests_to(mailbox, officer.email)) for officer in officers] == [1, 1, 1]
    async with mail_sessions() as session:
        claims = (await session.exec(
            select(func.count()).select_from(StaffDigestRun)
            .where(StaffDigestRun.staff_id.in_([officer.id for officer in officers]))
        )).one()
    assert claims == 3


async def test_a_day_with_nothing_to_report_sends_nothing(mail_sessions, mail_sender):
    mailbox, sender = mail_sender
    day = datetime(2027, 2, 23, 8, 0, tzinfo=WIB)
    async with transaction(mail_sessions) as session:
        agency = await new_agency(session, "Asia/Jakarta")
        officer, _ = await make_staff(session, agency.slug)
        await file_item(session, agency, Citizen(), routed=day - timedelta(days=20), status="resolved",
                        resolved_at=day - timedelta(days=15))
    await run_round(mail_sessions, sender, public_url=PUBLIC_URL, now=day)
    assert mailbox.to(officer.email) == []
