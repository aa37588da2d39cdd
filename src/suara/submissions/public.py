"""What anyone holding a tracking code may see. Public API types are built only from this.

Free text goes through the one masking rule (:mod:`suara.submissions.public_text`) and positions
through the one precision rule (:mod:`suara.submissions.precision`) when a view is built, so every
surface — and rows written before these rules — shows the same. Build views with
:func:`public_views`, which loads what the rules need for a whole page in a few queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency
from suara.submissions.models import (
    STATUS_GROUPS,
    ReporterContact,
    StatusGroup,
    Submission,
    SubmissionEvent,
)
from suara.submissions.precision import items_per_cell, public_position
from suara.submissions.public_text import TextMask


@dataclass(frozen=True)
class PublicEvent:
    kind: str
    status_after: str
    at: datetime
    agency_id: int | None
    public_note: str | None


@dataclass(frozen=True)
class PublicSubmission:
    """Never holds contact data. A confidential submission keeps only kind, status, agency, dates."""

    submission_id: int
    tracking_code: str
    kind: str
    status: str
    status_group: StatusGroup
    agency_id: int | None
    confidential: bool
    created_at: datetime
    updated_at: datetime
    mask: TextMask = field(repr=False)
    """The masking of this item's texts (its reporter's name), for its history notes too."""
    support_count: int = 0
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    title: str | None = None
    text: str | None = None
    category_slug: str | None = None
    channel: str | None = None
    location_text: str | None = None
    region_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    anonymous: bool | None = None
    full: bool = False
    """True when everything about the item is shown: it is not confidential, or its reporter asks."""


def status_group(status: str) -> StatusGroup:
    return STATUS_GROUPS.get(status, StatusGroup.OPEN)


@dataclass(frozen=True)
class PublicContext:
    """What the masking and precision rules need for a page of submissions."""

    names: dict[int, str]
    kept_phones: frozenset[str]
    items_in_cell: dict[int, int]

    def mask_for(self, submission_id: int | None) -> TextMask:
        name = self.names.get(submission_id)
        return TextMask(names=(name,) if name else (), kept_phones=self.kept_phones)


async def public_context(session: AsyncSession, submissions: Sequence[Submission]) -> PublicContext:
    """Reporter names, directory phones and cell counts for these submissions: three queries."""
    ids = [s.id for s in submissions if s.id is not None]
    names: dict[int, str] = {}
    if ids:
        rows = await session.exec(
            select(ReporterContact.submission_id, ReporterContact.name)
            .where(ReporterContact.submission_id.in_(ids), ReporterContact.name.is_not(None))
        )
        names = dict(rows.all())
    phones = await session.exec(select(Agency.contact_phone).where(Agency.contact_phone.is_not(None)))
    located = [s.id for s in submissions if s.latitude is not None and s.id is not None]
    return PublicContext(names, frozenset(phones.all()), await items_per_cell(session, located))


async def public_views(
    session: AsyncSession, submissions: Sequence[Submission], *, reporter: bool = False
) -> list[PublicSubmission]:
    """Views of a page of submissions. ``reporter`` is for the citizen who proved the secret."""
    context = await public_context(session, submissions)
    return [public_view(s, context, reporter=reporter) for s in submissions]


def public_view(submission: Submission, context: PublicContext, *, reporter: bool = False) -> PublicSubmission:
    mask = context.mask_for(submission.id)
    common = dict(
        submission_id=submission.id,
        tracking_code=submission.tracking_code,
        kind=submission.kind,
        status=submission.status,
        status_group=status_group(submission.status),
        agency_id=submission.agency_id,
        confidential=submission.confidential,
        created_at=submission.created_at,
        updated_at=submission.updated_at,
        support_count=submission.support_count,
        first_response_due_at=submission.first_response_due_at,
        resolution_due_at=submission.resolution_due_at,
        mask=mask,
    )
    if submission.confidential and not reporter:
        return PublicSubmission(**common)
    latitude, longitude = public_position(
        submission.latitude, submission.longitude, context.items_in_cell.get(submission.id, 0)
    )
    return PublicSubmission(
        **common,
        title=mask(submission.title),
        text=mask(submission.public_text),
        category_slug=submission.category_slug,
        channel=submission.channel,
        location_text=mask(submission.location_text),
        region_code=submission.region_code,
        latitude=latitude,
        longitude=longitude,
        anonymous=submission.anonymous,
        full=True,
    )


def public_event(event: SubmissionEvent, mask: TextMask) -> PublicEvent:
    details = event.details or {}
    return PublicEvent(
        kind=event.kind,
        status_after=event.status_after,
        at=event.created_at,
        agency_id=details.get("agency_id"),
        public_note=mask(details.get("public_note")),
    )
