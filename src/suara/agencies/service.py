"""Reading the agency directory, loading the seed directory, and changing category → agency."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency, Category
from suara.common.errors import NotFound

DIRECTORY_FILE = Path(__file__).with_name("directory.json")


class Directory(Protocol):
    """A server's cached copy of the directory (`suara.state.AppState.directory`), read at most every 30 s."""

    agencies: Mapping[int, Agency]
    categories: Mapping[str, Category]


def default_agency(directory: Directory, category_slug: str) -> Agency | None:
    """The agency a category's submissions go to, from the cached directory: no query."""
    category = directory.categories.get(category_slug)
    if category is None or category.default_agency_id is None:
        return None
    return directory.agencies.get(category.default_agency_id)


def agency_with_slug(directory: Directory, slug: str) -> Agency | None:
    """An agency of the cached directory by its slug: no query (a few dozen agencies)."""
    return next((agency for agency in directory.agencies.values() if agency.slug == slug), None)


async def list_agencies(session: AsyncSession) -> list[Agency]:
    return list(await session.exec(select(Agency).order_by(Agency.name)))


async def list_categories(session: AsyncSession) -> list[Category]:
    return list(await session.exec(select(Category).order_by(Category.position, Category.slug)))


async def agencies_by_id(session: AsyncSession, ids: list[int]) -> dict[int, Agency]:
    if not ids:
        return {}
    result = await session.exec(select(Agency).where(Agency.id.in_(ids)))
    return {agency.id: agency for agency in result}


async def agency_by_slug(session: AsyncSession, slug: str) -> Agency:
    agency = (await session.exec(select(Agency).where(Agency.slug == slug))).first()
    if agency is None:
        raise NotFound("agency", f"Instansi '{slug}' tidak ditemukan.", f"No agency '{slug}'.")
    return agency


async def assign_category(session: AsyncSession, category_slug: str, agency_slug: str) -> Category:
    """Change which agency a category's submissions go to by default."""
    agency = await agency_by_slug(session, agency_slug)
    category = await session.get(Category, category_slug)
    if category is None:
        raise NotFound(
            "category", f"Kategori '{category_slug}' tidak ditemukan.", f"No category '{category_slug}'."
        )
    category.default_agency_id = agency.id
    session.add(category)
    await session.flush()
    return category


@dataclass(frozen=True)
class SeedCounts:
    agencies_added: int
    categories_added: int


async def load_directory(session: AsyncSession, path: Path = DIRECTORY_FILE) -> SeedCounts:
    """Add the agencies and categories of a directory file that are not there yet.

    Rows that exist are left alone, so an administrator's changes survive a second seed.
    """
    directory = json.loads(path.read_text(encoding="utf-8"))
    agencies_added = 0
    for entry in directory["agencies"]:
        contact = entry.get("contact") or {}
        result = await session.exec(
            pg_insert(Agency.__table__)
            .values(
                slug=entry["slug"], name=entry["name"], short_name=entry["short_name"],
                aliases=entry.get("aliases", []),
                description_id=entry.get("description_id", ""),
                description_en=entry.get("description_en", ""),
                level=entry.get("level", "provincial"),
                timezone=entry.get("timezone", "Asia/Jakarta"),
                first_response_days=entry.get("first_response_days", 3),
                information_request_days=entry.get("information_request_days", 5),
                resolution_days=entry.get("resolution_days", 14),
                resolution_with_field_check_days=entry.get("resolution_with_field_check_days", 60),
                contact_address=contact.get("address"), contact_website=contact.get("website"),
                contact_email=contact.get("email"), contact_phone=contact.get("phone"),
            )
            .on_conflict_do_nothing(index_elements=["slug"])
        )
        agencies_added += result.rowcount
        if entry.get("aliases"):
            # Aliases arrived after the first directories were seeded: fill them where still empty.
            await session.exec(
                update(Agency.__table__)
                .where(Agency.slug == entry["slug"], func.cardinality(Agency.aliases) == 0)
                .values(aliases=entry["aliases"])
            )

    ids = {a.slug: a.id for a in await list_agencies(session)}
    for entry in directory["agencies"]:
        if entry.get("parent"):
            await session.exec(
                update(Agency.__table__)
                .where(Agency.slug == entry["slug"], Agency.parent_id.is_(None))
                .values(parent_id=ids[entry["parent"]])
            )

    categories_added = 0
    for position, entry in enumerate(directory["categories"]):
        result = await session.exec(
            pg_insert(Category.__table__)
            .values(
                slug=entry["slug"], label_id=entry["label_id"], label_en=entry["label_en"],
                description_id=entry.get("description_id", ""),
                description_en=entry.get("description_en", ""),
                default_agency_id=ids[entry["default_agency"]], position=position,
            )
            .on_conflict_do_nothing(index_elements=["slug"])
        )
        categories_added += result.rowcount
    await session.flush()
    return SeedCounts(agencies_added, categories_added)
