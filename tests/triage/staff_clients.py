"""Browser-like clients for staff tests: each keeps its own cookie and CSRF token."""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
import pytest
from argon2 import PasswordHasher

from suara.app import create_app
from suara.triage import auth

LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename
  ... on SignedIn { csrfToken mustChangePassword me { email mustChangePassword } } ... on NotAllowed { code } } }"""


@pytest.fixture
def cheap_hashing(monkeypatch):
    """Real argon2 with small costs: these tests are about who may do what, not hash strength."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


class StaffClient:
    def __init__(self, http: httpx.AsyncClient):
        self.http = http
        self.csrf: str | None = None
        self.bearer: str | None = None

    async def login(self, email: str, password: str) -> dict:
        result = (await self.http.post("/graphql", json={"query": LOGIN, "variables": {"e": email, "p": password}})).json()
        login = result["data"]["login"]
        self.csrf = login.get("csrfToken")
        return login

    async def raw(self, query: str, variables: dict | None = None) -> dict:
        headers = {}
        if self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        if self.bearer:
            headers["Authorization"] = f"Bearer {self.bearer}"
        response = await self.http.post("/graphql", json={"query": query, "variables": variables or {}},
                                        headers=headers)
        return response.json()

    async def __call__(self, query: str, variables: dict | None = None) -> dict:
        body = await self.raw(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]


@asynccontextmanager
async def staff_client(state):
    app = create_app(state.settings, state=state)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://suara.test") as http:
        yield StaffClient(http)
