"""Test fixtures on a real PostgreSQL: the embedded server (or DATABASE_URL), real migrations.

One database per test session, built by ``alembic upgrade head`` and seeded with the agency
directory. ``db_session`` wraps a test in a transaction that is rolled back; API tests commit
through the app like production does and assert only on their own rows.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.app import create_app
from suara.common.actors import Actor
from suara.config import Settings
from suara.db.admin import recreate_database
from suara.db.embedded import start_embedded_server
from suara.db.engine import asyncpg_url, make_engine, make_session_factory, transaction
from suara.provision import migrate_and_seed
from suara.routing.router import NoRouter, Router
from suara.state import AppState
from tests.factories import default_agency_slug, make_staff

REPO = Path(__file__).resolve().parents[1]
TEST_SECRET_KEY = b"test-secret-key-for-derived-citizen-secrets"


def server_url() -> str:
    """A URL to the maintenance database of the server the tests use."""
    if os.environ.get("DATABASE_URL"):
        return asyncpg_url(os.environ["DATABASE_URL"])
    home = Path(os.environ.get("SUARA_TEST_HOME", REPO / ".suara" / "test"))
    return start_embedded_server(home, database="postgres")


async def create_database(name: str) -> str:
    """Drop and create database ``name`` on the test server; return its URL."""
    return await recreate_database(server_url(), name)


@pytest.fixture(scope="session")
async def database_url() -> str:
    url = await create_database(f"suara_test_{os.getpid()}")
    await migrate_and_seed(url)
    return url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url, pool_size=20)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session whose every change is rolled back after the test (commits become savepoints)."""
    async with engine.connect() as connection:
        outer = await connection.begin()
        factory = async_sessionmaker(
            bind=connection, class_=AsyncSession, expire_on_commit=False,
            join_transaction_mode="create_savepoint",
        )
        async with factory() as session:
            yield session
        await outer.rollback()


@pytest.fixture
def router() -> Router:
    return NoRouter()


@pytest.fixture
def app_state(engine: AsyncEngine, database_url: str, router: Router) -> AppState:
    return AppState(
        settings=test_settings(database_url),
        engine=engine,
        sessions=make_session_factory(engine),
        router=router,
        secret_key=TEST_SECRET_KEY,
    )


def test_settings(database_url: str, **overrides) -> Settings:
    """Rate limits are off: the whole suite files from 127.0.0.1; tests/security turns them on."""
    return Settings(database_url=database_url, suara_secret_key=TEST_SECRET_KEY.decode(),
                    **{"suara_rate_limits": False, **overrides})


@pytest.fixture
async def client(app_state: AppState) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(app_state.settings, state=app_state)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://suara.test") as client:
        yield client


class GraphQLClient:
    """Posts GraphQL documents and returns the raw JSON, so tests can scan the exact response."""

    def __init__(self, http: httpx.AsyncClient):
        self.http = http

    async def raw(self, query: str, variables: dict | None = None) -> httpx.Response:
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}})

    async def __call__(self, query: str, variables: dict | None = None) -> dict:
        response = await self.raw(query, variables)
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client)


@dataclass
class Cast:
    """Two agencies with an officer each, and a triage admin."""

    agency_a: str
    agency_b: str
    officer_a: Actor
    officer_b: Actor
    triage_admin: Actor


@pytest.fixture(scope="session")
async def cast(engine) -> Cast:
    """Committed once per test session: hashing passwords with argon2 is slow on purpose."""
    async with transaction(make_session_factory(engine)) as session:
        agency_a = await default_agency_slug(session, "infrastruktur")
        agency_b = await default_agency_slug(session, "permades_dan_kependudukan")
        _, officer_a = await make_staff(session, agency_a)
        _, officer_b = await make_staff(session, agency_b)
        _, triage_admin = await make_staff(session, "pemprov-jateng", role="triage_admin")
    return Cast(agency_a, agency_b, officer_a, officer_b, triage_admin)
