"""Routing decisions made by people: they route triage items and confirm or correct the model.

Every decision is stored as a training label, so `suara train --from-db` learns from it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, update
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency, Category
from suara.common.errors import NotFound
from suara.db.columns import created_at_column, utcnow
from suara.submissions.models import Status, Submission, SubmissionEvent


class RoutingLabel(SQLModel, table=True):
    __tablename__ = "routing_labels"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    submission_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("submissions.id"), nullable=False, index=True)
    )
    category_slug: str = Field(foreign_key="categories.slug")
    agency_id: int = Field(foreign_key="agencies.id")
    previous_category_slug: str | None = None
    decision: str
    """``confirmed`` (the model was right), ``corrected`` or ``routed`` (from the triage queue)."""
    decided_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


class StaleSubmission(Exception):
    """The submission changed since the caller read it (optimistic locking)."""


async def record_routing_decision(
    session: AsyncSession,
    *,
    submission_id: int,
    category_slug: str,
    decided_by: str,
    agency_slug: str | None = None,
    expected_version: int | None = None,
) -> RoutingLabel:
    """Set a submission's category (and agency: the category's default unless given) as a person decided."""
    submission = await session.get(Submission, submission_id)
    if submission is None:
        raise NotFound("submission", "Laporan tidak ditemukan.", "Submission not found.")
    category = await session.get(Category, category_slug)
    if category is None:
        raise NotFound("category", f"Kategori '{category_slug}' tidak ada.", f"No category '{category_slug}'.")
    if agency_slug is not None:
        agency = (await session.exec(select(Agency).where(Agency.slug == agency_slug))).first()
        if agency is None:
            raise NotFound("agency", f"Instansi '{agency_slug}' tidak ada.", f"No agency '{agency_slug}'.")
        agency_id = agency.id
    else:
        agency_id = category.default_agency_id

    predicted = submission.category_slug or _top_suggestion(submission)
    if submission.status in (Status.RECEIVED, Status.IN_TRIAGE):
        decision = "routed"
    elif predicted == category_slug and submission.agency_id == agency_id:
        decision = "confirmed"
    else:
        decision = "corrected"

    version = expected_version if expected_version is not None else submission.version
    new_status = Status.ROUTED if decision == "routed" else submission.status
    result = await session.exec(
        update(Submission)
        .where(Submission.id == submission_id, Submission.version == version)
        .values(
            category_slug=category_slug, agency_id=agency_id, status=new_status,
            version=version + 1, updated_at=utcnow(),
        )
    )
    if result.rowcount != 1:
        raise StaleSubmission(submission_id)
    session.add(
        SubmissionEvent(
            submission_id=submission_id,
            kind="routed" if decision == "routed" else f"routing_{decision}",
            actor=decided_by,
            status_before=submission.status,
            status_after=new_status,
            details={"category": category_slug, "agency_id": agency_id, "predicted": predicted},
            public=True,
        )
    )
    label = RoutingLabel(
        submission_id=submission_id, category_slug=category_slug, agency_id=agency_id,
        previous_category_slug=predicted, decision=decision, decided_by=decided_by,
    )
    session.add(label)
    await session.flush()
    await session.refresh(submission)
    return label


def _top_suggestion(submission: Submission) -> str | None:
    suggestions = submission.routing_suggestions or []
    return suggestions[0]["category"] if suggestions else None


async def training_rows(session: AsyncSession) -> list[tuple[str, str]]:
    """(text, category) of every submission a person labelled; the latest decision wins."""
    latest = (
        select(RoutingLabel.submission_id, RoutingLabel.category_slug)
        .distinct(RoutingLabel.submission_id)
        .order_by(RoutingLabel.submission_id, RoutingLabel.id.desc())
        .subquery()
    )
    rows = await session.exec(
        select(Submission.text, latest.c.category_slug).join(latest, latest.c.submission_id == Submission.id)
    )
    return [(text, category) for text, category in rows]
