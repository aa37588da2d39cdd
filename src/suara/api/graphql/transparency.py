"""GraphQL for the public transparency figures."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

import strawberry

from suara.api.graphql.agencies import Agency, load_agency
from suara.api.graphql.context import Info
from suara.api.graphql.errors import ValidationError
from suara.common.errors import ValidationFailed
from suara.transparency import queries
from suara.transparency.queries import Period

TransparencyPeriod = strawberry.enum(Period, name="TransparencyPeriod")
MINIMUM_RANKING_VOLUME = 20
"""Agencies with fewer items are not ranked, so a tiny agency cannot top the table by chance."""


@strawberry.type(description="A duration distribution; quantiles are bucket upper edges (see the methodology).")
class DurationFigures:
    count: int
    within_service_level: int
    within_service_level_share: float | None
    median_hours: float | None
    p90_hours: float | None
    median_working_days: float | None
    p90_working_days: float | None

    @classmethod
    def of(cls, durations: queries.Durations) -> DurationFigures:
        return cls(
            count=durations.count, within_service_level=durations.within_service_level,
            within_service_level_share=durations.within_service_level_share,
            median_hours=durations.median_hours, p90_hours=durations.p90_hours,
            median_working_days=durations.median_working_days, p90_working_days=durations.p90_working_days,
        )


@strawberry.type(description="How many items were rejected for one reason.")
class ReasonCount:
    reason: str
    count: int


@strawberry.enum(description="Whether figures are per agency or summed over all agencies.")
class TransparencyGrouping(Enum):
    AGENCY = "agency"
    TOTAL = "total"


@strawberry.type(description="One agency's figures for one period (agency is null when summed over all agencies).")
class AgencyFigures:
    period_start: date | None
    received: int
    routed_automatically: int
    routed_by_people: int
    acknowledged: int
    responded: int
    resolved: int
    rejected: int
    forwarded: int
    reopened: int
    disputed: int
    confirmed_by_citizens: int
    escalated_overdue: int
    rejected_by_reason: list[ReasonCount]
    automatic_routes_changed: int = strawberry.field(
        description="Automatic routes of this period that staff later re-routed or forwarded.")
    routing_accuracy: float | None = strawberry.field(
        description="Share of this period's automatic routes that staff kept (null without automatic routes).")
    dispute_rate: float | None = strawberry.field(description="Disputes by citizens per resolved item.")
    reopen_rate: float | None = strawberry.field(description="Reopenings per resolved item.")
    confirmation_rate: float | None = strawberry.field(description="Resolutions confirmed by the citizen per resolved item.")
    first_response: DurationFigures
    resolution: DurationFigures
    agency_id: strawberry.Private[int]

    @strawberry.field
    async def agency(self, info: Info) -> Agency | None:
        return await load_agency(info, self.agency_id)

    @classmethod
    def of(cls, row: queries.AgencyPeriod) -> AgencyFigures:
        return cls(
            period_start=row.period_start, received=row.count("received"),
            routed_automatically=row.count("routed_automatically"), routed_by_people=row.count("routed_by_people"),
            acknowledged=row.count("acknowledged"), responded=row.count("responded"),
            resolved=row.count("resolved"), rejected=row.count("rejected"), forwarded=row.count("forwarded"),
            reopened=row.count("reopened"), disputed=row.count("disputed"),
            confirmed_by_citizens=row.count("confirmed_resolved"), escalated_overdue=row.count("escalated"),
            rejected_by_reason=[ReasonCount(reason=reason, count=count)
                                for reason, count in sorted(row.by_prefix("rejected_by_reason:").items())],
            automatic_routes_changed=row.count("automatic_route_changed"), routing_accuracy=row.routing_accuracy,
            dispute_rate=row.share("disputed", "resolved"), reopen_rate=row.share("reopened", "resolved"),
            confirmation_rate=row.share("confirmed_resolved", "resolved"),
            first_response=DurationFigures.of(row.durations("first_response")),
            resolution=DurationFigures.of(row.durations("resolution")),
            agency_id=row.agency_id,
        )


@strawberry.enum(description="What the league table ranks by.")
class RankingMetric(Enum):
    FIRST_RESPONSE_WITHIN_SERVICE_LEVEL = "first_response"
    RESOLUTION_WITHIN_SERVICE_LEVEL = "resolution"


@strawberry.type
class RankedAgency:
    rank: int
    share: float = strawberry.field(description="Share of items answered (or resolved) within the service level.")
    volume: int = strawberry.field(description="Items the share is based on.")
    agency_id: strawberry.Private[int]

    @strawberry.field
    async def agency(self, info: Info) -> Agency | None:
        return await load_agency(info, self.agency_id)


BreakdownDimension = strawberry.enum(queries.Dimension, name="BreakdownDimension")


@strawberry.type(description="Arrivals in one cell of a breakdown; a hidden cell has no count (see the methodology).")
class BreakdownCell:
    key: str
    count: int | None
    suppressed: bool

    @strawberry.field(description="The count as printed: a number, or \"x\" when hidden (fewer than 5 items, or "
                                  "hidden so that such a cell cannot be computed from the totals).")
    def display(self) -> str:
        return "x" if self.suppressed else str(self.count)


@strawberry.type(description="Arrivals of one calendar month by one dimension, for one agency or all agencies.")
class Breakdown:
    period: str = strawberry.field(description="The calendar month, YYYY-MM.")
    dimension: BreakdownDimension
    total: int = strawberry.field(description="All arrivals of the month (the agency's `received`), hidden cells included.")
    confidential: int = strawberry.field(
        description="Confidential arrivals among `total`: counted, never broken down (so `total - confidential` is "
                    "the sum of the cells).")
    cells: list[BreakdownCell]


ArrivalsResult = Annotated[Breakdown | ValidationError, strawberry.union("ArrivalsResult")]


@strawberry.type
class Backlog:
    open_now: int
    overdue_now: int = strawberry.field(description="Open items past a service-level deadline right now.")
    agency_id: strawberry.Private[int]

    @strawberry.field
    async def agency(self, info: Info) -> Agency | None:
        return await load_agency(info, self.agency_id)


async def _agency_id(info: Info, slug: str | None) -> int | None:
    """The id of an agency slug; an unknown slug matches nothing (-1) rather than everything."""
    if slug is None:
        return None
    directory = await info.context.state.directory()
    return next((agency.id for agency in directory.agencies.values() if agency.slug == slug), -1)


@strawberry.type
class TransparencyQuery:
    @strawberry.field(description="Per-agency figures per period, from exact counters (no personal data).")
    async def transparency(
        self, info: Info, period: TransparencyPeriod = Period.MONTH,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None, agency: str | None = None,
        group_by: TransparencyGrouping = TransparencyGrouping.AGENCY,
    ) -> list[AgencyFigures]:
        agency_id = await _agency_id(info, agency)
        async with info.context.state.public_reading() as session:
            rows = await queries.figures(session, period=period, start=from_, end=to, agency_id=agency_id,
                                         all_agencies_together=group_by == TransparencyGrouping.TOTAL)
        return [AgencyFigures.of(row) for row in rows]

    @strawberry.field(description="League table by service-level share; agencies under the minimum volume are left out.")
    async def agency_ranking(
        self, info: Info, metric: RankingMetric = RankingMetric.FIRST_RESPONSE_WITHIN_SERVICE_LEVEL,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None, to: date | None = None,
        minimum_volume: int = MINIMUM_RANKING_VOLUME,
    ) -> list[RankedAgency]:
        async with info.context.state.public_reading() as session:
            rows = await queries.figures(session, period=Period.ALL, start=from_, end=to)
        scored = []
        for row in rows:
            durations = row.durations(metric.value)
            if durations.count >= max(minimum_volume, 1):
                scored.append((durations.within_service_level_share, durations.count, row.agency_id))
        scored.sort(key=lambda item: (-item[0], -item[1], item[2]))
        return [RankedAgency(rank=index, share=share, volume=volume, agency_id=agency_id)
                for index, (share, volume, agency_id) in enumerate(scored, start=1)]

    @strawberry.field(description="Arrivals of one ended calendar month (period: \"YYYY-MM\", WIB) by channel, "
                                  "region or category; small region and category cells are hidden with a second cell "
                                  "per row and column. Other date ranges are refused (invalid_period), and so is the "
                                  "month under way (period_not_closed).")
    async def arrivals(
        self, info: Info, dimension: BreakdownDimension, period: str, agency: str | None = None,
    ) -> ArrivalsResult:
        try:
            month = queries.calendar_month(period)
        except ValidationFailed as error:
            return ValidationError.from_problems(error.problems)
        agency_id = await _agency_id(info, agency)
        async with info.context.state.public_reading() as session:
            breakdown = await queries.arrivals(session, dimension, month)
        row = queries.ALL_AGENCIES if agency_id is None else agency_id
        return Breakdown(
            period=month.strftime("%Y-%m"), dimension=dimension, total=breakdown.total(row),
            confidential=breakdown.confidential.get(row, 0),
            cells=[BreakdownCell(key=cell.key, count=cell.count, suppressed=cell.suppressed)
                   for cell in breakdown.cells(row)],
        )

    @strawberry.field(description="Items each agency holds unfinished right now, and how many are overdue.")
    async def backlog(self, info: Info, agency: str | None = None) -> list[Backlog]:
        agency_id = await _agency_id(info, agency)
        async with info.context.state.public_reading() as session:
            counts = await queries.backlog(session, agency_id)
        return [Backlog(open_now=figures.open_now, overdue_now=figures.overdue_now, agency_id=agency_id)
                for agency_id, figures in sorted(counts.items())]
