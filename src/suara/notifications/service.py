"""Writing to the outbox, and the worker step that sends what is due with retries and backoff."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.channels.sms.gsm import to_gsm7
from suara.channels.sms.models import SmsOptOut, SmsThread
from suara.db.columns import utcnow
from suara.db.engine import SessionFactory, transaction
from suara.notifications.models import OutboxMessage, OutboxState
from suara.notifications.senders import Outgoing, Sender
from suara.submissions.codes import format_tracking_code
from suara.submissions.models import ReporterContact, Submission

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=2)

CITIZEN_MESSAGES = {
    "routed": ("diteruskan ke {agency}", "sent to {agency}"),
    "acknowledged": ("diterima dan sedang ditangani {agency}", "acknowledged by {agency}"),
    "responded": ("mendapat tanggapan dari {agency}", "answered by {agency}"),
    "forwarded": ("dialihkan ke {agency}", "forwarded to {agency}"),
    "resolved": ("dinyatakan selesai. Balas SELESAI {plain} atau BELUM {plain}", "marked resolved"),
    "rejected": ("ditolak: {note}", "rejected: {note}"),
    "escalated": ("melewati batas waktu dan dieskalasi", "is overdue and was escalated"),
    "closed": ("ditutup", "closed"),
}


def backoff(attempts: int) -> timedelta:
    return min(BASE_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


DAILY_SMS_CAP = 10
"""Status messages one number gets per WIB day at most; answers to its own commands are not capped."""
WIB = ZoneInfo("Asia/Jakarta")


async def _reply_address(session: AsyncSession, submission: Submission) -> tuple[str, str] | None:
    """Where status news goes: the number an SMS came from (also for anonymous SMS reporters, kept for
    replies only), else the reporter's phone once verified, else their e-mail. An unverified phone
    (typed into a form or sent by an Open311 client) is kept for the agency but gets nothing, so
    Suara cannot be made to message a third party."""
    if submission.channel == "sms":
        thread = await session.get(SmsThread, submission.id)
        if thread is not None:
            return "sms", thread.phone
    if submission.anonymous:
        return None
    contact = await session.get(ReporterContact, submission.id)
    if contact is None:
        return None
    if contact.phone and contact.phone_verified:
        return "sms", contact.phone
    return ("email", contact.email) if contact.email else None


async def _sms_allowed(session: AsyncSession, phone: str) -> bool:
    """Not opted out, and under the daily cap."""
    if await session.get(SmsOptOut, phone) is not None:
        return False
    today = datetime.now(WIB).replace(hour=0, minute=0, second=0, microsecond=0)
    sent_today = (await session.exec(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.recipient == phone, OutboxMessage.channel == "sms", OutboxMessage.created_at >= today)
    )).one()
    return sent_today < DAILY_SMS_CAP


async def notify_citizen(
    session: AsyncSession, submission: Submission, event_kind: str, *, agency_name: str | None, note: str | None
) -> int:
    """Queue a status message to the reporter (SMS to a verified phone, else e-mail). Anonymous web
    reporters left no address, so they get none."""
    if event_kind not in CITIZEN_MESSAGES:
        return 0
    address = await _reply_address(session, submission)
    if address is None:
        return 0
    channel, recipient = address
    if channel == "sms" and not await _sms_allowed(session, recipient):
        return 0
    template_id, _ = CITIZEN_MESSAGES[event_kind]
    code = format_tracking_code(submission.tracking_code)
    plain = submission.tracking_code
    status_text = template_id.format(agency=agency_name or "instansi", note=(note or "")[:60], plain=plain)
    body = f"{code}: laporan Anda {status_text}." + ("" if "{plain}" in template_id else f" Cek: CEK {plain}")
    if channel == "sms":
        body = to_gsm7(body)
    session.add(
        OutboxMessage(
            submission_id=submission.id, channel=channel, recipient=recipient,
            subject=f"Laporan {code}" if channel == "email" else None, body=body,
        )
    )
    return 1


def notify_staff(
    session: AsyncSession, emails: list[str], subject: str, body: str, submission_id: int,
    *, now: datetime | None = None,
) -> None:
    """One e-mail per address, due at ``now`` (the job's clock)."""
    now = now or utcnow()
    for email in sorted(set(emails)):
        session.add(
            OutboxMessage(submission_id=submission_id, channel="email", recipient=email, subject=subject, body=body,
                          created_at=now, next_attempt_at=now)
        )


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
