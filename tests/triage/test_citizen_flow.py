"""A citizen follows up with the tracking code and the secret from the receipt, over GraphQL."""

from __future__ import annotations

from suara.db.engine import transaction
from suara.submissions.models import Status
from suara.triage import service
from tests.factories import SUBMIT, TRACK, submit_input

CONFIRM = """mutation($c: String!, $s: String!) { confirmResolved(trackingCode: $c, secret: $s) {
  __typename ... on CitizenActionSuccess { submission { status statusGroup } }
  ... on NotAllowed { code } ... on InvalidTransition { code status action } } }"""
DISPUTE = """mutation($c: String!, $s: String!) { dispute(trackingCode: $c, secret: $s, reason: "Masih rusak") {
  __typename ... on CitizenActionSuccess { submission { status } } ... on InvalidTransition { code } } }"""


async def test_citizen_sees_the_response_and_confirms_resolution(gql, sessions, cast):
    receipt = (await gql(SUBMIT, {"input": submit_input(reporterPhone="081211112222")}))["submit"]
    code, secret = receipt["trackingCode"], receipt["citizenSecret"]
    async with transaction(sessions) as session:
        submission = await service.find_by_tracking_code(session, code)
        await service.route_submission(session, cast.triage_admin, submission.id, "infrastruktur")
        await service.acknowledge(session, cast.officer_a, submission.id)
        await service.respond(session, cast.officer_a, submission.id, "Tim UPT akan menambal jalan minggu ini.")
        await service.resolve(session, cast.officer_a, submission.id, "Jalan sudah ditambal.")

    tracked = (await gql(TRACK, {"code": code}))["submission"]
    assert tracked["status"] == Status.RESOLVED
    assert [e["kind"] for e in tracked["events"]] == ["received", "routed", "acknowledged", "responded", "resolved"]
    assert "Tim UPT akan menambal jalan minggu ini." in [e["note"] for e in tracked["events"]]

    wrong = (await gql(CONFIRM, {"c": code, "s": "ZZZZZZZZZZZZ"}))["confirmResolved"]
    assert wrong == {"__typename": "NotAllowed", "code": "wrong_secret"}
    confirmed = (await gql(CONFIRM, {"c": code, "s": secret}))["confirmResolved"]
    assert confirmed["submission"] == {"status": "closed", "statusGroup": "RESOLVED"}
    again = (await gql(DISPUTE, {"c": code, "s": secret}))["dispute"]
    assert again == {"__typename": "InvalidTransition", "code": "invalid_transition"}
