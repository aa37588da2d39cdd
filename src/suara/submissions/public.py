"""What anyone holding a tracking code may see. Public API types are built only from this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from suara.submissions.models import STATUS_GROUPS, StatusGroup, Submission, SubmissionEvent
from suara.submissions.redaction import mask_personal_data


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


def status_group(status: str) -> StatusGroup:
    return STATUS_GROUPS.get(status, StatusGroup.OPEN)


def public_view(submission: Submission) -> PublicSubmission:
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
    )
    if submission.confidential:
        return PublicSubmission(**common)
    return PublicSubmission(
        **common,
        title=mask_personal_data(submission.title) if submission.title else None,
        text=submission.public_text,
        category_slug=submission.category_slug,
        channel=submission.channel,
        location_text=submission.location_text,
        region_code=submission.region_code,
        latitude=submission.latitude,
        longitude=submission.longitude,
        anonymous=submission.anonymous,
    )


def public_event(event: SubmissionEvent) -> PublicEvent:
    details = event.details or {}
    return PublicEvent(
        kind=event.kind,
        status_after=event.status_after,
        at=event.created_at,
        agency_id=details.get("agency_id"),
        public_note=details.get("public_note"),
    )
