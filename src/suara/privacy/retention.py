"""Personal data is kept no longer than needed: `SUARA_CONTACT_RETENTION_DAYS` after an item ends (closed,
or rejected), the jobs erase its reporter's data as a citizen's erasure would (contact deleted, texts
masked, in every store), recorded with the reason ``retention``."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, exists, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.actors import Actor
from suara.db.columns import utcnow
from suara.privacy.erasure import erase
from suara.privacy.models import Erasure, ErasureReason
from suara.submissions.models import Status, Submission, SubmissionEvent

ENDED = (Status.CLOSED, Status.REJECTED)
BATCH = 200
"""Items erased per round at most: a backlog (the first run on an old database) is worked off over rounds."""


def ended_at():
    """SQL: when the item ended: its closing, or its (last) rejection."""
    rejected_at = (
        select(func.max(SubmissionEvent.created_at))
        .where(SubmissionEvent.submission_id == Submission.id, SubmissionEvent.kind == "rejected")
        .scalar_subquery()
    )
    return func.coalesce(
        case((Submission.status == Status.CLOSED, Submission.closed_at), else_=rejected_at), Submission.updated_at)


async def erase_expired(
    session: AsyncSession, *, retention_days: int, now: datetime | None = None, batch: int = BATCH,
) -> int:
    """Erase the reporters' data of items that ended more than ``retention_days`` ago and were not erased yet.
    Items are locked ``FOR UPDATE SKIP LOCKED``: one a citizen or officer holds now is taken next round."""
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    due = list(await session.exec(
        select(Submission)
        .where(Submission.status.in_(ENDED), Submission.created_at < cutoff, ended_at() < cutoff,
               ~exists().where(Erasure.submission_id == Submission.id))
        .order_by(Submission.id).limit(batch)
        .with_for_update(of=Submission, skip_locked=True)
        .execution_options(populate_existing=True)
    ))
    for submission in due:
        await erase(session, submission, reason=ErasureReason.RETENTION, actor=Actor.system(), secret_key=None,
                    now=now)
    return len(due)
