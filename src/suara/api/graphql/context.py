"""Per-request context: the app state, who is asking, and request-scoped DataLoaders."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

import strawberry
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from strawberry.dataloader import DataLoader

from suara.agencies.models import Agency, Category
from suara.common.errors import NotAllowed
from suara.dialogue import consultations, polls, proposals
from suara.dialogue.common import Page
from suara.media.models import SubmissionPhoto
from suara.media.service import photos_of, public_photos_of
from suara.routing.offload import SharedDecisions
from suara.services.catalogue import ComplaintStats, complaint_stats_by_service
from suara.state import AppState
from suara.submissions.models import SubmissionEvent
from suara.triage import auth
from suara.triage.admin import service_level_changes
from suara.triage.models import ServiceLevelChange

SESSION_COOKIE = "suara_session"
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def batched(state: AppState, fetch: Callable[[AsyncSession, list[K]], Awaitable[dict[K, V]]],
            missing: Callable[[], V]) -> DataLoader[K, V]:
    """A loader whose batch reads in a session of its own (never one another coroutine uses)."""
    async def load(keys: list[K]) -> list[V]:
        async with state.reading() as session:
            found = await fetch(session, list(dict.fromkeys(keys)))
        return [found[key] if key in found else missing() for key in keys]
    return DataLoader(load_fn=load)


class DialogueLoaders:
    """The dialogue's request-scoped loaders: one query per batch of parents, not a session per parent."""

    def __init__(self, state: AppState) -> None:
        self.sections = batched(state, consultations.sections_of, list)
        self.evidence = batched(state, consultations.evidence_of, list)
        self.consultation_polls = batched(state, polls.polls_of_consultations, list)
        self.comment_pages = batched(state, _comment_pages, lambda: Page([], 0, False))
        self.polls = batched(state, polls.details_of, lambda: polls.PollDetails([], {}))
        """Options and tallies together: a poll shown with its results costs one session."""
        self.support_counts = batched(state, proposals.support_counts, int)
        self.tracking_codes = batched(state, proposals.tracking_codes_of, lambda: None)


async def _comment_pages(session: AsyncSession, requests: list[consultations.CommentPageRequest]
                         ) -> dict[consultations.CommentPageRequest, Page]:
    return dict(zip(requests, await consultations.comment_pages(session, requests), strict=True))
CSRF_HEADER = "x-csrf-token"


@dataclass
class Context:
    state: AppState
    request: Request | None
    response: Response | None = None
    connection_params: dict[str, object] | None = None
    """A socket's connection_init payload (Strawberry sets it): integrations put their token there."""
    agency_loader: DataLoader[int, Agency | None] = field(init=False)
    category_loader: DataLoader[str, Category | None] = field(init=False)
    events_loader: DataLoader[int, list[SubmissionEvent]] = field(init=False)
    service_stats_loader: DataLoader[str, ComplaintStats] = field(init=False)
    service_level_changes_loader: DataLoader[int, list[ServiceLevelChange]] = field(init=False)
    router: SharedDecisions = field(init=False)
    """The app's router for this request: one classifier run per text, off the event loop."""
    _dialogue: DialogueLoaders | None = field(init=False, default=None)
    _photo_loaders: tuple[DataLoader[int, list[SubmissionPhoto]], ...] | None = field(init=False, default=None)
    _actor: auth.Actor | None = field(init=False, default=None)
    _actor_resolved: bool = field(init=False, default=False)
    _actor_lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)
    """Sibling fields resolve concurrently: the second must wait for the first's lookup, not see None."""

    def __post_init__(self) -> None:
        self.agency_loader = DataLoader(load_fn=self._load_agencies)
        self.category_loader = DataLoader(load_fn=self._load_categories)
        self.events_loader = DataLoader(load_fn=self._load_events)
        self.service_stats_loader = DataLoader(load_fn=self._load_service_stats)
        self.service_level_changes_loader = DataLoader(load_fn=self._load_service_level_changes)
        self.router = SharedDecisions(self.state.router)

    async def _load_agencies(self, ids: list[int]) -> list[Agency | None]:
        directory = await self.state.directory()
        return [directory.agencies.get(agency_id) for agency_id in ids]

    async def _load_categories(self, slugs: list[str]) -> list[Category | None]:
        directory = await self.state.directory()
        return [directory.categories.get(slug) for slug in slugs]

    async def _load_events(self, submission_ids: list[int]) -> list[list[SubmissionEvent]]:
        async with self.state.reading() as session:
            rows = await session.exec(
                select(SubmissionEvent)
                .where(SubmissionEvent.submission_id.in_(submission_ids))
                .order_by(SubmissionEvent.id)
            )
            grouped: dict[int, list[SubmissionEvent]] = defaultdict(list)
            for row in rows:
                grouped[row.submission_id].append(row)
        return [grouped.get(submission_id, []) for submission_id in submission_ids]

    async def _load_service_stats(self, slugs: list[str]) -> list[ComplaintStats]:
        """Complaint stats of every service on a page in one query."""
        async with self.state.reading() as session:
            stats = await complaint_stats_by_service(session, slugs)
        return [stats.get(slug, ComplaintStats()) for slug in slugs]

    async def _load_service_level_changes(self, agency_ids: list[int]) -> list[list[ServiceLevelChange]]:
        async with self.state.reading() as session:
            grouped = await service_level_changes(session, agency_ids)
        return [grouped[agency_id] for agency_id in agency_ids]

    @property
    def dialogue(self) -> DialogueLoaders:
        """Built on first use: most requests never touch the dialogue."""
        if self._dialogue is None:
            self._dialogue = DialogueLoaders(self.state)
        return self._dialogue

    def _photos(self) -> tuple[DataLoader[int, list[SubmissionPhoto]], ...]:
        if self._photo_loaders is None:
            self._photo_loaders = (batched(self.state, public_photos_of, list), batched(self.state, photos_of, list))
        return self._photo_loaders

    @property
    def public_photos_loader(self) -> DataLoader[int, list[SubmissionPhoto]]:
        """Approved photos of non-confidential items, a page of items in one query."""
        return self._photos()[0]

    @property
    def staff_photos_loader(self) -> DataLoader[int, list[SubmissionPhoto]]:
        """Every photo of items the caller was allowed to load."""
        return self._photos()[1]

    @property
    def session_token(self) -> str | None:
        return self.request.cookies.get(SESSION_COOKIE) if self.request else None

    @property
    def bearer_token(self) -> str | None:
        if self.request is None:
            return None
        given = (self.connection_params or {}).get("authorization")
        header = given if isinstance(given, str) else self.request.headers.get("authorization", "")
        return header[7:].strip() if header.lower().startswith("bearer ") else None

    async def signed_in(self) -> auth.Actor | None:
        """The signed-in staff member (cookie) or integration (bearer token), once per request,
        also while a one-time password is still to be changed (only `me` and `changePassword` ask)."""
        async with self._actor_lock:
            if not self._actor_resolved:
                async with self.state.transaction() as session:
                    if self.bearer_token:
                        self._actor = await auth.actor_for_api_token(session, self.bearer_token)
                    elif self.session_token:
                        self._actor = await auth.actor_for_session(session, self.session_token)
                self._actor_resolved = True
        return self._actor

    async def actor(self) -> auth.Actor | None:
        """Who may act: nobody while the account's one-time password is unchanged."""
        actor = await self.signed_in()
        return None if actor is not None and actor.must_change_password else actor

    async def staff(self, *, mutation: bool = False, password_change: bool = False) -> auth.Actor:
        """The staff actor, or NotAllowed. Cookie-authenticated mutations must carry the CSRF token;
        an account with a one-time password may only change it (``password_change``)."""
        actor = await self.signed_in()
        if actor is None:
            raise NotAllowed("sign_in_required", "Silakan masuk sebagai petugas.", "Sign in as staff first.")
        if actor.must_change_password and not password_change:
            raise NotAllowed("password_change_required", "Ganti kata sandi sekali pakai Anda terlebih dahulu.",
                             "Change your one-time password first.")
        if mutation and not self.bearer_token:
            given = self.request.headers.get(CSRF_HEADER) if self.request else None
            if not auth.csrf_matches(self.session_token or "", given, self.state.secret_key):
                raise NotAllowed("csrf_failed", "Token CSRF tidak valid. Muat ulang halaman.",
                                 "Missing or wrong CSRF token. Reload the page.")
        return actor


Info = strawberry.Info[Context, None]
