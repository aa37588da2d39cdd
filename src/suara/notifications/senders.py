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
        log.info("[%s → %s] %s", message.channel, message.recipient, message.body)


def sender_from_settings(name: str) -> Sender:
    senders = {"console": ConsoleSender}
    if name not in senders:
        raise ValueError(f"unknown sender {name!r}; choose one of {sorted(senders)}")
    return senders[name]()
