"""The public map's summary for wide views (migration 0022)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel


class MapTile(SQLModel, table=True):
    """Public positions of non-confidential items summed per coarse tile, category, status group and month:
    what a country or province view of the public map reads instead of every item. Rebuilt by the jobs
    (:func:`suara.maps.service.refresh_tiles`), so those views lag new reports by a round (a minute)."""

    __tablename__ = "map_tiles"

    level: int = Field(primary_key=True)
    """The tile side in thousandths of a degree."""
    tile_lat: int = Field(primary_key=True)
    tile_lon: int = Field(primary_key=True)
    category_slug: str = Field(primary_key=True)
    """'' for an item without a category."""
    status_group: str = Field(primary_key=True)
    month: date = Field(primary_key=True)
    """The first day of the UTC month the items were filed in."""
    items: int
    sum_lat: int = Field(sa_column=Column(BigInteger, nullable=False))
    """Sum of the items' public latitudes, in thousandths of a degree (the mean is sum / items)."""
    sum_lon: int = Field(sa_column=Column(BigInteger, nullable=False))
