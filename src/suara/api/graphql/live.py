"""Live inbox over graphql-transport-ws: `inboxChanged`, fed by PostgreSQL LISTEN/NOTIFY.

A socket is opened with the staff session cookie (browsers; Strawberry refuses other sites'
origins) or an API token in ``connection_init`` (``{"authorization": "Bearer suara_…"}``). Nobody
signed in is closed with 4403. The credential is checked again at the session's expiry, when the
account changes (``suara_staff`` notifications) and every few seconds, and the socket closed
with 4401 once it no longer lets its holder in. Only subscriptions run over a socket: queries
and mutations keep their HTTP rate limits and CSRF checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Callable, Iterator
from datetime import datetime
from enum import Enum

import strawberry
from graphql import ExecutionResult
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import SchemaExtension
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.graphql import OperationType

from suara.api.graphql.context import Context, Info
from suara.api.graphql.limits import client_error, has_unstorable_text
from suara.api.graphql.triage import node_id
from suara.api.request_json import BadJson, read_json_object
from suara.common.actors import Actor, Role
from suara.common.text import INVALID_TEXT_EN, INVALID_TEXT_ID
from suara.db.columns import utcnow
from suara.db.listen import Listener
from suara.state import AppState
from suara.submissions.live import INBOX_CHANNEL, STAFF_CHANNEL
from suara.triage.live import current_credential

log = logging.getLogger(__name__)

RECHECK_SECONDS = 10.0
"""How late a sign-out or a revoked token may close a socket (a disabled account closes at once)."""
SOCKET_PROTOCOLS = (GRAPHQL_TRANSPORT_WS_PROTOCOL,)
SESSION_ENDED = 4401


async def start_live_updates(state: AppState) -> Listener:
    """This process's one LISTEN connection; the app lifespan stops it."""
    state.live = Listener(state.engine, (INBOX_CHANNEL, STAFF_CHANNEL))
    await state.live.start()
    return state.live


# --- the subscription ----------------------------------------------------------------------------

@strawberry.enum(description="How an item changed for this inbox.")
class InboxChangeKind(Enum):
    ARRIVED = "ARRIVED"
    UPDATED = "UPDATED"
    LEFT = "LEFT"


@strawberry.type(description="An item entered, changed in or left the inbox; fetch it by `submissionId`.")
class InboxChange:
    submission_id: strawberry.ID
    tracking_code: str
    change: InboxChangeKind
    at: datetime


def inbox_of(actor: Actor) -> Callable[[object], bool]:
    """The changes this staff member's inbox shows: the agency's, and for triage admins the queue's."""
    triage = actor.role == Role.TRIAGE_ADMIN

    def accepts(message: object) -> bool:
        if not isinstance(message, dict):
            return False
        agency_id = message.get("agency_id")
        return agency_id == actor.agency_id or (triage and agency_id is None)

    return accepts


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Changes to your agency's inbox as they are committed, on any server "
                                         "process. Over graphql-transport-ws at /graphql only.")
    async def inbox_changed(self, info: Info) -> AsyncGenerator[InboxChange, None]:
        actor = await info.context.staff()
        listener = info.context.state.live
        if listener is None:
            raise RuntimeError("live updates are not running")
        async with listener.subscribe(INBOX_CHANNEL, inbox_of(actor)) as queue:
            while True:
                message = await queue.get()
                yield InboxChange(
                    submission_id=strawberry.ID(node_id(message["submission_id"])),
                    tracking_code=message["tracking_code"], change=InboxChangeKind(message["change"]),
                    at=datetime.fromisoformat(message["at"]),
                )


class SocketOperations(SchemaExtension):
    """Subscriptions run only over a socket and only they do; the text checks apply to them too (a subscription's
    document skips the execution step where `RequestLimits` refuses NUL and lone surrogates)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        subscription = context.operation_type is OperationType.SUBSCRIPTION
        if subscription and not isinstance(getattr(context.context, "request", None), WebSocket):
            context.result = ExecutionResult(data=None, errors=[client_error(
                "websocket_required", "Langganan hanya lewat WebSocket (graphql-transport-ws) di /graphql.",
                "Subscriptions run only over the WebSocket (graphql-transport-ws) at /graphql.")])
        elif isinstance(getattr(context.context, "request", None), WebSocket):
            if not subscription:
                raise client_error("subscriptions_only", "Lewat WebSocket hanya langganan (subscription).",
                                   "Only subscriptions run over the WebSocket; use HTTP for the rest.")
            if has_unstorable_text(context.graphql_document, context.variables):
                raise client_error("invalid_text", INVALID_TEXT_ID, INVALID_TEXT_EN)
        yield


# --- the socket ----------------------------------------------------------------------------------

class SocketAdapter(ASGIWebSocketAdapter):
    """Messages are read like HTTP bodies: one JSON object, size- and nesting-limited."""

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        max_bytes = self.ws.app.state.suara.settings.suara_max_body_bytes
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if len(text) > max_bytes:
                    await self.close(4413, "Message too large")
                    return
                try:
                    yield read_json_object(text)
                except BadJson as error:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from error
        except KeyError as error:
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass


class LiveSockets:
    """Mixed into the app's GraphQL view: authenticates sockets and closes them when access ends."""

    websocket_adapter_class = SocketAdapter

    async def on_ws_connect(self, context: Context) -> None:
        actor = await context.actor()
        if actor is None or not actor.is_staff:
            raise ConnectionRejectionError()
        websocket = context.request
        websocket.scope["suara.watch"] = asyncio.create_task(
            _watch(websocket, context.state, session_token=None if context.bearer_token else context.session_token,
                   api_token=context.bearer_token, staff_id=actor.staff_id)
        )

    async def run(self, request, context=strawberry.UNSET, root_value=strawberry.UNSET):  # type: ignore[override]
        try:
            return await super().run(request, context, root_value)  # type: ignore[misc]
        finally:
            watch = request.scope.get("suara.watch") if request.scope["type"] == "websocket" else None
            if watch is not None:
                watch.cancel()


async def _watch(websocket: WebSocket, state: AppState, *, session_token: str | None, api_token: str | None,
                 staff_id: int) -> None:
    """Close the socket once its credential expires, is revoked or its account disabled."""
    try:
        async with state.live.subscribe(STAFF_CHANNEL, lambda message: str(message) == str(staff_id)) as news:
            while websocket.application_state != WebSocketState.DISCONNECTED:
                async with state.reading() as session:
                    credential = await current_credential(session, session_token=session_token, api_token=api_token)
                if credential is None:
                    await websocket.close(SESSION_ENDED, "Sesi berakhir / Session ended")
                    return
                wait = RECHECK_SECONDS
                if credential.expires_at is not None:
                    wait = min(wait, max(0.0, (credential.expires_at - utcnow()).total_seconds()) + 0.05)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(news.get(), wait)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("live socket watch failed; closing the socket")
        with contextlib.suppress(Exception):
            await websocket.close(1011, "Internal error")
