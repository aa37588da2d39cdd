"""The test fixtures themselves: the app's sessions share the test's connection, one at a time, and roll back."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text

from suara.agencies.models import Agency
from suara.db.engine import transaction
from tests.shared_connection import SessionGate, SessionGateDeadlock, shared_session_factory


async def test_what_the_app_commits_is_seen_by_the_test_and_by_no_other_connection(app_state, database, engine):
    slug = f"dinas-{uuid.uuid4().hex[:8]}"
    async with app_state.transaction() as session:
        session.add(Agency(slug=slug, name="Dinas Uji Rollback", short_name="Uji"))
    query = text("SELECT count(*) FROM agencies WHERE slug = :slug")
    async with database.connect() as connection:
        assert (await connection.execute(query, {"slug": slug})).scalar_one() == 1
    async with engine.connect() as other:
        assert (await other.execute(query, {"slug": slug})).scalar_one() == 0


async def test_sessions_of_two_tasks_take_turns_and_a_nested_one_does_not_wait(connection):
    sessions = shared_session_factory(connection, SessionGate(timeout=5))
    steps: list[str] = []

    async def work(name: str) -> None:
        async with transaction(sessions) as session:
            steps.append(f"{name} in")
            await session.exec(text("SELECT 1"))
            await asyncio.sleep(0.01)
            async with sessions() as nested:  # the same task: nests in a savepoint of its own
                await nested.exec(text("SELECT 1"))
            steps.append(f"{name} out")

    await asyncio.gather(work("a"), work("b"))
    assert steps in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


async def test_a_session_waiting_on_one_held_by_a_task_it_did_not_start_fails_clearly(connection):
    sessions = shared_session_factory(connection, SessionGate(timeout=0.2))
    release = asyncio.Event()

    async def holder() -> None:
        async with sessions():
            await release.wait()

    held = asyncio.create_task(holder())
    await asyncio.sleep(0.01)
    with pytest.raises(SessionGateDeadlock, match="deadlock"):
        async with sessions():
            pass
    release.set()
    await held
