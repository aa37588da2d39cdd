"""Every response carries the security headers: pages, GraphQL, files, open data, Open311, SMS, errors."""

from __future__ import annotations

import httpx
import pytest

from suara.api.security_headers import CONTENT_SECURITY_POLICY
from suara.app import create_app

EXPECTED = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


def assert_protected(response: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{response.request.method} {response.request.url.path}: {name}"
    assert "strict-transport-security" not in response.headers, "HSTS over plain http"


def test_the_policy_allows_nothing_inline_and_no_other_host():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY and "http" not in CONTENT_SECURITY_POLICY


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
