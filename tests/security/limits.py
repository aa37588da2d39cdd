"""Helpers for the rate-limit attacks: an app with limits ON, reached from a chosen network address."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager

import httpx

from suara.app import create_app
from suara.db.engine import make_session_factory
from suara.state import AppState
from tests.conftest import TEST_SECRET_KEY, test_settings


def limited_state(engine, database_url: str, router, **settings) -> AppState:
    """The test app's state with rate limits on (the suite's default is off)."""
    return AppState(
        settings=test_settings(database_url, suara_rate_limits=True, **settings),
        engine=engine, sessions=make_session_factory(engine), router=router, secret_key=TEST_SECRET_KEY,
    )


def fresh_address() -> str:
    """An IPv4 address no other test uses in this run (limits are counted in the shared database)."""
    value = uuid.uuid4().int
    return f"10.{value % 250 + 1}.{(value >> 8) % 250 + 1}.{(value >> 16) % 250 + 1}"


@asynccontextmanager
async def client_from(state: AppState, address: str):
    """An HTTP client whose requests reach the app from ``address`` (the socket peer)."""
    transport = httpx.ASGITransport(app=create_app(state.settings, state=state), client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://suara.test") as http:
        yield http
