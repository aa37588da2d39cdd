"""DATABASE_READ_URL on a real streaming replica (pg_basebackup -R of an embedded primary): public
reads are served by the replica, a citizen's own tracking lookup by the primary, so replica lag
never hides a fresh receipt."""

from __future__ import annotations

import warnings

import pytest
from sqlalchemy import text

from suara.db.embedded import data_folder, start_embedded_server
from suara.db.engine import make_engine, make_session_factory
from suara.provision import migrate_and_seed
from suara.routing.router import RoutingDecision
from suara.state import AppState
from tests.conftest import TEST_SECRET_KEY, GraphQLClient, asgi_client
from tests.conftest import test_settings as settings_for
from tests.factories import SUBMIT, TRACK, submit_input
from tests.replica import set_replay_paused, start_replica, wait_for_replay
from tests.servers import forget_embedded_data

FIGURES = "{ transparency(period: ALL, groupBy: TOTAL) { received routedAutomatically } }"


class SureRouter:
    """Routes every text to infrastruktur, sure of it: each submission moves the public figures."""

    def decide(self, text: str) -> RoutingDecision:
        return RoutingDecision(category="infrastruktur", confidence=0.97, model_version="test-replica",
                               suggestions=[{"category": "infrastruktur", "confidence": 0.97}], automatic=True)

    def suggest(self, text: str, k: int = 3) -> list[dict]:
        return []


@pytest.fixture(scope="module")
async def primary_and_replica(tmp_path_factory):
    home = tmp_path_factory.mktemp("replica-primary")
    primary_url = start_embedded_server(home)
    replica = None
    try:
        await migrate_and_seed(primary_url)
        replica = start_replica(primary_url)
        await wait_for_replay(primary_url, replica.url)
        yield primary_url, replica.url
    finally:
        if replica is not None:
            replica.stop()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver
        pgserver.get_server(data_folder(home)).cleanup()  # this process's handle was the last: the primary stops
        forget_embedded_data(home)


@pytest.fixture
async def state(primary_and_replica):
    primary_url, replica_url = primary_and_replica
    primary, replica = make_engine(primary_url, pool_size=4), make_engine(replica_url, pool_size=4)
    yield AppState(settings=settings_for(primary_url, database_read_url=replica_url), engine=primary,
                   sessions=make_session_factory(primary), read_engine=replica,
                   read_sessions=make_session_factory(replica), router=SureRouter(), secret_key=TEST_SECRET_KEY)
    await primary.dispose()
    await replica.dispose()


async def test_public_reads_use_the_replica_and_a_citizens_reads_the_primary(state: AppState):
    async with state.public_reading() as session:
        assert (await session.exec(text("SELECT pg_is_in_recovery()"))).one()[0] is True
    async with state.reading() as session:
        assert (await session.exec(text("SELECT pg_is_in_recovery()"))).one()[0] is False


async def test_with_replay_paused_a_fresh_receipt_is_tracked_at_once_and_public_figures_follow_the_replica(
        state: AppState, primary_and_replica):
    primary_url, replica_url = primary_and_replica
    async with asgi_client(state) as http:
        gql = GraphQLClient(http)
        before = (await gql(FIGURES))["transparency"]
        await set_replay_paused(replica_url, True)
        try:
            receipt = (await gql(SUBMIT, {"input": submit_input()}))["submit"]
            code = receipt["trackingCode"]
            tracked = (await gql(TRACK, {"code": code}))["submission"]
            assert tracked is not None and tracked["status"] == "routed", "the citizen's lookup reads the primary"
            assert len(tracked["events"]) >= 2, "filed and routed, read on the primary too"
            assert (await gql(FIGURES))["transparency"] == before, "public figures come from the paused replica"
            listed = await http.get("/open311/v2/requests.json", params={"service_request_id": code})
            assert listed.json() == [], "an Open311 list is a public read"
        finally:
            await set_replay_paused(replica_url, False)
        await wait_for_replay(primary_url, replica_url)
        after = (await gql(FIGURES))["transparency"]
        assert after[0]["received"] == (before[0]["received"] if before else 0) + 1
        listed = await http.get("/open311/v2/requests.json", params={"service_request_id": code})
        assert [item["service_request_id"] for item in listed.json()] == [code.replace("-", "")]
