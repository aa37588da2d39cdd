"""Who the client is on the network: the socket peer, or what a trusted proxy says it forwarded.

Done here rather than by uvicorn's proxy middleware (which `suara serve` turns off) so the rule is
the same under every ASGI server and in tests: nobody is trusted unless the operator names them
(`suara serve --forwarded-allow-ips` / SUARA_FORWARDED_ALLOW_IPS), so a client cannot pick its own
address with an X-Forwarded-For header and walk around the rate limits.
"""

from __future__ import annotations

import ipaddress

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from suara.ratelimits.service import network_of


def _parse_trusted(value: str) -> tuple[bool, list]:
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    networks = [ipaddress.ip_network(entry, strict=False) for entry in entries if entry != "*"]
    return "*" in entries, networks


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


class ForwardedClient:
    """Rewrites the ASGI ``client`` and ``scheme`` from X-Forwarded-For/-Proto for trusted peers.

    The client is the right-most address in X-Forwarded-For that is not itself a trusted proxy
    (each proxy appends the address it saw, so entries left of it may be made up by the client).
    """

    def __init__(self, app: ASGIApp, trusted: str = ""):
        self.app = app
        self.trust_all, self.networks = _parse_trusted(trusted)

    def _trusted(self, address) -> bool:
        return address is not None and (self.trust_all or any(address in network for network in self.networks))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and (self.trust_all or self.networks):
            peer = scope.get("client")
            if peer and self._trusted(_address(peer[0])):
                scope = {**self._forwarded(scope), "suara.forwarded_by": peer[0]}
        await self.app(scope, receive, send)

    def _forwarded(self, scope: Scope) -> Scope:
        forwarded_for, proto = [], None
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                forwarded_for.extend(value.decode("latin-1").split(","))
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1").split(",")[-1].strip().lower()
        changes = {}
        if proto in ("http", "https", "ws", "wss"):
            changes["scheme"] = proto if scope["type"] == "http" else {"http": "ws", "https": "wss"}.get(proto, proto)
        client = None
        for entry in reversed(forwarded_for):
            address = _address(entry)
            if address is None:
                break  # garbage: believe nothing further left, keep the last trusted hop
            client = address
            if not self._trusted(address):
                break
        if client is not None:
            changes["client"] = (str(client), 0)
        return {**scope, **changes} if changes else scope


def client_network(request: Request | None) -> str:
    """The network unit a request is limited by (IPv4 address, IPv6 /64)."""
    client = request.client if request is not None else None
    return network_of(client.host if client else None)
