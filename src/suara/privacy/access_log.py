"""Who read which reporter's contact, and when: the agency's admins see their own staff's reads.

Each reveal of a contact is already an event of the item (``contact_viewed``, written by
`triage.service.read_contact` through the workflow, actor ``staff:<id>``); this reads them back per
agency. The agency is the reader's (their agency handled the item when they read it): another
agency's admins never see these rows, also after the item moved on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.actors import Actor
from suara.common.errors import FieldProblem, ValidationFailed
from suara.submissions.models import Submission, SubmissionEvent
from suara.submissions.workflow import EVENT_KINDS, Action
from suara.triage.accounts import require_admin
from suara.triage.admin import page_cursor
from suara.triage.models import Staff

CONTACT_VIEWED = EVENT_KINDS[Action.VIEW_CONTACT]
MAX_PAGE = 100


def reads():
    """Every contact read with its reader: (event, staff) rows, for a caller to narrow."""
    return (
        select(SubmissionEvent, Staff)
        .join(Staff, SubmissionEvent.actor == func.concat("staff:", Staff.id))
        .where(SubmissionEvent.kind == CONTACT_VIEWED)
    )


@dataclass(frozen=True)
class ContactRead:
    event_id: int
    at: datetime
    staff_id: int
    staff_email: str
    submission_id: int
    tracking_code: str


@dataclass(frozen=True)
class ContactReadPage:
    reads: list[ContactRead]
    has_next_page: bool


async def agency_contact_reads(
    session: AsyncSession, actor: Actor, *, first: int = 50, after: str | None = None,
) -> ContactReadPage:
    """The contact reads by the actor's agency's staff, newest first; agency admins (and triage admins, for
    their own agency) only."""
    require_admin(actor)
    if not 1 <= first <= MAX_PAGE:
        raise ValidationFailed([FieldProblem(
            "first", "out_of_range", f"Jumlah per halaman 1–{MAX_PAGE}.", f"A page holds 1–{MAX_PAGE} rows.")])
    after_id = page_cursor(after)
    query = (
        reads().add_columns(Submission.tracking_code)
        .join(Submission, Submission.id == SubmissionEvent.submission_id)
        .where(Staff.agency_id == actor.agency_id)
        .order_by(SubmissionEvent.id.desc()).limit(first + 1)
    )
    if after_id is not None:
        query = query.where(SubmissionEvent.id < after_id)
    rows = list(await session.exec(query))
    return ContactReadPage(
        reads=[ContactRead(event.id, event.created_at, staff.id, staff.email, event.submission_id, code)
               for event, staff, code in rows[:first]],
        has_next_page=len(rows) > first,
    )
