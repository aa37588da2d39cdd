"""The services catalogue's domain functions: search, lookup, seeding and complaint figures."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from suara.agencies.models import Agency
from suara.agencies.public_services import PublicService
from suara.common.errors import NotFound
from suara.db.columns import utcnow
from suara.services.catalogue import (
    CATALOGUE_FILE,
    ComplaintStats,
    complaint_stats,
    find_service,
    load_catalogue,
    search_services,
)
from tests.factories import make_item


def slugs(services: list[PublicService]) -> list[str]:
    return [service.slug for service in services]


async def test_the_seeded_catalogue_covers_at_least_sixteen_services_of_known_agencies(db_session):
    services = await search_services(db_session, limit=100)
    assert len(services) >= 16
    agency_ids = set((await db_session.exec(select(Agency.id))).all())
    assert {service.agency_id for service in services} <= agency_ids
    assert all(service.requirements_id and service.requirements_en for service in services)


async def test_search_matches_words_in_any_order_and_either_language(db_session):
    assert "akta-kelahiran" in slugs(await search_services(db_session, "akta kelahiran"))
    assert "akta-kelahiran" in slugs(await search_services(db_session, "KELAHIRAN akta"))
    assert "akta-kelahiran" in slugs(await search_services(db_session, "certificate birth"))
    assert slugs(await search_services(db_session, "akta kelahiran zzzz")) == []


async def test_search_looks_into_requirements(db_session):
    # "SPTJM" appears only among the birth certificate's requirements.
    assert slugs(await search_services(db_session, "sptjm")) == ["akta-kelahiran"]


async def test_services_named_by_the_search_come_before_those_that_only_require_it(db_session):
    found = [s.slug for s in await search_services(db_session, "ktp")]
    assert found[0] == "ktp-el" and len(found) > 3, "many services require a KTP; the KTP itself leads"


async def test_search_treats_percent_and_underscore_as_plain_characters(db_session):
    assert await search_services(db_session, "%") == []
    assert await search_services(db_session, "_") == []


async def test_search_by_agency_returns_only_that_agencys_services_in_name_order(db_session):
    services = await search_services(db_session, agency_slug="polda-jateng")
    assert set(slugs(services)) == {"skck", "perpanjangan-sim", "izin-keramaian"}
    names = [service.name_id for service in services]
    assert names == sorted(names)


async def test_find_service_raises_not_found_for_an_unknown_slug(db_session):
    assert (await find_service(db_session, "skck")).cost_idr == 30000
    with pytest.raises(NotFound):
        await find_service(db_session, "paspor-bulan")


async def test_loading_the_catalogue_twice_updates_rows_instead_of_duplicating(db_session, tmp_path):
    entries = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))["services"]
    changed = dict(entries[0], name_en="Changed name")
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps({"services": [changed]}), encoding="utf-8")

    counts = await load_catalogue(db_session, path)

    assert (counts.added, counts.updated) == (0, 1)
    assert (await find_service(db_session, changed["slug"])).name_en == "Changed name"
    assert len(await search_services(db_session, limit=100)) == len(entries)


async def test_complaint_stats_count_by_status_group_and_take_the_median_first_response(db_session):
    agency = (await db_session.exec(select(Agency).where(Agency.slug == "pemkot-semarang"))).one()
    service = PublicService(
        slug="uji-statistik", agency_id=agency.id, name_id="Layanan uji", name_en="Test service",
        summary_id="Uji", summary_en="Test", legal_basis="-", where_to_apply_id="-", where_to_apply_en="-",
    )
    db_session.add(service)
    await db_session.flush()
    now = utcnow()
    for status, hours_to_answer in [("routed", None), ("in_progress", 2), ("resolved", 4), ("closed", 30),
                                     ("rejected", None)]:
        await make_item(
            db_session, agency_slug="pemkot-semarang", status=status, service_slug="uji-statistik",
            created_at=now - timedelta(days=3),
            first_responded_at=now - timedelta(days=3) + timedelta(hours=hours_to_answer) if hours_to_answer else None,
        )
    # Aspirations about the service are not complaints.
    await make_item(db_session, agency_slug="pemkot-semarang", kind="aspiration", service_slug="uji-statistik")

    stats = await complaint_stats(db_session, "uji-statistik")

    assert stats == ComplaintStats(total=5, open=2, resolved=2, median_first_response_hours=4.0)


async def test_a_service_without_complaints_has_zero_counts_and_no_median(db_session):
    assert await complaint_stats(db_session, "legalisir-ijazah") == ComplaintStats(0, 0, 0, None)
