"""Security headers on every response: what a browser may load, frame or leak for Suara's pages.

The pages and GraphiQL are built from our own files (web/dist), with no inline script or style and
nothing from other hosts, so the policy can be strict: everything from this origin only, except map
tile images from the one tile server configured (SUARA_MAP_TILES).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self' data:; "  # GraphiQL's stylesheet embeds icons and fonts
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

TILE_HOST = re.compile(r"^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]+)?$")


def tile_source(tile_url: str | None) -> str | None:
    """The CSP source of a Leaflet tile URL template ({s}.host becomes *.host), or None for this origin
    or no tiles. A template no CSP source can express is a configuration error."""
    if not tile_url or tile_url.startswith("/"):
        return None
    parts = urlsplit(tile_url)
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    if parts.scheme not in ("https", "http") or not TILE_HOST.match(host):
        raise ValueError(f"SUARA_MAP_TILES must be an http(s) URL template or a path, not {tile_url!r}")
    return f"{parts.scheme}://{host}"


def content_security_policy(tile_url: str | None = None) -> str:
    source = tile_source(tile_url)
    return CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", f"img-src 'self' data: {source}") if source \
        else CONTENT_SECURITY_POLICY


def security_headers(tile_url: str | None = None) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", content_security_policy(tile_url).encode()),
        (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate CSP 2
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),  # map tile servers need the origin
    ]


HEADERS = security_headers()
"""Without tiles: for answers that show no map (a crash's answer)."""

# Only over https: a browser ignores HSTS on http, and sending it from a plain-http development
# server would be a lie. Behind a proxy the scheme is https once the proxy is trusted
# (uvicorn's proxy headers, `suara serve --forwarded-allow-ips`).
STRICT_TRANSPORT_SECURITY = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """Add the headers to every HTTP response the app sends (pages, API, files, errors)."""

    def __init__(self, app: ASGIApp, tile_url: str | None = None):
        self.app = app
        self.headers = security_headers(tile_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers + ([STRICT_TRANSPORT_SECURITY] if scope.get("scheme") == "https" else [])
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
