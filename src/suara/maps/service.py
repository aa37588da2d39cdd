"""Submissions on a map, without PostGIS: integer grid cells on an ordinary index.

Every position the public gets from here is a function of the public positions alone (the one rule of
:mod:`suara.submissions.precision`): points are public positions, clusters the mean of public positions,
and both "in this area" and "within this radius" are decided on the item's public cell, never on where
it really is. Otherwise moving a query's edge across an item would tell where it lies to the metre.
Staff of the handling agency see their own items at full precision (:func:`agency_map`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Date, Float, Integer, and_, case, cast, delete, false, func, insert, literal, literal_column
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.actors import Actor
from suara.common.errors import FieldProblem, NotAllowed, ValidationFailed
from suara.maps.models import MapTile
from suara.submissions.models import STATUS_GROUPS, StatusGroup, Submission, unfinished_statuses
from suara.submissions.precision import COARSE_DECIMALS, FINE_DECIMALS

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180
UNITS = 10 ** FINE_DECIMALS
"""Positions on the grid are integers in thousandths of a degree (the ~100 m cell)."""
COARSE_UNITS = 10 ** (FINE_DECIMALS - COARSE_DECIMALS)
"""One ~1 km cell is this many ~100 m cells."""
NEARBY_RADIUS_M = 200
MAX_RADIUS_M = 5_000
MAX_NEARBY = 10
MAX_GRID = 40
"""At most this many clusters along each side of a map view, whatever zoom the client claims."""
MAX_POINTS = 300
MAX_AGENCY_POINTS = 1_000
MAX_ZOOM = 19
PIXELS_PER_CLUSTER = 60
TILE_LEVELS = (256, 2048)
"""Sides (thousandths of a degree, ~28 km and ~230 km) of the summary tiles that views clustered on a grid
at least that coarse read instead of the items (map_tiles)."""


# --- the public cell, in SQL ---------------------------------------------------------------------

def public_cell_lat():
    """The centre of an item's public cell, in thousandths: its ~100 m cell where that is public, else its ~1 km one."""
    return case((Submission.public_fine, Submission.cell_lat), else_=Submission.coarse_lat * COARSE_UNITS)


def public_cell_lon():
    return case((Submission.public_fine, Submission.cell_lon), else_=Submission.coarse_lon * COARSE_UNITS)


def public_half_size():
    """Half the side of the public cell, in thousandths."""
    return case((Submission.public_fine, literal(0.5)), else_=literal(COARSE_UNITS / 2))


MARGIN = COARSE_UNITS + 1
"""How far (in thousandths) a ~100 m cell may lie from the edge of its item's public cell: an index
range widened by this finds every item whose public cell reaches into a range."""


def _public_filter():
    return and_(Submission.confidential == false(), Submission.cell_lat.is_not(None), Submission.cell_lon.is_not(None))


# --- checked input -------------------------------------------------------------------------------

def _problem(field: str, code: str, message_id: str, message_en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, code, message_id, message_en)])


def check_point(latitude: float, longitude: float, *, field: str = "latitude") -> tuple[float, float]:
    """A real position (NaN and infinities are not), or a typed error."""
    if not (isinstance(latitude, (int, float)) and -90 <= latitude <= 90):
        raise _problem(field, "out_of_range", "Lintang harus antara -90 dan 90.", "Latitude must be between -90 and 90.")
    if not (isinstance(longitude, (int, float)) and -180 <= longitude <= 180):
        raise _problem("longitude", "out_of_range", "Bujur harus antara -180 dan 180.",
                       "Longitude must be between -180 and 180.")
    return float(latitude), float(longitude)


def check_radius(radius_m: float) -> float:
    if not (isinstance(radius_m, (int, float)) and 0 < radius_m <= MAX_RADIUS_M):
        raise _problem("radius", "out_of_range", f"Radius harus lebih dari 0 dan paling banyak {MAX_RADIUS_M} meter.",
                       f"The radius must be above 0 and at most {MAX_RADIUS_M} metres.")
    return float(radius_m)


@dataclass(frozen=True)
class Area:
    """A map view: south-west and north-east corners, in degrees (no view crosses the antimeridian)."""

    south: float
    west: float
    north: float
    east: float

    def checked(self) -> Area:
        check_point(self.south, self.west, field="area")
        check_point(self.north, self.east, field="area")
        if self.south > self.north or self.west > self.east:
            raise _problem("area", "invalid_area", "Batas peta terbalik: selatan ≤ utara, barat ≤ timur.",
                           "The map area is upside down: south ≤ north and west ≤ east.")
        return self


@dataclass(frozen=True)
class MapFilter:
    categories: tuple[str, ...] = ()
    status_groups: tuple[StatusGroup, ...] = ()
    since: datetime | None = None
    """The first instant of a UTC month (the summary tiles count by month)."""

    def __post_init__(self):
        if self.since is not None and (self.since.day, self.since.hour, self.since.minute, self.since.second,
                                       self.since.microsecond) != (1, 0, 0, 0, 0):
            raise ValueError("since must be the start of a month")


def months_back(now: datetime, months: int) -> datetime:
    """The start of the UTC month ``months - 1`` months before ``now``'s: 1 is this month."""
    index = now.year * 12 + now.month - 1 - (months - 1)
    return now.replace(year=index // 12, month=index % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)


# --- distances -----------------------------------------------------------------------------------

def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((phi2 - phi1) / 2) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _sql_haversine_m(lat1, lon1, lat2, lon2):
    """The same great-circle distance, in SQL (degrees in, metres out)."""
    half_dlat = func.radians(lat2 - lat1) / 2
    half_dlon = func.radians(lon2 - lon1) / 2
    a = (func.power(func.sin(half_dlat), 2)
         + func.cos(func.radians(lat1)) * func.cos(func.radians(lat2)) * func.power(func.sin(half_dlon), 2))
    return 2 * EARTH_RADIUS_M * func.asin(func.least(1.0, func.sqrt(a)))


def distance_to_public_cell_m(latitude: float, longitude: float):
    """SQL: metres from a point to the nearest point of each item's public cell (0 inside it)."""
    half = public_half_size()
    lat_units, lon_units = latitude * UNITS, longitude * UNITS
    nearest_lat = func.greatest(public_cell_lat() - half, func.least(lat_units, public_cell_lat() + half)) / UNITS
    nearest_lon = func.greatest(public_cell_lon() - half, func.least(lon_units, public_cell_lon() + half)) / UNITS
    return _sql_haversine_m(literal(latitude, Float), literal(longitude, Float),
                            cast(nearest_lat, Float), cast(nearest_lon, Float))


def within_radius(latitude: float, longitude: float, radius_m: float):
    """SQL condition: the item's public cell comes within ``radius_m`` of the point. An index range scan
    on the grid (the box around the circle, widened by a public cell), then the exact distance."""
    dlat = radius_m / METRES_PER_DEGREE
    widest = min(89.0, abs(latitude) + dlat)
    dlon = min(360.0, dlat / math.cos(math.radians(widest)))
    return and_(
        _public_filter(),
        Submission.cell_lat.between(math.floor((latitude - dlat) * UNITS) - MARGIN,
                                    math.ceil((latitude + dlat) * UNITS) + MARGIN),
        Submission.cell_lon.between(math.floor((longitude - dlon) * UNITS) - MARGIN,
                                    math.ceil((longitude + dlon) * UNITS) + MARGIN),
        distance_to_public_cell_m(latitude, longitude) <= radius_m,
    )


# --- nearby open reports (the submit page) -------------------------------------------------------

@dataclass(frozen=True)
class Nearby:
    submission: Submission
    distance_m: int
    """From the point to the item's public cell, rounded to 10 m (0: the point lies in that cell)."""


async def nearby_open(session: AsyncSession, latitude: float, longitude: float, *,
                      radius_m: float = NEARBY_RADIUS_M, limit: int = MAX_NEARBY) -> list[Nearby]:
    """Open public reports whose public cell lies within ``radius_m`` of the point, nearest first.
    Every report truly within the radius is among them (it lies in its public cell)."""
    latitude, longitude = check_point(latitude, longitude)
    radius_m = check_radius(radius_m)
    distance = distance_to_public_cell_m(latitude, longitude)
    rows = await session.exec(
        select(Submission, distance)
        .where(within_radius(latitude, longitude, radius_m), Submission.status.in_(unfinished_statuses()))
        .order_by(distance, Submission.support_count.desc(), Submission.id.desc())
        .limit(max(1, min(limit, MAX_NEARBY)))
    )
    return [Nearby(submission, int(round(metres, -1))) for submission, metres in rows.all()]


# --- the public map ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cluster:
    latitude: float
    longitude: float
    """The mean of its items' public positions."""
    count: int
    submission_id: int | None
    """Set when the cluster is one item (shown as a point that links to its tracking page)."""


@dataclass(frozen=True)
class PublicMap:
    clusters: list[Cluster]
    cell_degrees: float
    """The side of the grid the items were clustered on."""


def grid_step(area: Area, zoom: int) -> int:
    """The cluster cell side in thousandths: about 60 px at this zoom, a power of two (so views repeat),
    and never so small that a view holds more than MAX_GRID × MAX_GRID cells."""
    zoom = max(0, min(MAX_ZOOM, zoom))
    wanted = PIXELS_PER_CLUSTER * 360 * UNITS / (256 * 2 ** zoom)
    span = max(area.north - area.south, area.east - area.west) * UNITS
    wanted = max(wanted, span / MAX_GRID, 1)
    return 2 ** math.ceil(math.log2(wanted))


def _status_filter(groups: tuple[StatusGroup, ...]):
    statuses = sorted(status for status, group in STATUS_GROUPS.items() if group in groups)
    return Submission.status.in_(statuses or ["-"])


def _status_group_of_row():
    """SQL: the public status group of an item, from the one table of groups (STATUS_GROUPS)."""
    return case({status: group.value for status, group in STATUS_GROUPS.items()}, value=Submission.status,
                else_=StatusGroup.OPEN.value)


def _month_of_row():
    return cast(func.date_trunc("month", func.timezone("UTC", Submission.created_at)), Date)


async def refresh_tiles(session: AsyncSession) -> int:
    """Rebuild the summary tiles from the items (a job): one statement per level, in the caller's transaction."""
    await session.exec(delete(MapTile))
    plat, plon = public_cell_lat(), public_cell_lon()
    written = 0
    for level in TILE_LEVELS:
        tile_lat = cast(func.floor(cast(plat, Float) / level), Integer)
        tile_lon = cast(func.floor(cast(plon, Float) / level), Integer)
        columns = [literal(level).label("level"), tile_lat.label("tile_lat"), tile_lon.label("tile_lon"),
                   func.coalesce(Submission.category_slug, "").label("category_slug"),
                   _status_group_of_row().label("status_group"), _month_of_row().label("month"),
                   func.count().label("items"), func.sum(plat).label("sum_lat"), func.sum(plon).label("sum_lon")]
        grouped = select(*columns).where(_public_filter()).group_by(
            literal_column("2"), literal_column("3"), literal_column("4"), literal_column("5"), literal_column("6"))
        result = await session.exec(insert(MapTile).from_select(
            ["level", "tile_lat", "tile_lon", "category_slug", "status_group", "month", "items", "sum_lat", "sum_lon"],
            grouped))
        written += result.rowcount or 0
    return written


def _whole_cells(area: Area, step: int) -> tuple[int, int, int, int]:
    """The area widened to whole grid cells (thousandths), so a cluster does not change as the view pans."""
    return (math.floor(area.south * UNITS / step) * step, (math.floor(area.north * UNITS / step) + 1) * step,
            math.floor(area.west * UNITS / step) * step, (math.floor(area.east * UNITS / step) + 1) * step)


async def _public_map_from_tiles(session: AsyncSession, level: int, step: int, bounds: tuple[int, int, int, int],
                                 wanted: MapFilter) -> PublicMap:
    south, north, west, east = bounds
    ratio = step // level
    conditions = [MapTile.level == level, MapTile.tile_lat >= south // level, MapTile.tile_lat < north // level,
                  MapTile.tile_lon >= west // level, MapTile.tile_lon < east // level]
    if wanted.categories:
        conditions.append(MapTile.category_slug.in_(wanted.categories))
    if wanted.status_groups:
        conditions.append(MapTile.status_group.in_([group.value for group in wanted.status_groups]))
    if wanted.since is not None:
        conditions.append(MapTile.month >= wanted.since.date())
    items = func.sum(MapTile.items)
    rows = await session.exec(
        select(items, func.sum(MapTile.sum_lat), func.sum(MapTile.sum_lon)).where(*conditions)
        .group_by(func.floor(cast(MapTile.tile_lat, Float) / ratio), func.floor(cast(MapTile.tile_lon, Float) / ratio))
        .order_by(items.desc()).limit(MAX_GRID * MAX_GRID * 2)
    )
    return PublicMap(cell_degrees=step / UNITS, clusters=[
        Cluster(latitude=round(int(sum_lat) / int(count) / UNITS, FINE_DECIMALS + 1),
                longitude=round(int(sum_lon) / int(count) / UNITS, FINE_DECIMALS + 1), count=int(count), submission_id=None)
        for count, sum_lat, sum_lon in rows.all()
    ])


async def public_map(session: AsyncSession, area: Area, zoom: int, wanted: MapFilter = MapFilter()) -> PublicMap:
    """Non-confidential items in the area, clustered on a grid of their public positions. Views on a grid of
    a summary tile or coarser read the tiles (as of the last job round); closer views read the items."""
    area = area.checked()
    step = grid_step(area, zoom)
    bounds = _whole_cells(area, step)
    levels = [level for level in TILE_LEVELS if level <= step]
    if levels:
        return await _public_map_from_tiles(session, max(levels), step, bounds, wanted)
    south, north, west, east = bounds
    plat, plon = public_cell_lat(), public_cell_lon()
    conditions = [
        _public_filter(),
        Submission.cell_lat.between(south - MARGIN, north + MARGIN),
        Submission.cell_lon.between(west - MARGIN, east + MARGIN),
    ]
    if wanted.categories:
        conditions.append(Submission.category_slug.in_(wanted.categories))
    if wanted.status_groups:
        conditions.append(_status_filter(wanted.status_groups))
    if wanted.since is not None:
        conditions.append(Submission.created_at >= wanted.since)
    row_cell, column_cell = func.floor(cast(plat, Float) / step), func.floor(cast(plon, Float) / step)
    # The area is whole grid cells, so an item's public position lies in it exactly when its cluster does:
    # the test is on the groups (the planner then sizes the scan by the index range and hashes).
    rows = await session.exec(
        select(func.count(), func.avg(plat), func.avg(plon), func.min(Submission.id))
        .where(*conditions).group_by(row_cell, column_cell)
        .having(and_(row_cell >= south // step, row_cell < north // step,
                     column_cell >= west // step, column_cell < east // step))
        .order_by(func.count().desc()).limit(MAX_GRID * MAX_GRID * 2)
    )
    clusters = [
        Cluster(latitude=round(float(mean_lat) / UNITS, FINE_DECIMALS + 1),
                longitude=round(float(mean_lon) / UNITS, FINE_DECIMALS + 1),
                count=count, submission_id=first_id if count == 1 else None)
        for count, mean_lat, mean_lon, first_id in rows.all()
    ]
    return PublicMap(clusters=clusters, cell_degrees=step / UNITS)


async def load_points(session: AsyncSession, submission_ids: list[int]) -> list[Submission]:
    """The items of single-item clusters (for their public views), at most MAX_POINTS."""
    if not submission_ids:
        return []
    rows = await session.exec(select(Submission).where(
        Submission.id.in_(submission_ids[:MAX_POINTS]), Submission.confidential == false()))
    return list(rows.all())


# --- the agency's own map ------------------------------------------------------------------------

async def agency_map(session: AsyncSession, actor: Actor, area: Area | None = None, *,
                     unfinished_only: bool = True) -> list[Submission]:
    """The actor's agency's located items at full precision (staff of that agency only), most urgent first."""
    if actor.kind != "staff" or actor.agency_id is None:
        raise NotAllowed("agency_staff_only", "Hanya petugas instansi yang dapat melihat peta ini.",
                         "Only an agency's staff can see this map.")
    conditions = [Submission.agency_id == actor.agency_id, Submission.latitude.is_not(None),
                  Submission.longitude.is_not(None)]
    if area is not None:
        area = area.checked()
        conditions += [Submission.latitude.between(area.south, area.north),
                       Submission.longitude.between(area.west, area.east)]
    if unfinished_only:
        conditions.append(Submission.status.in_(unfinished_statuses()))
    rows = await session.exec(
        select(Submission).where(*conditions)
        .order_by(Submission.due_at.asc().nulls_last(), Submission.id).limit(MAX_AGENCY_POINTS)
    )
    return list(rows.all())
