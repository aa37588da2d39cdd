"""Test helpers for the agency workspace: a fresh agency with two officers and their API tokens."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

import httpx
from starlette.applications import Starlette

from suara.agencies.models import Agency
from suara.app import create_app
from suara.db.engine import transaction
from suara.triage import auth
from suara.triage.models import Staff
from tests.factories import make_staff


@dataclass
class Desk:
    slug: str
    agency_id: int
    officer: Staff
    token: str
    colleague: Staff
    colleague_token: str


async def new_desk(sessions) -> Desk:
    """A new agency (so counts start at zero) with two officers (rolled back with the test)."""
    slug = f"dinas-ws-{uuid.uuid4().hex[:8]}"
    async with transaction(sessions) as session:
        agency = Agency(slug=slug, name=f"Dinas Uji {slug}", short_name="Dinas Uji")
        session.add(agency)
        await session.flush()
        officer, _ = await make_staff(session, slug)
        colleague, _ = await make_staff(session, slug)
        _, token = await auth.create_api_token(session, officer.id, "ws-test")
        _, colleague_token = await auth.create_api_token(session, colleague.id, "ws-test")
    return Desk(slug, agency.id, officer, token, colleague, colleague_token)


def node_id(submission_id: int) -> str:
    return base64.urlsafe_b64encode(f"StaffSubmission:{submission_id}".encode()).decode()


async def call(app: Starlette, token: str, query: str, variables: dict | None = None) -> dict:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://suara.test") as client:
        response = await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                     headers={"Authorization": f"Bearer {token}"})
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def app_for(app_state) -> Starlette:
    return create_app(app_state.settings, state=app_state)
