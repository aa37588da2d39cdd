"""What a running Suara holds for its whole life: settings, database, the routing model."""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies import service as agency_service
from suara.agencies.models import Agency, Category
from suara.config import Settings
from suara.db.engine import SessionFactory, transaction
from suara.db.listen import Listener
from suara.media.service import Photos, photos_from_settings
from suara.ratelimits.service import RateLimits
from suara.routing.router import Router


def load_or_create_secret_key(settings: Settings) -> bytes:
    """The server key for derived secrets: SUARA_SECRET_KEY, else a file made once under SUARA_HOME.

    Several processes may start at once on one SUARA_HOME: the file appears whole or not at all (a
    hard link of a finished temporary file), and a process that loses the race reads the winner's key."""
    if settings.suara_secret_key:
        return settings.suara_secret_key.encode()
    path: Path = settings.resolved_home() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, draft = tempfile.mkstemp(prefix=".secret_key-", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(handle, "w") as file:
                file.write(secrets.token_hex(32))
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            os.unlink(draft)
    return path.read_text().strip().encode()


DIRECTORY_TTL_SECONDS = 30.0
"""How long a running server may show an agency or category mapping after an administrator changed it."""


@dataclass(frozen=True)
class DirectorySnapshot:
    agencies: dict[int, Agency]
    categories: dict[str, Category]
    loaded_at: float


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    router: Router
    secret_key: bytes
    read_sessions: SessionFactory | None = None
    """Sessions on the streaming replica (DATABASE_READ_URL) for public reads; None: the primary."""
    read_engine: AsyncEngine | None = field(default=None, repr=False)
    live: Listener | None = field(default=None, repr=False)
    """This process's LISTEN connection for live inbox sockets, while the app runs."""
    _directory: DirectorySnapshot | None = field(default=None, init=False, repr=False)
    _limits: RateLimits | None = field(default=None, init=False, repr=False)
    _photos: Photos | None = field(default=None, init=False, repr=False)

    @property
    def limits(self) -> RateLimits:
        """The per-client rate limits from the settings, counted in this server's database."""
        if self._limits is None:
            self._limits = RateLimits(self.engine, self.secret_key, self.settings)
        return self._limits

    @property
    def photos(self) -> Photos:
        """Photo files under $SUARA_HOME/media, decoded a few at a time in worker threads."""
        if self._photos is None:
            self._photos = photos_from_settings(self.settings)
        return self._photos

    async def directory(self) -> DirectorySnapshot:
        """Agencies and categories, read at most every 30 s: every response shows them, they rarely change."""
        snapshot = self._directory
        if snapshot is None or time.monotonic() - snapshot.loaded_at > DIRECTORY_TTL_SECONDS:
            async with self.reading() as session:
                agencies = {a.id: a for a in await agency_service.list_agencies(session)}
                categories = {c.slug: c for c in await agency_service.list_categories(session)}
            snapshot = self._directory = DirectorySnapshot(agencies, categories, time.monotonic())
        return snapshot

    def forget_directory(self) -> None:
        """After an agency or mapping change: this process reads the directory afresh (others within the TTL)."""
        self._directory = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with transaction(self.sessions) as session:
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read on the primary: what this process just wrote is there (a citizen's own lookups, staff)."""
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def public_reading(self) -> AsyncIterator[AsyncSession]:
        """A read of public figures and lists, which may lag the primary by the replica's delay: on
        the replica when DATABASE_READ_URL is set, else on the primary."""
        async with (self.read_sessions or self.sessions)() as session:
            yield session
