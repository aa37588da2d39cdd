"""A database made ready for Suara: the latest migration, the agency directory and the services catalogue.

Above every domain package (it loads the seed data of several), for the CLI, the tests and the benchmarks.
"""

from __future__ import annotations

from suara.agencies.service import load_directory
from suara.db import migrate
from suara.db.engine import make_engine, make_session_factory, transaction
from suara.services.catalogue import load_catalogue


async def migrate_and_seed(url: str) -> None:
    """Bring a database to the latest migration and load the agency directory and services catalogue."""
    engine = make_engine(url, pool_size=1)
    try:
        await migrate.upgrade(engine)
        async with transaction(make_session_factory(engine)) as session:
            await load_directory(session)
            await load_catalogue(session)
    finally:
        await engine.dispose()
