"""Signing in with a password: HTTP-only cookie, CSRF on mutations, no account lockout."""

from __future__ import annotations

import uuid

from suara.db.engine import transaction
from suara.submissions.models import Status
from tests.factories import default_agency_slug, make_item, make_staff

LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on SignedIn { csrfToken me { email role agency { slug } } } ... on NotAllowed { code } } }"""
ACK = "mutation($id: ID!) { acknowledge(id: $id) { __typename ... on NotAllowed { code } ... on StaffActionSuccess { submission { status } } } }"
PASSWORD = "kata-sandi-rahasia-1"


async def staff_and_item(sessions):
    async with transaction(sessions) as session:
        agency = await default_agency_slug(session, "infrastruktur")
        staff, _ = await make_staff(session, agency, password=PASSWORD)
        item = await make_item(session, agency_slug=agency, status=Status.ROUTED)
    return staff, item


def node(item) -> str:
    from suara.api.graphql.triage import node_id

    return node_id(item.id)


async def test_login_sets_an_http_only_samesite_cookie_and_me_answers(client, sessions):
    staff, _ = await staff_and_item(sessions)
    response = await client.post("/graphql", json={"query": LOGIN, "variables": {"e": staff.email, "p": PASSWORD}})
    assert response.json()["data"]["login"]["__typename"] == "SignedIn"
    cookie = response.headers["set-cookie"]
    assert "suara_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    me = (await client.post("/graphql", json={"query": "{ me { email role } }"})).json()["data"]["me"]
    assert me == {"email": staff.email, "role": "officer"}


async def test_cookie_mutations_need_the_csrf_token(client, sessions):
    staff, item = await staff_and_item(sessions)
    login = await client.post("/graphql", json={"query": LOGIN, "variables": {"e": staff.email, "p": PASSWORD}})
    csrf = login.json()["data"]["login"]["csrfToken"]
    without = (await client.post("/graphql", json={"query": ACK, "variables": {"id": node(item)}})).json()
    assert without["data"]["acknowledge"] == {"__typename": "NotAllowed", "code": "csrf_failed"}
    with_token = (await client.post("/graphql", json={"query": ACK, "variables": {"id": node(item)}},
                                    headers={"X-CSRF-Token": csrf})).json()
    assert with_token["data"]["acknowledge"]["submission"]["status"] == "acknowledged"


async def test_logout_ends_the_session(client, sessions):
    staff, _ = await staff_and_item(sessions)
    await client.post("/graphql", json={"query": LOGIN, "variables": {"e": staff.email, "p": PASSWORD}})
    assert (await client.post("/graphql", json={"query": "mutation { logout }"})).json()["data"]["logout"] is True
    assert (await client.post("/graphql", json={"query": "{ me { email } }"})).json()["data"]["me"] is None


async def test_wrong_passwords_never_lock_the_account_itself(client, sessions):
    """Guessing is limited per (account, address) (tests/security/test_signin_attacks.py), never by
    an account lock a stranger could set off."""
    staff, _ = await staff_and_item(sessions)
    for _ in range(6):
        result = (await client.post("/graphql", json={"query": LOGIN, "variables": {"e": staff.email, "p": "salah"}})).json()
        assert result["data"]["login"]["code"] == "wrong_credentials"
    right = (await client.post("/graphql", json={"query": LOGIN, "variables": {"e": staff.email, "p": PASSWORD}})).json()
    assert right["data"]["login"]["__typename"] == "SignedIn"


async def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client):
    result = (await client.post("/graphql", json={"query": LOGIN, "variables": {"e": f"{uuid.uuid4()}@x.id", "p": "x"}})).json()
    assert result["data"]["login"]["code"] == "wrong_credentials"
