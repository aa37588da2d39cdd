"""The catalogue table: one row per public service, with its official requirements, cost and time."""

from __future__ import annotations

from sqlalchemy import Column, String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession


class PublicService(SQLModel, table=True):
    """A service an agency provides, as the law or the agency's service standard describes it.

    ``cost_idr`` is 0 when the service is free and None when the cost varies (by vehicle, by
    building, by regional tariff); the notes then say what it depends on. ``processing_days`` is
    None when no fixed limit applies (services that follow a yearly schedule, for instance).
    """

    __tablename__ = "public_services"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=80)
    agency_id: int = Field(foreign_key="agencies.id", index=True)
    category_slug: str | None = Field(default=None, foreign_key="categories.slug")
    """The complaint category a complaint about this service belongs to."""
    name_id: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    summary_id: str
    summary_en: str
    requirements_id: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String), nullable=False, server_default=text("'{}'"))
    )
    requirements_en: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String), nullable=False, server_default=text("'{}'"))
    )
    cost_idr: int | None = None
    cost_note_id: str | None = None
    cost_note_en: str | None = None
    processing_days: int | None = None
    """The maximum in working days set by law or by the agency's published service standard."""
    processing_note_id: str | None = None
    processing_note_en: str | None = None
    legal_basis: str
    where_to_apply_id: str
    where_to_apply_en: str
    online_url: str | None = None


async def service_exists(session: AsyncSession, slug: str) -> bool:
    found = await session.exec(select(PublicService.id).where(PublicService.slug == slug))
    return found.first() is not None
