"""People of the dialogue tests: a citizen and two officers of different agencies, over GraphQL."""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
import pytest

from suara.app import create_app
from suara.db.columns import utcnow
from suara.db.engine import transaction
from suara.dialogue.identity import TOKEN_LIFETIME, voter_hash, voter_token
from suara.triage import auth
from tests.conftest import TEST_SECRET_KEY


class Person:
    def __init__(self, client: httpx.AsyncClient, headers: dict | None = None):
        self.client, self.headers = client, headers or {}

    async def __call__(self, query: str, **variables) -> dict:
        response = await self.client.post("/graphql", json={"query": query, "variables": variables},
                                          headers=self.headers)
        body = response.json()
        assert "errors" not in body, body
        return next(iter(body["data"].values()))


@asynccontextmanager
async def people_of(state, cast):
    app = create_app(state.settings, state=state)
    async with transaction(state.sessions) as session:
        _, token_a = await auth.create_api_token(session, cast.officer_a.staff_id, "dialogue")
        _, token_b = await auth.create_api_token(session, cast.officer_b.staff_id, "dialogue")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://suara.test") as client:
        yield (Person(client), Person(client, {"Authorization": f"Bearer {token_a}"}),
               Person(client, {"Authorization": f"Bearer {token_b}"}))


@pytest.fixture
async def people(app_state, cast):
    async with people_of(app_state, cast) as people:
        yield people


@pytest.fixture
async def committing_people(committing_app_state, cast):
    """The same people on the committing app, for races between requests."""
    async with people_of(committing_app_state, cast) as people:
        yield people


def token_for(i: int) -> str:
    return voter_token(TEST_SECRET_KEY, voter_hash(TEST_SECRET_KEY, f"0815{i:08d}"), utcnow() + TOKEN_LIFETIME)
