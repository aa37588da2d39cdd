"""Every response carries the security headers: pages, GraphQL, files, open data, Open311, SMS, errors."""

from __future__ import annotations

import httpx
import pytest
from starlette.routing import Route

from suara.api.security_headers import CONTENT_SECURITY_POLICY, content_security_policy
from suara.app import create_app
from suara.config import Settings

EXPECTED = {
    "content-security-policy": content_security_policy(Settings.model_fields["suara_map_tiles"].default),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


def assert_protected(response: httpx.Response) -> None:
    expected = EXPECTED if response.status_code != 500 else {**EXPECTED, "content-security-policy": CONTENT_SECURITY_POLICY}
    for name, value in expected.items():
        assert response.headers.get(name) == value, f"{response.request.method} {response.request.url.path}: {name}"
    assert "strict-transport-security" not in response.headers, "HSTS over plain http"


def test_the_policy_allows_nothing_inline_and_no_other_host():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY and "http" not in CONTENT_SECURITY_POLICY


def test_images_may_come_only_from_the_configured_tile_server():
    def images(tile_url):
        directives = dict(part.split(" ", 1) for part in content_security_policy(tile_url).split("; "))
        return directives["img-src"]
    assert images("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == "'self' data: https://tile.openstreetmap.org"
    assert images("https://{s}.tiles.example.id:8443/{z}/{x}/{y}.png") == "'self' data: https://*.tiles.example.id:8443"
    assert images("/tiles/{z}/{x}/{y}.png") == images("") == "'self' data:"
    for bad in ("javascript:alert(1)", "https://a.example; script-src *", "https://x.{s}.example/{z}"):
        with pytest.raises(ValueError):
            content_security_policy(bad)
        with pytest.raises(ValueError):  # at start, not at a request
            create_app(Settings(database_url="postgresql://x/y", suara_map_tiles=bad))


async def test_every_surface_and_every_error_carries_the_headers(client, app_state):
    asset = next((app_state.settings.suara_web_dist / "assets").glob("*.js"))
    responses = [
        await client.get("/"),
        await client.get(f"/assets/{asset.name}"),
        await client.get("/assets/nothing-here.js"),
        await client.get("/graphql", headers={"Accept": "text/html"}),
        await client.post("/graphql", json={"query": "{ __typename }"}),
        await client.post("/graphql", json={"query": "{ nope }"}),
        await client.get("/health"),
        await client.get("/open-data/methodology"),
        await client.get("/open-data/agency-stats.csv"),
        await client.get("/open311/v2/services.json"),
        await client.get("/open311/v2/requests/NOPE.json"),
        await client.post("/sms/inbound", data={"from": "+6281234567890", "text": "LAPOR jalan rusak"}),
        await client.get("/no-such-page"),
        await client.delete("/health"),
        await client.post("/graphql", content=b"{" + b" " * 70_000 + b"}", headers={"Content-Type": "application/json"}),
    ]
    statuses = {response.status_code for response in responses}
    assert {200, 404, 405, 413} <= statuses, statuses
    for response in responses:
        assert_protected(response)


@pytest.mark.parametrize("path", ["/", "/graphql", "/health", "/no-such-page"])
async def test_hsts_is_sent_only_over_https(app_state, path):
    app = create_app(app_state.settings, state=app_state)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://suara.test") as client:
        response = await client.get(path, headers={"Accept": "text/html"})
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert response.headers["x-frame-options"] == "DENY"


async def test_hsts_behind_a_trusted_proxy_only(app_state):
    settings = app_state.settings.model_copy(update={"suara_forwarded_allow_ips": "10.0.0.1"})
    app = create_app(settings, state=app_state)
    for peer, expected in [("10.0.0.1", True), ("203.0.113.9", False)]:
        transport = httpx.ASGITransport(app=app, client=(peer, 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://suara.test") as client:
            response = await client.get("/health", headers={"X-Forwarded-Proto": "https"})
        assert ("strict-transport-security" in response.headers) is expected, peer


async def test_a_crash_outside_graphql_answers_500_with_the_headers(app_state):
    async def crash(request):
        raise RuntimeError("a bug")

    app = create_app(app_state.settings, state=app_state)
    app.router.routes.append(Route("/crash", crash))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://suara.test") as client:
        response = await client.get("/crash")
    assert response.status_code == 500 and response.json()["error"] == "internal_error"
    assert_protected(response)
