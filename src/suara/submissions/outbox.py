"""Writing to the outbox: citizens' status messages and staff mails, queued in the transaction of the change
they report (so a change and its message commit or vanish together); `suara.notifications` sends them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.gsm import to_gsm7
from suara.db.columns import utcnow
from suara.submissions.codes import format_tracking_code
from suara.submissions.models import ReporterContact, Submission
from suara.submissions.outbox_models import OutboxMessage, OutboxState
from suara.submissions.sms_models import SmsInbound, SmsOptOut, SmsThread

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


DAILY_SMS_CAP = 10
"""Status messages one number gets per WIB day at most; answers to its own commands are not capped."""
WIB = ZoneInfo("Asia/Jakarta")


Address = tuple[str, str]
"""(channel, recipient): ("sms", "+62…") or ("email", "…")."""
LOOK_UP = object()
"""`notify_citizen`'s default: read where the reporter gets messages from the stored contact."""


def filing_address(channel: str, anonymous: bool, contact: dict | None) -> Address | None | object:
    """Where a new submission's reporter gets messages, from what the filing stores (the rules of
    `_reply_address`, with no read). An SMS filing gets none: the conversation's receipt reply already
    says where the report went, and a second message would cost the citizen's daily SMS allowance."""
    if channel == "sms":
        return None
    if anonymous or not contact:
        return None
    if contact.get("phone") and contact.get("phone_verified"):
        return "sms", contact["phone"]
    return ("email", contact["email"]) if contact.get("email") else None


async def _reply_address(session: AsyncSession, submission: Submission) -> Address | None:
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
    session: AsyncSession, submission: Submission, event_kind: str, *, agency_name: str | None, note: str | None,
    address: Address | None | object = LOOK_UP,
) -> int:
    """Queue a status message to the reporter (SMS to a verified phone, else e-mail). Anonymous web
    reporters left no address, so they get none. ``address``: where to, when the caller knows it."""
    if event_kind not in CITIZEN_MESSAGES:
        return 0
    if address is LOOK_UP:
        address = await _reply_address(session, submission)
    message = await citizen_message(session, submission.tracking_code, event_kind, agency_name=agency_name,
                                    note=note, address=address)
    if message is None:
        return 0
    session.add(OutboxMessage(submission_id=submission.id, **message))
    return 1


async def citizen_message(
    session: AsyncSession, tracking_code: str, event_kind: str, *, agency_name: str | None, note: str | None,
    address: Address | None,
) -> dict | None:
    """The outbox row's channel, recipient, subject and body of a status message, or None when the
    reporter gets none (no address, an SMS number opted out or over its daily cap)."""
    if event_kind not in CITIZEN_MESSAGES or address is None:
        return None
    channel, recipient = address
    if channel == "sms" and not await _sms_allowed(session, recipient):
        return None
    template_id, _ = CITIZEN_MESSAGES[event_kind]
    code = format_tracking_code(tracking_code)
    status_text = template_id.format(agency=agency_name or "instansi", note=(note or "")[:60], plain=tracking_code)
    body = f"{code}: laporan Anda {status_text}." + ("" if "{plain}" in template_id else f" Cek: CEK {tracking_code}")
    if channel == "sms":
        body = to_gsm7(body)
    return {"channel": channel, "recipient": recipient, "subject": f"Laporan {code}" if channel == "email" else None,
            "body": body}


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
class Backlogs:
    """What waits to go out and to be read: for the operator's metrics."""

    outbox_pending: int
    outbox_oldest_due: datetime | None
    sms_queued: int
    sms_oldest_queued: datetime | None


async def backlogs(session: AsyncSession, now: datetime) -> Backlogs:
    """Pending outbox messages (and the oldest one already due), queued inbound SMS (and the oldest).
    Read in the caller's transaction under a 2 s statement timeout: a scrape never waits on a slow table."""
    await session.exec(text("SET LOCAL statement_timeout = '2s'"))
    pending, oldest_due = (await session.exec(
        select(func.count(), func.min(OutboxMessage.next_attempt_at).filter(OutboxMessage.next_attempt_at <= now))
        .where(OutboxMessage.state == OutboxState.PENDING))).one()
    queued, oldest_queued = (await session.exec(
        select(func.count(), func.min(SmsInbound.received_at)).where(SmsInbound.state == "queued"))).one()
    return Backlogs(pending, oldest_due, queued, oldest_queued)
