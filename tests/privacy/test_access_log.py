"""The contact access log: every read of a reporter's contact by staff, for the agency's admins only."""

from __future__ import annotations

import pytest

from suara.api.graphql.triage import node_id
from suara.db.engine import transaction
from suara.triage import auth
from tests.factories import make_staff
from tests.privacy.citizen import file_web, person, worked_by_the_agency
from tests.triage.staff_clients import cheap_hashing, staff_client  # noqa: F401 (cheap_hashing: a fixture)

pytestmark = pytest.mark.usefixtures("cheap_hashing")

LOG = """query($first: Int, $after: String) { contactAccessLog(first: $first, after: $after) {
  edges { cursor node { at staffEmail staffId trackingCode submissionId } } pageInfo { hasNextPage endCursor } } }"""
REVEAL = """mutation($id: ID!) { revealContact(id: $id) { __typename ... on ContactRevealed { contact { name } } } }"""


async def bearer(sessions, agency: str, role: str):
    async with transaction(sessions) as session:
        staff, _ = await make_staff(session, agency, role=role)
        _, token = await auth.create_api_token(session, staff.id, "log test")
    return staff, token


async def test_a_contact_read_appears_in_its_agencys_log_and_never_for_another_agency(
        gql, sessions, app_state, cast):
    receipt = await file_web(gql, person())
    submission = await worked_by_the_agency(sessions, cast, receipt["trackingCode"], person())  # one read
    _, admin_token_a = await bearer(sessions, cast.agency_a, "agency_admin")
    _, admin_token_b = await bearer(sessions, cast.agency_b, "agency_admin")
    officer_a, officer_token_a = await bearer(sessions, cast.agency_a, "officer")

    async with staff_client(app_state) as client:
        client.bearer = officer_token_a
        revealed = await client(REVEAL, {"id": node_id(submission.id)})
        assert revealed["revealContact"]["__typename"] == "ContactRevealed"

        client.bearer = admin_token_a
        log = (await client(LOG, {"first": 50}))["contactAccessLog"]
        mine = [edge["node"] for edge in log["edges"] if edge["node"]["trackingCode"] == receipt["trackingCode"]]
        assert [(read["staffId"], read["submissionId"]) for read in mine] == [
            (officer_a.id, node_id(submission.id)), (cast.officer_a.staff_id, node_id(submission.id))]
        assert mine[0]["staffEmail"] == officer_a.email
        first_page = (await client(LOG, {"first": 1}))["contactAccessLog"]
        second_page = (await client(LOG, {"first": 1, "after": first_page["pageInfo"]["endCursor"]}))["contactAccessLog"]
        assert second_page["edges"][0]["cursor"] != first_page["edges"][0]["cursor"]
        bad_cursor = await client.raw(LOG, {"after": "1; DROP TABLE staff"})
        assert bad_cursor["errors"][0]["extensions"]["code"] == "invalid_cursor"

        client.bearer = admin_token_b
        other_agency = (await client(LOG))["contactAccessLog"]
        assert receipt["trackingCode"] not in [edge["node"]["trackingCode"] for edge in other_agency["edges"]]
        assert all(edge["node"]["staffEmail"] != officer_a.email for edge in other_agency["edges"])

        client.bearer = officer_token_a
        refused = await client.raw(LOG)
        assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "admin_only"
    anonymous = await gql.raw(LOG)
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "sign_in_required"
