"""Reading the public services catalogue, loading its seed file, and counting complaints per service."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency
from suara.agencies.public_services import PublicService
from suara.common.errors import NotFound
from suara.submissions.models import (
    STATUS_GROUPS,
    Kind,
    StatusGroup,
    Submission,
    unfinished_statuses,
)

CATALOGUE_FILE = Path(__file__).with_name("catalogue.json")
MAX_RESULTS = 100
MAX_SEARCH_WORDS = 8

SERVICES = PublicService.__table__


def _search_text():
    """Both languages' names, summaries and requirements as one string to match words against."""
    return func.concat_ws(
        " ", PublicService.name_id, PublicService.name_en, PublicService.summary_id, PublicService.summary_en,
        func.array_to_string(PublicService.requirements_id, " "),
        func.array_to_string(PublicService.requirements_en, " "),
    )


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_services(
    session: AsyncSession, search: str | None = None, agency_slug: str | None = None, limit: int = 50
) -> list[PublicService]:
    """Services whose texts contain every word of ``search`` (any order, any case), by name.

    Matching is on the names, summaries and requirements in Indonesian and English, so "akta
    lahir", "lahir akta" and "birth certificate" all find the birth certificate.
    """
    query = select(PublicService)
    words = (search or "").split()[:MAX_SEARCH_WORDS]
    in_name = literal(False)
    if words:
        haystack = _search_text()
        query = query.where(and_(*(haystack.ilike(_like_pattern(word), escape="\\") for word in words)))
        names = PublicService.name_id + " " + PublicService.name_en
        in_name = and_(*(names.ilike(_like_pattern(word), escape="\\") for word in words))
    if agency_slug:
        query = query.join(Agency, Agency.id == PublicService.agency_id).where(Agency.slug == agency_slug)
    limit = max(1, min(limit, MAX_RESULTS))
    # Services named by the words come first ("ktp" finds KTP-el before everything requiring a KTP).
    query = query.order_by(in_name.desc(), PublicService.name_id, PublicService.slug).limit(limit)
    return list((await session.exec(query)).scalars())


async def find_service(session: AsyncSession, slug: str) -> PublicService:
    service = (await session.exec(select(PublicService).where(PublicService.slug == slug))).scalars().first()
    if service is None:
        raise NotFound("service", f"Layanan '{slug}' tidak ditemukan.", f"No public service '{slug}'.")
    return service


@dataclass(frozen=True)
class ComplaintStats:
    """Complaints filed about one service. Aggregates only, so small counts are shown as they are."""

    total: int = 0
    open: int = 0
    """Not finished yet: received, routed, acknowledged or in progress."""
    resolved: int = 0
    median_first_response_hours: float | None = None
    """Over the complaints the agency has answered; None when none has been answered yet."""


async def complaint_stats_by_service(session: AsyncSession, service_slugs: list[str]) -> dict[str, ComplaintStats]:
    """Stats of many services in one query (services without complaints are left out)."""
    if not service_slugs:
        return {}
    unfinished = unfinished_statuses()
    resolved = [status for status, group in STATUS_GROUPS.items() if group == StatusGroup.RESOLVED]
    hours_to_first_response = (
        func.extract("epoch", Submission.first_responded_at - Submission.created_at) / 3600.0
    )
    rows = await session.exec(
        select(
            Submission.service_slug,
            func.count(),
            func.count(case((Submission.status.in_(unfinished), 1))),
            func.count(case((Submission.status.in_(resolved), 1))),
            func.percentile_cont(0.5).within_group(hours_to_first_response),
        )
        .where(Submission.service_slug.in_(service_slugs), Submission.kind == Kind.COMPLAINT.value)
        .group_by(Submission.service_slug)
    )
    return {
        slug: ComplaintStats(
            total=total, open=open_count, resolved=resolved_count,
            median_first_response_hours=round(float(median), 1) if median is not None else None,
        )
        for slug, total, open_count, resolved_count, median in rows
    }


async def complaint_stats(session: AsyncSession, service_slug: str) -> ComplaintStats:
    """How many complaints were filed about a service, how many are open or resolved, how fast answered."""
    return (await complaint_stats_by_service(session, [service_slug])).get(service_slug, ComplaintStats())


@dataclass(frozen=True)
class CatalogueCounts:
    added: int
    updated: int


async def load_catalogue(session: AsyncSession, path: Path = CATALOGUE_FILE) -> CatalogueCounts:
    """Insert or update every service of a catalogue file by slug.

    The file is the source of the official texts, so a second load brings changed rows up to date
    (unlike the agency directory, whose rows administrators edit). Agencies must be loaded first;
    services of agencies that are not in the database are skipped.
    """
    entries = json.loads(path.read_text(encoding="utf-8"))["services"]
    agency_ids = dict((await session.exec(select(Agency.slug, Agency.id))).all())
    entries = [entry for entry in entries if entry["agency"] in agency_ids]  # another directory may lack some
    slugs = [entry["slug"] for entry in entries]
    existing = set((await session.exec(select(PublicService.slug).where(PublicService.slug.in_(slugs)))).scalars())
    for entry in entries:
        values = {
            "slug": entry["slug"], "agency_id": agency_ids[entry["agency"]], "category_slug": entry.get("category"),
            "requirements_id": entry.get("requirements_id", []), "requirements_en": entry.get("requirements_en", []),
            **{column: entry.get(column) for column in _COPIED_COLUMNS},
        }
        statement = pg_insert(SERVICES).values(**values)
        await session.exec(statement.on_conflict_do_update(
            index_elements=["slug"], set_={column: statement.excluded[column] for column in values if column != "slug"},
        ))
    await session.flush()
    return CatalogueCounts(added=len(set(slugs) - existing), updated=len(existing))


_COPIED_COLUMNS = (
    "name_id", "name_en", "summary_id", "summary_en", "cost_idr", "cost_note_id", "cost_note_en",
    "processing_days", "processing_note_id", "processing_note_en", "legal_basis",
    "where_to_apply_id", "where_to_apply_en", "online_url",
)
