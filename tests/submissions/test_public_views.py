"""Public views: one precision for places, masking with the reporter's name and directory phones."""

from __future__ import annotations

import uuid

from sqlalchemy import event, update
from sqlmodel import select

from suara.agencies.models import Agency
from suara.submissions.models import SubmissionEvent
from suara.submissions.precision import public_position
from suara.submissions.public import public_event, public_views
from tests.factories import make_item


def test_positions_are_rounded_to_about_100_m_and_to_about_1_km_in_sparse_cells():
    assert public_position(-6.993217, 110.420981, 5) == (-6.993, 110.421)
    assert public_position(-6.993217, 110.420981, 4) == (-6.99, 110.42)
    assert public_position(-6.993217, 110.420981, 0) == (-6.99, 110.42)
    assert public_position(None, None, 9) == (None, None)


def _unique_spot() -> tuple[float, float]:
    """A spot no other test uses: a random cell in the sea south of Java."""
    n = uuid.uuid4().int
    return -9.0 - (n % 900) / 1000 - 0.0002, 108.0 + (n // 900 % 900) / 1000 + 0.0003


async def test_a_cell_shows_100_m_only_once_five_public_items_share_it(db_session, cast):
    latitude, longitude = _unique_spot()
    items = [await make_item(db_session, agency_slug=cast.agency_a, latitude=latitude + i * 0.00001,
                             longitude=longitude) for i in range(4)]
    hidden = await make_item(db_session, agency_slug=cast.agency_a, confidential=True, latitude=latitude,
                             longitude=longitude)
    views = await public_views(db_session, [*items, hidden])
    assert {(v.latitude, v.longitude) for v in views[:4]} == {(round(latitude, 2), round(longitude, 2))}
    assert views[4].latitude is None, "a confidential item shows no place at all"

    items.append(await make_item(db_session, agency_slug=cast.agency_a, latitude=latitude, longitude=longitude))
    statements = []
    listen = lambda *args: statements.append(args[2])
    engine = db_session.bind.sync_engine if hasattr(db_session.bind, "sync_engine") else db_session.bind
    event.listen(engine, "before_cursor_execute", listen)
    try:
        views = await public_views(db_session, items)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert {(v.latitude, v.longitude) for v in views} == {(round(latitude, 3), round(longitude, 3))}
    assert 1 <= len(statements) <= 3, "names, directory phones and cell counts: one query each per page"


async def test_views_mask_with_the_reporters_name_and_keep_the_agencys_directory_phone(db_session, cast):
    await db_session.exec(update(Agency).where(Agency.slug == cast.agency_a).values(contact_phone="(024) 3546789"))
    item = await make_item(
        db_session, agency_slug=cast.agency_a, title="Laporan Sekar Ayuningtyas",
        public_text="Jalan rusak kata Sekar, telp (0812) 98765432.", location_text="Rumah AYUNINGTYAS, RT 03/RW 05",
        contact={"name": "Sekar Ayuningtyas", "phone": "+6281298765432"},
    )
    agency_id = (await db_session.exec(select(Agency.id).where(Agency.slug == cast.agency_a))).one()
    answer = SubmissionEvent(submission_id=item.id, kind="responded", actor="staff", status_after="in_progress",
                             details={"agency_id": agency_id,
                                      "public_note": "Bu Sekar, hubungi kami di 024-3546789, bukan 0812 9876 5432."})
    [view] = await public_views(db_session, [item])
    assert view.title == "Laporan [nama]"
    assert view.text == "Jalan rusak kata [nama], telp [nomor telepon]."
    assert view.location_text == "Rumah [nama], RT 03/RW 05"
    assert public_event(answer, view.mask).public_note == (
        "Bu [nama], hubungi kami di 024-3546789, bukan [nomor telepon].")


async def test_a_confidential_item_shows_only_kind_status_agency_and_dates_unless_its_reporter_asks(db_session, cast):
    item = await make_item(db_session, agency_slug=cast.agency_a, confidential=True, title="Rahasia",
                           location_text="Jl. Mawar", latitude=-7.0, longitude=110.4,
                           contact={"name": "Bambang Wicaksono"})
    [public] = await public_views(db_session, [item])
    assert not public.full
    assert (public.title, public.text, public.location_text, public.latitude, public.category_slug,
            public.channel, public.anonymous) == (None,) * 7
    [own] = await public_views(db_session, [item], reporter=True)
    assert own.full and own.title == "Rahasia" and own.latitude == -7.0
