"""GraphQL for photos: the public and staff views, the agency's review, a citizen adding one later.

Uploads follow the GraphQL multipart request spec (`Upload` variables); the bytes are read here, at
most one byte past the limit, and handed to `suara.media` to check and re-encode before any
transaction starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from suara.api.client_address import client_network
from suara.api.graphql.context import Info
from suara.api.graphql.errors import NotAllowed, NotFound, RateLimited, ValidationError, error_result
from suara.api.media import media_url
from suara.common.errors import DomainError, ValidationFailed
from suara.common.errors import RateLimited as DomainRateLimited
from suara.common.text import parse_row_id
from suara.media import service as media
from suara.media.images import CleanPhoto, PhotoRefused, Reader, not_an_image
from suara.media.models import PhotoState, SubmissionPhoto
from suara.state import AppState
from suara.submissions import codes
from suara.submissions.models import Submission
from suara.submissions.service import find_by_tracking_code

PhotoReviewState = strawberry.enum(PhotoState, name="PhotoReviewState")


def _url(info: Info, name: str) -> str:
    return media_url(info.context.request, info.context.state.settings.suara_public_url, name)


@strawberry.type(description="A photo anyone may see: approved by the handling agency; never of a confidential item.")
class Photo:
    url: str
    thumbnail_url: str
    width: int
    height: int


@strawberry.type(description="A photo as the agency sees it, approved or not.")
class StaffPhoto:
    id: strawberry.ID
    url: str = strawberry.field(description="Served only to staff who may see the item until approved.")
    thumbnail_url: str
    width: int
    height: int
    state: PhotoReviewState
    public: bool = strawberry.field(description="Shown on the public pages now.")
    added_by: str
    added_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None


def public_photo(info: Info, photo: SubmissionPhoto) -> Photo:
    return Photo(url=_url(info, photo.file_name), thumbnail_url=_url(info, photo.thumbnail_name),
                 width=photo.width, height=photo.height)


def staff_photo(info: Info, photo: SubmissionPhoto, confidential: bool) -> StaffPhoto:
    return StaffPhoto(
        id=strawberry.ID(str(photo.id)), url=_url(info, photo.file_name), thumbnail_url=_url(info, photo.thumbnail_name),
        width=photo.width, height=photo.height, state=PhotoState(photo.state),
        public=photo.state == PhotoState.APPROVED and not confidential, added_by=photo.added_by,
        added_at=photo.created_at, reviewed_by=photo.reviewed_by, reviewed_at=photo.reviewed_at,
    )


async def public_photos(info: Info, submission_id: int) -> list[Photo]:
    found = await info.context.public_photos_loader.load(submission_id)
    return [public_photo(info, photo) for photo in found]


async def staff_photos(info: Info, submission_id: int, confidential: bool) -> list[StaffPhoto]:
    """All photos of an item the caller was allowed to load (the staff item query checked that)."""
    found = await info.context.staff_photos_loader.load(submission_id)
    return [staff_photo(info, photo, confidential) for photo in found]


def upload_reader(value: object) -> Reader | PhotoRefused:
    """How to read one `Upload` variable (read later, when a decode slot is free), or the refusal of a
    non-file (a JSON string in its place)."""
    read = getattr(value, "read", None)
    return read if callable(read) else not_an_image()


async def clean_uploads(state: AppState, uploads: Sequence[object], field: str) -> list[CleanPhoto]:
    """Read, check and re-encode uploads, every problem at once (``photos.0`` …); nothing is stored."""
    return await state.photos.clean_all([upload_reader(upload) for upload in uploads], field)


@strawberry.type
class PhotoReviewed:
    photo: StaffPhoto


@strawberry.type(description="The photo was added; the agency sees it now, the public once the agency approves it.")
class PhotoAdded:
    photos_pending: int = strawberry.field(description="Photos of yours the agency has still to review.")


PhotoReviewResult = Annotated[PhotoReviewed | NotFound | NotAllowed, strawberry.union("PhotoReviewResult")]
AddPhotoResult = Annotated[PhotoAdded | NotFound | NotAllowed | ValidationError | RateLimited,
                           strawberry.union("AddPhotoResult")]


async def _review(info: Info, id: strawberry.ID, operation) -> PhotoReviewResult:
    try:
        actor = await info.context.staff(mutation=True)
        photo_id = parse_row_id(str(id))
        if photo_id is None:
            raise media.HIDDEN_PHOTO
        async with info.context.state.transaction() as session:
            photo = await operation(session, actor, photo_id)
            submission = await session.get(Submission, photo.submission_id)
    except DomainError as error:
        return error_result(error)
    return PhotoReviewed(photo=staff_photo(info, photo, submission.confidential))


WRONG_SECRET = NotAllowed(code="wrong_secret", message="Kode rahasia tidak cocok.", message_en="The secret does not match.")


@strawberry.type
class PhotoMutation:
    @strawberry.mutation(description="Handling agency: the photo shows no face, plate or ID card to hide; the public "
                                     "may see it (never on a confidential item). Recorded in the item's history.")
    async def approve_photo(self, info: Info, id: strawberry.ID) -> PhotoReviewResult:
        return await _review(info, id, media.approve)

    @strawberry.mutation(description="Handling agency: take a photo off the public pages (the agency still sees it).")
    async def hide_photo(self, info: Info, id: strawberry.ID) -> PhotoReviewResult:
        return await _review(info, id, media.hide)

    @strawberry.mutation(description="Citizen: add a photo to your item with its tracking code and the secret from "
                                     "the receipt (multipart upload; at most 3 photos per item). Attempts are limited "
                                     "per network address.")
    async def add_photo(self, info: Info, tracking_code: str, secret: str, photo: Upload) -> AddPhotoResult:
        state = info.context.state
        try:  # counted before the secret is checked or a byte decoded: guessing secrets costs a count each
            await state.limits.hit(state.limits.photo_add, client_network(info.context.request))
        except DomainRateLimited as error:
            return RateLimited.from_domain(error)
        try:
            async with state.reading() as session:
                submission = await find_by_tracking_code(session, tracking_code)
            if not codes.secret_matches(submission.tracking_code, secret, state.secret_key):
                return WRONG_SECRET
            cleaned = await clean_uploads(state, [photo], "photo")
        except DomainError as error:
            return error_result(error)
        stored = await state.photos.store(cleaned)
        unused = stored
        try:
            async with state.transaction() as session:
                current = await find_by_tracking_code(session, tracking_code)
                added = await media.add_later(session, current, stored)
                found = await media.photos_of(session, [current.id])
            unused = media.not_kept(stored, added)  # a retry of a photo the item has: kept once
        except DomainError as error:
            return error_result(error)
        finally:
            if unused:
                await state.photos.discard(unused)
        pending = sum(1 for row in found[current.id] if row.state == PhotoState.PENDING)
        return PhotoAdded(photos_pending=pending)
