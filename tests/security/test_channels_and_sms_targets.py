"""Findings 10 and 11, tried as an attacker: a GraphQL client cannot pose as the SMS, Open311 or
proposal channel, and Suara cannot be made to send status SMS to a number nobody proved is theirs."""

from __future__ import annotations

import random
import re
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import select

from suara.app import create_app
from suara.channels.open311 import service as open311
from suara.db.columns import utcnow
from suara.db.engine import transaction
from suara.dialogue.identity import voter_hash, voter_token
from suara.submissions.models import ReporterContact, Submission
from suara.submissions.outbox_models import OutboxMessage
from suara.submissions.service import find_by_tracking_code
from suara.triage import service as triage
from tests.channels.test_sms_webhook import Phone
from tests.conftest import TEST_SECRET_KEY
from tests.factories import submit_input

SUBMIT = """mutation($input: SubmitInput!) { submit(input: $input) { __typename
  ... on SubmissionReceipt { trackingCode citizenSecret submission { channel } }
  ... on ValidationError { field code message messageEn } } }"""
SUPPORT = """mutation($code: String!, $channel: SubmissionChannel!) { support(trackingCode: $code, channel: $channel) {
  __typename ... on SupportReceipt { submission { supportCount } } ... on ValidationError { field code } } }"""
REQUEST_CODE = """mutation($code: String!, $secret: String!) { requestReporterPhoneCode(trackingCode: $code, secret: $secret) {
  __typename ... on VerificationCodeSent { expiresAt } ... on NotAllowed { code } ... on RateLimited { code } } }"""
VERIFY = """mutation($code: String!, $secret: String!, $sms: String, $token: String) {
  verifyReporterPhone(trackingCode: $code, secret: $secret, code: $sms, voterToken: $token) {
  __typename ... on ReporterPhoneVerified { trackingCode } ... on NotVerified { code message messageEn }
  ... on NotAllowed { code } } }"""


def new_phone() -> tuple[str, str]:
    digits = f"{random.randrange(10**7, 10**8)}"
    return f"0857{digits}", f"+62857{digits}"


@pytest.fixture
async def citizen(app_state):
    """A GraphQL client from an address of its own, so verification-code limits of other tests do not apply."""
    app = create_app(app_state.settings, state=app_state)
    address = f"10.{random.randrange(1, 250)}.{random.randrange(1, 250)}.{random.randrange(1, 250)}"
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://suara.test") as client:
        async def ask(query: str, **variables) -> dict:
            body = (await client.post("/graphql", json={"query": query, "variables": variables})).json()
            assert "errors" not in body, body
            return next(iter(body["data"].values()))
        yield ask


async def count(database, sql: str, **params) -> int:
    async with database.connect() as connection:
        return (await connection.execute(text(sql), params)).scalar_one()


async def sms_to(app_state, phone: str, submission_id: int | None = None) -> list[OutboxMessage]:
    async with app_state.reading() as session:
        query = select(OutboxMessage).where(OutboxMessage.recipient == phone, OutboxMessage.channel == "sms")
        if submission_id is not None:
            query = query.where(OutboxMessage.submission_id == submission_id)
        return list(await session.exec(query.order_by(OutboxMessage.id)))


async def route_and_acknowledge(app_state, cast, tracking_code: str) -> Submission:
    """Two status changes the reporter hears about: routed to the agency, acknowledged by it."""
    async with transaction(app_state.sessions) as session:
        item = await find_by_tracking_code(session, tracking_code)
        if item.status != "routed":
            await triage.route_submission(session, cast.triage_admin, item.id, "infrastruktur")
        return await triage.acknowledge(session, cast.officer_a, item.id)


@pytest.mark.parametrize("channel", ["SMS", "OPEN311", "PROPOSAL"])
async def test_a_client_cannot_file_as_a_channel_it_is_not(citizen, database, channel):
    marker = uuid.uuid4().hex
    refused = await citizen(SUBMIT, input=submit_input(channel=channel, text=f"Jalan rusak parah sekali {marker}"))
    assert refused["__typename"] == "ValidationError"
    assert (refused["field"], refused["code"]) == ("channel", "reserved_channel")
    assert refused["message"] and refused["messageEn"]
    assert await count(database, "SELECT count(*) FROM submissions WHERE text LIKE :m", m=f"%{marker}%") == 0


@pytest.mark.parametrize("channel", ["WEB", "API"])
async def test_web_and_api_clients_file_under_their_own_channel(citizen, channel):
    filed = await citizen(SUBMIT, input=submit_input(channel=channel))
    assert filed["submission"]["channel"] == channel


@pytest.mark.parametrize("channel", ["SMS", "OPEN311", "PROPOSAL"])
async def test_a_client_cannot_support_as_a_channel_it_is_not(citizen, database, channel):
    code = (await citizen(SUBMIT, input=submit_input()))["trackingCode"]
    refused = await citizen(SUPPORT, code=code, channel=channel)
    assert refused == {"__typename": "ValidationError", "field": "channel", "code": "reserved_channel"}
    assert await count(database, "SELECT count(*) FROM submission_supports s JOIN submissions i ON i.id = s.submission_id "
                               "WHERE i.tracking_code = :c", c=code.replace("-", "")) == 0
    assert (await citizen(SUPPORT, code=code, channel="WEB"))["submission"]["supportCount"] == 1


async def test_a_phone_typed_into_the_form_gets_no_status_sms_until_its_owner_confirms_it(citizen, app_state, cast):
    local, e164 = new_phone()
    receipt = await citizen(SUBMIT, input=submit_input(channel="WEB", reporterPhone=local))
    code, secret = receipt["trackingCode"], receipt["citizenSecret"]
    item = await route_and_acknowledge(app_state, cast, code)
    assert await sms_to(app_state, e164) == []

    assert (await citizen(REQUEST_CODE, code=code, secret="wrong-secret"))["code"] == "wrong_secret"
    assert (await citizen(REQUEST_CODE, code=code, secret=secret))["__typename"] == "VerificationCodeSent"
    [sent] = await sms_to(app_state, e164)
    one_time = re.search(r"\d{6}", sent.body).group()
    assert sent.submission_id is None  # the code itself; no status news went out
    wrong = "000000" if one_time != "000000" else "111111"
    assert (await citizen(VERIFY, code=code, secret=secret, sms=wrong))["code"] == "wrong_code"
    assert (await citizen(VERIFY, code=code, secret="wrong-secret", sms=one_time))["code"] == "wrong_secret"
    async with app_state.reading() as session:
        assert (await session.get(ReporterContact, item.id)).phone_verified is False

    verified = await citizen(VERIFY, code=code, secret=secret, sms=one_time)
    assert verified == {"__typename": "ReporterPhoneVerified", "trackingCode": code}
    async with transaction(app_state.sessions) as session:
        await triage.respond(session, cast.officer_a, item.id, "Tim kami menjadwalkan perbaikan minggu ini.")
    [news] = await sms_to(app_state, e164, item.id)
    assert item.tracking_code in news.body


async def test_a_voter_token_confirms_only_the_phone_it_was_issued_for(citizen, app_state):
    local, e164 = new_phone()
    receipt = await citizen(SUBMIT, input=submit_input(reporterPhone=local))
    code, secret = receipt["trackingCode"], receipt["citizenSecret"]
    expires = utcnow() + timedelta(days=1)
    other = voter_token(TEST_SECRET_KEY, voter_hash(TEST_SECRET_KEY, new_phone()[0]), expires)
    assert (await citizen(VERIFY, code=code, secret=secret, token=other))["code"] == "other_phone"
    own = voter_token(TEST_SECRET_KEY, voter_hash(TEST_SECRET_KEY, e164), expires)
    assert (await citizen(VERIFY, code=code, secret=secret, token=own))["__typename"] == "ReporterPhoneVerified"


async def test_a_submission_without_a_phone_cannot_ask_for_a_code(citizen):
    receipt = await citizen(SUBMIT, input=submit_input(reporterEmail="warga@example.id"))
    answer = await citizen(REQUEST_CODE, code=receipt["trackingCode"], secret=receipt["citizenSecret"])
    assert answer == {"__typename": "NotAllowed", "code": "no_phone"}


async def test_an_unverified_phone_with_an_email_gets_the_news_by_email(citizen, app_state, cast):
    local, e164 = new_phone()
    receipt = await citizen(SUBMIT, input=submit_input(reporterPhone=local, reporterEmail="pelapor@example.id"))
    assert await sms_to(app_state, e164) == []
    item = await route_and_acknowledge(app_state, cast, receipt["trackingCode"])
    async with app_state.reading() as session:
        sent = list(await session.exec(select(OutboxMessage).where(OutboxMessage.submission_id == item.id)))
    assert [(m.channel, m.recipient) for m in sent] == [("email", "pelapor@example.id")] * 2
    assert await sms_to(app_state, e164) == []


async def test_an_open311_phone_is_kept_for_the_agency_but_gets_no_status_sms(client, app_state, cast):
    async with transaction(app_state.sessions) as session:
        _, api_key = await open311.create_key(session, f"uji {uuid.uuid4().hex[:6]}")
    local, e164 = new_phone()
    created = await client.post("/open311/v2/requests.json", data={
        "api_key": api_key, "service_code": "infrastruktur", "address_string": "Jl. Pemuda 12, Semarang",
        "description": "Trotoar amblas di depan toko, pejalan kaki harus turun ke jalan.", "phone": local})
    assert created.status_code == 201, created.text
    item = await route_and_acknowledge(app_state, cast, created.json()[0]["service_request_id"])
    async with app_state.reading() as session:
        contact = await session.get(ReporterContact, item.id)
    assert (contact.phone, contact.phone_verified) == (e164, False)
    assert await sms_to(app_state, e164) == []


async def test_an_item_filed_by_sms_gets_status_sms_on_that_number(client, app_state, cast):
    phone = Phone(client, app_state)
    assert (await phone.send("LAPOR jembatan kayu di dusun Krajan patah, warga tidak bisa lewat")).status_code == 200
    async with app_state.reading() as session:
        item = (await session.exec(select(Submission).where(Submission.idempotency_key.like("sms:%"))
                                   .join(ReporterContact).where(ReporterContact.phone == phone.e164))).one()
        assert (await session.get(ReporterContact, item.id)).phone_verified is True
    receipt_replies = len(await sms_to(app_state, phone.e164, item.id))
    await route_and_acknowledge(app_state, cast, item.tracking_code)
    news = (await sms_to(app_state, phone.e164, item.id))[receipt_replies:]
    assert len(news) == 2 and all(item.tracking_code in m.body for m in news)
