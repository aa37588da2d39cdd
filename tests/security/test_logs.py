"""The server log never holds a citizen's contact details, whatever a client sends or gets wrong.

A real `suara serve` receives contact values (a name, phones in several formats, an e-mail, a NIK)
in every field of good and bad requests on every surface; then its whole log is scanned for them.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from urllib.parse import urlencode

import httpx
import pytest
from graphql import GraphQLError

from suara.api.graphql.error_log import log_errors, without_values
from suara.channels.open311 import service as open311_keys
from suara.channels.sms.signature import suara_signature
from suara.db.engine import transaction
from suara.notifications.senders import ConsoleSender, Outgoing
from tests.conftest import TEST_SECRET_KEY
from tests.servers import environment, free_port, start_suara, wait_until_healthy

NAME = "Sulistyowati Wibisono"
PHONES = ["081298765432", "0812-9876-5432", "0812 9876 5432", "(0812) 98765432", "+6281298765432",
          "+62 812-9876-5432", "6281298765432", "021-5551234"]
EMAIL = "sulis.wibisono@contoh.co.id"
NIKS = ["3374019876543210", "3374 0198 7654 3210", "3374.0198.7654.3210"]
CONTACT = f"{NAME}, HP {' / '.join(PHONES)}, {EMAIL}, NIK {' / '.join(NIKS)}"
SMS_SECRET = "log-test-webhook-secret"


def contact_values_in(log: str) -> list[str]:
    """Every trace of the contact values in ``log``, also with the separators of a number dropped."""
    digits_joined = re.sub(r"(?<=\d)[\s.\-()]+(?=\d)", "", log)
    found = [word for word in ("Sulistyowati", "Wibisono", "sulis.wibisono", "contoh.co.id") if word.lower() in log.lower()]
    found += [number for number in ("98765432", "5551234", "3374019876543210", "01987654") if number in digits_joined]
    return found


@pytest.fixture
def served(database_url, tmp_path):
    port = free_port()
    process = start_suara(port, environment(
        DATABASE_URL=database_url, SUARA_SECRET_KEY=TEST_SECRET_KEY.decode(), SUARA_HOME=str(tmp_path),
        SUARA_RATE_LIMITS="off", SUARA_SMS_WEBHOOK_SECRET=SMS_SECRET), "--no-jobs")
    try:
        wait_until_healthy(process, port)
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def graphql_requests(base: str) -> list[httpx.Response]:
    contact_input = {"kind": "COMPLAINT", "text": f"Jalan rusak di depan rumah. {CONTACT}", "title": f"{NAME} {PHONES[3]} {NIKS[1]}",
                     "locationText": f"{NAME}, {PHONES[5]}, {EMAIL}", "reporterName": NAME, "reporterPhone": PHONES[0],
                     "reporterEmail": EMAIL, "reporterNik": NIKS[0], "idempotencyKey": f"{PHONES[0]}-{uuid.uuid4()}"}
    submit = "mutation($input: SubmitInput!) { submit(input: $input) { __typename ... on ValidationError { field code } } }"
    bad_inputs = [
        {**contact_input, "reporterPhone": NAME, "reporterEmail": PHONES[3], "reporterNik": EMAIL},  # typed errors
        {**contact_input, "kind": NAME},  # not an enum value
        {**contact_input, "latitude": NAME, "regionCode": 6281298765432},  # wrong types
        {**contact_input, "serviceSlug": CONTACT, "idempotencyKey": PHONES[1]},
        {**contact_input, "text": f"\x00{CONTACT}", "title": f"\ud800{NAME}"},
    ]
    documents = [
        (submit, {"input": contact_input}),
        *[(submit, {"input": bad}) for bad in bad_inputs],
        (submit, {"input": json.dumps(contact_input)}),
        (submit, {}),
        (f'mutation {{ submit(input: {{kind: COMPLAINT, text: "{CONTACT}", reporterPhone: 6281298765432}}) {{ __typename }} }}', {}),
        (f'mutation {{ submit(input: {{kind: Sulistyowati, text: "{CONTACT}", reporterNik: 3374019876543210}}) {{ __typename }} }}', {}),
        (f'{{ submission(trackingCode: "{PHONES[0]}") {{ __typename }} }}', {}),
        (f'{{ submission(trackingCode: "{CONTACT}) {{ __typename }} }}', {}),  # unterminated string
        ("{ Sulistyowati Wibisono 081298765432 }", {}),
        ("query($code: String!) { submission(trackingCode: $code) { status } }", {"code": 81298765432}),
        ("query($text: String!) { suggestRouting(text: $text) { score } }", {"text": CONTACT}),
        ("query($text: String!) { similarSubmissions(text: $text) { __typename } }", {"text": CONTACT}),
        ("mutation($p: String!) { requestVerificationCode(phone: $p) { __typename } }", {"p": PHONES[5]}),
        ("mutation($p: String!) { verifyPhone(phone: $p, code: $p) { __typename } }", {"p": PHONES[2]}),
        ("mutation($e: String!) { login(email: $e, password: $e) { __typename } }", {"e": EMAIL}),
        ("mutation($c: String!) { dispute(trackingCode: $c, secret: $c, reason: $c) { __typename } }", {"c": CONTACT}),
        ("mutation($c: String!) { respond(id: $c, text: $c) { __typename } }", {"c": CONTACT}),
        (f'{{ polls(after: "{NIKS[1]}") {{ __typename }} poll(id: "{PHONES[3]}") {{ __typename }} }}', {}),
    ]
    with httpx.Client(base_url=base, timeout=30) as client:
        responses = [client.post("/graphql", content=json.dumps({"query": query, "variables": variables}),  # ASCII
                                 headers={"Content-Type": "application/json"}) for query, variables in documents]
        responses += [
            client.get("/graphql", params={"query": documents[0][0], "variables": json.dumps(documents[0][1])}),
            client.get("/graphql", params={"query": f'{{ submission(trackingCode: "{CONTACT}") {{ status }} }}'}),
            client.post("/graphql", json={"query": submit, "variables": CONTACT}),
            client.post("/graphql", json=[CONTACT]),
            client.post("/graphql", content=f'{{"query": "{CONTACT}'.encode(), headers={"Content-Type": "application/json"}),
            client.post("/graphql", content=b'{"query": "' + CONTACT.encode() * 2000 + b'"}',
                        headers={"Content-Type": "application/json"}),  # over the body limit
            client.post("/graphql", content=CONTACT.encode("utf-16"), headers={"Content-Type": "application/json"}),
        ]
    return responses


def other_surface_requests(base: str, api_key: str) -> list[httpx.Response]:
    open311 = {"service_code": "jalan-rusak", "description": CONTACT, "first_name": NAME.split()[0],
               "last_name": NAME.split()[1], "email": EMAIL, "phone": PHONES[6], "address_string": CONTACT,
               "device_id": NIKS[2], "account_id": PHONES[7]}
    with httpx.Client(base_url=base, timeout=30) as client:
        responses = [
            client.post("/open311/v2/requests.json", data={**open311, "api_key": api_key}),
            client.post("/open311/v2/requests.xml", data={**open311, "api_key": api_key, "service_code": CONTACT}),
            client.post("/open311/v2/requests.json", data={**open311, "api_key": CONTACT}),
            client.post("/open311/v2/requests.json", data={**open311, "api_key": api_key, "lat": NAME, "long": PHONES[0]}),
            client.get("/open311/v2/requests.json", params={"service_request_id": CONTACT, "start_date": PHONES[0]}),
            client.get(f"/open311/v2/requests/{PHONES[0]}.json"),
            client.get(f"/open311/v2/tokens/{NIKS[0]}.xml"),
            client.get(f"/{NAME}/{PHONES[0]}", params={"email": EMAIL}),
            client.post("/sms/inbound", data={"from": PHONES[0], "text": f"LAPOR {CONTACT}", "message_id": NIKS[0]}),
        ]
        for sender, text in [(PHONES[0], f"LAPOR jalan rusak depan rumah {CONTACT}"), (NAME, f"LAPOR {CONTACT}"),
                             (PHONES[4], f"CEK {PHONES[1]}"), (PHONES[0], "")]:
            body = urlencode({"from": sender, "text": text, "message_id": f"log-{uuid.uuid4().hex}"}).encode()
            timestamp = str(int(time.time()))
            responses.append(client.post("/sms/inbound", content=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "X-Suara-Timestamp": timestamp,
                "X-Suara-Signature": suara_signature(SMS_SECRET.encode(), timestamp, body)}))
    return responses


async def test_no_contact_value_reaches_the_server_log_from_any_request(served, app_state):
    base, process = served
    async with transaction(app_state.sessions) as session:
        _, api_key = await open311_keys.create_key(session, f"log test {uuid.uuid4().hex[:6]}")
    responses = graphql_requests(base) + other_surface_requests(base, api_key)
    assert any(r.status_code == 200 and "SubmissionReceipt" in r.text for r in responses), responses[0].text
    assert {400, 403, 404, 413} <= {r.status_code for r in responses}
    process.terminate()
    log = process.communicate(timeout=30)[0]

    assert "client error at" in log, "client mistakes are logged (at INFO), just without their values"
    assert contact_values_in(log) == [], log
    assert "strawberry.execution" not in log, "Strawberry's own error log (every mistake at ERROR) is replaced"
    errors = [line for line in log.splitlines() if line.startswith("ERROR")]
    assert all(line.startswith("ERROR suara.graphql: unexpected error at ") for line in errors), errors


def test_graphql_messages_lose_every_quoted_or_numeric_value():
    messages = [
        f"Variable '$input' got invalid value {{\"kind\": \"{NAME}\", \"reporterPhone\": \"{PHONES[1]}\"}}; Value '{NAME}' does not exist.",
        f"String cannot represent a non string value: {PHONES[6]}",
        f"Expected value of type 'SubmissionKind!', found {NAME.split()[0]}; Did you mean the enum value 'COMPLAINT'?",
        f"invalid input for query argument $3: '{EMAIL}' (expected str, got {NIKS[1]})",
        f"Syntax Error: Unexpected Name \"{NAME.split()[0]}\".",
    ]
    for message in messages:
        assert contact_values_in(without_values(message)) == [], without_values(message)
    assert without_values("Cannot query field 'nope' on type 'Query'.") == "Cannot query field … on type …."


def test_a_crash_is_logged_at_error_with_its_request_id_and_stack_but_no_values(caplog):
    def failing_resolver():
        raise ValueError(f"invalid input syntax for type integer: \"{NAME}\" ({PHONES[0]}, {EMAIL})")

    try:
        failing_resolver()
    except ValueError as crash:
        error = GraphQLError("boom", original_error=crash, path=["submit", 0, "receipt"])
    with caplog.at_level(logging.DEBUG):
        log_errors([error, GraphQLError(f"Int cannot represent non-integer value: \"{PHONES[2]}\"")])
    crash_record, client_record = caplog.records
    assert crash_record.levelno == logging.ERROR and client_record.levelno == logging.INFO
    assert "failing_resolver" in crash_record.getMessage() and "ValueError" in crash_record.getMessage()
    assert "submit.receipt" in crash_record.getMessage()
    assert contact_values_in(caplog.text) == [], caplog.text


async def test_the_console_gateway_logs_messages_without_the_full_number(caplog):
    with caplog.at_level(logging.INFO, logger="suara.outbox"):
        await ConsoleSender().send(Outgoing("sms", "+6281298765432", None, "Kode verifikasi Suara: 123456"))
    assert "Kode verifikasi Suara: 123456" in caplog.text
    assert contact_values_in(caplog.text) == []
