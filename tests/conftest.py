"""Test fixtures on a real PostgreSQL: the embedded server (or DATABASE_URL), real migrations.

One database per test session, built by ``alembic upgrade head`` and seeded with the agency
directory. Every test runs on one connection (``connection``) inside a transaction that is rolled
back: ``db_session`` and the app's sessions (``app_state``, ``client``, ``gql``) are savepoints on it,
so no test sees another test's rows. Tests that need real commits (concurrent transactions, LISTEN/
NOTIFY, other processes) ask for ``committing_app_state`` / ``committing_client`` / ``committing_gql``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker
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
from tests.shared_connection import SessionGate, SharedDatabase, shared_session_factory

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
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """The test's one connection, in an outer transaction rolled back after the test."""
    async with engine.connect() as connection:
        outer = await connection.begin()
        yield connection
        if outer.is_active:
            await outer.rollback()


@pytest.fixture
def session_gate() -> SessionGate:
    """Lets one app session at a time use the test's connection."""
    return SessionGate()


@pytest.fixture
async def db_session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """The test's own session on its connection (commits become savepoints): it sees what the app wrote.
    It does not take the gate: use it between requests, not while one runs."""
    factory = async_sessionmaker(
        bind=connection, class_=AsyncSession, expire_on_commit=False,
        join_transaction_mode="create_savepoint",
    )
    async with factory() as session:
        yield session


@pytest.fixture
def router() -> Router:
    return NoRouter()


@pytest.fixture
def app_state(engine: AsyncEngine, connection: AsyncConnection, session_gate: SessionGate, database_url: str,
              router: Router) -> AppState:
    """The app's state with sessions on the test's connection: what the app writes is rolled back.
    Rate limits and LISTEN use connections of their own (``engine``)."""
    return AppState(
        settings=test_settings(database_url),
        engine=engine,
        sessions=shared_session_factory(connection, session_gate),
        router=router,
        secret_key=TEST_SECRET_KEY,
    )


@pytest.fixture
def sessions(app_state: AppState) -> async_sessionmaker:
    """The test's own sessions, like the app's: savepoints on the test's connection, one at a time."""
    return app_state.sessions


@pytest.fixture
def database(connection: AsyncConnection, session_gate: SessionGate) -> SharedDatabase:
    """``database.connect()`` reads (and writes) on the test's connection, where the app's rows are."""
    return SharedDatabase(connection, session_gate)


@pytest.fixture
def committing_app_state(engine: AsyncEngine, database_url: str, router: Router) -> AppState:
    """The app's state on the real pool: every request commits, for tests that need concurrent
    transactions, LISTEN/NOTIFY or other processes. Assert only on the test's own rows."""
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


@asynccontextmanager
async def asgi_client(state: AppState) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(state.settings, state=state)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://suara.test") as client:
        yield client


@pytest.fixture
async def client(app_state: AppState) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app_state) as client:
        yield client


@pytest.fixture
async def committing_client(committing_app_state: AppState) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(committing_app_state) as client:
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


@pytest.fixture
def committing_gql(committing_client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(committing_client)


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
