"""Object-level authorisation through the public API: agency A never reaches agency B's items."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
import pytest

from suara.app import create_app
from suara.db.engine import transaction
from suara.submissions.models import Status
from suara.triage import auth
from suara.triage.inbox import encode_cursor
from tests.factories import default_agency_slug, make_item, make_staff

CONTACT = {"name": "Rahmat Hidayatullah", "phone": "+6281399887766", "email": "rahmat.h@example.id",
           "nik": "3374012303850004"}

INBOX = """query($after: String) { inbox(first: 50, after: $after) {
  __typename ... on StaffSubmissionConnection { totalCount edges { cursor node { id trackingCode text } } }
  ... on NotAllowed { code } ... on ValidationError { code } } }"""
NODE = "query($id: ID!) { staffSubmission(id: $id) { id text reporterContact { name phone email nik } events { kind note } } }"
ACK = "mutation($id: ID!) { acknowledge(id: $id) { __typename ... on NotFound { code } ... on NotAllowed { code } } }"


class World:
    """Committed data: an item in agency A (with contact), tokens for officers of A and B and a triage admin."""


@pytest.fixture
async def world(sessions, app_state) -> World:
    world = World()
    async with transaction(sessions) as session:
        world.agency_a = await default_agency_slug(session, "infrastruktur")
        world.agency_b = await default_agency_slug(session, "permades_dan_kependudukan")
        staff_a, _ = await make_staff(session, world.agency_a)
        staff_b, _ = await make_staff(session, world.agency_b)
        admin, _ = await make_staff(session, "pemprov-jateng", role="triage_admin")
        world.item = await make_item(session, agency_slug=world.agency_a, status=Status.ROUTED, contact=CONTACT)
        world.anonymous = await make_item(session, agency_slug=world.agency_a, status=Status.ROUTED, anonymous=True)
        _, world.token_a = await auth.create_api_token(session, staff_a.id, "test")
        _, world.token_b = await auth.create_api_token(session, staff_b.id, "test")
        _, world.token_admin = await auth.create_api_token(session, admin.id, "test")
    world.app = create_app(app_state.settings, state=app_state)
    return world


async def as_user(world: World, token: str, query: str, variables: dict | None = None) -> dict:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app), base_url="http://suara.test") as client:
        response = await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                     headers={"Authorization": f"Bearer {token}"})
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def node_id_of(submission_id: int) -> str:
    return base64.urlsafe_b64encode(f"StaffSubmission:{submission_id}".encode()).decode()


async def test_officer_of_another_agency_cannot_list_count_read_or_act(world):
    inbox_b = (await as_user(world, world.token_b, INBOX))["inbox"]
    codes_b = {edge["node"]["trackingCode"].replace("-", "") for edge in inbox_b["edges"]}
    assert world.item.tracking_code not in codes_b

    node = node_id_of(world.item.id)
    assert (await as_user(world, world.token_b, NODE, {"id": node}))["staffSubmission"] is None
    acted = (await as_user(world, world.token_b, ACK, {"id": node}))["acknowledge"]
    assert acted == {"__typename": "NotFound", "code": "submission_not_found"}

    # A forged cursor pointing just before agency A's item still lists only agency B's items.
    forged = encode_cursor("due", world.item.__class__(  # a microsecond earlier: valid even when the item is row 1
        id=world.item.id, due_at=world.item.due_at - timedelta(microseconds=1)))
    paged = (await as_user(world, world.token_b, INBOX, {"after": forged}))["inbox"]
    assert world.item.tracking_code not in {e["node"]["trackingCode"].replace("-", "") for e in paged["edges"]}


async def test_officer_of_the_handling_agency_sees_the_item_and_its_contact_and_the_read_is_logged(world):
    node = node_id_of(world.item.id)
    seen = (await as_user(world, world.token_a, NODE, {"id": node}))["staffSubmission"]
    assert seen["reporterContact"] == {"name": CONTACT["name"], "phone": CONTACT["phone"],
                                       "email": CONTACT["email"], "nik": CONTACT["nik"]}
    again = (await as_user(world, world.token_a, NODE, {"id": node}))["staffSubmission"]
    assert any(event["kind"] == "contact_viewed" for event in again["events"])


async def test_triage_admin_can_read_but_gets_no_contact_of_another_agency(world):
    node = node_id_of(world.item.id)
    seen = (await as_user(world, world.token_admin, NODE, {"id": node}))["staffSubmission"]
    assert seen is not None and seen["text"]
    assert seen["reporterContact"] is None


async def test_anonymous_items_expose_no_contact_to_anyone(world):
    node = node_id_of(world.anonymous.id)
    for token in (world.token_a, world.token_admin):
        seen = (await as_user(world, token, NODE, {"id": node}))["staffSubmission"]
        assert seen["reporterContact"] is None


async def test_internal_notes_never_reach_the_public_view(world, gql):
    node = node_id_of(world.item.id)
    note_mutation = 'mutation($id: ID!) { addNote(id: $id, note: "Catatan internal: cek ke pak lurah dulu") { __typename } }'
    assert (await as_user(world, world.token_a, note_mutation, {"id": node}))["addNote"]["__typename"] == "StaffActionSuccess"
    response = await gql.raw(
        "query($c: String!) { submission(trackingCode: $c) { events { kind note } } }",
        {"c": world.item.tracking_code},
    )
    assert "Catatan internal" not in response.text
    assert "note_added" not in response.text
    for value in CONTACT.values():
        assert value not in response.text


async def test_unauthenticated_inbox_is_not_allowed(gql):
    result = (await gql(INBOX))["inbox"]
    assert result == {"__typename": "NotAllowed", "code": "sign_in_required"}


async def test_a_garbage_cursor_is_a_validation_error(world):
    result = (await as_user(world, world.token_a, INBOX, {"after": "not-a-cursor"}))["inbox"]
    assert result == {"__typename": "ValidationError", "code": "invalid_cursor"}


async def test_revoked_api_token_no_longer_works(world, sessions):
    async with transaction(sessions) as session:
        actor = await auth.actor_for_api_token(session, world.token_a)
        row, token = await auth.create_api_token(session, actor.staff_id, "short-lived")
        assert await auth.revoke_api_token(session, row.id, owner_id=actor.staff_id)
    result = (await as_user(world, token, INBOX))["inbox"]
    assert result == {"__typename": "NotAllowed", "code": "sign_in_required"}


async def test_tokens_are_created_and_revoked_over_graphql_only_by_their_owner(world):
    created = (await as_user(world, world.token_a, 'mutation { createApiToken(name: "integrasi") { __typename ... on ApiTokenCreated { id token } } }'))["createApiToken"]
    assert created["token"].startswith("suara_")
    revoke = "mutation($id: Int!) { revokeApiToken(id: $id) { ... on ApiTokenRevoked { revoked } } }"
    assert (await as_user(world, world.token_b, revoke, {"id": created["id"]}))["revokeApiToken"] == {"revoked": False}
    assert (await as_user(world, world.token_a, revoke, {"id": created["id"]}))["revokeApiToken"] == {"revoked": True}
    inbox = (await as_user(world, created["token"], INBOX))["inbox"]
    assert inbox == {"__typename": "NotAllowed", "code": "sign_in_required"}


async def test_blank_token_names_are_a_validation_error(world):
    result = (await as_user(world, world.token_a, 'mutation { createApiToken(name: "  ") { __typename ... on ValidationError { field code } } }'))["createApiToken"]
    assert result == {"__typename": "ValidationError", "field": "name", "code": "invalid_length"}
