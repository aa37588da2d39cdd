"""Tells every server process, through PostgreSQL NOTIFY, that an agency's inbox changed.

The notification is sent inside the caller's transaction, so PostgreSQL delivers it only on commit
(and never for a rollback); each process LISTENs once and passes it on to its open inbox sockets.
The payload holds ids and the tracking code only, never citizen text or contact data.
"""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.db.columns import utcnow
from suara.submissions.models import Submission

INBOX_CHANNEL = "suara_inbox"
STAFF_CHANNEL = "suara_staff"
"""Payload: a staff id whose sessions must be checked again (disabled, signed out)."""

ARRIVED, UPDATED, LEFT = "ARRIVED", "UPDATED", "LEFT"


def inbox_changes(agency_before: int | None, agency_after: int | None, *, new: bool) -> dict[int | None, str]:
    """What each affected inbox sees; ``None`` is the triage queue."""
    if new:
        return {agency_after: ARRIVED}
    if agency_before == agency_after:
        return {agency_after: UPDATED}
    return {agency_before: LEFT, agency_after: ARRIVED}


async def announce_inbox_change(
    session: AsyncSession, submission: Submission, *, agency_before: int | None = None, new: bool = False,
) -> None:
    """Queue one notification per affected inbox (a forward notifies both agencies)."""
    at = (submission.updated_at or utcnow()).isoformat()
    for agency_id, change in inbox_changes(agency_before, submission.agency_id, new=new).items():
        payload = json.dumps({
            "agency_id": agency_id, "submission_id": submission.id, "tracking_code": submission.tracking_code,
            "change": change, "status": submission.status, "at": at,
        })
        await session.exec(text("SELECT pg_notify(:channel, :payload)"),
                           params={"channel": INBOX_CHANNEL, "payload": payload})


ARRIVAL_NOTICE_SQL = (
    f"pg_notify('{INBOX_CHANNEL}', json_build_object('agency_id', filed.agency_id, 'submission_id', filed.id, "
    f"'tracking_code', filed.tracking_code, 'change', '{ARRIVED}', 'status', filed.status, "
    "'at', filed.updated_at)::text)"
)
"""`announce_inbox_change` of a new row, as SQL over ``filed`` (newly stored submissions), so the
statement that stores a submission also announces it."""


async def announce_staff_change(session: AsyncSession, staff_id: int) -> None:
    """Open sockets of this staff member check their credential again (on commit): sign-out, revocation."""
    await session.exec(text("SELECT pg_notify(:channel, :payload)"),
                       params={"channel": STAFF_CHANNEL, "payload": str(staff_id)})
