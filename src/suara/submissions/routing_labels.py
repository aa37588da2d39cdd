"""Routing decisions made by people become training labels for `suara train --from-db`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey
from sqlalchemy.dialects.postgresql import distinct_on
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency
from suara.db.columns import created_at_column, utcnow
from suara.submissions.models import Submission


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


def predicted_category(submission: Submission) -> str | None:
    """What routing proposed: the category it routed to, else its top suggestion."""
    if submission.category_slug:
        return submission.category_slug
    suggestions = submission.routing_suggestions or []
    return suggestions[0]["category"] if suggestions else None


async def record_label(
    session: AsyncSession, submission: Submission, *, category_slug: str, agency_id: int,
    decision: str, decided_by: str,
) -> RoutingLabel:
    label = RoutingLabel(
        submission_id=submission.id, category_slug=category_slug, agency_id=agency_id,
        previous_category_slug=predicted_category(submission), decision=decision, decided_by=decided_by,
    )
    session.add(label)
    await session.flush()
    return label


async def training_rows(session: AsyncSession) -> list[tuple[str, str]]:
    """(text, category) of every submission a person labelled; the latest decision wins."""
    latest = (
        select(RoutingLabel.submission_id, RoutingLabel.category_slug)
        .ext(distinct_on(RoutingLabel.submission_id))
        .order_by(RoutingLabel.submission_id, RoutingLabel.id.desc())
        .subquery()
    )
    rows = await session.exec(
        select(Submission.text, latest.c.category_slug).join(latest, latest.c.submission_id == Submission.id)
    )
    return [(text, category) for text, category in rows]


async def labelled_rows(session: AsyncSession) -> list[tuple[str, str, str]]:
    """(text, category, agency slug) of every submission a person labelled; the latest decision wins.

    The agency is where the person sent it, so `suara train --from-db` learns agencies too."""
    latest = (
        select(RoutingLabel.submission_id, RoutingLabel.category_slug, RoutingLabel.agency_id)
        .ext(distinct_on(RoutingLabel.submission_id))
        .order_by(RoutingLabel.submission_id, RoutingLabel.id.desc())
        .subquery()
    )
    rows = await session.exec(
        select(Submission.text, latest.c.category_slug, Agency.slug)
        .join(latest, latest.c.submission_id == Submission.id)
        .join(Agency, Agency.id == latest.c.agency_id)
    )
    return [(text, category, agency) for text, category, agency in rows]
