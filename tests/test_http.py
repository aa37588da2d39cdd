"""HTTP surface: health, GraphiQL, body size limit, the checked-in schema."""

from __future__ import annotations

from pathlib import Path

from suara.api.graphql.schema import schema
from suara.db import migrate

REPO = Path(__file__).resolve().parents[1]


async def test_health_reports_database_and_migration_head(client):
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["migration"]["current"] == body["migration"]["head"] == migrate.head_revision()


async def test_graphiql_is_served_to_browsers(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
    assert '<script type="module" crossorigin src="/assets/' in response.text, "our own build, not a CDN"
    assert "https://" not in response.text and "<script>" not in response.text


async def test_oversized_body_is_refused_before_parsing(client):
    body = b'{"query": "' + b"x" * 70_000 + b'"}'
    response = await client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


async def test_chunked_oversized_body_is_refused_too(client):
    async def chunks():
        for _ in range(20):
            yield b"y" * 8192

    response = await client.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_checked_in_schema_matches_the_code():
    checked_in = (REPO / "schema.graphql").read_text()
    assert checked_in.strip() == schema.as_str().strip(), "run `make schema` and commit schema.graphql"


async def test_every_response_carries_a_request_id_and_keeps_the_callers(client):
    fresh = await client.get("/health")
    assert len(fresh.headers["x-request-id"]) == 32
    given = await client.get("/health", headers={"X-Request-ID": "aduan-123"})
    assert given.headers["x-request-id"] == "aduan-123"
