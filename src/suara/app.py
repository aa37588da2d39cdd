"""Builds the Starlette application: routes, middleware and the lifespan that owns the state."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from cross_web import HTTPException  # what Strawberry raises for a 400 (its HTTP layer)
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL

from suara.api import media, open311, open_data, sms, web, workspace_export
from suara.api.client_address import ForwardedClient
from suara.api.graphql.context import Context
from suara.api.graphql.live import SOCKET_PROTOCOLS, LiveSockets, start_live_updates
from suara.api.graphql.schema import schema
from suara.api.metrics import HttpMetrics, metrics_endpoint
from suara.api.request_id import RequestId
from suara.api.request_json import BadJson, read_json_object
from suara.api.security_headers import SecurityHeaders, server_error, tile_source
from suara.channels.sms.intake import SmsIntake
from suara.common import memory
from suara.config import Settings, get_settings
from suara.db import migrate
from suara.db.engine import asyncpg_url, make_engine, make_session_factory, resolve_database_url
from suara.jobs import run_forever
from suara.media.service import MAX_PHOTOS
from suara.notifications.senders import sender_from_settings
from suara.observability.logs import configure_logging
from suara.routing.loading import ModelRouter, load_router
from suara.routing.offload import ClassifierProcess, ProcessRouter
from suara.state import AppState, load_or_create_secret_key

log = logging.getLogger(__name__)


class SuaraGraphQL(LiveSockets, GraphQL):
    async def get_context(self, request: Request, response) -> Context:  # type: ignore[override]
        return Context(state=request.app.state.suara, request=request, response=response)

    def decode_json(self, data: str | bytes) -> object:
        """Bodies (and GET variables) must be one JSON object: anything else is a 400, never a 500."""
        try:
            return read_json_object(data)
        except BadJson as error:
            raise HTTPException(400, str(error)) from None

    async def parse_multipart(self, request) -> dict[str, str]:  # type: ignore[override]
        """GraphQL multipart uploads (photos) only with the `Apollo-Require-Preflight` header: a browser
        sends a custom header only after a CORS preflight, which another website's form cannot pass, so
        nobody can make a visitor's browser post to Suara. A malformed map is a 400, never a 500."""
        if not (request.headers.get("apollo-require-preflight") or "").strip():
            raise HTTPException(400, "Unggahan multipart memerlukan header Apollo-Require-Preflight. / "
                                     "Multipart uploads must carry the Apollo-Require-Preflight header.")
        try:
            return await super().parse_multipart(request)
        except HTTPException:
            raise
        except Exception:  # noqa: BLE001 — the map points into operations; any wrong path is the client's
            raise HTTPException(400, "Unable to parse the multipart body") from None

    async def render_graphql_ide(self, request: Request):  # type: ignore[override]
        return web.graphiql_page(request.app.state.suara.settings.suara_web_dist)


UPLOAD_PATHS = re.compile(r"^/graphql$|^/open311/v2/requests\.(json|xml)$")
"""Where a multipart body may carry photos: the one place the body limit is raised."""


def upload_limit(settings: Settings) -> int:
    """Three photos at their limit, plus room for the other fields and the multipart framing."""
    return MAX_PHOTOS * settings.suara_photo_max_bytes + 256 * 1024


class BodySizeLimit:
    """Refuse request bodies over the limit before anything parses them (413). Multipart bodies to the
    upload endpoints have the higher ``upload_max_bytes``; every other body keeps ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_max_bytes: int | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes or max_bytes

    def _limit(self, scope: Scope, headers: dict[bytes, bytes]) -> int:
        content_type = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
        if content_type == b"multipart/form-data" and scope.get("method") == "POST" and UPLOAD_PATHS.match(scope["path"]):
            return self.upload_max_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        limit = self._limit(scope, headers)
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = JSONResponse(
            {"error": "payload_too_large", "message": "Permintaan terlalu besar.",
             "message_en": f"Request body over {limit} bytes."},
            status_code=413,
        )
        await response(scope, receive, send)


class BodyTooLarge(Exception):
    pass


READY_TIMEOUT_SECONDS = 3.0


async def health_live(request: Request) -> JSONResponse:
    """The process is up and its event loop answers (for a liveness probe: restart when this fails)."""
    return JSONResponse({"status": "ok"})


async def health_ready(request: Request) -> JSONResponse:
    """Ready for traffic: the database answers and its migrations are at this code's head (503 otherwise)."""
    state: AppState = request.app.state.suara
    head = migrate.head_revision()
    try:
        current = await asyncio.wait_for(migrate.current_revision(state.engine), READY_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001 — any failure means not ready
        log.warning("readiness check: database unavailable: %s", type(error).__name__)
        return JSONResponse({"status": "unavailable", "database": "unavailable", "migration": {"head": head}},
                            status_code=503)
    ready = current == head
    return JSONResponse({"status": "ok" if ready else "migrations_pending", "database": "ok",
                         "migration": {"current": current, "head": head}}, status_code=200 if ready else 503)


async def health(request: Request) -> JSONResponse:
    state: AppState = request.app.state.suara
    head = migrate.head_revision()
    try:
        current = await migrate.current_revision(state.engine)
        database = "ok"
    except Exception as error:  # noqa: BLE001 — health reports any database failure as data
        log.warning("health check: database unavailable: %s", error)
        current, database = None, "unavailable"
    healthy = database == "ok" and current == head
    return JSONResponse(
        {
            "status": "ok" if healthy else "degraded",
            "database": database,
            "migration": {"current": current, "head": head},
            "routing_model": getattr(state.router, "version", None),
        },
        status_code=200 if healthy else 503,
    )


async def build_state(settings: Settings) -> AppState:
    memory.return_large_buffers()  # photo uploads and decodes must not stay in the process (common/memory.py)
    url = resolve_database_url(settings)
    engine = make_engine(url, pool_size=settings.suara_db_pool_size)
    router = load_router(settings)
    if settings.suara_classifier_process and isinstance(router, ModelRouter):
        router = ProcessRouter(router, ClassifierProcess(settings.suara_model_path))
    read_engine = (make_engine(asyncpg_url(settings.database_read_url), pool_size=settings.suara_db_pool_size)
                   if settings.database_read_url else None)
    return AppState(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        read_engine=read_engine,
        read_sessions=make_session_factory(read_engine) if read_engine is not None else None,
        router=router,
        secret_key=load_or_create_secret_key(settings),
    )


def settle_garbage_collector() -> None:
    """Keep the collector off what lives as long as the server: the model, the schema, the modules.

    A full collection walks every object in the process (a quarter of a million, mostly the model's),
    hundreds of milliseconds in which no request is served — the tail of the latency under load.
    Freezing what start-up made leaves the collector only the objects requests make, and a larger
    first threshold runs it less often for those (a request allocates thousands)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def create_app(settings: Settings | None = None, *, state: AppState | None = None) -> Starlette:
    """The ASGI app. Pass ``state`` to share an engine (tests); otherwise the lifespan builds one."""
    settings = settings or get_settings()
    tile_source(settings.suara_map_tiles)  # a tile URL no CSP can express stops the start, not a request

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        own_state = state is None
        app.state.suara = state or await build_state(settings)
        classifier = getattr(app.state.suara.router, "process", None) if own_state else None
        if classifier is not None:
            classifier.start_soon()  # a second or two to load the model; threads classify meanwhile
        if own_state:
            settle_garbage_collector()
        jobs = sms_intake = None
        if own_state and settings.suara_jobs_interval_seconds > 0:
            jobs = asyncio.create_task(run_forever(
                app.state.suara.sessions, sender_from_settings(settings),
                settings.suara_jobs_interval_seconds, public_url=settings.suara_public_url,
                router=app.state.suara.router,
                photos=app.state.suara.photos,
                contact_retention_days=settings.suara_contact_retention_days,
            ))
            own = app.state.suara  # the SMS intake worker drains what the webhook queued (any process may)
            sms_intake = asyncio.create_task(SmsIntake(own.router, own.secret_key, own.limits).run(own.sessions))
        live = await start_live_updates(app.state.suara)
        try:
            yield
        finally:
            await live.stop()
            for task in (jobs, sms_intake):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if classifier is not None:
                await classifier.stop()
            if own_state:
                await app.state.suara.engine.dispose()
                if app.state.suara.read_engine is not None:
                    await app.state.suara.read_engine.dispose()

    graphql = SuaraGraphQL(schema, graphql_ide="graphiql", multipart_uploads_enabled=True, subscription_protocols=SOCKET_PROTOCOLS,
                           connection_init_wait_timeout=timedelta(seconds=10), max_subscriptions_per_connection=5)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),  # graphql-transport-ws: live inbox
            Route("/health", health, methods=["GET"]),
            Route("/health/live", health_live, methods=["GET"]),
            Route("/health/ready", health_ready, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            *open_data.routes,
            *sms.routes,
            *open311.routes,
            *media.routes,
            *workspace_export.routes,  # before the web routes: /petugas/ pages are served there
            *web.routes(settings.suara_web_dist),
        ],
        middleware=[
            # first: the client address and scheme from trusted proxies only (HSTS needs the scheme)
            Middleware(ForwardedClient, trusted=settings.suara_forwarded_allow_ips),
            Middleware(SecurityHeaders, tile_url=settings.suara_map_tiles),  # so 413s and 404s carry the headers too
            Middleware(RequestId), Middleware(HttpMetrics),
            Middleware(BodySizeLimit, max_bytes=settings.suara_max_body_bytes, upload_max_bytes=upload_limit(settings)),
            Middleware(GZipMiddleware, minimum_size=800),  # slow mobile links: compress pages and JSON
        ],
        exception_handlers={500: server_error},  # a crash's answer carries the security headers too
        lifespan=lifespan,
    )
    if state is not None:
        app.state.suara = state
    return app


def create_app_from_environment() -> Starlette:
    """What each `suara serve --workers N` process serves: settings from the environment its parent prepared."""
    settings = get_settings()
    configure_logging(settings.suara_log_format)  # workers start bare
    # A closed terminal hangs up every process in it: the supervisor decides, and stops workers with SIGTERM.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    return create_app(settings)
