"""Photos under load: decoding never blocks the event loop and runs a few at a time; racing retries of one
filing keep one submission and one set of files; files no committed row names are cleaned up."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import httpx
from sqlalchemy import func, select

from suara.app import create_app
from suara.db.engine import transaction
from suara.media import images
from suara.media.models import SubmissionPhoto
from suara.submissions.models import Submission
from tests.factories import submit_input
from tests.media.conftest import jpeg_with_gps, media_files, picture, png_bytes, submit_with_photos


class CountingDecode:
    """The real `clean_photo`, slowed a little and counted, to see how many run at once and where."""

    def __init__(self, real):
        self.real = real
        self.running = 0
        self.most_at_once = 0
        self.threads: set[int] = set()
        self.lock = threading.Lock()

    def __call__(self, data, limits):
        with self.lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.threads.add(threading.get_ident())
        try:
            time.sleep(0.15)  # a large photo's decode, without spending the test's CPU on it
            return self.real(data, limits)
        finally:
            with self.lock:
                self.running -= 1


async def test_photos_are_decoded_off_the_event_loop_two_at_a_time(monkeypatch):
    counting = CountingDecode(images.clean_photo)
    monkeypatch.setattr(images, "clean_photo", counting)
    decoder = images.Decoder(images.PhotoLimits(), concurrency=2)
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    beating = asyncio.create_task(ticker())
    started = time.perf_counter()
    cleaned = await asyncio.gather(*(decoder.clean(png_bytes()) for _ in range(6)))
    elapsed = time.perf_counter() - started
    beating.cancel()
    assert len(cleaned) == 6 and all(photo.data.startswith(b"\xff\xd8") for photo in cleaned)
    assert counting.most_at_once == 2
    assert threading.main_thread().ident not in counting.threads
    assert elapsed >= 3 * 0.15  # six decodes, two at a time
    assert ticks >= elapsed / 0.01 * 0.3  # the loop kept running meanwhile


async def test_large_photos_are_decoded_one_at_a_time_within_the_pixel_budget(monkeypatch):
    counting = CountingDecode(images.clean_photo)
    monkeypatch.setattr(images, "clean_photo", counting)
    decoder = images.Decoder(images.PhotoLimits(max_pixels=100_000), concurrency=2)  # 300×200 is 60 % of it
    cleaned = await asyncio.gather(*(decoder.clean(png_bytes()) for _ in range(3)))
    assert len(cleaned) == 3 and counting.most_at_once == 1
    small = png_bytes(picture((100, 100)))  # 10 % each: two at once
    counting.most_at_once = 0
    await asyncio.gather(*(decoder.clean(small) for _ in range(4)))
    assert counting.most_at_once == 2


async def test_twenty_identical_retries_with_photos_file_once_and_keep_one_set_of_files(
        committing_app_state, home):
    app = create_app(committing_app_state.settings, state=committing_app_state)
    key = f"photo-race-{uuid.uuid4()}"
    input = submit_input(idempotencyKey=key)
    photos = [jpeg_with_gps(), png_bytes()]

    async def one() -> dict:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://suara.test") as http:
            response = await submit_with_photos(http, input, photos)
        return response.json()["data"]["submit"]

    receipts = await asyncio.gather(*(one() for _ in range(20)))
    assert {r["__typename"] for r in receipts} == {"SubmissionReceipt"}, receipts
    assert len({r["trackingCode"] for r in receipts}) == 1
    assert sum(not r["replayed"] for r in receipts) == 1
    async with committing_app_state.sessions() as session:
        filed = (await session.exec(select(Submission.id).where(Submission.idempotency_key == f"client:{key}"))
                 ).scalars().all()
        assert len(filed) == 1
        rows = (await session.exec(select(SubmissionPhoto).where(SubmissionPhoto.submission_id == filed[0]))
                ).scalars().all()
    assert len(rows) == 2
    assert media_files(home) == sorted(name for row in rows for name in (row.file_name, row.thumbnail_name))

    # The same key with another photo is another request: a conflict, and its files are not kept.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://suara.test") as http:
        other = (await submit_with_photos(http, input, [png_bytes(picture((90, 90)))])).json()["data"]["submit"]
    assert other["__typename"] == "Conflict" and other["code"] == "idempotency_key_reused"
    assert len(media_files(home)) == 4


async def test_files_that_no_committed_row_names_are_removed(app_state, home, sessions):
    photos = app_state.photos
    kept = await photos.store(await photos.clean_all([png_bytes()]))
    orphaned = await photos.store(await photos.clean_all([png_bytes()]))
    async with transaction(sessions) as session:
        submission = Submission(tracking_code="PHOTOORPHAN1", kind="complaint", channel="api", text="x" * 20,
                                public_text="x" * 20)
        session.add(submission)
        await session.flush()
        from suara.media.service import attach

        await attach(session, submission, kept, added_by="citizen:api")
    async with sessions() as session:
        assert await photos.remove_orphans(session) == 0  # written just now: maybe a filing under way
        removed = await photos.remove_orphans(session, older_than_seconds=0)
        count = (await session.exec(select(func.count()).select_from(SubmissionPhoto)
                                    .where(SubmissionPhoto.submission_id == submission.id))).one()[0]
    assert removed == 2 and count == 1
    assert media_files(home) == sorted([kept[0].file_name, kept[0].thumbnail_name])
    assert orphaned[0].file_name not in media_files(home)
