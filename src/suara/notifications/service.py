"""The worker step that sends what is due in the outbox, with retries and backoff (rows are written by
`suara.submissions.outbox`, in the transaction of the change they report)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import select

from suara.db.columns import utcnow
from suara.db.engine import SessionFactory, transaction
from suara.notifications.senders import Outgoing, Sender
from suara.submissions.outbox_models import OutboxMessage, OutboxState

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=2)

def backoff(attempts: int) -> timedelta:
    return min(BASE_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class SendReport:
    sent: int
    retried: int
    failed: int


async def send_due(sessions: SessionFactory, sender: Sender, *, now: datetime | None = None, batch: int = 100) -> SendReport:
    """Send every due pending message once. Rows are locked with SKIP LOCKED so workers can run side by side."""
    now = now or utcnow()
    sent = retried = failed = 0
    async with transaction(sessions) as session:
        due = list(
            await session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        for message in due:
            outgoing = Outgoing(message.channel, message.recipient, message.subject, message.body)
            try:
                await sender.send(outgoing)
            except Exception as error:  # noqa: BLE001 — any gateway failure is retried later
                attempts = message.attempts + 1
                gave_up = attempts >= MAX_ATTEMPTS
                await session.exec(
                    update(OutboxMessage).where(OutboxMessage.id == message.id).values(
                        attempts=attempts, last_error=f"{type(error).__name__}: {error}"[:500],
                        state=OutboxState.FAILED if gave_up else OutboxState.PENDING,
                        next_attempt_at=now + backoff(attempts),
                    )
                )
                failed += gave_up
                retried += not gave_up
                log.warning("sending outbox message %s failed (attempt %s): %s", message.id, attempts, error)
                continue
            await session.exec(
                update(OutboxMessage).where(OutboxMessage.id == message.id).values(
                    state=OutboxState.SENT, sent_at=now, attempts=message.attempts + 1
                )
            )
            sent += 1
    return SendReport(sent, retried, failed)
