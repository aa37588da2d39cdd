"""What a running Suara holds for its whole life: settings, database, the routing model."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.config import Settings
from suara.db.engine import SessionFactory, transaction
from suara.routing.router import Router


def load_or_create_secret_key(settings: Settings) -> bytes:
    """The server key for derived secrets: SUARA_SECRET_KEY, else a file made once under SUARA_HOME."""
    if settings.suara_secret_key:
        return settings.suara_secret_key.encode()
    path: Path = settings.resolved_home() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    router: Router
    secret_key: bytes

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with transaction(self.sessions) as session:
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session
