"""Finding 1, tried as an attacker: an idempotency key is no way to someone else's receipt.

Keys are namespaced by who may use them (``client:``, ``open311:<key id>:``, ``sms:``, ``proposal:``)
and a replay must carry the same payload as the first request, so knowing a key is worth nothing.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import select

from suara.db.engine import transaction
from suara.dialogue import proposals
from suara.routing.router import NoRouter
from suara.submissions import origins, service
from suara.submissions.models import Submission
from suara.submissions.origins import IdempotencyKeyReused
from suara.triage.service import visible_to
from tests.channels.test_sms_webhook import Phone
from tests.conftest import TEST_SECRET_KEY
from tests.factories import draft, submit_input, unique_text

SUBMIT = """mutation($input: SubmitInput!) { submit(input: $input) { __typename
  ... on SubmissionReceipt { trackingCode citizenSecret replayed }
  ... on Conflict { code message messageEn }
  ... on ValidationError { field code problems { field code } } } }"""
SUPPORT = """mutation($code: String!, $key: String) { support(trackingCode: $code, idempotencyKey: $key) {
  __typename ... on SupportReceipt { submission { supportCount } } ... on Conflict { code message messageEn }
  ... on ValidationError { code } } }"""


def new_key() -> str:
    return f"web-{uuid.uuid4().hex}"


async def count(database, sql: str, **params) -> int:
    async with database.connect() as connection:
        return (await connection.execute(text(sql), params)).scalar_one()


async def file(gql, **fields) -> dict:
    return (await gql(SUBMIT, {"input": submit_input(**fields)}))["submit"]


async def test_someone_elses_key_with_other_text_gets_a_conflict_not_their_receipt(gql, database):
    key = new_key()
    victim = await file(gql, idempotencyKey=key, reporterName="Siti Aminah", reporterPhone="081234567890")
    assert victim["__typename"] == "SubmissionReceipt"
    marker = uuid.uuid4().hex
    attack = await file(gql, idempotencyKey=key, text=f"Teks penyerang yang lain sama sekali {marker}")
    assert attack["__typename"] == "Conflict" and attack["code"] == "idempotency_key_reused"
    assert attack["message"] and attack["messageEn"] and "trackingCode" not in attack
    assert victim["citizenSecret"] not in str(attack)
    assert await count(database, "SELECT count(*) FROM submissions WHERE text LIKE :m", m=f"%{marker}%") == 0


async def test_the_same_key_with_the_same_text_but_another_contact_is_a_conflict(gql, database):
    key, body = new_key(), unique_text()
    first = await file(gql, idempotencyKey=key, text=body, reporterPhone="081234567890")
    second = await file(gql, idempotencyKey=key, text=body, reporterPhone="081298765432")
    third = await file(gql, idempotencyKey=key, text=body, reporterPhone="081234567890", kind="ASPIRATION")
    assert first["__typename"] == "SubmissionReceipt"
    assert (second["__typename"], second["code"]) == (third["__typename"], third["code"]) == (
        "Conflict", "idempotency_key_reused")
    assert await count(database, "SELECT count(*) FROM submissions WHERE text = :t", t=body) == 1


async def test_an_identical_retry_still_gets_the_first_receipt(gql):
    body = submit_input(idempotencyKey=new_key(), reporterEmail="warga@example.id", title="Jalan rusak")
    first = (await gql(SUBMIT, {"input": body}))["submit"]
    again = (await gql(SUBMIT, {"input": body}))["submit"]
    assert again["replayed"] is True
    assert (again["trackingCode"], again["citizenSecret"]) == (first["trackingCode"], first["citizenSecret"])


async def test_twenty_concurrent_identical_submits_store_one_row_and_share_one_receipt(committing_gql, engine):
    """Commits: the submits race in transactions of their own."""
    key = new_key()
    body = submit_input(idempotencyKey=key, reporterPhone="081234567890")
    receipts = [r["submit"] for r in await asyncio.gather(*(committing_gql(SUBMIT, {"input": body}) for _ in range(20)))]
    assert {r["__typename"] for r in receipts} == {"SubmissionReceipt"}
    assert len({(r["trackingCode"], r["citizenSecret"]) for r in receipts}) == 1
    assert sum(not r["replayed"] for r in receipts) == 1
    assert await count(engine, "SELECT count(*) FROM submissions WHERE idempotency_key = :k", k=f"client:{key}") == 1
    assert await count(engine, "SELECT count(*) FROM reporter_contacts c JOIN submissions s ON s.id = c.submission_id "
                             "WHERE s.idempotency_key = :k", k=f"client:{key}") == 1


async def test_short_keys_are_refused_and_nothing_is_written(gql, database):
    marker = uuid.uuid4().hex
    for short in ("abc", "x" * 15):
        refused = await file(gql, idempotencyKey=short, text=f"Lampu jalan mati sejak minggu lalu {marker}")
        assert refused["__typename"] == "ValidationError" and refused["code"] == "invalid_idempotency_key"
    assert await count(database, "SELECT count(*) FROM submissions WHERE text LIKE :m", m=f"%{marker}%") == 0
    assert (await file(gql, idempotencyKey="x" * 16))["__typename"] == "SubmissionReceipt"


async def test_the_key_of_an_sms_filing_gives_a_client_no_receipt(client, gql, app_state):
    phone = Phone(client, app_state)
    message_id = f"SM{uuid.uuid4().hex}"
    assert (await phone.send("LAPOR jalan rusak di desa Sukamaju RT 02, lubang besar sekali",
                             message_id=message_id)).status_code == 200
    async with app_state.reading() as session:
        sms_item = (await session.exec(select(Submission).where(Submission.idempotency_key == f"sms:{message_id}"))).one()
    for key in (f"sms:{message_id}", message_id):
        attack = await file(gql, idempotencyKey=key)
        assert attack["__typename"] == "SubmissionReceipt" and attack["replayed"] is False
        assert attack["trackingCode"].replace("-", "") != sms_item.tracking_code
    async with app_state.reading() as session:
        stored = (await session.exec(select(Submission.idempotency_key).where(
            Submission.idempotency_key.like(f"%{message_id}")).order_by(Submission.id))).all()
    assert stored == [f"sms:{message_id}", f"client:sms:{message_id}", f"client:{message_id}"]


async def test_a_proposal_whose_key_an_attacker_tried_to_claim_still_reaches_the_agency_inbox(
        gql, app_state, cast):
    async with transaction(app_state.sessions) as session:
        proposal = await proposals.propose(
            session, "a" * 64, title="Taman bermain untuk anak desa", category_slug="infrastruktur",
            text="Desa kami belum punya taman bermain yang aman untuk anak-anak; mohon dibangun di lahan desa.",
            router=app_state.router, threshold=2)
    claims = [f"proposal-{proposal.id}", f"proposal:{proposal.id}",
              f"proposal-{proposal.id}".ljust(16, "0"), f"proposal:{proposal.id}:padding-key"]
    answers = [await file(gql, idempotencyKey=key) for key in claims]
    assert [a["__typename"] for a in answers] == ["ValidationError", "ValidationError",
                                                 "SubmissionReceipt", "SubmissionReceipt"]
    assert [a["code"] for a in answers[:2]] == ["invalid_idempotency_key"] * 2
    async with transaction(app_state.sessions) as session:
        for supporter in ("b" * 64, "c" * 64):
            proposal = await proposals.support(session, proposal.id, supporter, secret_key=TEST_SECRET_KEY)
    assert proposal.status == "accepted"
    async with app_state.reading() as session:
        item = await session.get(Submission, proposal.submission_id)
        inbox = (await session.exec(select(Submission.id).where(visible_to(cast.officer_a), Submission.id == item.id))).all()
    assert item.channel == "proposal" and item.status == "routed" and item.idempotency_key == f"proposal:{proposal.id}"
    assert inbox == [item.id]
    attackers = {a["trackingCode"].replace("-", "") for a in answers if "trackingCode" in a}
    assert item.tracking_code not in attackers


async def test_a_client_key_can_never_equal_an_internal_key():
    for key in ("sms:SM123", "proposal:7", "open311:1:abc"):
        scoped = origins.CLIENT.scoped(key)
        assert scoped.startswith("client:")
        assert scoped not in {origins.SMS.scoped(key), origins.PROPOSAL.scoped(key), origins.open311(1).scoped(key)}
    assert origins.open311(1).scoped("k") != origins.open311(2).scoped("k")


async def test_a_support_key_used_on_another_item_is_a_conflict_and_counts_nothing(gql, database):
    first = (await file(gql))["trackingCode"]
    second = (await file(gql))["trackingCode"]
    key = new_key()
    assert (await gql(SUPPORT, {"code": first, "key": key}))["support"]["submission"]["supportCount"] == 1
    assert (await gql(SUPPORT, {"code": first, "key": key}))["support"]["submission"]["supportCount"] == 1
    reused = (await gql(SUPPORT, {"code": second, "key": key}))["support"]
    assert reused["__typename"] == "Conflict" and reused["code"] == "idempotency_key_reused"
    short = (await gql(SUPPORT, {"code": second, "key": "short-key"}))["support"]
    assert short == {"__typename": "ValidationError", "code": "invalid_idempotency_key"}
    assert await count(database, "SELECT support_count FROM submissions WHERE tracking_code = :c",
                       c=second.replace("-", "")) == 0
    assert await count(database, "SELECT count(*) FROM submission_supports WHERE idempotency_key = :k",
                       k=f"client:{key}") == 1


async def test_a_key_stored_before_fingerprints_existed_replays_nothing(db_session):
    request = draft(idempotency_key=new_key())
    receipt = await service.submit(db_session, request, router=NoRouter(), secret_key=TEST_SECRET_KEY)
    assert (await service.submit(db_session, request, router=NoRouter(), secret_key=TEST_SECRET_KEY)).replayed
    await db_session.exec(text("UPDATE submissions SET idempotency_fingerprint = NULL WHERE id = :id"),
                          params={"id": receipt.submission.id})
    with pytest.raises(IdempotencyKeyReused):
        await service.submit(db_session, request, router=NoRouter(), secret_key=TEST_SECRET_KEY)


async def test_upgrading_moves_keys_that_clients_claimed_out_of_the_internal_namespaces():
    """Before 0013 keys were global: a client may already hold `sms:…` or `proposal-…`. The upgrade
    keeps internal keys only on rows of their own channel; everything else becomes a client key."""
    from suara.db import migrate
    from suara.db.engine import make_engine
    from tests.conftest import create_database

    engine = make_engine(await create_database(f"suara_test_keys_{os.getpid()}"), pool_size=1)
    rows = [("AAAAAAAA1", "sms", "sms:SM1"), ("AAAAAAAA2", "api", "sms:SM2"), ("AAAAAAAA3", "proposal", "proposal-7"),
            ("AAAAAAAA4", "web", "proposal-8"), ("AAAAAAAA5", "web", "web-0123456789abcdef"), ("AAAAAAAA6", "api", None)]
    try:
        await migrate.upgrade(engine, "0012")
        async with engine.begin() as connection:
            for code, channel, key in rows:
                await connection.execute(text(
                    "INSERT INTO submissions (tracking_code, idempotency_key, kind, channel, text, public_text, "
                    "anonymous, confidential, status, version, created_at, updated_at) VALUES "
                    "(:code, :key, 'complaint', :channel, 'teks uji', 'teks uji', false, false, 'received', 1, "
                    "now(), now())"), {"code": code, "key": key, "channel": channel})
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            keys = dict((await connection.execute(text(
                "SELECT tracking_code, idempotency_key FROM submissions"))).all())
    finally:
        await engine.dispose()
    assert keys == {"AAAAAAAA1": "sms:SM1", "AAAAAAAA2": "client:sms:SM2", "AAAAAAAA3": "proposal:7",
                    "AAAAAAAA4": "client:proposal-8", "AAAAAAAA5": "client:web-0123456789abcdef", "AAAAAAAA6": None}
