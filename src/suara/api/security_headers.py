"""Security headers on every response: what a browser may load, frame or leak for Suara's pages.

The pages and GraphiQL are built from our own files (web/dist), with no inline script or style and
nothing from other hosts, so the policy can be strict: everything from this origin only.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self' data:; "  # GraphiQL's stylesheet embeds icons and fonts
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate CSP 2
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),  # map tile servers need the origin
]

# Only over https: a browser ignores HSTS on http, and sending it from a plain-http development
# server would be a lie. Behind a proxy the scheme is https once the proxy is trusted
# (uvicorn's proxy headers, `suara serve --forwarded-allow-ips`).
STRICT_TRANSPORT_SECURITY = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """Add the headers to every HTTP response the app sends (pages, API, files, errors)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = HEADERS + ([STRICT_TRANSPORT_SECURITY] if scope.get("scheme") == "https" else [])
        names = {name for name, _ in extra}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(name, value) for name, value in message.get("headers", []) if name.lower() not in names]
                message["headers"] = kept + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def server_error(request: Request, exc: Exception) -> Response:
    """The answer to a crash outside GraphQL. Starlette sends it from its outermost layer, past every
    middleware, so it carries the headers itself."""
    headers = HEADERS + ([STRICT_TRANSPORT_SECURITY] if request.url.scheme == "https" else [])
    return JSONResponse(
        {"error": "internal_error", "message": "Terjadi kesalahan di server.", "message_en": "Internal server error."},
        status_code=500, headers={name.decode(): value.decode() for name, value in headers},
    )
