"""GraphQL types and queries of the agency directory."""

from __future__ import annotations

import strawberry

from suara.agencies import service
from suara.agencies.models import Agency as AgencyRow
from suara.agencies.models import Category as CategoryRow
from suara.api.graphql.context import Info


@strawberry.type
class ServiceLevels:
    first_response_days: int = strawberry.field(description="Working days to a first response.")
    information_request_days: int
    resolution_days: int = strawberry.field(description="Working days to resolve, no field check.")
    resolution_with_field_check_days: int


@strawberry.type
class PublicContact:
    address: str | None
    website: str | None
    email: str | None
    phone: str | None


@strawberry.type
class Agency:
    row: strawberry.Private[AgencyRow]

    @strawberry.field
    def slug(self) -> str:
        return self.row.slug

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def short_name(self) -> str:
        return self.row.short_name

    @strawberry.field
    def description(self) -> str:
        return self.row.description_id

    @strawberry.field
    def description_en(self) -> str:
        return self.row.description_en

    @strawberry.field
    def level(self) -> str:
        return self.row.level

    @strawberry.field
    def timezone(self) -> str:
        return self.row.timezone

    @strawberry.field
    def service_levels(self) -> ServiceLevels:
        row = self.row
        return ServiceLevels(
            first_response_days=row.first_response_days,
            information_request_days=row.information_request_days,
            resolution_days=row.resolution_days,
            resolution_with_field_check_days=row.resolution_with_field_check_days,
        )

    @strawberry.field
    def contact(self) -> PublicContact:
        row = self.row
        return PublicContact(
            address=row.contact_address, website=row.contact_website,
            email=row.contact_email, phone=row.contact_phone,
        )

    @strawberry.field
    async def parent(self, info: Info) -> "Agency | None":
        return await load_agency(info, self.row.parent_id)


@strawberry.type
class Category:
    row: strawberry.Private[CategoryRow]

    @strawberry.field
    def slug(self) -> str:
        return self.row.slug

    @strawberry.field(description="Label in Bahasa Indonesia.")
    def label(self) -> str:
        return self.row.label_id

    @strawberry.field
    def label_en(self) -> str:
        return self.row.label_en

    @strawberry.field
    def description(self) -> str:
        return self.row.description_id

    @strawberry.field
    def description_en(self) -> str:
        return self.row.description_en

    @strawberry.field
    async def default_agency(self, info: Info) -> Agency | None:
        return await load_agency(info, self.row.default_agency_id)


async def load_agency(info: Info, agency_id: int | None) -> Agency | None:
    if agency_id is None:
        return None
    row = await info.context.agency_loader.load(agency_id)
    return Agency(row=row) if row else None


async def load_category(info: Info, slug: str | None) -> Category | None:
    if slug is None:
        return None
    row = await info.context.category_loader.load(slug)
    return Category(row=row) if row else None


@strawberry.type
class AgencyQuery:
    @strawberry.field(description="Every agency in the directory, by name.")
    async def agencies(self, info: Info) -> list[Agency]:
        async with info.context.state.reading() as session:
            rows = await service.list_agencies(session)
        for row in rows:
            info.context.agency_loader.prime(row.id, row)
        return [Agency(row=row) for row in rows]

    @strawberry.field(description="The topic categories routing predicts, each with its agency.")
    async def categories(self, info: Info) -> list[Category]:
        async with info.context.state.reading() as session:
            rows = await service.list_categories(session)
        return [Category(row=row) for row in rows]
