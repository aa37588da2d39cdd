"""Bad input, written as the attacks of issue 14 finding 8: every one gets a typed error or a 4xx
with a clear message, never a server error, and nothing is written."""

from __future__ import annotations

import base64
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from suara.api.sms import webhook_secret
from suara.channels.sms.signature import suara_signature
from suara.db.engine import transaction
from suara.triage import auth

WATCHED = ("submissions", "submission_events", "reporter_contacts", "sms_inbound", "sms_parts", "proposals",
           "proposal_supports", "poll_ballots", "consultation_comments", "submission_supports", "outbox",
           "phone_verifications")


async def row_counts(database) -> dict[str, int]:
    async with database.connect() as connection:
        query = " UNION ALL ".join(f"SELECT '{table}', count(*) FROM {table}" for table in WATCHED)
        return dict((await connection.execute(text(query))).all())


@pytest.fixture
async def staff_token(sessions, cast) -> str:
    async with transaction(sessions) as session:
        _, token = await auth.create_api_token(session, cast.officer_a.staff_id, "malformed-input tests")
    return token


@pytest.fixture
async def admin_token(sessions, cast) -> str:
    async with transaction(sessions) as session:
        _, token = await auth.create_api_token(session, cast.triage_admin.staff_id, "malformed-input tests")
    return token


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


def node(raw: str) -> str:
    return base64.urlsafe_b64encode(f"StaffSubmission:{raw}".encode()).decode()


SUBMIT = """mutation($input: SubmitInput!) { submit(input: $input) { __typename } }"""
VOTE = """mutation($t: String!) { vote(voterToken: $t, pollId: "1", optionIds: ["1"]) {
  __typename ... on NotVerified { code } } }"""
STAFF_ACK = """mutation($id: ID!) { acknowledge(id: $id) { __typename ... on NotFound { code } } }"""


def submit_variables(**fields) -> dict:
    return {"input": {"kind": "COMPLAINT", "text": "Jalan di desa kami rusak berlubang sejak lama",
                      "anonymous": True, **fields}}


# (query, variables, expected): expected is ("code", code) for a GraphQL error's extensions.code, or
# ("data", field, value) for a typed answer in the data.
GRAPHQL_CASES = {
    "nul_in_submit_text": (SUBMIT, submit_variables(text="Jalan rusak\x00 sekali di desa kami"), ("code", "invalid_text")),
    "nul_in_submit_title": (SUBMIT, submit_variables(title="Jalan\x00"), ("code", "invalid_text")),
    "nul_in_reporter_name": (SUBMIT, submit_variables(anonymous=False, reporterName="Budi\x00"), ("code", "invalid_text")),
    "nul_in_a_variable_key": (SUBMIT, {"input": {"kind": "COMPLAINT", "te\x00xt": "x"}}, ("code", "invalid_text")),
    "nul_in_literal_argument": ('{ submission(trackingCode: "AB\\u0000CD") { status } }', None, ("code", "invalid_text")),
    "nul_in_service_search": ('{ services(search: "air\\u0000") { slug } }', None, ("code", "invalid_text")),
    "nul_in_similar_text": ('query($t: String!) { similarSubmissions(text: $t) { similarity } }',
                            {"t": "Jalan rusak berlubang\x00 di desa kami"}, ("code", "invalid_text")),
    "nul_in_login_email": ('mutation { login(email: "a\\u0000@x.id", password: "x") { __typename } }', None,
                           ("code", "invalid_text")),
    "nul_in_voter_token": (VOTE, {"t": "\x00"}, ("code", "invalid_text")),
    "empty_poll_id": ('{ poll(id: "") { id } }', None, ("code", "invalid_id")),
    "superscript_poll_id": ('{ poll(id: "²") { id } }', None, ("code", "invalid_id")),
    "arabic_digit_poll_id": ('{ poll(id: "٣") { id } }', None, ("code", "invalid_id")),
    "huge_poll_id": ('{ poll(id: "99999999999") { id } }', None, ("code", "invalid_id")),
    "huge_proposal_id": ('{ proposal(id: "2147483648") { id } }', None, ("code", "invalid_id")),
    "huge_consultation_id": ('{ consultation(id: "99999999999999999999") { id } }', None, ("data", "consultation", None)),
    "garbage_polls_cursor": ('{ polls(after: "garbage") { totalCount } }', None, ("code", "invalid_cursor")),
    "huge_polls_cursor": ('query($a: String) { polls(after: $a) { totalCount } }', {"a": cursor("id:99999999999999")},
                          ("code", "invalid_cursor")),
    "superscript_proposals_cursor": ('query($a: String) { proposals(after: $a) { totalCount } }', {"a": cursor("id:²")},
                                     ("code", "invalid_cursor")),
    "garbage_consultations_cursor": ('{ consultations(after: "%%%") { totalCount } }', None, ("code", "invalid_cursor")),
    "huge_voter_token_expiry": (VOTE, {"t": "a" * 64 + ".99999999999999999999." + "b" * 32},
                                ("data", "vote", {"__typename": "NotVerified", "code": "not_verified"})),
    "superscript_voter_token_expiry": (VOTE, {"t": "a.²³.b"}, ("data", "vote", {"__typename": "NotVerified", "code": "not_verified"})),
    "operation_name_not_a_string": ("query A { polls { totalCount } }", None, None),
}


@pytest.mark.parametrize("case", list(GRAPHQL_CASES), ids=list(GRAPHQL_CASES))
async def test_bad_graphql_input_gets_its_typed_error_and_writes_nothing(client, database, case):
    query, variables, expected = GRAPHQL_CASES[case]
    payload = {"query": query, "variables": variables or {}}
    if case == "operation_name_not_a_string":
        payload["operationName"] = 12
    before = await row_counts(database)
    response = await client.post("/graphql", json=payload)
    assert response.status_code < 500, response.text
    body = response.json() if response.status_code == 200 else None
    if expected is None:
        assert response.status_code == 400 or body.get("errors"), response.text
    elif expected[0] == "code":
        assert body["errors"][0]["extensions"]["code"] == expected[1], body
        assert "Internal server error" not in response.text
    else:
        assert "errors" not in body, body
        assert body["data"][expected[1]] == expected[2]
    assert await row_counts(database) == before


async def test_a_lone_surrogate_in_a_variable_is_refused_and_writes_nothing(client, database):
    before = await row_counts(database)
    body = ('{"query": "mutation($input: SubmitInput!) { submit(input: $input) { __typename } }", '
            '"variables": {"input": {"kind": "COMPLAINT", "anonymous": true, '
            '"text": "Jalan rusak berlubang \\ud800 di desa kami"}}}')
    response = await client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "invalid_text"
    assert await row_counts(database) == before


@pytest.mark.parametrize("case", ["huge_node_id", "superscript_node_id", "not_base64"])
async def test_a_bad_node_id_reads_as_not_found_for_staff(client, staff_token, case):
    raw = {"huge_node_id": node("99999999999999"), "superscript_node_id": node("²"), "not_base64": "%%%"}[case]
    headers = {"Authorization": f"Bearer {staff_token}"}
    read = await client.post("/graphql", headers=headers, json={
        "query": "query($id: ID!) { staffSubmission(id: $id) { id } }", "variables": {"id": raw}})
    assert read.status_code == 200 and read.json() == {"data": {"staffSubmission": None}}
    act = await client.post("/graphql", headers=headers, json={"query": STAFF_ACK, "variables": {"id": raw}})
    assert act.json()["data"]["acknowledge"] == {"__typename": "NotFound", "code": "submission_not_found"}


@pytest.mark.parametrize("field", ["inbox", "triageQueue"])
@pytest.mark.parametrize("after", ["garbage", cursor('{"s": "created", "k": null, "id": 99999999999999}'),
                                   cursor('{"s": "created", "k": "2026-01-01T00:00:00", "id": 5}'),
                                   cursor('[1, 2]'), cursor('{"s": "created", "k": null, "id": "x"}')])
async def test_staff_list_cursors_are_checked(client, staff_token, admin_token, field, after):
    token = admin_token if field == "triageQueue" else staff_token
    response = await client.post("/graphql", headers={"Authorization": f"Bearer {token}"}, json={
        "query": f"query($a: String) {{ {field}(after: $a) {{ __typename ... on ValidationError {{ code }} }} }}",
        "variables": {"a": after}})
    assert response.status_code == 200
    assert response.json()["data"][field] == {"__typename": "ValidationError", "code": "invalid_cursor"}


async def test_a_comments_cursor_is_checked(client, staff_token):
    headers = {"Authorization": f"Bearer {staff_token}"}
    now = datetime.now(UTC)
    created = await client.post("/graphql", headers=headers, json={
        "query": "mutation($i: ConsultationInput!) { createConsultation(input: $i) { ... on Consultation { id } } }",
        "variables": {"i": {"title": "Rencana trotoar", "summary": "Usulan trotoar baru di pusat kota",
                            "opensAt": now.isoformat(), "closesAt": (now + timedelta(days=30)).isoformat()}}})
    consultation_id = created.json()["data"]["createConsultation"]["id"]
    await client.post("/graphql", headers=headers, json={
        "query": "mutation($id: ID!) { publishConsultation(id: $id) { __typename } }", "variables": {"id": consultation_id}})
    response = await client.post("/graphql", json={
        "query": 'query($id: ID!) { consultation(id: $id) { comments(after: "garbage") { totalCount } } }',
        "variables": {"id": consultation_id}})
    assert response.json()["errors"][0]["extensions"]["code"] == "invalid_cursor"


HTTP_BODIES = {
    "invalid_utf8": b'{"query": "{ polls { totalCount } }", "x": "\xff\xfe"}',
    "array": b"[]",
    "number": b"1",
    "string": b'"x"',
    "null": b"null",
    "nested_3000": b'{"query": "{ polls { totalCount } }", "variables": {"a": ' + b"[" * 3000 + b"]" * 3000 + b"}}",
    "nested_3000_objects": b'{"variables": ' + b'{"a": ' * 3000 + b"1" + b"}" * 3000 + b"}",
    "not_json": b"{query",
}


@pytest.mark.parametrize("case", list(HTTP_BODIES), ids=list(HTTP_BODIES))
async def test_a_body_that_is_not_one_json_object_is_a_400(client, database, case):
    before = await row_counts(database)
    response = await client.post("/graphql", content=HTTP_BODIES[case], headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert "JSON" in response.text or "UTF-8" in response.text
    assert await row_counts(database) == before


async def test_get_variables_that_are_not_an_object_are_a_400(client):
    response = await client.get("/graphql", params={"query": "{ polls { totalCount } }", "variables": "[" * 3000},
                                headers={"Accept": "application/json"})
    assert response.status_code == 400


# --- Open311 ----------------------------------------------------------------------------------------

OPEN311 = "/open311/v2"
OPEN311_GETS = {
    "start_date_at_the_end_of_time": f"{OPEN311}/requests.json?start_date=9999-12-31T23:59:59Z",
    "end_date_at_the_start_of_time": f"{OPEN311}/requests.json?end_date=0001-01-01T00:00:00Z",
    "start_date_with_offset": f"{OPEN311}/requests.xml?start_date=0001-01-01T00:00:00%2B01:00",
    "nul_in_service_code": f"{OPEN311}/requests.json?service_code=air%00",
    "nul_in_request_id": f"{OPEN311}/requests.json?service_request_id=SRA%00",
    "nul_in_path_id": f"{OPEN311}/requests/SR%00X.json",
    "nul_in_token": f"{OPEN311}/tokens/%00.json",
    "nul_in_service_definition": f"{OPEN311}/services/air%00.json",
    "nul_in_status": f"{OPEN311}/requests.json?status=open%00",
}


@pytest.mark.parametrize("case", list(OPEN311_GETS), ids=list(OPEN311_GETS))
async def test_bad_open311_queries_get_a_400_in_the_spec_format(client, case):
    response = await client.get(OPEN311_GETS[case])
    assert response.status_code in (400, 404), response.text
    if response.headers["content-type"].startswith("application/json"):
        errors = response.json()
        assert errors[0]["code"] == response.status_code and errors[0]["description"]


@pytest.fixture
async def api_key(app_state) -> str:
    from suara.channels.open311.service import create_key

    async with app_state.transaction() as session:
        _, key = await create_key(session, "malformed-input tests")
    return key


@pytest.mark.parametrize("field", ["description", "address_string", "first_name", "email", "api_key", "service_code"])
async def test_a_nul_in_any_open311_post_field_is_a_400_and_writes_nothing(client, database, api_key, field):
    form = {"api_key": api_key, "service_code": "infrastruktur", "lat": "-6.99", "long": "110.42",
            "description": "Jalan rusak berlubang di depan pasar sejak seminggu", "address_string": "Jl. Pemuda"}
    form[field] = (form.get(field) or "x") + "\x00"
    before = await row_counts(database)
    response = await client.post(f"{OPEN311}/requests.json", content=urlencode(form),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400, response.text
    assert "NUL" in response.json()[0]["description"]
    assert await row_counts(database) == before


# --- SMS --------------------------------------------------------------------------------------------

def signed(app_state, fields: dict, timestamp: str | None = None) -> tuple[bytes, dict]:
    body = urlencode(fields).encode()
    timestamp = timestamp or str(int(time.time()))
    return body, {"Content-Type": "application/x-www-form-urlencoded", "X-Suara-Timestamp": timestamp,
                  "X-Suara-Signature": suara_signature(webhook_secret(app_state), timestamp, body)}


def sms_fields(**overrides) -> dict:
    return {"from": "081234567890", "text": "LAPOR jalan rusak di depan pasar", "message_id": uuid.uuid4().hex,
            **overrides}


@pytest.mark.parametrize("case", ["nul_in_text", "nul_in_sender", "nul_in_message_id", "nul_in_a_field_name"])
async def test_a_signed_sms_with_nul_is_a_400_and_writes_nothing(client, database, app_state, case):
    fields = {"nul_in_text": sms_fields(text="LAPOR jalan\x00 rusak"), "nul_in_sender": sms_fields(**{"from": "0812\x00"}),
              "nul_in_message_id": sms_fields(message_id="m\x00"), "nul_in_a_field_name": {**sms_fields(), "x\x00": "1"}}[case]
    body, headers = signed(app_state, fields)
    before = await row_counts(database)
    response = await client.post("/sms/inbound", content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_text"
    assert await row_counts(database) == before


@pytest.mark.parametrize("case", ["huge_timestamp", "superscript_timestamp", "non_ascii_signature",
                                  "non_ascii_twilio_signature", "negative_timestamp"])
async def test_a_malformed_sms_signature_is_a_403_and_writes_nothing(client, database, app_state, case):
    body, headers = signed(app_state, sms_fields())
    if case == "huge_timestamp":
        headers["X-Suara-Timestamp"] = "9" * 30
        headers["X-Suara-Signature"] = suara_signature(webhook_secret(app_state), "9" * 30, body)
    elif case == "superscript_timestamp":
        headers["X-Suara-Timestamp"] = b"\xb2"  # "²" once Starlette decodes the header as Latin-1
    elif case == "negative_timestamp":
        headers["X-Suara-Timestamp"] = "-1"
    elif case == "non_ascii_signature":
        headers["X-Suara-Signature"] = b"v1=" + "é".encode("latin-1") * 64
    else:
        del headers["X-Suara-Signature"]
        headers["X-Twilio-Signature"] = "ÿ".encode("latin-1") * 28
    before = await row_counts(database)
    response = await client.post("/sms/inbound", content=body, headers=headers)
    assert response.status_code == 403, response.text
    assert response.json()["error"] in ("missing_timestamp", "bad_signature", "stale_timestamp")
    assert await row_counts(database) == before


async def test_a_signed_sms_with_invalid_utf8_is_read_with_replacement_characters(client, app_state):
    body = b"from=081234567890&text=LAPOR+jalan+%FF%FE+rusak&message_id=" + uuid.uuid4().hex.encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Suara-Timestamp": timestamp,
               "X-Suara-Signature": suara_signature(webhook_secret(app_state), timestamp, body)}
    response = await client.post("/sms/inbound", content=body, headers=headers)
    assert response.status_code < 500, response.text
