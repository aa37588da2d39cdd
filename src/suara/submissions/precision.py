"""The one public precision for where an item is: about 100 m, or about 1 km where it is rare.

Every public surface (GraphQL, Open311, open data, later the map) shows a position only through
:func:`public_position`. A position is rounded to 3 decimals (a cell about 110 m across); where fewer
than :data:`MIN_ITEMS_PER_CELL` public items share that cell, to 2 decimals (about 1.1 km), so a
lone report does not point at one house. Times are shown as stored: the history of an item is what
agencies are held to account for (see the open-data methodology).

Rounding is PostgreSQL's `round(x::numeric, d)` (15 significant digits, halves away from zero), so
that the cells the database keeps (`Submission.cell_lat` …, migration 0022) and the positions shown
here are the same numbers; `map_cells` holds each ~100 m cell's count of public items.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.submissions.models import MapCell, Submission

FINE_DECIMALS = 3
COARSE_DECIMALS = 2
MIN_ITEMS_PER_CELL = 5


def round_like_postgres(value: float, decimals: int) -> float:
    """``round(value::numeric, decimals)`` as PostgreSQL computes it, which Python's round() does not
    (it rounds the binary value, halves to even: round(-6.2125, 3) is -6.212, PostgreSQL says -6.213)."""
    exact = Decimal(format(value, ".15g")).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return float(exact)


def is_fine(items_in_cell: int) -> bool:
    """Whether enough public items share the ~100 m cell for the public to see that cell."""
    return items_in_cell >= MIN_ITEMS_PER_CELL


def public_position(
    latitude: float | None, longitude: float | None, items_in_cell: int
) -> tuple[float | None, float | None]:
    """The position as the public may see it, given how many public items share its ~100 m cell."""
    if latitude is None or longitude is None:
        return None, None
    decimals = FINE_DECIMALS if is_fine(items_in_cell) else COARSE_DECIMALS
    return round_like_postgres(latitude, decimals), round_like_postgres(longitude, decimals)


async def items_per_cell(session: AsyncSession, submission_ids: list[int]) -> dict[int, int]:
    """For each of these submissions, how many public items share its ~100 m cell (one query)."""
    if not submission_ids:
        return {}
    rows = await session.exec(
        select(Submission.id, MapCell.public_items)
        .join(MapCell, (MapCell.cell_lat == Submission.cell_lat) & (MapCell.cell_lon == Submission.cell_lon))
        .where(Submission.id.in_(submission_ids))
    )
    return dict(rows.all())
