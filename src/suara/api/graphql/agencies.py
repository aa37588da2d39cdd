"""GraphQL types and queries of the agency directory."""

from __future__ import annotations

from datetime import datetime

import strawberry

from suara.agencies import service
from suara.agencies.models import Agency as AgencyRow
from suara.agencies.models import Category as CategoryRow
from suara.api.graphql.context import Info
from suara.triage.models import ServiceLevelChange as ServiceLevelChangeRow


@strawberry.type
class ServiceLevels:
    first_response_days: int = strawberry.field(description="Working days to a first response.")
    information_request_days: int
    resolution_days: int = strawberry.field(description="Working days to resolve, no field check.")
    resolution_with_field_check_days: int


@strawberry.type(description="The agency's service levels from `changedAt` on (for items routed since).")
class ServiceLevelChange:
    changed_at: datetime
    service_levels: ServiceLevels

    @classmethod
    def from_row(cls, row: ServiceLevelChangeRow) -> ServiceLevelChange:
        return cls(changed_at=row.changed_at, service_levels=ServiceLevels(
            first_response_days=row.first_response_days, information_request_days=row.information_request_days,
            resolution_days=row.resolution_days, resolution_with_field_check_days=row.resolution_with_field_check_days,
        ))


@strawberry.type
class PublicContact:
    address: str | None
    website: str | None
    email: str | None
    phone: str | None


@strawberry.type
class Agency:
    slug: str
    name: str
    short_name: str
    aliases: list[str] = strawberry.field(
        description='Other names citizens, SMS and data sources use for it ("DPU BINMAR CIPKA").')
    description: str
    description_en: str
    level: str
    timezone: str
    service_levels: ServiceLevels
    contact: PublicContact
    parent_id: strawberry.Private[int | None]
    agency_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: AgencyRow) -> Agency:
        return cls(
            agency_id=row.id,
            slug=row.slug, name=row.name, short_name=row.short_name, aliases=list(row.aliases or []),
            description=row.description_id,
            description_en=row.description_en, level=row.level, timezone=row.timezone,
            service_levels=ServiceLevels(
                first_response_days=row.first_response_days,
                information_request_days=row.information_request_days,
                resolution_days=row.resolution_days,
                resolution_with_field_check_days=row.resolution_with_field_check_days,
            ),
            contact=PublicContact(
                address=row.contact_address, website=row.contact_website,
                email=row.contact_email, phone=row.contact_phone,
            ),
            parent_id=row.parent_id,
        )

    @strawberry.field
    async def parent(self, info: Info) -> Agency | None:
        return await load_agency(info, self.parent_id)

    @strawberry.field(description="Each change of its service levels, oldest first (no staff identity).")
    async def service_level_changes(self, info: Info) -> list[ServiceLevelChange]:
        rows = await info.context.service_level_changes_loader.load(self.agency_id)
        return [ServiceLevelChange.from_row(row) for row in rows]


@strawberry.type
class Category:
    slug: str
    label: str = strawberry.field(description="Label in Bahasa Indonesia.")
    label_en: str
    description: str
    description_en: str
    default_agency_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: CategoryRow) -> Category:
        return cls(
            slug=row.slug, label=row.label_id, label_en=row.label_en, description=row.description_id,
            description_en=row.description_en, default_agency_id=row.default_agency_id,
        )

    @strawberry.field
    async def default_agency(self, info: Info) -> Agency | None:
        return await load_agency(info, self.default_agency_id)


async def load_agency(info: Info, agency_id: int | None) -> Agency | None:
    if agency_id is None:
        return None
    row = await info.context.agency_loader.load(agency_id)
    return Agency.from_row(row) if row else None


async def load_agencies(info: Info, ids: list[int | None]) -> list[Agency | None]:
    """Many at once: one batch for a whole page instead of one await per item."""
    wanted = [agency_id for agency_id in ids if agency_id is not None]
    rows = dict(zip(wanted, await info.context.agency_loader.load_many(wanted)))
    return [Agency.from_row(rows[i]) if i is not None and rows.get(i) else None for i in ids]


async def load_categories(info: Info, slugs: list[str | None]) -> list[Category | None]:
    wanted = [slug for slug in slugs if slug is not None]
    rows = dict(zip(wanted, await info.context.category_loader.load_many(wanted)))
    return [Category.from_row(rows[s]) if s is not None and rows.get(s) else None for s in slugs]


async def load_category(info: Info, slug: str | None) -> Category | None:
    if slug is None:
        return None
    row = await info.context.category_loader.load(slug)
    return Category.from_row(row) if row else None


@strawberry.type
class AgencyQuery:
    @strawberry.field(description="Every agency in the directory, by name.")
    async def agencies(self, info: Info) -> list[Agency]:
        async with info.context.state.reading() as session:
            rows = await service.list_agencies(session)
        for row in rows:
            info.context.agency_loader.prime(row.id, row)
        return [Agency.from_row(row) for row in rows]

    @strawberry.field(description="The topic categories routing predicts, each with its agency.")
    async def categories(self, info: Info) -> list[Category]:
        async with info.context.state.reading() as session:
            rows = await service.list_categories(session)
        return [Category.from_row(row) for row in rows]
