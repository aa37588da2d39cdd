"""The one public precision for where an item is: about 100 m, or about 1 km where it is rare.

Every public surface (GraphQL, Open311, open data, later the map) shows a position only through
:func:`public_position`. A position is rounded to 3 decimals (a cell about 110 m across); where fewer
than :data:`MIN_ITEMS_PER_CELL` public items share that cell, to 2 decimals (about 1.1 km), so a
lone report does not point at one house. Times are shown as stored: the history of an item is what
agencies are held to account for (see the open-data methodology).
"""

from __future__ import annotations

from sqlalchemy import Numeric, cast, false, func, literal_column, select
from sqlalchemy.orm import aliased
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.submissions.models import Submission

FINE_DECIMALS = 3
COARSE_DECIMALS = 2
MIN_ITEMS_PER_CELL = 5


def public_position(
    latitude: float | None, longitude: float | None, items_in_cell: int
) -> tuple[float | None, float | None]:
    """The position as the public may see it, given how many public items share its ~100 m cell."""
    if latitude is None or longitude is None:
        return None, None
    decimals = FINE_DECIMALS if items_in_cell >= MIN_ITEMS_PER_CELL else COARSE_DECIMALS
    return round(latitude, decimals), round(longitude, decimals)


def _cell(column):
    """As in the index ix_submissions_public_cell (migration 0013), so that the index is used."""
    return func.round(cast(column, Numeric), literal_column(str(FINE_DECIMALS)))


async def items_per_cell(session: AsyncSession, submission_ids: list[int]) -> dict[int, int]:
    """For each of these submissions, how many public items share its ~100 m cell (one query)."""
    if not submission_ids:
        return {}
    other = aliased(Submission)
    rows = await session.exec(
        select(Submission.id, func.count(other.id))
        .join(other, (_cell(other.latitude) == _cell(Submission.latitude))
              & (_cell(other.longitude) == _cell(Submission.longitude)))
        .where(Submission.id.in_(submission_ids), Submission.latitude.is_not(None),
               other.confidential == false(), other.latitude.is_not(None))
        .group_by(Submission.id)
    )
    return dict(rows.all())
