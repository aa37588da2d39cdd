"""GraphQL types, the submit mutation and the public tracking query."""

from __future__ import annotations

import asyncio
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from suara.agencies.service import agency_with_slug
from suara.api.client_address import client_network
from suara.api.graphql.agencies import (
    Agency,
    Category,
    load_agencies,
    load_agency,
    load_categories,
    load_category,
)
from suara.api.graphql.context import Info
from suara.api.graphql.errors import Conflict, NotAllowed, NotFound, RateLimited, ValidationError
from suara.api.graphql.photos import Photo, clean_uploads, public_photos
from suara.common.errors import NotFound as DomainNotFound
from suara.common.errors import RateLimited as DomainRateLimited
from suara.common.errors import ValidationFailed
from suara.media import service as media
from suara.routing.router import RoutingDecision
from suara.submissions import codes, service
from suara.submissions.models import Channel, Kind, Status, StatusGroup
from suara.submissions.origins import IdempotencyKeyReused
from suara.submissions.public import PublicEvent, PublicSubmission, public_event, public_views
from suara.submissions.validation import SubmissionDraft

SubmissionKind = strawberry.enum(Kind, name="SubmissionKind")
SubmissionChannel = strawberry.enum(Channel, name="SubmissionChannel")
PublicStatusGroup = strawberry.enum(StatusGroup, name="StatusGroup")


@strawberry.input(description="What a citizen files. Contact fields are seen only by the agency.")
class SubmitInput:
    kind: SubmissionKind
    text: str = strawberry.field(description="10 to 5,000 characters.")
    channel: SubmissionChannel = strawberry.field(
        default=Channel.API, description="WEB or API; the other channels are set only by Suara itself."
    )
    title: str | None = None
    anonymous: bool = strawberry.field(default=False, description="Store no contact at all.")
    confidential: bool = strawberry.field(
        default=False, description="The public sees only kind, status, agency and dates."
    )
    location_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    region_code: str | None = strawberry.field(default=None, description="Kemendagri code, e.g. 33.74")
    reporter_name: str | None = None
    reporter_phone: str | None = None
    reporter_email: str | None = None
    reporter_nik: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="16 to 128 characters (e.g. a UUID). A retry with the same key and the same input "
        "returns the first receipt; the same key with other input is a Conflict.",
    )
    service_slug: str | None = strawberry.field(
        default=None, description="The catalogue service this is about (see `services`), e.g. ktp-el."
    )
    photos: list[Upload] | None = strawberry.field(
        default=None,
        description="Up to 3 photos (JPEG, PNG or WebP, 8 MB and 25 megapixels each), sent as a GraphQL multipart "
        "request with the header `Apollo-Require-Preflight: true`. Metadata (GPS) is removed; the agency sees "
        "them at once, the public only after the agency approves them.",
    )

    def to_draft(self) -> SubmissionDraft:
        return SubmissionDraft(
            kind=self.kind.value, channel=self.channel.value, text=self.text, title=self.title,
            anonymous=self.anonymous, confidential=self.confidential,
            location_text=self.location_text, latitude=self.latitude, longitude=self.longitude,
            region_code=self.region_code, reporter_name=self.reporter_name,
            reporter_phone=self.reporter_phone, reporter_email=self.reporter_email,
            reporter_nik=self.reporter_nik, idempotency_key=self.idempotency_key,
            service_slug=self.service_slug,
        )


@strawberry.type
class Location:
    text: str | None
    region_code: str | None
    latitude: float | None
    longitude: float | None


@strawberry.type(description="One public step in a submission's history.")
class SubmissionEvent:
    event: strawberry.Private[PublicEvent]

    @strawberry.field
    def kind(self) -> str:
        return self.event.kind

    @strawberry.field
    def status(self) -> str:
        return self.event.status_after

    @strawberry.field
    def at(self) -> datetime:
        return self.event.at

    @strawberry.field
    def note(self) -> str | None:
        return self.event.public_note

    @strawberry.field
    async def agency(self, info: Info) -> Agency | None:
        return await load_agency(info, self.event.agency_id)


@strawberry.type(description="The public view of a submission: never any contact data.")
class Submission:
    view: strawberry.Private[PublicSubmission]

    @strawberry.field(description="As printed on the receipt, e.g. K7M-2QX-9PA.")
    def tracking_code(self) -> str:
        return codes.format_tracking_code(self.view.tracking_code)

    @strawberry.field
    def kind(self) -> SubmissionKind:
        return Kind(self.view.kind)

    @strawberry.field
    def status(self) -> str:
        return self.view.status

    @strawberry.field
    def status_group(self) -> PublicStatusGroup:
        return self.view.status_group

    @strawberry.field
    def confidential(self) -> bool:
        return self.view.confidential

    @strawberry.field
    def anonymous(self) -> bool | None:
        return self.view.anonymous

    @strawberry.field
    def title(self) -> str | None:
        return self.view.title

    @strawberry.field(description="Personal data in the text is masked.")
    def text(self) -> str | None:
        return self.view.text

    @strawberry.field
    def channel(self) -> SubmissionChannel | None:
        return Channel(self.view.channel) if self.view.channel else None

    @strawberry.field
    def location(self) -> Location | None:
        view = self.view
        if not any((view.location_text, view.region_code, view.latitude is not None)):
            return None
        return Location(
            text=view.location_text, region_code=view.region_code,
            latitude=view.latitude, longitude=view.longitude,
        )

    @strawberry.field(description="How many citizens said: this happens to me too.")
    def support_count(self) -> int:
        return self.view.support_count

    @strawberry.field
    def created_at(self) -> datetime:
        return self.view.created_at

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.view.updated_at

    @strawberry.field(description="When the agency must first answer (working days, its time zone).")
    def first_response_due_at(self) -> datetime | None:
        return self.view.first_response_due_at

    @strawberry.field(description="When the agency must resolve it.")
    def resolution_due_at(self) -> datetime | None:
        return self.view.resolution_due_at

    @strawberry.field
    async def agency(self, info: Info) -> Agency | None:
        return await load_agency(info, self.view.agency_id)

    @strawberry.field
    async def category(self, info: Info) -> Category | None:
        return await load_category(info, self.view.category_slug)

    @strawberry.field(description="Photos the handling agency approved; always empty for a confidential submission.")
    async def photos(self, info: Info) -> list[Photo]:
        if not self.view.full or self.view.confidential:
            return []
        return await public_photos(info, self.view.submission_id)

    @strawberry.field(description="Empty for confidential submissions, except for their reporter.")
    async def events(self, info: Info) -> list[SubmissionEvent]:
        if not self.view.full:
            return []
        async with info.context.state.reading() as session:
            rows = await service.public_events(session, self.view.submission_id)
        return [SubmissionEvent(event=public_event(row, self.view.mask)) for row in rows]


@strawberry.type
class RoutingSuggestion:
    confidence: float
    category: Category | None
    agency: Agency | None


async def routing_suggestions(info: Info, suggestion_lists: list[list[dict]]) -> list[list[RoutingSuggestion]]:
    """Suggestions of many items with their categories and agencies loaded in two batches: the agency
    the model suggested, or (a category-only model's suggestion) the category's default agency."""
    slugs = [s["category"] for suggestions in suggestion_lists for s in suggestions]
    categories = await load_categories(info, slugs)
    directory = await info.context.state.directory()
    suggested = [s.get("agency") for suggestions in suggestion_lists for s in suggestions]
    agency_ids = []
    for agency_slug, category in zip(suggested, categories):
        chosen = agency_with_slug(directory, agency_slug) if agency_slug else None
        agency_ids.append(chosen.id if chosen is not None else (category.default_agency_id if category else None))
    agencies = await load_agencies(info, agency_ids)
    built = iter(zip(categories, agencies))
    return [
        [RoutingSuggestion(confidence=s["confidence"], category=c, agency=a)
         for s, (c, a) in zip(suggestions, built)]
        for suggestions in suggestion_lists
    ]


@strawberry.enum(description="Where a new submission went.")
class RoutingState(Enum):
    ROUTED = "routed"
    AWAITING_TRIAGE = "awaiting_triage"
    RECEIVED = "received"


@strawberry.type(description="What routing decided for a new submission.")
class RoutingOutcome:
    state: RoutingState
    confidence: float | None
    model_version: str | None
    suggestions: list[RoutingSuggestion]


async def routing_outcome(info: Info, status: str, decision: RoutingDecision) -> RoutingOutcome:
    state = {
        Status.ROUTED: RoutingState.ROUTED,
        Status.IN_TRIAGE: RoutingState.AWAITING_TRIAGE,
    }.get(status, RoutingState.RECEIVED)
    return RoutingOutcome(
        state=state,
        confidence=decision.confidence,
        model_version=decision.model_version,
        suggestions=(await routing_suggestions(info, [decision.suggestions]))[0],
    )


@strawberry.type(description="An open submission whose text is nearly the same as the new one.")
class PossibleDuplicate:
    similarity: float
    submission: Submission


@strawberry.type(description="Proof of filing. Keep the secret: it lets you confirm or dispute.")
class SubmissionReceipt:
    tracking_code: str
    citizen_secret: str
    replayed: bool = strawberry.field(description="True when this is the receipt of a retry.")
    filed: strawberry.Private[service.Receipt]
    views: strawberry.Private[asyncio.Future | None] = None

    duplicates: strawberry.Private[asyncio.Future | None] = None

    async def _once(self, name: str, read) -> list:
        """A read done once per receipt, only when a field asks for it (a client that keeps only the
        tracking code costs no read); fields asking at the same time wait for the same read."""
        if getattr(self, name) is None:
            setattr(self, name, asyncio.ensure_future(read()))
        return await asyncio.shield(getattr(self, name))

    async def _views(self, info: Info) -> list:
        return await self._once("views", lambda: self._read_views(info))

    async def _read_views(self, info: Info) -> list:
        async with info.context.state.reading() as session:
            return await public_views(session, [self.filed.submission])

    async def _duplicates(self, info: Info) -> list:
        return await self._once("duplicates", lambda: self._read_duplicates(info))

    async def _read_duplicates(self, info: Info) -> list:
        async with info.context.state.reading() as session:
            found = await self.filed.possible_duplicates(session)
            views = await public_views(session, [d.submission for d in found])
        return [PossibleDuplicate(similarity=d.similarity, submission=Submission(view=view))
                for d, view in zip(found, views)]

    @strawberry.field
    async def submission(self, info: Info) -> Submission:
        return Submission(view=(await self._views(info))[0])

    routing: RoutingOutcome

    @strawberry.field(description="Open submissions about the same thing; you can support one of them instead.")
    async def possible_duplicates(self, info: Info) -> list[PossibleDuplicate]:
        return await self._duplicates(info)


SubmitResult = Annotated[SubmissionReceipt | ValidationError | Conflict | RateLimited, strawberry.union("SubmitResult")]


@strawberry.type
class SupportReceipt:
    submission: Submission


SupportResult = Annotated[
    SupportReceipt | NotFound | NotAllowed | ValidationError | Conflict, strawberry.union("SupportResult")
]


@strawberry.type
class SubmissionQuery:
    @strawberry.field(description="Track a submission by its code. Never shows contact data. With the "
                      "citizen secret from the receipt, a confidential one shows everything to its reporter.")
    async def submission(
        self, info: Info, tracking_code: str, citizen_secret: str | None = None
    ) -> Submission | None:
        state = info.context.state
        async with state.reading() as session:
            try:
                row = await service.find_by_tracking_code(session, tracking_code)
            except DomainNotFound:
                return None
            reporter = bool(citizen_secret) and codes.secret_matches(
                row.tracking_code, citizen_secret, state.secret_key)
            return Submission(view=(await public_views(session, [row], reporter=reporter))[0])


    @strawberry.field(description="Open submissions nearly the same as a text not sent yet (to support instead).")
    async def similar_submissions(self, info: Info, text: str) -> list[PossibleDuplicate]:
        async with info.context.state.reading() as session:
            found = await service.similar_open_submissions(session, text, router=info.context.router)
            views = await public_views(session, [d.submission for d in found])
        return [PossibleDuplicate(similarity=d.similarity, submission=Submission(view=view))
                for d, view in zip(found, views)]


def key_reused(error: IdempotencyKeyReused) -> Conflict:
    return Conflict(code=error.code, message=error.message_id, message_en=error.message_en)


@strawberry.type
class SubmissionMutation:
    @strawberry.mutation(description="File a complaint, aspiration or information request.")
    async def submit(self, info: Info, input: SubmitInput) -> SubmitResult:
        state = info.context.state
        try:  # counted on its own connection before anything else, so a flood costs one upsert each
            await state.limits.hit(state.limits.submit, client_network(info.context.request))
        except DomainRateLimited as error:
            return RateLimited.from_domain(error)
        draft = input.to_draft()
        stored = []
        if input.photos:  # checked and re-encoded before the filing transaction; a refusal stores nothing
            try:
                cleaned = await clean_uploads(state, input.photos, "photos")
            except ValidationFailed as error:
                return ValidationError.from_problems(error.problems)
            draft.photo_digests = tuple(photo.source_digest for photo in cleaned)
            stored = await state.photos.store(cleaned)
        directory = await state.directory()  # before the transaction: a refresh must not hold two connections
        unused = stored  # files no committed row names: refused, crashed, a retry of a filing that has its photos
        try:
            async with state.transaction() as session:
                receipt = await service.submit(
                    session, draft, router=state.router, secret_key=state.secret_key, directory=directory,
                )
                added = [] if receipt.replayed else await media.attach(
                    session, receipt.submission, stored, added_by=f"citizen:{draft.channel}")
            unused = media.not_kept(stored, added)  # the same file sent twice is kept once
        except ValidationFailed as error:
            return ValidationError.from_problems(error.problems)
        except IdempotencyKeyReused as error:
            return key_reused(error)
        finally:
            if unused:
                await state.photos.discard(unused)
        submission = receipt.submission
        return SubmissionReceipt(
            tracking_code=codes.format_tracking_code(submission.tracking_code),
            citizen_secret=receipt.citizen_secret,
            replayed=receipt.replayed,
            filed=receipt,
            routing=await routing_outcome(info, submission.status, receipt.routing),
        )

    @strawberry.mutation(description="Add your support to an open submission instead of filing a duplicate.")
    async def support(
        self, info: Info, tracking_code: str, channel: SubmissionChannel = Channel.API,
        idempotency_key: str | None = None,
    ) -> SupportResult:
        try:
            async with info.context.state.transaction() as session:
                row = await service.support(
                    session, tracking_code, channel=channel.value, idempotency_key=idempotency_key
                )
        except ValidationFailed as error:
            return ValidationError.from_problems(error.problems)
        except IdempotencyKeyReused as error:
            return key_reused(error)
        except DomainNotFound as error:
            return NotFound.from_domain(error)
        except service.CannotSupport as error:
            return NotAllowed(code="not_supportable", message=error.message_id, message_en=error.message_en)
        async with info.context.state.reading() as session:
            view = (await public_views(session, [row]))[0]
        return SupportReceipt(submission=Submission(view=view))
