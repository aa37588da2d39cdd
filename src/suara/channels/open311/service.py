"""Open311 in domain terms: keys, services (our categories), filing and listing requests.

Requests are identified by their tracking code, so an Open311 client and the citizen hold the
same code. Confidential submissions are never listed; looked up by code they show only status,
agency and dates. No contact data ever leaves this module.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency, Category
from suara.channels.open311.models import Open311Key
from suara.common.actors import Actor
from suara.common.errors import NotFound
from suara.db.columns import utcnow
from suara.maps.service import within_radius
from suara.routing.router import NoRouter
from suara.submissions import codes, origins
from suara.submissions import service as submissions
from suara.submissions.deadlines import deadline_details, routing_changes
from suara.submissions.models import STATUS_GROUPS, StatusGroup, Submission, SubmissionEvent
from suara.submissions.validation import SubmissionDraft
from suara.submissions.workflow import Action, transition

MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)
CLOSED_GROUPS = {StatusGroup.RESOLVED, StatusGroup.REJECTED}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_key(session: AsyncSession, name: str) -> tuple[Open311Key, str]:
    """A new key, returned in clear once; only its hash is kept."""
    key = "o311_" + secrets.token_urlsafe(24)
    row = Open311Key(name=name.strip()[:200] or "unnamed", key_hash=_hash(key))
    session.add(row)
    await session.flush()
    return row, key


async def revoke_key(session: AsyncSession, key_id: int) -> bool:
    result = await session.exec(
        update(Open311Key).where(Open311Key.id == key_id, Open311Key.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    return result.rowcount == 1


async def key_is_valid(session: AsyncSession, key: str | None) -> bool:
    if not key:
        return False
    result = await session.exec(
        update(Open311Key).where(Open311Key.key_hash == _hash(key), Open311Key.revoked_at.is_(None))
        .values(last_used_at=utcnow()).returning(Open311Key.id)
    )
    return result.first() is not None


def open311_status(status: str) -> str:
    return "closed" if STATUS_GROUPS.get(status) in CLOSED_GROUPS else "open"


@dataclass(frozen=True)
class NewRequest:
    service_code: str
    description: str
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    media_url: str | None = None


async def file_request(session: AsyncSession, request: NewRequest, *, secret_key: bytes) -> Submission:
    """File a complaint for the chosen service: the citizen's choice routes it, not the model."""
    category = await session.get(Category, request.service_code)
    if category is None:
        raise NotFound("service_code", f"Layanan '{request.service_code}' tidak ada.",
                       f"No service '{request.service_code}'.")
    name = " ".join(part for part in (request.first_name, request.last_name) if part) or None
    text = request.description + (f"\n\nFoto: {request.media_url}" if request.media_url else "")
    receipt = await submissions.submit(session, SubmissionDraft(
        kind="complaint", text=text, channel="open311", location_text=request.address,
        latitude=request.latitude, longitude=request.longitude, reporter_name=name,
        reporter_email=request.email, reporter_phone=request.phone,
    ), router=NoRouter(), secret_key=secret_key, origin=origins.open311(None))
    item = receipt.submission
    agency = await session.get(Agency, category.default_agency_id) if category.default_agency_id else None
    if agency is None:
        return item
    now = utcnow()
    changes = routing_changes(agency, item.kind, now)
    return await transition(
        session, item, Action.ROUTE, Actor.citizen("open311"),
        changes={**changes, "category_slug": category.slug},
        details={"category": category.slug, "agency_id": agency.id, "decision": "chosen_by_reporter",
                 **deadline_details(changes)},
        agency_name=agency.short_name or agency.name, now=now,
    )


@dataclass(frozen=True)
class RequestFilter:
    codes: list[str] | None = None
    service_codes: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] | None = None
    near: tuple[float, float, float] | None = None
    """(lat, long, radius in metres), checked: requests whose public cell comes that close (an extension)."""


async def find_requests(session: AsyncSession, query: RequestFilter) -> list[Submission]:
    """Requests matching the spec's filters: at most 90 days and 1,000 results, newest first;
    without dates, the last 90 days."""
    statement = select(Submission).where(Submission.confidential.is_(False))
    if query.codes:
        wanted = [code for code in map(codes.normalise_tracking_code, query.codes) if code]
        statement = statement.where(Submission.tracking_code.in_(wanted or ["-"]))
    else:
        end = query.end or utcnow()
        start = query.start or end - MAX_SPAN
        statement = statement.where(Submission.created_at >= start, Submission.created_at <= end)
    if query.service_codes:
        statement = statement.where(Submission.category_slug.in_(query.service_codes))
    if query.near:
        statement = statement.where(within_radius(*query.near))
    if query.statuses:
        closed = [status for status, group in STATUS_GROUPS.items() if group in CLOSED_GROUPS]
        wanted_statuses = set()
        if "open" in query.statuses:
            wanted_statuses |= {status for status in STATUS_GROUPS if status not in closed}
        if "closed" in query.statuses:
            wanted_statuses |= set(closed)
        statement = statement.where(Submission.status.in_(sorted(wanted_statuses) or ["-"]))
    return list(await session.exec(statement.order_by(Submission.created_at.desc()).limit(MAX_RESULTS)))


async def find_request(session: AsyncSession, raw_code: str) -> Submission:
    return await submissions.find_by_tracking_code(session, raw_code)


async def latest_public_notes(session: AsyncSession, submission_ids: list[int]) -> dict[int, str]:
    """The newest public note (an agency response, a rejection reason) of each request."""
    if not submission_ids:
        return {}
    note = SubmissionEvent.details["public_note"].astext
    rows = await session.exec(
        select(SubmissionEvent.submission_id, note)
        .where(SubmissionEvent.submission_id.in_(submission_ids), SubmissionEvent.public.is_(True), note.is_not(None))
        .ext(distinct_on(SubmissionEvent.submission_id))
        .order_by(SubmissionEvent.submission_id, SubmissionEvent.id.desc())
    )
    return dict(rows.all())
