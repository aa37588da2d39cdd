"""Helpers for the rate-limit attacks: an app with limits ON, reached from a chosen network address."""

from __future__ import annotations

import dataclasses
import uuid
from contextlib import asynccontextmanager

import httpx

from suara.app import create_app
from suara.state import AppState
from tests.conftest import test_settings


def limited_state(state: AppState, **settings) -> AppState:
    """``state`` (the test app's) with rate limits on (the suite's default is off). The limits count in
    their own connections, so they commit even when the app's sessions roll back."""
    return dataclasses.replace(
        state, settings=test_settings(state.settings.database_url, suara_rate_limits=True, **settings))


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
