"""The grid queries behind the map: radius at cell borders, the public precision, the agency's own map."""

from __future__ import annotations

import math

import pytest
from sqlmodel import select

from suara.common.errors import NotAllowed, ValidationFailed
from suara.maps import service as maps
from suara.maps.service import Area, MapFilter
from suara.submissions.models import MapCell, StatusGroup, Submission
from suara.submissions.precision import items_per_cell, public_position, round_like_postgres
from tests.factories import make_item

SEMARANG = (-6.9932, 110.4203)
METRE_LAT = 1 / maps.METRES_PER_DEGREE


async def place(session, latitude, longitude, *, agency_slug=None, **columns):
    return await make_item(session, agency_slug=agency_slug, latitude=latitude, longitude=longitude, **columns)


def cell_of(latitude, longitude, fine):
    decimals = 3 if fine else 2
    half = 0.0005 if fine else 0.005
    lat, lon = round_like_postgres(latitude, decimals), round_like_postgres(longitude, decimals)
    return lat - half, lat + half, lon - half, lon + half


def distance_to_cell(point, cell):
    south, north, west, east = cell
    return maps.haversine_m(point[0], point[1], min(max(point[0], south), north), min(max(point[1], west), east))


async def test_python_and_postgres_round_positions_the_same(db_session):
    tricky = [(-6.2125, 106.8125), (-6.9932171, 110.4209815), (0.1149, 95.0005), (-10.9995, 140.9995), (5.5, 120.0)]
    for latitude, longitude in tricky:
        item = await place(db_session, latitude, longitude)
        row = (await db_session.exec(select(Submission.cell_lat, Submission.cell_lon, Submission.coarse_lat,
                                            Submission.coarse_lon).where(Submission.id == item.id))).one()
        assert public_position(latitude, longitude, 5) == (row[0] / 1000, row[1] / 1000)
        assert public_position(latitude, longitude, 0) == (row[2] / 100, row[3] / 100)


async def test_the_trigger_counts_public_items_per_cell_and_marks_dense_cells(db_session):
    items = [await place(db_session, -7.0001 + i * 0.00005, 110.3001) for i in range(4)]
    hidden = await place(db_session, -7.0001, 110.3001, confidential=True)
    counts = await items_per_cell(db_session, [item.id for item in items] + [hidden.id])
    assert set(counts.values()) == {4}
    fine = (await db_session.exec(select(Submission.public_fine).where(Submission.id == items[0].id))).one()
    assert fine is False
    fifth = await place(db_session, -7.0001, 110.3001)
    rows = (await db_session.exec(select(Submission.public_fine).where(
        Submission.id.in_([i.id for i in items] + [fifth.id, hidden.id])))).all()
    assert rows == [True] * 6
    # Made confidential: the cell is sparse again, for every item in it.
    fifth.confidential = True
    db_session.add(fifth)
    await db_session.flush()
    assert set((await db_session.exec(select(Submission.public_fine).where(
        Submission.id.in_([i.id for i in items])))).all()) == {False}
    cell = await db_session.get(MapCell, (-7000, 110300))
    assert cell.public_items == 4


@pytest.mark.parametrize("bearing", [0, 90, 180, 270, 45])
async def test_radius_finds_items_whose_public_cell_touches_the_circle_and_no_other(db_session, bearing):
    """Points on both sides of a ~100 m cell border and of a ~1 km one, in a dense and a sparse cell."""
    centre = (-6.9995, 110.4005)  # on a corner of four ~100 m cells and of four ~1 km ones
    dense = [await place(db_session, -6.99951, 110.40051) for _ in range(5)]
    placed = []
    for metres in (150, 199, 201, 260, 700, 1300):
        dlat = metres * METRE_LAT * math.cos(math.radians(bearing))
        dlon = metres * METRE_LAT * math.sin(math.radians(bearing)) / math.cos(math.radians(centre[0]))
        placed.append(await place(db_session, centre[0] + dlat, centre[1] + dlon))
    found = {n.submission.id: n.distance_m for n in await maps.nearby_open(db_session, *centre)}
    counts = await items_per_cell(db_session, [p.id for p in placed + dense])
    for item in placed + dense:
        fine = counts.get(item.id, 0) >= 5
        expected = distance_to_cell(centre, cell_of(item.latitude, item.longitude, fine)) <= 200
        truly_near = maps.haversine_m(*centre, item.latitude, item.longitude) <= 200
        assert (item.id in found) == expected, (item.latitude, item.longitude, fine)
        assert expected or not truly_near  # every report truly within 200 m is shown
    assert all(d.id in found for d in dense)


async def test_radius_in_the_far_east_and_south_of_indonesia(db_session):
    merauke = (-8.4932, 140.4018)
    near = await place(db_session, merauke[0] + 150 * METRE_LAT, merauke[1])
    far = await place(db_session, merauke[0], merauke[1] + 2000 * METRE_LAT)
    sabang = (5.8926, 95.3238)
    north = await place(db_session, sabang[0], sabang[1] + 100 * METRE_LAT)
    assert [n.submission.id for n in await maps.nearby_open(db_session, *merauke, radius_m=1000)] == [near.id]
    assert far.id in {n.submission.id for n in await maps.nearby_open(db_session, *merauke, radius_m=2600)}
    assert [n.submission.id for n in await maps.nearby_open(db_session, *sabang)] == [north.id]


async def test_nearby_shows_only_open_public_reports(db_session):
    point = (-7.2504, 112.7688)
    shown = await place(db_session, *point)
    await place(db_session, *point, confidential=True)
    await place(db_session, *point, status="resolved")
    assert [n.submission.id for n in await maps.nearby_open(db_session, *point)] == [shown.id]


@pytest.mark.parametrize("latitude,longitude,radius", [
    (91, 110, 200), (-91, 110, 200), (0, 181, 200), (math.nan, 110, 200), (0, math.inf, 200),
    (0, 110, 1e9), (0, 110, 0), (0, 110, -5), (0, 110, math.nan),
])
async def test_bad_points_and_radii_are_typed_errors(db_session, latitude, longitude, radius):
    with pytest.raises(ValidationFailed):
        await maps.nearby_open(db_session, latitude, longitude, radius_m=radius)


async def test_public_map_clusters_public_positions_and_never_shows_confidential_items(db_session):
    lone = await place(db_session, -6.21234, 106.84567)
    await place(db_session, -6.21234, 106.84567, confidential=True)
    area = Area(-6.3, 106.7, -6.1, 106.9)
    result = await maps.public_map(db_session, area, 18)
    [cluster] = [c for c in result.clusters]
    assert cluster.count == 1 and cluster.submission_id == lone.id
    assert (cluster.latitude, cluster.longitude) == (-6.21, 106.85)  # the sparse cell: ~1 km
    for _ in range(4):
        await place(db_session, -6.21234, 106.84567)
    result = await maps.public_map(db_session, area, 18)
    assert [(c.latitude, c.longitude, c.count) for c in result.clusters] == [(-6.212, 106.846, 5)]


async def test_an_area_edge_across_an_item_tells_nothing_finer_than_its_public_cell(db_session):
    item = await place(db_session, -6.5034, 107.1071)  # alone: public at (-6.50, 107.11)
    inside_raw_only = Area(-6.5040, 107.1060, -6.5030, 107.1080)  # holds the real position, not the public one
    assert (await maps.public_map(db_session, inside_raw_only, 19)).clusters == []
    holds_public = Area(-6.5001, 107.1099, -6.4999, 107.1101)
    [cluster] = (await maps.public_map(db_session, holds_public, 19)).clusters
    assert cluster.submission_id == item.id


async def test_public_map_filters_by_category_status_and_period(db_session):
    from datetime import timedelta

    from suara.db.columns import utcnow

    now = utcnow()
    await place(db_session, -7.8, 110.36, status="routed", category_slug="infrastruktur", created_at=now)
    await place(db_session, -7.8, 110.36, status="resolved", category_slug="infrastruktur", created_at=now)
    await place(db_session, -7.8, 110.36, status="routed", category_slug="kesehatan",
                created_at=now - timedelta(days=100))
    area = Area(-7.9, 110.3, -7.7, 110.4)

    async def count(wanted):
        return sum(c.count for c in (await maps.public_map(db_session, area, 12, wanted)).clusters)
    assert await count(MapFilter()) == 3
    assert await count(MapFilter(categories=("infrastruktur",))) == 2
    assert await count(MapFilter(status_groups=(StatusGroup.RESOLVED,))) == 1
    assert await count(MapFilter(since=maps.months_back(now, 3))) == 2
    assert await count(MapFilter(since=maps.months_back(now, 12))) == 3


async def test_wide_views_read_the_summary_tiles_with_the_same_counts_and_public_means(db_session):
    from datetime import timedelta

    from suara.db.columns import utcnow

    now = utcnow()
    placed = [await place(db_session, -0.5 - i * 0.003, 117.15 + i * 0.01, status=status, category_slug=category,
                          created_at=created)
              for i, (status, category, created) in enumerate([
                  ("routed", "infrastruktur", now), ("resolved", "infrastruktur", now),
                  ("routed", "kesehatan", now - timedelta(days=400)), ("in_progress", None, now)])]
    await place(db_session, -0.5, 117.15, confidential=True)
    await maps.refresh_tiles(db_session)
    area = Area(-1.5, 116.0, 0.5, 118.5)  # East Kalimantan, where no other test files
    filters = [MapFilter(), MapFilter(categories=("infrastruktur",)), MapFilter(status_groups=(StatusGroup.OPEN,)),
               MapFilter(since=maps.months_back(now, 12))]
    for wanted in filters:
        wide = await maps.public_map(db_session, area, 7, wanted)  # a grid of at least one summary tile
        assert maps.grid_step(area, 7) >= maps.TILE_LEVELS[0]
        close = await maps.public_map(db_session, area, 19, wanted)
        assert sum(c.count for c in wide.clusters) == sum(c.count for c in close.clusters)
    [cluster] = (await maps.public_map(db_session, area, 7)).clusters
    counts = await items_per_cell(db_session, [p.id for p in placed])
    positions = [public_position(p.latitude, p.longitude, counts.get(p.id, 0)) for p in placed]
    assert cluster.count == 4 and cluster.submission_id is None
    assert cluster.latitude == round(sum(lat for lat, _ in positions) / 4, 4)
    assert cluster.longitude == round(sum(lon for _, lon in positions) / 4, 4)


async def test_a_huge_zoom_on_a_huge_area_is_still_a_bounded_grid(db_session):
    step = maps.grid_step(Area(-11, 94, 6, 141), 19)
    assert (141 - 94) * 1000 / step <= maps.MAX_GRID


async def test_bad_areas_are_typed_errors(db_session):
    for area in (Area(-6, 106, -7, 107), Area(-6, 106, 91, 107), Area(math.nan, 106, -6, 107)):
        with pytest.raises(ValidationFailed):
            await maps.public_map(db_session, area, 10)


async def test_the_agency_map_shows_its_own_items_exactly_and_never_another_agencys(db_session, cast):
    own = await place(db_session, -6.99321, 110.42098, agency_slug=cast.agency_a)
    other = await place(db_session, -6.99321, 110.42098, agency_slug=cast.agency_b)
    mine = await maps.agency_map(db_session, cast.officer_a)
    assert own.id in {s.id for s in mine} and other.id not in {s.id for s in mine}
    assert next(s for s in mine if s.id == own.id).latitude == -6.99321
    theirs = await maps.agency_map(db_session, cast.officer_b)
    assert own.id not in {s.id for s in theirs}
    from suara.common.actors import Actor
    with pytest.raises(NotAllowed):
        await maps.agency_map(db_session, Actor.citizen("web"))


async def test_twenty_reports_filed_at_once_in_one_cell_are_all_counted(committing_app_state):
    """Concurrent transactions each add an item to the same ~100 m cell: the trigger's upsert serialises them."""
    import asyncio
    import uuid

    from suara.db.engine import transaction

    offset = uuid.uuid4().int % 100_000 / 1e5  # a cell no other run uses
    latitude, longitude = -4.0 - offset, 138.5001

    async def file_one():
        async with transaction(committing_app_state.sessions) as session:
            return (await place(session, latitude, longitude)).id

    ids = await asyncio.gather(*[file_one() for _ in range(20)])
    async with transaction(committing_app_state.sessions) as session:
        counts = await items_per_cell(session, ids)
        fine = set((await session.exec(select(Submission.public_fine).where(Submission.id.in_(ids)))).all())
    assert set(counts.values()) == {20} and fine == {True}
