"""/health/live answers while the process runs; /health/ready only when the database answers and its
migrations are at this code's head."""

from __future__ import annotations

import os

from suara.db.engine import make_engine, make_session_factory
from suara.state import AppState
from tests.conftest import asgi_client, create_database


async def test_live_and_ready_answer_200_on_a_migrated_database(client):
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["migration"]["current"] == ready.json()["migration"]["head"]


async def state_on(app_state: AppState, url: str) -> AppState:
    engine = make_engine(url, pool_size=1)
    return AppState(settings=app_state.settings, engine=engine, sessions=make_session_factory(engine),
                    router=app_state.router, secret_key=app_state.secret_key)


async def test_ready_is_503_before_the_migrations_and_without_a_database(app_state):
    unmigrated = await state_on(app_state, await create_database(f"suara_test_unmigrated_{os.getpid()}"))
    unreachable = await state_on(app_state, "postgresql+asyncpg://postgres@:5432/suara?host=/nonexistent-socket-dir")
    try:
        for state, status in ((unmigrated, "migrations_pending"), (unreachable, "unavailable")):
            async with asgi_client(state) as client:
                ready = await client.get("/health/ready")
                assert ready.status_code == 503, ready.text
                assert ready.json()["status"] == status
                assert (await client.get("/health/live")).status_code == 200
    finally:
        await unmigrated.engine.dispose()
        await unreachable.engine.dispose()
