"""Staff lists: an agency's inbox ordered by the deadline that matters now, and the triage queue.

Pages use keyset cursors (an opaque token of the last row's sort key), so a page costs the same on
the first and the thousandth page, and a cursor can never widen what the actor may see: the
actor's visibility condition is part of every query.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.errors import FieldProblem, NotAllowed, ValidationFailed
from suara.common.text import MAX_ROW_ID
from suara.db.columns import utcnow
from suara.submissions.models import Status, Submission
from suara.triage.auth import Actor
from suara.triage.models import Role

MAX_PAGE = 100
TRIAGE_STATUSES = (Status.RECEIVED, Status.IN_TRIAGE)
IN_TRIAGE_QUEUE = text("submissions.status IN ('received', 'in_triage')")
"""Written literally (not as bound parameters) so the planner can use the partial index."""


@dataclass(frozen=True)
class Page:
    items: list[Submission]
    has_next_page: bool
    total_count: int

    def cursor_of(self, submission: Submission, sort: str) -> str:
        return encode_cursor(sort, submission)


def encode_cursor(sort: str, submission: Submission) -> str:
    key = submission.due_at if sort == "due" else submission.created_at
    payload = {"s": sort, "k": key.isoformat() if key else None, "id": submission.id}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def _decode_cursor(cursor: str, sort: str) -> tuple[datetime | None, int]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if payload["s"] != sort:
            raise ValueError("cursor of another list")
        key = datetime.fromisoformat(payload["k"]) if payload["k"] else None
        if key is not None and key.tzinfo is None:
            raise ValueError("cursor time without a time zone")
        row_id = payload["id"]
        if type(row_id) is not int or not 1 <= row_id <= MAX_ROW_ID:
            raise ValueError("cursor id out of range")
        return key, row_id
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError, RecursionError):
        raise ValidationFailed([FieldProblem(
            "after", "invalid_cursor", "Kursor halaman tidak valid.", "The page cursor is not valid.",
        )]) from None


def _page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise ValidationFailed([FieldProblem(
            "first", "out_of_range", f"Jumlah per halaman antara 1 dan {MAX_PAGE}.",
            f"Page size must be between 1 and {MAX_PAGE}.",
        )])
    return first


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed("sign_in_required", "Silakan masuk sebagai petugas.", "Sign in as staff first.")


async def inbox_page(
    session: AsyncSession, actor: Actor, *, statuses: list[str] | None = None, overdue: bool | None = None,
    first: int = 50, after: str | None = None, now: datetime | None = None,
) -> Page:
    """The actor's own agency's items, most urgent deadline first (items without one last)."""
    _require_staff(actor)
    first = _page_size(first)
    now = now or utcnow()
    conditions = [Submission.agency_id == actor.agency_id]
    if statuses:
        conditions.append(Submission.status.in_(statuses))
    if overdue is True:
        conditions.append(Submission.due_at < now)
    elif overdue is False:
        conditions.append(or_(Submission.due_at.is_(None), Submission.due_at >= now))
    total = (await session.exec(select(func.count()).select_from(Submission).where(*conditions))).one()

    page_conditions = list(conditions)
    if after:
        key, last_id = _decode_cursor(after, "due")
        if key is None:
            page_conditions.append(and_(Submission.due_at.is_(None), Submission.id > last_id))
        else:
            page_conditions.append(or_(
                Submission.due_at > key,
                and_(Submission.due_at == key, Submission.id > last_id),
                Submission.due_at.is_(None),
            ))
    rows = list(await session.exec(
        select(Submission).where(*page_conditions)
        .order_by(Submission.due_at.asc().nulls_last(), Submission.id)
        .limit(first + 1)
    ))
    return Page(items=rows[:first], has_next_page=len(rows) > first, total_count=total)


async def triage_queue_page(
    session: AsyncSession, actor: Actor, *, first: int = 50, after: str | None = None
) -> Page:
    """Items routing was unsure about (or could not route), oldest first. Triage admins only."""
    _require_staff(actor)
    if actor.role != Role.TRIAGE_ADMIN:
        raise NotAllowed("triage_admin_only", "Hanya untuk admin triase.", "For triage admins only.")
    first = _page_size(first)
    conditions = [IN_TRIAGE_QUEUE]
    total = (await session.exec(select(func.count()).select_from(Submission).where(*conditions))).one()
    page_conditions = list(conditions)
    if after:
        key, last_id = _decode_cursor(after, "created")
        page_conditions.append(or_(
            Submission.created_at > key, and_(Submission.created_at == key, Submission.id > last_id)
        ))
    rows = list(await session.exec(
        select(Submission).where(*page_conditions).order_by(Submission.created_at, Submission.id).limit(first + 1)
    ))
    return Page(items=rows[:first], has_next_page=len(rows) > first, total_count=total)
