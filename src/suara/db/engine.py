"""Engine and session factory. The caller owns the transaction: domain code flushes, never commits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.config import Settings
from suara.db.embedded import start_embedded_server

SessionFactory = async_sessionmaker[AsyncSession]


def asyncpg_url(url: str) -> str:
    """Accept the usual ``postgresql://`` spelling and use the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, got {url.split(':', 1)[0]}://…")


def resolve_database_url(settings: Settings) -> str:
    """DATABASE_URL when set; otherwise start (or join) the embedded server under SUARA_HOME."""
    if settings.database_url:
        return asyncpg_url(settings.database_url)
    return start_embedded_server(settings.resolved_home())


def make_engine(url: str, *, pool_size: int = 20) -> AsyncEngine:
    """Up to twice ``pool_size`` connections, all kept open once opened, none as overflow: an overflow
    connection is opened for one unit of work and closed after it, so under a burst every unit of work
    paid a connection's start-up, its statements' preparation and type introspection again. Work beyond
    the pool waits for a connection (a queue in front of a database that has only so many cores)."""
    return create_async_engine(
        url,
        pool_size=2 * pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        hide_parameters=True,  # a failed statement's values (names, phones) never reach a log
        connect_args={"server_settings": {"application_name": "suara", "timezone": "UTC"}},
    )


def make_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit when the block ends normally, roll back when it raises."""
    async with factory() as session, session.begin():
        yield session


_DRIVER_SQL: dict[tuple[int, str], tuple[str, tuple[str, ...]]] = {}


def driver_sql(statement, dialect) -> tuple[str, tuple[str, ...]]:
    """A fixed ``text()`` statement compiled once for the driver, with the order of its parameters.

    For the busiest statement (a filing), given to the driver as it is with
    ``exec_driver_sql``: compiling, binding parameters through their SQL types and building result
    metadata each time cost more than the round trip. The values must already be the driver's types."""
    key = (id(statement), dialect.name)
    compiled = _DRIVER_SQL.get(key)
    if compiled is None:
        form = statement.compile(dialect=dialect)
        compiled = _DRIVER_SQL[key] = (str(form), tuple(form.positiontup))
    return compiled
