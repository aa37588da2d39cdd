"""The real migrations go up, down and up again on an empty database."""

from __future__ import annotations

from sqlalchemy import inspect

from suara.db import migrate
from suara.db.engine import make_engine
from tests.conftest import create_database


async def table_names(engine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_migrations_upgrade_downgrade_upgrade():
    engine = make_engine(await create_database("suara_test_migrations"), pool_size=1)
    try:
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
        assert {"submissions", "submission_events", "reporter_contacts"} <= await table_names(engine)

        await migrate.downgrade(engine, "base")
        assert await migrate.current_revision(engine) is None
        assert await table_names(engine) <= {"alembic_version"}

        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
    finally:
        await engine.dispose()
