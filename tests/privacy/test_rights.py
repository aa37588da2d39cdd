"""A citizen's rights over their submission under UU PDP: download everything held about them, correct their
contact; only with the secret from the receipt or a phone that owns the item, and never by guessing."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlmodel import select

from suara.db.columns import utcnow
from suara.db.engine import transaction
from suara.dialogue import identity
from suara.privacy.export import LEFT_OUT
from suara.privacy.proofs import PHONE_TOKEN_PURPOSE
from suara.submissions import codes
from suara.submissions.models import ReporterContact, Submission, SubmissionEvent
from tests.channels.test_sms_webhook import Phone
from tests.conftest import TEST_SECRET_KEY
from tests.factories import TRACK
from tests.privacy.citizen import (
    CORRECT,
    ERASE,
    EXPORT,
    REQUEST_CODE,
    VERIFY_PHONE,
    file_web,
    item,
    person,
    proof,
    sent_code,
    worked_by_the_agency,
)
from tests.security.limits import client_from, fresh_address, limited_state


def stored_value(value):
    return value.isoformat() if isinstance(value, datetime | date) else value


async def test_the_download_holds_every_stored_field_of_the_item_and_nothing_of_staff_or_others(
        gql, sessions, cast):
    who, other = person(), person()
    receipt = await file_web(gql, who)
    others = await file_web(gql, other)
    submission = await worked_by_the_agency(sessions, cast, receipt["trackingCode"], who)

    result = (await gql(EXPORT, {"proof": proof(receipt)}))["exportMyData"]
    assert result["__typename"] == "PersonalDataExport"
    assert result["fileName"] == f"suara-{submission.tracking_code}.json"
    data = result["data"]
    async with sessions() as session:
        row = await session.get(Submission, submission.id, populate_existing=True)
        contact = await session.get(ReporterContact, submission.id)
        events = list(await session.exec(select(SubmissionEvent).where(SubmissionEvent.submission_id == submission.id)))
    columns = [column.key for column in Submission.__table__.c]
    assert set(data["submission"]) == {*columns, "agency"} - set(LEFT_OUT)
    for column in set(columns) - set(LEFT_OUT):
        assert data["submission"][column] == stored_value(getattr(row, column)), column
    assert data["submission"]["agency"]["slug"] == cast.agency_a
    assert data["contact"] == {"name": who["name"], "phone": contact.phone, "email": who["email"], "nik": who["nik"],
                               "phone_verified": False}
    assert [e["kind"] for e in data["events"]] == [e.kind for e in events if e.public]
    assert data["answers"] == [{"at": data["events"][-1]["at"], "kind": "responded",
                                "text": f"Ibu {who['name']}, tim kami memeriksa lokasi minggu ini."}]
    assert [read["agency"]["slug"] for read in data["contact_reads"]] == [cast.agency_a]
    assert [(m["channel"], m["to"]) for m in data["messages_to_you"]] == [("email", who["email"])] * 3
    assert data["sms_phone"] is None and data["erasure"] is None
    assert {entry["what"] for entry in data["not_included"]} >= {"internal_notes", "staff_identities"}

    everything = json.dumps(data)
    assert "CATATAN-INTERNAL" not in everything  # the staff's internal note
    assert "staff:" not in everything, everything[everything.index("staff:") - 200:everything.index("staff:") + 50]
    assert {tuple(read) for read in data["contact_reads"]} == {("at", "agency")}  # not who read it
    for value in (*other.values(), others["trackingCode"], others["citizenSecret"]):
        assert value not in everything


async def test_wrong_secrets_other_items_secrets_and_guessed_codes_are_refused_alike(gql, sessions):
    who = person()
    receipt, other = await file_web(gql, who), await file_web(gql, person())
    guessed = codes.format_tracking_code(codes.new_tracking_code())
    attempts = [
        proof(receipt, secret="WRONGSECRET1"),
        proof(receipt, secret=other["citizenSecret"]),
        proof(receipt, secret=None),
        {"trackingCode": guessed, "secret": receipt["citizenSecret"]},
        {"trackingCode": "AAA", "secret": receipt["citizenSecret"]},
        {"trackingCode": receipt["trackingCode"] + "\u0661", "secret": receipt["citizenSecret"]},
        proof(receipt, secret=None, phone=who["phone"], phoneToken="forged.1.abc"),
    ]
    refusals = []
    for attempt in attempts:
        for document, variables in ((EXPORT, {}), (ERASE, {}), (CORRECT, {"contact": {"name": "Orang Lain"}})):
            refusals.append(next(iter((await gql(document, {"proof": attempt, **variables})).values())))
    assert {json.dumps(r, sort_keys=True) for r in refusals} == {json.dumps({
        "__typename": "NotAllowed", "code": "proof_refused",
        "message": "Kode pelacakan dan kode rahasia (atau nomor HP yang terverifikasi) tidak cocok.",
        "messageEn": "The tracking code and its secret (or a verified phone) do not match."}, sort_keys=True)}
    submission = await item(sessions, receipt["trackingCode"])
    async with sessions() as session:
        assert (await session.get(ReporterContact, submission.id)).name == who["name"]
        kinds = (await session.exec(select(SubmissionEvent.kind).where(
            SubmissionEvent.submission_id == submission.id))).all()
    assert "personal_data_erased" not in kinds and "contact_corrected" not in kinds


async def test_attempts_are_counted_per_address_and_refused_past_the_limit(app_state, gql):
    receipt = await file_web(gql, person())
    state = limited_state(app_state, suara_rate_limit_citizen_rights_per_hour=3)
    async with client_from(state, fresh_address()) as guesser, client_from(state, fresh_address()) as owner:
        async def export(http, secret):
            response = await http.post("/graphql", json={"query": EXPORT, "variables": {
                "proof": proof(receipt, secret=secret)}})
            return response.json()["data"]["exportMyData"]

        assert [(await export(guesser, f"GUESS{n:07d}"))["__typename"] for n in range(3)] == ["NotAllowed"] * 3
        refused = await export(guesser, receipt["citizenSecret"])
        assert refused["__typename"] == "RateLimited" and refused["retryAfterSeconds"] > 0
        assert (await export(owner, receipt["citizenSecret"]))["__typename"] == "PersonalDataExport"


async def test_a_correction_replaces_the_contact_and_is_an_event_without_the_values(gql, sessions):
    who = person()
    receipt = await file_web(gql, who)
    submission = await item(sessions, receipt["trackingCode"])
    async with transaction(sessions) as session:
        contact = await session.get(ReporterContact, submission.id)
        contact.phone_verified = True  # confirmed earlier by a code
        session.add(contact)

    invalid = (await gql(CORRECT, {"proof": proof(receipt), "contact": {"phone": "12", "nik": "123"}}))["correctMyContact"]
    assert invalid == {"__typename": "ValidationError", "problems": [
        {"field": "reporterPhone", "code": "invalid_phone"}, {"field": "reporterNik", "code": "invalid_nik"}]}

    same_phone = {"name": who["name"], "phone": who["phone"], "email": None, "nik": who["nik"]}
    result = (await gql(CORRECT, {"proof": proof(receipt), "contact": same_phone}))["correctMyContact"]
    assert result["changedFields"] == ["email"] and result["contact"]["email"] is None
    again = (await gql(CORRECT, {"proof": proof(receipt), "contact": same_phone}))["correctMyContact"]
    assert again["changedFields"] == []
    async with sessions() as session:
        assert (await session.get(ReporterContact, submission.id, populate_existing=True)).phone_verified is True

    moved = {**same_phone, "phone": "0857 1111 2222", "name": "Wulan K."}
    result = (await gql(CORRECT, {"proof": proof(receipt), "contact": moved}))["correctMyContact"]
    assert result == {"__typename": "ContactCorrected", "changedFields": ["name", "phone"], "contact": {
        "name": "Wulan K.", "phone": "+6285711112222", "email": None, "nik": who["nik"]}}
    async with sessions() as session:
        stored = await session.get(ReporterContact, submission.id, populate_existing=True)
        events = list(await session.exec(select(SubmissionEvent).where(
            SubmissionEvent.submission_id == submission.id, SubmissionEvent.kind == "contact_corrected")
            .order_by(SubmissionEvent.id)))
    assert (stored.name, stored.phone, stored.phone_verified) == ("Wulan K.", "+6285711112222", False)
    assert [(e.actor, e.public, e.details) for e in events] == [
        ("citizen:web", False, {"fields": ["email"]}), ("citizen:web", False, {"fields": ["name", "phone"]})]
    public = (await gql(TRACK, {"code": receipt["trackingCode"]}))["submission"]["events"]
    assert "contact_corrected" not in [e["kind"] for e in public]

    anonymous = await file_web(gql, person(), anonymous=True, reporterName=None, reporterPhone=None,
                               reporterEmail=None, reporterNik=None)
    refused = (await gql(CORRECT, {"proof": proof(anonymous), "contact": {"name": "Siapa"}}))["correctMyContact"]
    assert (refused["__typename"], refused["code"]) == ("NotAllowed", "anonymous_item")


async def test_a_verified_phone_opens_the_items_it_sent_or_confirmed_and_no_other(client, gql, app_state, sessions):
    phone = Phone(client, app_state)
    await phone.say("LAPOR lampu jalan di gang Melati mati sejak seminggu, gelap sekali malam hari")
    async with sessions() as session:
        by_sms = (await session.exec(select(Submission).join(ReporterContact).where(
            ReporterContact.phone == phone.e164))).one()
    typed = await file_web(gql, {**person(), "phone": phone.local})  # typed into a form, never confirmed
    confirmed = await file_web(gql, {**person(), "phone": phone.local})
    submission = await item(sessions, confirmed["trackingCode"])
    async with transaction(sessions) as session:
        contact = await session.get(ReporterContact, submission.id)
        contact.phone_verified = True
        session.add(contact)

    assert (await gql(REQUEST_CODE, {"phone": phone.local}))["requestVerificationCode"]["__typename"] == \
        "VerificationCodeSent"
    wrong = (await gql(VERIFY_PHONE, {"phone": phone.local, "code": "000000"}))["verifyPhoneForMyData"]
    assert wrong == {"__typename": "NotVerified", "code": "wrong_code"}
    code = await sent_code(sessions, phone.e164)
    access = (await gql(VERIFY_PHONE, {"phone": phone.local, "code": code}))["verifyPhoneForMyData"]
    assert access["__typename"] == "PhoneDataAccess"
    assert access["trackingCodes"] == [codes.format_tracking_code(by_sms.tracking_code), confirmed["trackingCode"]]

    def by_phone(tracking_code, **changes):
        return {"trackingCode": tracking_code, "phone": phone.local, "phoneToken": access["phoneToken"], **changes}

    opened = (await gql(EXPORT, {"proof": by_phone(codes.format_tracking_code(by_sms.tracking_code))}))["exportMyData"]
    assert opened["data"]["sms_phone"]["phone"] == phone.e164
    assert [m["to"] for m in opened["data"]["messages_to_you"]] == [phone.e164]  # the receipt SMS
    assert (await gql(EXPORT, {"proof": by_phone(confirmed["trackingCode"])}))["exportMyData"]["__typename"] == \
        "PersonalDataExport"
    for refused_proof in (by_phone(typed["trackingCode"]),
                          by_phone(confirmed["trackingCode"], phone="0813 9999 0000"),
                          by_phone(confirmed["trackingCode"], phoneToken=identity.signed_token(
                              TEST_SECRET_KEY, "voter-token", identity.voter_hash(TEST_SECRET_KEY, phone.e164),
                              utcnow() + timedelta(days=1)))):
        assert (await gql(EXPORT, {"proof": refused_proof}))["exportMyData"]["code"] == "proof_refused"
    expired = identity.signed_token(TEST_SECRET_KEY, PHONE_TOKEN_PURPOSE,
                                    identity.voter_hash(TEST_SECRET_KEY, phone.e164), utcnow() - timedelta(seconds=1))
    result = (await gql(EXPORT, {"proof": by_phone(confirmed["trackingCode"], phoneToken=expired)}))["exportMyData"]
    assert result["code"] == "phone_proof_expired"
