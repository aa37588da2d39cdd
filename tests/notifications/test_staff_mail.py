"""Staff e-mail through a real local SMTP server (aiosmtpd): the SMTP sender itself, the daily digest
at 07:00 local time (once per officer and day, across processes) and the immediate escalation mail,
none of which carries citizen text or contact data."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from suara.config import Settings
from suara.notifications.senders import ChannelSender, ConsoleSender, Outgoing, sender_from_settings
from suara.notifications.smtp import MailNotSent, SmtpSender, parse_smtp_url


class Mailbox:
    """aiosmtpd handler keeping every accepted message; refuses recipients at refused.example."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 5.1.1 <%s>: no such user" % address
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
