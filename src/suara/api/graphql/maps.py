"""GraphQL for maps: the public map (clustered, at the public precision) and the agency's own map."""

from __future__ import annotations

from typing import Annotated

import strawberry

from suara.api.client_address import client_network
from suara.api.graphql.context import Info
from suara.api.graphql.errors import NotAllowed, RateLimited, ValidationError, error_result
from suara.api.graphql.submissions import PublicStatusGroup, Submission
from suara.api.graphql.triage import node_id
from suara.common.errors import DomainError, FieldProblem, ValidationFailed
from suara.db.columns import utcnow
from suara.maps import service as maps
from suara.submissions import codes
from suara.submissions.models import StatusGroup
from suara.submissions.public import public_views, status_group

PERIODS = (1, 3, 12)


@strawberry.input(description="A map view: its south-west and north-east corners, in degrees.")
class MapArea:
    south: float
    west: float
    north: float
    east: float

    def to_domain(self) -> maps.Area:
        return maps.Area(self.south, self.west, self.north, self.east)


@strawberry.input(description="Which reports the public map shows; every list empty or null means all.")
class MapFilter:
    categories: list[str] | None = None
    status_groups: list[PublicStatusGroup] | None = None
    months: int | None = strawberry.field(default=None, description="Filed this month (1), or in this and the "
                                          "previous 2 (3) or 11 (12) calendar months (UTC).")

    def to_domain(self) -> maps.MapFilter:
        if self.months is not None and self.months not in PERIODS:
            raise ValidationFailed([FieldProblem(
                "months", "invalid_period", "Periode harus 1, 3 atau 12 bulan.", "The period must be 1, 3 or 12 months.")])
        return maps.MapFilter(
            categories=tuple(self.categories or ())[:50],
            status_groups=tuple(StatusGroup(group) for group in self.status_groups or ()),
            since=maps.months_back(utcnow(), self.months) if self.months else None,
        )


@strawberry.type(description="Reports close together on the map. Its position is the mean of their public "
                             "positions (never finer than the public precision); one report is a point.")
class MapCluster:
    latitude: float
    longitude: float
    count: int
    submission: Submission | None = strawberry.field(description="The report, when the cluster is one.")


@strawberry.type(description="Non-confidential reports at the public precision (~100 m, ~1 km where fewer than "
                             "5 share a cell), clustered on a grid of that precision or coarser.")
class PublicMap:
    clusters: list[MapCluster]
    cell_degrees: float = strawberry.field(description="The side of the grid the reports were clustered on.")


PublicMapResult = Annotated[PublicMap | ValidationError | RateLimited, strawberry.union("PublicMapResult")]


@strawberry.type(description="One of your agency's items, at its exact position (staff only).")
class AgencyMapItem:
    id: strawberry.ID
    tracking_code: str
    status: str
    status_group: PublicStatusGroup
    title: str | None
    latitude: float
    longitude: float
    due_at: str | None


@strawberry.type
class AgencyMap:
    items: list[AgencyMapItem]


AgencyMapResult = Annotated[AgencyMap | NotAllowed | ValidationError, strawberry.union("AgencyMapResult")]


@strawberry.type(description="An open report near a place, by its public cell.")
class NearbyReport:
    distance_metres: int = strawberry.field(description="From the place to the report's public cell, to 10 m "
                                            "(0: inside it). Not the distance to the report itself.")
    submission: Submission


async def nearby_reports(info: Info, latitude: float, longitude: float) -> list[NearbyReport]:
    """Open reports within 200 m of a place, by their public cells (DomainError when the place is not one)."""
    async with info.context.state.reading() as session:
        found = await maps.nearby_open(session, latitude, longitude)
        views = await public_views(session, [n.submission for n in found])
    return [NearbyReport(distance_metres=n.distance_m, submission=Submission(view=view))
            for n, view in zip(found, views, strict=True)]


@strawberry.type(description="Where map pages get their background tiles (SUARA_MAP_TILES); none: a blank map.")
class MapTiles:
    url: str | None = strawberry.field(description="A Leaflet tile URL template, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png.")
    attribution: str


@strawberry.type
class MapQuery:
    @strawberry.field(description="The tile server the map pages use, and the attribution it requires.")
    def map_tiles(self, info: Info) -> MapTiles:
        settings = info.context.state.settings
        return MapTiles(url=settings.suara_map_tiles or None, attribution=settings.suara_map_attribution)

    @strawberry.field(description="The public map: non-confidential reports in an area, clustered for a zoom level "
                                  "(0-19) and filtered by category, status group and period.")
    async def public_map(self, info: Info, area: MapArea, zoom: int,
                         filter: MapFilter | None = None) -> PublicMapResult:
        state = info.context.state
        try:  # one upsert per request, before any work: a flood costs little
            await state.limits.hit(state.limits.map, client_network(info.context.request))
            wanted = filter.to_domain() if filter else maps.MapFilter()
            async with state.reading() as session:
                result = await maps.public_map(session, area.to_domain(), zoom, wanted)
                singles = await maps.load_points(
                    session, [c.submission_id for c in result.clusters if c.submission_id is not None])
                views = {view.submission_id: view for view in await public_views(session, singles)}
        except DomainError as error:
            return error_result(error)
        return PublicMap(cell_degrees=result.cell_degrees, clusters=[
            MapCluster(latitude=c.latitude, longitude=c.longitude, count=c.count,
                       submission=Submission(view=views[c.submission_id]) if c.submission_id in views else None)
            for c in result.clusters
        ])

    @strawberry.field(description="Your agency's open items with a position, exact (staff of that agency only).")
    async def agency_map(self, info: Info, area: MapArea | None = None) -> AgencyMapResult:
        try:
            actor = await info.context.staff()
            async with info.context.state.reading() as session:
                rows = await maps.agency_map(session, actor, area.to_domain() if area else None)
        except DomainError as error:
            return error_result(error)
        return AgencyMap(items=[
            AgencyMapItem(id=strawberry.ID(node_id(row.id)), tracking_code=codes.format_tracking_code(row.tracking_code),
                          status=row.status, status_group=status_group(row.status), title=row.title,
                          latitude=row.latitude, longitude=row.longitude,
                          due_at=row.due_at.isoformat() if row.due_at else None)
            for row in rows
        ])
