"""GraphQL of the public services catalogue: what a service needs, costs and takes, and its complaints."""

from __future__ import annotations

from urllib.parse import quote

import strawberry

from suara.agencies.public_services import PublicService as PublicServiceRow
from suara.api.graphql.agencies import Agency, Category, load_agency, load_category
from suara.api.graphql.context import Info
from suara.common.errors import NotFound as DomainNotFound
from suara.services import catalogue


@strawberry.type(description="Complaints filed about a service. Counts are aggregates and shown however small.")
class ServiceComplaintStats:
    total: int
    open: int = strawberry.field(description="Not finished yet (open or in progress).")
    resolved: int
    median_first_response_hours: float | None = strawberry.field(
        description="Median hours from filing to the agency's first response, over answered complaints."
    )

    @classmethod
    def from_stats(cls, stats: catalogue.ComplaintStats) -> ServiceComplaintStats:
        return cls(total=stats.total, open=stats.open, resolved=stats.resolved,
                   median_first_response_hours=stats.median_first_response_hours)


@strawberry.type(description="A public service with its official requirements, cost and processing time.")
class PublicService:
    row: strawberry.Private[PublicServiceRow]

    @strawberry.field
    def slug(self) -> str:
        return self.row.slug

    @strawberry.field(description="Name in Bahasa Indonesia.")
    def name(self) -> str:
        return self.row.name_id

    @strawberry.field
    def name_en(self) -> str:
        return self.row.name_en

    @strawberry.field
    def summary(self) -> str:
        return self.row.summary_id

    @strawberry.field
    def summary_en(self) -> str:
        return self.row.summary_en

    @strawberry.field(description="What to bring, in Bahasa Indonesia.")
    def requirements(self) -> list[str]:
        return list(self.row.requirements_id)

    @strawberry.field
    def requirements_en(self) -> list[str]:
        return list(self.row.requirements_en)

    @strawberry.field(description="Official cost in rupiah: 0 = free, null = varies (see costNote).")
    def cost_idr(self) -> int | None:
        return self.row.cost_idr

    @strawberry.field(description="True when the law makes the service free of charge.")
    def free(self) -> bool:
        return self.row.cost_idr == 0

    @strawberry.field
    def cost_note(self) -> str | None:
        return self.row.cost_note_id

    @strawberry.field
    def cost_note_en(self) -> str | None:
        return self.row.cost_note_en

    @strawberry.field(description="Maximum working days by law or service standard; null = no fixed limit.")
    def processing_days(self) -> int | None:
        return self.row.processing_days

    @strawberry.field
    def processing_note(self) -> str | None:
        return self.row.processing_note_id

    @strawberry.field
    def processing_note_en(self) -> str | None:
        return self.row.processing_note_en

    @strawberry.field
    def legal_basis(self) -> str:
        return self.row.legal_basis

    @strawberry.field
    def where_to_apply(self) -> str:
        return self.row.where_to_apply_id

    @strawberry.field
    def where_to_apply_en(self) -> str:
        return self.row.where_to_apply_en

    @strawberry.field
    def online_url(self) -> str | None:
        return self.row.online_url

    @strawberry.field(description="The agency that provides the service.")
    async def agency(self, info: Info) -> Agency | None:
        return await load_agency(info, self.row.agency_id)

    @strawberry.field(description="The complaint category a complaint about this service belongs to.")
    async def category(self, info: Info) -> Category | None:
        return await load_category(info, self.row.category_slug)

    @strawberry.field
    async def complaint_stats(self, info: Info) -> ServiceComplaintStats:
        stats = await info.context.service_stats_loader.load(self.row.slug)
        return ServiceComplaintStats.from_stats(stats)

    @strawberry.field(description='Where to file a complaint about this service, e.g. "/#/lapor?layanan=ktp-el".')
    def complain_url(self) -> str:
        return f"/#/lapor?layanan={quote(self.row.slug)}"


@strawberry.type
class ServiceQuery:
    @strawberry.field(description="The public services catalogue by name; words match in any order and language.")
    async def services(
        self, info: Info, search: str | None = None, agency: str | None = None, first: int | None = 50
    ) -> list[PublicService]:
        async with info.context.state.public_reading() as session:
            rows = await catalogue.search_services(session, search, agency, 50 if first is None else first)
        return [PublicService(row=row) for row in rows]

    @strawberry.field(description="One public service by its slug, e.g. akta-kelahiran.")
    async def service(self, info: Info, slug: str) -> PublicService | None:
        async with info.context.state.reading() as session:
            try:
                row = await catalogue.find_service(session, slug)
            except DomainNotFound:
                return None
        return PublicService(row=row)
