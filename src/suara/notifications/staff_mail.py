"""E-mail to agency staff: the daily digest at 07:00 local time and the mail on escalation.

Both carry counts, tracking codes and links into the workspace only: never an item's text, title,
location or the reporter's contact data, since mail leaves our servers and sits in mailboxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, literal
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency
from suara.common.actors import Role
from suara.common.calendar import add_working_days
from suara.db.columns import utcnow
from suara.submissions.codes import format_tracking_code
from suara.submissions.models import Submission, unfinished_statuses
from suara.submissions.outbox_models import OutboxMessage
from suara.triage.escalation import ZONE_NAMES, inbox_link, item_link
from suara.triage.models import Staff, StaffDigestRun

DIGEST_HOUR = 7
"""Local hour from which an officer's digest of the day goes out."""
DIGEST_MAX_CODES = 20
"""Tracking codes listed in one digest; the rest is a count and a link to the inbox."""
DIGEST_ROLES = (Role.OFFICER, Role.AGENCY_ADMIN)


@dataclass(frozen=True)
class DigestItem:
    submission_id: int
    tracking_code: str
    state: str
    """``overdue``, ``nearly_overdue`` or ``new``."""


@dataclass(frozen=True)
class Digest:
    new: int
    nearly_overdue: int
    overdue: int
    items: list[DigestItem]

    @property
    def empty(self) -> bool:
        return not (self.new or self.nearly_overdue or self.overdue)


async def agency_digest(
    session: AsyncSession, agency_id: int, timezone: str, *, since: datetime, now: datetime
) -> Digest:
    """Counts of the agency's open items new since ``since``, due within one working day, and overdue,
    with the first tracking codes (overdue first, then by deadline)."""
    soon = add_working_days(now, 1, timezone)
    is_new = and_(Submission.routed_at > since, Submission.routed_at <= now)
    is_overdue = Submission.due_at < now
    is_nearly = and_(Submission.due_at >= now, Submission.due_at <= soon)
    open_items = and_(Submission.agency_id == agency_id, Submission.status.in_(unfinished_statuses()))
    new, nearly, overdue = (await session.exec(
        select(
            func.count().filter(is_new), func.count().filter(is_nearly), func.count().filter(is_overdue),
        ).where(open_items)
    )).one()
    if not (new or nearly or overdue):
        return Digest(0, 0, 0, [])
    rows = await session.exec(
        select(Submission.id, Submission.tracking_code, Submission.due_at, Submission.routed_at)
        .where(open_items, is_new | (Submission.due_at <= soon))
        .order_by(Submission.due_at.asc().nulls_last(), Submission.id)
        .limit(DIGEST_MAX_CODES)
    )
    items = [
        DigestItem(row_id, code, "overdue" if due_at is not None and due_at < now
                   else "nearly_overdue" if due_at is not None and due_at <= soon else "new")
        for row_id, code, due_at, _routed_at in rows
    ]
    return Digest(new, nearly, overdue, items)


STATE_LABELS = {
    "overdue": "terlambat / overdue",
    "nearly_overdue": "hampir terlambat / nearly overdue",
    "new": "baru / new",
}


def digest_mail(
    digest: Digest, *, agency_name: str, local_date: date, timezone: str, public_url: str | None
) -> tuple[str, str]:
    """Subject and body of one officer's digest: Bahasa Indonesia, then English."""
    zone = ZONE_NAMES.get(timezone, timezone)
    subject = (f"Ringkasan harian Suara {local_date:%Y-%m-%d}: {digest.new} baru, "
               f"{digest.nearly_overdue} hampir terlambat, {digest.overdue} terlambat / daily digest")
    total = digest.new + digest.nearly_overdue + digest.overdue
    lines = [
        f"Ringkasan laporan {agency_name}, {local_date:%Y-%m-%d} ({zone}):",
        f"- Laporan baru sejak ringkasan terakhir: {digest.new}",
        f"- Hampir melewati batas waktu (paling lama 1 hari kerja lagi): {digest.nearly_overdue}",
        f"- Sudah melewati batas waktu: {digest.overdue}",
        "",
        f"Daily digest for {agency_name}, {local_date:%Y-%m-%d} ({zone}):",
        f"- New items since the last digest: {digest.new}",
        f"- Nearly overdue (due within 1 working day): {digest.nearly_overdue}",
        f"- Overdue: {digest.overdue}",
        "",
        "Laporan / Items:",
        *(f"- {format_tracking_code(item.tracking_code)} ({STATE_LABELS[item.state]}): "
          f"{item_link(public_url, item.submission_id)}" for item in digest.items),
    ]
    if total > len(digest.items):
        lines.append("- … lainnya di kotak masuk / more in the inbox")
    lines += [
        "",
        f"Kotak masuk / Inbox: {inbox_link(public_url)}",
        "",
        "Email ini dikirim otomatis oleh Suara. / This e-mail was sent automatically by Suara.",
    ]
    return subject, "\n".join(lines) + "\n"


async def queue_daily_digests(
    session: AsyncSession, *, now: datetime | None = None, public_url: str | None = None
) -> int:
    """Queue today's digest for every active officer and agency admin whose agency's local time is
    07:00 or later and who has not had one today. Each officer's day is claimed in
    ``staff_digest_runs`` in this transaction, so of several processes exactly one sends it; a day
    with nothing to report is claimed too and sends nothing. Returns the number of mails queued."""
    now = now or utcnow()
    zones = list(await session.exec(select(Agency.timezone).distinct()))
    queued = 0
    for timezone in sorted(zones):
        local = now.astimezone(ZoneInfo(timezone))
        if local.hour >= DIGEST_HOUR:
            queued += await _digests_in_zone(session, timezone, local.date(), now, public_url)
    return queued


async def _claim(session: AsyncSession, timezone: str, local_date: date, now: datetime) -> list[int]:
    """Claim the day for each eligible officer in the zone; returns the officers claimed by us. Rows
    already claimed are left out before inserting (most rounds of the day find none to claim), and
    the rest are inserted in id order so that two processes wait for each other, never deadlock."""
    claimed_today = select(StaffDigestRun.staff_id).where(
        StaffDigestRun.staff_id == Staff.id, StaffDigestRun.local_date == local_date
    )
    eligible = (
        select(Staff.id, literal(local_date), literal(now))
        .join(Agency, Agency.id == Staff.agency_id)
        .where(Agency.timezone == timezone, Staff.active.is_(True), Staff.disabled_at.is_(None),
               Staff.role.in_(DIGEST_ROLES), ~claimed_today.exists())
        .order_by(Staff.id)
    )
    claim = (
        insert(StaffDigestRun)
        .from_select(["staff_id", "local_date", "sent_at"], eligible)
        .on_conflict_do_nothing(index_elements=["staff_id", "local_date"])
        .returning(StaffDigestRun.staff_id)
    )
    return list((await session.exec(claim)).scalars())


async def _digests_in_zone(
    session: AsyncSession, timezone: str, local_date: date, now: datetime, public_url: str | None
) -> int:
    claimed = await _claim(session, timezone, local_date, now)
    if not claimed:
        return 0
    previous = (
        select(func.max(StaffDigestRun.sent_at))
        .where(StaffDigestRun.staff_id == Staff.id, StaffDigestRun.local_date < local_date)
        .scalar_subquery()
    )
    officers = await session.exec(
        select(Staff.id, Staff.email, Agency.id, Agency.short_name, previous)
        .join(Agency, Agency.id == Staff.agency_id)
        .where(Staff.id.in_(claimed))
        .order_by(Staff.id)
    )
    digests: dict[tuple[int, datetime], Digest] = {}
    queued = 0
    for _staff_id, email, agency_id, agency_name, last_digest_at in officers:
        since = last_digest_at or now - timedelta(hours=24)
        key = (agency_id, since)
        if key not in digests:
            digests[key] = await agency_digest(session, agency_id, timezone, since=since, now=now)
        digest = digests[key]
        if digest.empty:
            continue
        subject, body = digest_mail(digest, agency_name=agency_name, local_date=local_date,
                                    timezone=timezone, public_url=public_url)
        session.add(OutboxMessage(channel="email", recipient=email, subject=subject, body=body, created_at=now,
                                  next_attempt_at=now))
        queued += 1
    await session.flush()
    return queued
