"""Photos of submissions: stored before the filing transaction, attached in it, reviewed by the agency.

The order keeps the database and the folder in step: photos are checked and re-encoded first (a
refusal writes nothing), their files are written next, and their rows go in with the submission in
one transaction. When that transaction does not commit — a refusal, a crash, or an idempotent retry
that found the first filing — the caller deletes the files (`Photos.discard`), so none is left behind.

Who sees what: staff who may see the item see all its photos at once; the public sees a photo only
once the handling agency approved it, and never on a confidential item. Approving and hiding are
events of the item (`workflow.record`), in the agency's history only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.actors import Actor, Role
from suara.common.errors import FieldProblem, NotAllowed, NotFound, ValidationFailed
from suara.db.columns import utcnow
from suara.config import Settings
from suara.media.images import CleanPhoto, Decoder, PhotoLimits, PhotoRefused, Reader
from suara.media.models import PhotoState, SubmissionPhoto
from suara.media.storage import FolderStorage, MediaStorage, new_name
from suara.submissions.models import Submission
from suara.submissions.workflow import NO_STATUS_CHANGE, Action, record

MAX_PHOTOS = 3
"""Photos per submission, at filing and added later together."""

ORPHAN_AGE_SECONDS = 3600.0
"""A file with no row this long after it was written belongs to a filing that never committed."""

PHOTOS = SubmissionPhoto.__table__
HIDDEN_PHOTO = NotFound("photo", "Foto tidak ditemukan.", "Photo not found.")


@dataclass(frozen=True)
class StoredPhoto:
    """A photo whose files are written but whose row is not committed yet."""

    file_name: str
    thumbnail_name: str
    width: int
    height: int
    byte_size: int
    content_type: str
    source_digest: str


def too_many_photos(field: str = "photos") -> ValidationFailed:
    return ValidationFailed([FieldProblem(
        field, "too_many_photos", f"Paling banyak {MAX_PHOTOS} foto per laporan.",
        f"At most {MAX_PHOTOS} photos per submission.",
    )])


def refusal_problem(error: PhotoRefused, field: str) -> FieldProblem:
    return FieldProblem(field, error.code, error.message_id, error.message_en)


class Photos:
    """The photo files of one server: decoded by `decoder`, kept in `storage`."""

    def __init__(self, storage: MediaStorage, decoder: Decoder):
        self.storage = storage
        self.decoder = decoder

    async def clean_all(self, uploads: Sequence[bytes | Reader | PhotoRefused], field: str = "photos"
                        ) -> list[CleanPhoto]:
        """Check and re-encode every upload (bytes, or a reader of them); all problems at once (``photos.1``),
        nothing stored. A PhotoRefused in the list is a problem the caller found already (not a file)."""
        if len(uploads) > MAX_PHOTOS:
            raise too_many_photos(field)
        async def clean(upload):
            if isinstance(upload, PhotoRefused):
                raise upload
            return await self.decoder.clean(upload)

        results = await asyncio.gather(*(clean(upload) for upload in uploads), return_exceptions=True)
        problems = [refusal_problem(result, f"{field}.{index}" if field == "photos" else field)
                    for index, result in enumerate(results) if isinstance(result, PhotoRefused)]
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, PhotoRefused):
                raise result
        if problems:
            raise ValidationFailed(problems)
        return list(results)

    async def store(self, photos: Sequence[CleanPhoto]) -> list[StoredPhoto]:
        """Write the files (before the transaction that attaches them)."""
        stored = []
        try:
            for photo in photos:
                item = StoredPhoto(new_name(), new_name(), photo.width, photo.height, len(photo.data),
                                   photo.content_type, photo.source_digest)
                stored.append(item)
                await self.storage.put(item.file_name, photo.data)
                await self.storage.put(item.thumbnail_name, photo.thumbnail)
        except BaseException:
            await self.discard(stored)
            raise
        return stored

    async def discard(self, stored: Sequence[StoredPhoto]) -> None:
        """Delete files whose rows were never committed."""
        await self.storage.delete([name for item in stored for name in (item.file_name, item.thumbnail_name)])

    async def remove_orphans(self, session: AsyncSession, *, older_than_seconds: float = ORPHAN_AGE_SECONDS) -> int:
        """Delete files no row names: left by a process that died between writing them and committing.
        Only files older than ``older_than_seconds``, so a filing still under way keeps its own."""
        on_disk = set(await self.storage.names(older_than_seconds))
        if not on_disk:
            return 0
        named = set()
        rows = await session.exec(select(PHOTOS.c.file_name, PHOTOS.c.thumbnail_name))
        for file_name, thumbnail_name in rows:
            named.update((file_name, thumbnail_name))
        orphans = sorted(on_disk - named)
        await self.storage.delete(orphans)
        return len(orphans)


def photos_from_settings(settings: Settings) -> Photos:
    """Photo files under $SUARA_HOME/media, decoded a few at a time in worker threads."""
    limits = PhotoLimits(max_bytes=settings.suara_photo_max_bytes, max_pixels=settings.suara_photo_max_pixels)
    return Photos(FolderStorage(settings.resolved_home() / "media"), Decoder(limits, settings.suara_photo_decode_threads))


async def attach(
    session: AsyncSession, submission: Submission, stored: Sequence[StoredPhoto], *, added_by: str,
) -> list[SubmissionPhoto]:
    """Rows for stored photos of a submission, in the caller's transaction. A photo the item already has
    (the same upload: a retry, or the same file twice) is not added again: the unique index decides, also
    between concurrent requests. Returns the rows added; the caller discards the files of the others."""
    if not stored:
        return []
    now = utcnow()
    values = [dict(
        submission_id=submission.id, file_name=item.file_name, thumbnail_name=item.thumbnail_name,
        source_digest=item.source_digest, content_type=item.content_type, width=item.width, height=item.height,
        byte_size=item.byte_size, state=PhotoState.PENDING.value, added_by=added_by, created_at=now,
    ) for item in stored]
    added = await session.exec(
        pg_insert(PHOTOS).values(values)
        .on_conflict_do_nothing(index_elements=[PHOTOS.c.submission_id, PHOTOS.c.source_digest])
        .returning(PHOTOS.c.id)
    )
    ids = [row[0] for row in added]
    if not ids:
        return []
    rows = await session.exec(select(SubmissionPhoto).where(SubmissionPhoto.id.in_(ids)).order_by(SubmissionPhoto.id))
    return [photo for (photo,) in rows]


def not_kept(stored: Sequence[StoredPhoto], added: Sequence[SubmissionPhoto]) -> list[StoredPhoto]:
    """Stored photos that got no row (duplicates): their files are to be discarded."""
    kept = {photo.file_name for photo in added}
    return [item for item in stored if item.file_name not in kept]


async def add_later(
    session: AsyncSession, submission: Submission, stored: Sequence[StoredPhoto], *, channel: str = "web",
) -> list[SubmissionPhoto]:
    """A citizen adds photos to a filed item (the caller checked the tracking code and secret). The item's
    row is locked first, so two additions at once cannot pass the limit together; a photo the item
    already has (a retry after a lost answer) is not added again and writes no event."""
    if submission.status not in NO_STATUS_CHANGE[Action.ADD_PHOTO]:
        raise NotAllowed("submission_finished", "Laporan ini sudah selesai; foto tidak dapat ditambahkan lagi.",
                         "This submission is finished; photos can no longer be added.")
    await session.exec(select(Submission.__table__.c.id).where(Submission.__table__.c.id == submission.id)
                       .with_for_update())
    have = set((await session.exec(
        select(PHOTOS.c.source_digest).where(PHOTOS.c.submission_id == submission.id))).scalars())
    new = [item for item in stored if item.source_digest not in have]
    if len(have) + len({item.source_digest for item in new}) > MAX_PHOTOS:
        raise too_many_photos("photo")
    if not new:
        return []
    actor = Actor.citizen(channel)
    added = await attach(session, submission, new, added_by=actor.label)
    await record(session, submission, Action.ADD_PHOTO, actor, details={"photos": len(added)})
    return added


def may_see(actor: Actor, submission: Submission) -> bool:
    """Staff who may see the item (its handling agency, triage admins) see its photos, reviewed or not."""
    if not actor.is_staff or actor.must_change_password:
        return False
    return actor.role == Role.TRIAGE_ADMIN or (
        submission.agency_id is not None and submission.agency_id == actor.agency_id)


def is_public(photo: SubmissionPhoto, submission: Submission) -> bool:
    return photo.state == PhotoState.APPROVED and not submission.confidential


async def photos_of(session: AsyncSession, submission_ids: Sequence[int]) -> dict[int, list[SubmissionPhoto]]:
    found: dict[int, list[SubmissionPhoto]] = {submission_id: [] for submission_id in submission_ids}
    if not submission_ids:
        return found
    rows = await session.exec(
        select(SubmissionPhoto).where(SubmissionPhoto.submission_id.in_(list(submission_ids)))
        .order_by(SubmissionPhoto.submission_id, SubmissionPhoto.id)
    )
    for (photo,) in rows:
        found[photo.submission_id].append(photo)
    return found


async def public_photos_of(session: AsyncSession, submission_ids: Sequence[int]) -> dict[int, list[SubmissionPhoto]]:
    """Approved photos of non-confidential items: what the tracking page, Open311 and anyone may see."""
    found: dict[int, list[SubmissionPhoto]] = {submission_id: [] for submission_id in submission_ids}
    if not submission_ids:
        return found
    rows = await session.exec(
        select(SubmissionPhoto).join(Submission, Submission.id == SubmissionPhoto.submission_id)
        .where(SubmissionPhoto.submission_id.in_(list(submission_ids)),
               SubmissionPhoto.state == PhotoState.APPROVED, Submission.confidential.is_(False))
        .order_by(SubmissionPhoto.submission_id, SubmissionPhoto.id)
    )
    for (photo,) in rows:
        found[photo.submission_id].append(photo)
    return found


@dataclass(frozen=True)
class ServedFile:
    photo: SubmissionPhoto
    submission: Submission
    thumbnail: bool


async def find_file(session: AsyncSession, name: str) -> ServedFile | None:
    """The photo a file name belongs to (as photo or thumbnail), with its item, or None."""
    row = (await session.exec(
        select(SubmissionPhoto, Submission).join(Submission, Submission.id == SubmissionPhoto.submission_id)
        .where((SubmissionPhoto.file_name == name) | (SubmissionPhoto.thumbnail_name == name))
    )).first()
    if row is None:
        return None
    photo, submission = row
    return ServedFile(photo, submission, thumbnail=photo.thumbnail_name == name)


async def _photo_for_review(session: AsyncSession, actor: Actor, photo_id: int) -> tuple[SubmissionPhoto, Submission]:
    """The photo and its item, locked, when the actor works for the handling agency. Another agency's
    staff learn nothing (not found), as for items."""
    row = (await session.exec(
        select(SubmissionPhoto, Submission).join(Submission, Submission.id == SubmissionPhoto.submission_id)
        .where(SubmissionPhoto.id == photo_id).with_for_update(of=SubmissionPhoto.__table__)
        .execution_options(populate_existing=True)
    )).first()
    if row is None or not may_see(actor, row[1]):
        raise HIDDEN_PHOTO
    photo, submission = row
    if submission.agency_id is None or submission.agency_id != actor.agency_id:
        raise NotAllowed("not_your_agency", "Hanya instansi penangan yang dapat meninjau foto ini.",
                         "Only the handling agency can review this photo.")
    return photo, submission


async def _review(session: AsyncSession, actor: Actor, photo: SubmissionPhoto, submission: Submission,
                  action: Action, state: PhotoState, allowed_from: set[str]) -> SubmissionPhoto:
    if photo.state == state:
        return photo  # approving twice (a double click) is one approval
    if photo.state not in allowed_from:
        raise NotAllowed("photo_not_reviewable", "Foto ini tidak dapat diubah begitu.",
                         "This photo cannot be changed that way.")
    now = utcnow()
    await session.exec(update(PHOTOS).where(PHOTOS.c.id == photo.id)
                       .values(state=state.value, reviewed_by=actor.label, reviewed_at=now))
    await record(session, submission, action, actor, details={"photo_id": photo.id}, now=now)
    refreshed = await session.get(SubmissionPhoto, photo.id, populate_existing=True)
    return refreshed


async def approve(session: AsyncSession, actor: Actor, photo_id: int) -> SubmissionPhoto:
    """The agency checked the photo (no faces, plates or ID cards to hide): the public may see it,
    unless the item is confidential, whose photos stay with the agency."""
    photo, submission = await _photo_for_review(session, actor, photo_id)
    if submission.confidential:
        raise NotAllowed("confidential_item", "Foto laporan rahasia tidak pernah ditampilkan ke publik.",
                         "Photos of a confidential submission are never shown to the public.")
    return await _review(session, actor, photo, submission, Action.APPROVE_PHOTO, PhotoState.APPROVED,
                         {PhotoState.PENDING, PhotoState.HIDDEN})


async def hide(session: AsyncSession, actor: Actor, photo_id: int) -> SubmissionPhoto:
    """Take a photo off the public pages again (it stays with the agency)."""
    photo, submission = await _photo_for_review(session, actor, photo_id)
    return await _review(session, actor, photo, submission, Action.HIDE_PHOTO, PhotoState.HIDDEN,
                         {PhotoState.PENDING, PhotoState.APPROVED})
