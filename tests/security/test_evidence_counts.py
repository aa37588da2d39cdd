"""Counts published in a consultation's evidence never place a confidential complaint."""

from __future__ import annotations

from datetime import timedelta

from suara.db.columns import utcnow
from suara.dialogue import consultations
from tests.factories import make_item


async def test_a_confidential_complaint_is_not_counted_in_published_evidence(db_session, cast):
    consultation = await consultations.create_consultation(
        db_session, cast.officer_a, title="Perbaikan jalan desa", summary="Masukan soal jalan desa kami.",
        sections=[("Umum", "Pendapat umum tentang jalan desa.")],
        opens_at=utcnow(), closes_at=utcnow() + timedelta(days=14),
    )
    region = "33.74.99"  # a region of its own, so other tests' items do not count here
    await make_item(db_session, agency_slug=cast.agency_a, region_code=region)
    await make_item(db_session, agency_slug=cast.agency_a, region_code=region, confidential=True)

    evidence = await consultations.attach_complaints(
        db_session, cast.officer_a, consultation.id, label="Jalan rusak di wilayah ini",
        category_slug="infrastruktur", region_code=region,
    )

    assert evidence.submission_count == 1, "the public item only: 2 − 1 would place the confidential one"
