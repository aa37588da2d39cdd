"""Gateways that deliver outbox messages, chosen by configuration."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("suara.outbox")


@dataclass(frozen=True)
class Outgoing:
    channel: str
    recipient: str
    subject: str | None
    body: str


class Sender(Protocol):
    async def send(self, message: Outgoing) -> None:
        """Deliver or raise; a raise leaves the message in the outbox for a later attempt."""


class ConsoleSender:
    """Development default: writes each message to the log instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def send(self, message: Outgoing) -> None:
        self.sent.append(message)
        log.info("[%s → %s] %s", message.channel, _hidden(message.recipient), message.body)


def _hidden(recipient: str) -> str:
    """Enough of a number or address to tell messages apart in a log, not enough to contact anyone."""
    return f"{recipient[:3]}…{recipient[-3:]}" if len(recipient) > 8 else "…"


class ChannelSender:
    """Sends each message through the gateway of its channel (``sms``), the rest through ``other``."""

    def __init__(self, sms: Sender, other: Sender) -> None:
        self.sms = sms
        self.other = other

    async def send(self, message: Outgoing) -> None:
        await (self.sms if message.channel == "sms" else self.other).send(message)


def sms_gateway_from_settings(settings) -> Sender:
    from suara.notifications.sms_gateways import HttpSmsGateway, TwilioSmsGateway

    name = settings.suara_sms_gateway
    if name == "console":
        return ConsoleSender()
    if name == "http":
        if not settings.suara_sms_http_url:
            raise ValueError("SUARA_SMS_GATEWAY=http needs SUARA_SMS_HTTP_URL")
        return HttpSmsGateway(settings.suara_sms_http_url, settings.suara_sms_http_token)
    if name == "twilio":
        missing = [n for n in ("twilio_account_sid", "twilio_auth_token", "twilio_from_number")
                   if not getattr(settings, f"suara_{n}")]
        if missing:
            raise ValueError("SUARA_SMS_GATEWAY=twilio needs " + ", ".join(f"SUARA_{n.upper()}" for n in missing))
        return TwilioSmsGateway(settings.suara_twilio_account_sid, settings.suara_twilio_auth_token,
                                settings.suara_twilio_from_number)
    raise ValueError(f"unknown SMS gateway {name!r}; choose console, http or twilio")


def mail_sender_from_settings(settings) -> Sender:
    """SMTP when ``SUARA_SMTP_URL`` is set, else the console (development)."""
    if not settings.suara_smtp_url:
        return ConsoleSender()
    from suara.notifications.smtp import SmtpSender

    return SmtpSender(settings.suara_smtp_url, settings.suara_mail_from)


def sender_from_settings(settings, name: str | None = None) -> Sender:
    """The outbox sender: SMS through the configured gateway, e-mail through SMTP or the console."""
    name = name or settings.suara_sender
    if name != "console":
        raise ValueError(f"unknown sender {name!r}; choose one of ['console']")
    return ChannelSender(sms=sms_gateway_from_settings(settings), other=mail_sender_from_settings(settings))
