"""The id of the request being served, for logs and for clients reporting a problem."""

from __future__ import annotations

import uuid

from starlette.types import ASGIApp, Receive, Scope, Send

from suara.observability.logs import REQUEST_ID  # JSON log lines carry it

__all__ = ["REQUEST_ID", "RequestId"]


class RequestId:
    """Tag each request with an id (the caller's X-Request-ID, or a new one), echoed in the response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if given and len(given) <= 64 and given.isprintable() else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
