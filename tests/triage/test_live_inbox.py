"""The live inbox: `inboxChanged` over graphql-transport-ws, fed by PostgreSQL LISTEN/NOTIFY.

The app runs under a real uvicorn in this process (and, for the multi-process case, a second
`suara serve` on the same database); the client is a plain WebSocket speaking the protocol.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import uvicorn
from sqlalchemy import text, update
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from suara.api.graphql.triage import node_id
from suara.app import create_app
from suara.db.columns import utcnow
from suara.db.engine import make_session_factory, transaction
from suara.routing.router import NoRouter
from suara.submissions.service import submit
from suara.triage import accounts, auth, service
from suara.triage.models import Staff, StaffSession
from tests import servers
from tests.conftest import TEST_SECRET_KEY
from tests.factories import draft, make_item, make_staff

SUBSCRIBE = "subscription { inboxChanged { submissionId trackingCode change at } }"
PROTOCOL = "graphql-transport-ws"


@pytest.fixture
async def live_server(committing_app_state) -> AsyncIterator[str]:
    """The app on a real port in this process; returns host:port. It commits: changes reach the sockets
    by NOTIFY, which only a committed transaction sends."""
    port = servers.free_port()
    state = committing_app_state
    server = uvicorn.Server(uvicorn.Config(create_app(state.settings, state=state), host="127.0.0.1",
                                           port=port, log_level="warning", ws="websockets-sansio"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    await task


async def committed(engine, work):
    async with transaction(make_session_factory(engine)) as session:
        return await work(session)


async def token_for(engine, actor) -> str:
    return await committed(engine, lambda s: _token(s, actor.staff_id))


async def _token(session, staff_id: int) -> str:
    _, token = await auth.create_api_token(session, staff_id, "live inbox test")
    return token


async def open_socket(host: str, *, payload: dict | None = None, headers: dict | None = None,
                      origin: str | None = None) -> ClientConnection:
    socket = await connect(f"ws://{host}/graphql", subprotocols=[PROTOCOL], additional_headers=headers or {},
                           origin=origin, open_timeout=5)
    await socket.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    return socket


async def subscribed(host: str, **kwargs) -> ClientConnection:
    socket = await open_socket(host, **kwargs)
    assert json.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "connection_ack"
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
    await asyncio.sleep(0.3)  # the protocol has no "subscribed" message: let the server start listening
    return socket


async def next_change(socket: ClientConnection, timeout: float = 2.0) -> dict:
    message = json.loads(await asyncio.wait_for(socket.recv(), timeout))
    assert message["type"] == "next", message
    assert message["payload"].get("data"), message
    return message["payload"]["data"]["inboxChanged"]


async def route_new_item(engine, triage_admin, category: str):
    """An item from the triage queue routed to the category's agency, committed (so NOTIFY is sent)."""
    async def work(session):
        item = await make_item(session, agency_slug=None, status="in_triage")
        await service.route_submission(session, triage_admin, item.id, category)
        return item
    return await committed(engine, work)


async def closed_code(socket: ClientConnection, timeout: float) -> int:
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(socket.recv(), timeout)
    return socket.close_code


async def test_officer_receives_own_agency_items_within_two_seconds_and_never_others(live_server, engine, cast):
    socket = await subscribed(live_server, payload={"authorization": f"Bearer {await token_for(engine, cast.officer_a)}"})
    other = await route_new_item(engine, cast.triage_admin, "permades_dan_kependudukan")
    started = time.monotonic()
    own = await route_new_item(engine, cast.triage_admin, "infrastruktur")
    change = await next_change(socket)
    latency = time.monotonic() - started
    assert change["submissionId"] == node_id(own.id)
    assert change["trackingCode"] == own.tracking_code
    assert change["change"] == "ARRIVED"
    assert latency < 2.0
    assert node_id(other.id) != change["submissionId"]
    with pytest.raises(TimeoutError):  # the other agency's item never arrives
        await next_change(socket, timeout=0.5)
    await socket.close()


async def test_forwarded_item_leaves_one_inbox_and_arrives_in_the_other(live_server, engine, cast):
    socket_a = await subscribed(live_server, payload={"authorization": f"Bearer {await token_for(engine, cast.officer_a)}"})
    socket_b = await subscribed(live_server, payload={"authorization": f"Bearer {await token_for(engine, cast.officer_b)}"})
    item = await route_new_item(engine, cast.triage_admin, "infrastruktur")
    assert (await next_change(socket_a))["change"] == "ARRIVED"
    await committed(engine, lambda s: service.forward(s, cast.officer_a, item.id, cast.agency_b, "Bukan kewenangan kami"))
    assert (await next_change(socket_a))["change"] == "LEFT"
    arrived = await next_change(socket_b)
    assert (arrived["change"], arrived["submissionId"]) == ("ARRIVED", node_id(item.id))
    await socket_a.close()
    await socket_b.close()


async def test_unauthenticated_or_foreign_origin_sockets_are_refused(live_server):
    socket = await open_socket(live_server, payload={"authorization": "Bearer suara_not-a-token"})
    assert await closed_code(socket, 5) == 4403
    socket = await open_socket(live_server)
    assert await closed_code(socket, 5) == 4403
    with pytest.raises(Exception) as refused:  # another site cannot use the officer's cookie
        await connect(f"ws://{live_server}/graphql", subprotocols=[PROTOCOL], origin="https://evil.example",
                      additional_headers={"cookie": "suara_session=whatever"}, open_timeout=5)
    assert "403" in str(refused.value)


async def refusal(socket: ClientConnection, operation: str) -> str:
    """The error code of an operation refused before it ran (an `error` or an errors-only `next`)."""
    message = json.loads(await asyncio.wait_for(socket.recv(), 2))
    while message["type"] == "complete":  # of an earlier operation
        message = json.loads(await asyncio.wait_for(socket.recv(), 2))
    assert message["id"] == operation and message["type"] in ("error", "next"), message
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    return errors[0]["extensions"]["code"]


async def test_subscription_documents_get_the_text_checks(live_server, engine, cast):
    socket = await subscribed(live_server, payload={"authorization": f"Bearer {await token_for(engine, cast.officer_a)}"})
    await socket.send(json.dumps({"id": "2", "type": "subscribe", "payload": {
        "query": SUBSCRIBE, "variables": {"note": "a\u0000b"}}}))
    assert await refusal(socket, "2") == "invalid_text"
    await socket.send(json.dumps({"id": "3", "type": "subscribe", "payload": {"query": "{ __typename }"}}))
    assert await refusal(socket, "3") == "subscriptions_only"
    await socket.close()


async def test_a_disabled_accounts_socket_closes_at_once(live_server, engine, cast):
    staff, actor = await committed(engine, lambda s: make_staff(s, "pemprov-jateng"))
    socket = await subscribed(live_server, payload={"authorization": f"Bearer {await token_for(engine, actor)}"})

    await committed(engine, lambda s: accounts.disable(s, cast.triage_admin, staff.id))
    started = time.monotonic()
    assert await closed_code(socket, 3) == 4401
    assert time.monotonic() - started < 2.0


async def test_an_expired_sessions_socket_closes(live_server, engine, cast):
    async def short_session(session):
        token = await auth.start_session(session, await session.get(Staff, cast.officer_a.staff_id))
        await session.exec(update(StaffSession).where(StaffSession.token_hash == auth._digest(token))
                           .values(expires_at=utcnow() + timedelta(seconds=1.5)))
        return token

    token = await committed(engine, short_session)
    socket = await subscribed(live_server, headers={"cookie": f"suara_session={token}"})
    started = time.monotonic()
    assert await closed_code(socket, 4) == 4401
    assert 0.8 < time.monotonic() - started < 3.0


async def test_a_change_made_through_another_server_process_is_delivered(live_server, engine, cast, database_url,
                                                                         tmp_path):
    port = servers.free_port()
    process = servers.start_suara(port, servers.environment(
        DATABASE_URL=database_url, SUARA_HOME=str(tmp_path), SUARA_JOBS_INTERVAL_SECONDS="0"))
    try:
        await asyncio.to_thread(servers.wait_until_healthy, process, port)
        socket = await subscribed(f"127.0.0.1:{port}",
                                  payload={"authorization": f"Bearer {await token_for(engine, cast.officer_a)}"})
        item = await committed(engine, lambda s: make_item(s, agency_slug=None, status="in_triage"))
        admin_token = await token_for(engine, cast.triage_admin)
        async with httpx.AsyncClient(base_url=f"http://{live_server}") as http:  # through this process
            response = await http.post("/graphql", headers={"authorization": f"Bearer {admin_token}"}, json={
                "query": "mutation ($id: ID!) { routeSubmission(id: $id, category: \"infrastruktur\") { __typename } }",
                "variables": {"id": node_id(item.id)}})
        assert "errors" not in response.json(), response.json()
        change = await next_change(socket)
        assert (change["change"], change["trackingCode"]) == ("ARRIVED", item.tracking_code)
        await socket.close()
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 30)


async def test_a_subscription_over_http_is_refused_with_a_clear_code(gql):
    body = (await gql.raw(SUBSCRIBE)).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "websocket_required"


async def test_signing_out_closes_that_sessions_socket_at_once_and_no_other(live_server, engine, cast):
    async def sign_in(session):
        return await auth.start_session(session, await session.get(Staff, cast.officer_b.staff_id))

    token = await committed(engine, sign_in)
    browser = await subscribed(live_server, headers={"cookie": f"suara_session={token}"})
    integration = await subscribed(live_server,
                                   payload={"authorization": f"Bearer {await token_for(engine, cast.officer_b)}"})
    await committed(engine, lambda s: auth.end_session(s, token))
    started = time.monotonic()
    assert await closed_code(browser, 3) == 4401
    assert time.monotonic() - started < 1.0
    await integration.send(json.dumps({"type": "ping"}))
    assert json.loads(await asyncio.wait_for(integration.recv(), 2))["type"] == "pong"
    await integration.close()


async def test_the_listener_reconnects_after_its_connection_is_killed(live_server, engine, cast, committing_app_state):
    socket = await subscribed(live_server, payload={"authorization": f"Bearer {await token_for(engine, cast.officer_a)}"})
    killed = await committed(engine, lambda s: s.exec(text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = 'suara-listen' AND datname = current_database()")))
    assert killed.scalar_one() >= 1
    deadline = time.monotonic() + 2
    while committing_app_state.live.connected.is_set():  # the loss is noticed ...
        assert time.monotonic() < deadline, "the listener did not notice its connection died"
        await asyncio.sleep(0.02)
    await asyncio.wait_for(committing_app_state.live.connected.wait(), 5)  # ... and the connection reopened
    item = await route_new_item(engine, cast.triage_admin, "infrastruktur")
    change = await next_change(socket)
    assert (change["change"], change["trackingCode"]) == ("ARRIVED", item.tracking_code)
    await socket.close()


async def test_a_new_submission_reaches_the_triage_queue_live_and_leaves_it_when_routed(live_server, engine, cast):
    admin = await subscribed(live_server, payload={"authorization": f"Bearer {await token_for(engine, cast.triage_admin)}"})
    officer = await subscribed(live_server, payload={"authorization": f"Bearer {await token_for(engine, cast.officer_a)}"})
    receipt = await committed(engine, lambda s: submit(s, draft(), router=NoRouter(), secret_key=TEST_SECRET_KEY))
    queued = await next_change(admin)
    assert (queued["change"], queued["trackingCode"]) == ("ARRIVED", receipt.submission.tracking_code)
    await committed(engine, lambda s: service.route_submission(s, cast.triage_admin, receipt.submission.id,
                                                               "infrastruktur"))
    assert (await next_change(admin))["change"] == "LEFT"
    arrived = await next_change(officer)
    assert (arrived["change"], arrived["submissionId"]) == ("ARRIVED", node_id(receipt.submission.id))
    await admin.close()
    await officer.close()
