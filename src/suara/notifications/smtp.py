"""E-mail over SMTP (aiosmtplib), configured by one URL: ``SUARA_SMTP_URL``."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from suara.notifications.senders import Outgoing

_POLICY = policy.SMTP.clone(max_line_length=998)
"""Headers folded only past SMTP's own limit: Python's folding at 78 can start a subject with a blank."""
_YES = {"1", "true", "yes", "on"}
_NO = {"0", "false", "no", "off"}


class MailNotSent(Exception):
    """An SMTP failure told by its reply code only: servers echo the recipient in their messages, and
    the outbox keeps and logs the error text."""


@dataclass(frozen=True)
class SmtpConfig:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None
    """True: required; False: never; None: when the server offers it."""
    timeout: float


def parse_smtp_url(url: str) -> SmtpConfig:
    """``smtp://user:pass@host:587?starttls=1`` (STARTTLS), ``smtps://…:465`` (TLS from the start),
    ``smtp://localhost:25`` (a local relay). Credentials over ``smtp://`` require STARTTLS unless
    ``starttls=0`` says otherwise, so a password never goes out in clear text by accident."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ValueError("SUARA_SMTP_URL must look like smtp://user:pass@host:587?starttls=1 or smtps://host:465")
    query = {name: values[-1].lower() for name, values in parse_qs(parts.query).items()}
    starttls = query.get("starttls")
    if starttls is not None and starttls not in _YES | _NO:
        raise ValueError("SUARA_SMTP_URL: starttls must be 1 or 0")
    use_tls = parts.scheme == "smtps"
    username = unquote(parts.username) if parts.username else None
    if use_tls:
        start_tls: bool | None = False
    elif starttls is not None:
        start_tls = starttls in _YES
    else:
        start_tls = True if username else None
    default_port = 465 if use_tls else 587 if start_tls else 25
    return SmtpConfig(
        hostname=parts.hostname, port=parts.port or default_port, username=username,
        password=unquote(parts.password) if parts.password else None,
        use_tls=use_tls, start_tls=start_tls, timeout=float(query.get("timeout", 30)),
    )


class SmtpSender:
    """Sends e-mail outbox messages as plain UTF-8 text, one SMTP connection per message."""

    def __init__(self, url: str, mail_from: str) -> None:
        self.config = parse_smtp_url(url)
        self.mail_from = mail_from

    def compose(self, message: Outgoing) -> EmailMessage:
        mail = EmailMessage(policy=_POLICY)
        mail["From"] = self.mail_from
        mail["To"] = message.recipient
        mail["Subject"] = message.subject or "Suara"
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        domain = parseaddr(self.mail_from)[1].rpartition("@")[2] or None
        mail["Message-ID"] = make_msgid(domain=domain)
        mail.set_content(message.body, cte="quoted-printable")
        return mail

    async def send(self, message: Outgoing) -> None:
        config = self.config
        try:
            await aiosmtplib.send(
                self.compose(message), hostname=config.hostname, port=config.port,
                username=config.username, password=config.password, use_tls=config.use_tls,
                start_tls=config.start_tls, timeout=config.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = sorted({refusal.code for refusal in error.recipients})
            raise MailNotSent(f"recipient refused (SMTP {', '.join(map(str, codes))})") from None
        except aiosmtplib.SMTPResponseException as error:
            raise MailNotSent(f"SMTP {error.code}") from None
