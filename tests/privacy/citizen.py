"""A citizen using their rights over GraphQL, and items with a footprint in many stores."""

from __future__ import annotations

import re
import uuid

from sqlmodel import select

from suara.db.engine import transaction
from suara.submissions import codes
from suara.submissions.models import Submission
from suara.submissions.outbox_models import OutboxMessage
from suara.triage import service as triage
from tests.factories import SUBMIT, submit_input

PROOF_ERRORS = "... on NotAllowed { code message messageEn } ... on RateLimited { code retryAfterSeconds }"
EXPORT = f"""mutation($proof: CitizenProofInput!) {{ exportMyData(proof: $proof) {{ __typename
  ... on PersonalDataExport {{ fileName data }} {PROOF_ERRORS} }} }}"""
CORRECT = f"""mutation($proof: CitizenProofInput!, $contact: ContactInput!) {{ correctMyContact(proof: $proof, contact: $contact) {{
  __typename ... on ContactCorrected {{ changedFields contact {{ name phone email nik }} }}
  ... on ValidationError {{ problems {{ field code }} }} {PROOF_ERRORS} }} }}"""
ERASE = f"""mutation($proof: CitizenProofInput!) {{ eraseMyData(proof: $proof) {{ __typename
  ... on PersonalDataErased {{ erasedAt alreadyErased }} {PROOF_ERRORS} }} }}"""
REQUEST_CODE = """mutation($phone: String!) { requestVerificationCode(phone: $phone) { __typename } }"""
VERIFY_PHONE = """mutation($phone: String!, $code: String!) { verifyPhoneForMyData(phone: $phone, code: $code) {
  __typename ... on PhoneDataAccess { phoneToken expiresAt trackingCodes } ... on NotVerified { code } } }"""


def person(marker: str | None = None) -> dict:
    """A reporter with values found nowhere else in the database (name, phone, e-mail, NIK)."""
    number = uuid.uuid4().int
    marker = marker or f"{number % 10**6:06d}"
    return {
        "name": f"Wulandari Kusumaningtyas{'abcdefghij'[number % 10]}{'klmnoprstu'[number // 10 % 10]}",
        "phone": f"0812{number % 10**8:08d}",
        "email": f"wulandari.{marker}@example.id",
        "nik": f"33740155{number // 10**9 % 10**8:08d}",
    }


def national(phone: str) -> str:
    return re.sub(r"\D", "", phone).removeprefix("62").removeprefix("0")


def text_about(who: dict) -> str:
    return (f"Saya {who['name']} (HP {who['phone'][:4]}-{who['phone'][4:8]}-{who['phone'][8:]}, NIK {who['nik']}, "
            f"surel {who['email']}) melaporkan jalan berlubang di depan rumah saya, sudah tiga bulan rusak.")


async def file_web(gql, who: dict, **overrides) -> dict:
    """File on the web with a full contact and a text that repeats it; the receipt."""
    values = submit_input(
        channel="WEB", text=text_about(who), title=f"Jalan rusak di depan rumah {who['name']}",
        locationText=f"Depan rumah {who['name']}, RT 03/RW 05", reporterName=who["name"],
        reporterPhone=who["phone"], reporterEmail=who["email"], reporterNik=who["nik"])
    values.update(overrides)
    receipt = (await gql(SUBMIT, {"input": values}))["submit"]
    assert receipt["__typename"] == "SubmissionReceipt", receipt
    return receipt


def proof(receipt: dict, **changes) -> dict:
    return {"trackingCode": receipt["trackingCode"], "secret": receipt["citizenSecret"], **changes}


async def item(sessions, tracking_code: str) -> Submission:
    async with sessions() as session:
        return (await session.exec(select(Submission).where(
            Submission.tracking_code == codes.normalise_tracking_code(tracking_code)))).one()


async def worked_by_the_agency(sessions, cast, tracking_code: str, who: dict) -> Submission:
    """Routed, acknowledged, answered in public (naming the reporter), noted internally (with the phone), and
    the contact read once: what an agency's work leaves in the events and the outbox."""
    submission = await item(sessions, tracking_code)
    async with transaction(sessions) as session:
        await triage.route_submission(session, cast.triage_admin, submission.id, "infrastruktur", cast.agency_a)
        await triage.acknowledge(session, cast.officer_a, submission.id)
        await triage.respond(session, cast.officer_a, submission.id,
                             f"Ibu {who['name']}, tim kami memeriksa lokasi minggu ini.")
        await triage.add_note(session, cast.officer_a, submission.id,
                              f"CATATAN-INTERNAL: sudah ditelepon ke {who['phone']} dan surel {who['email']}.")
        await triage.read_contact(session, cast.officer_a, submission.id)
    return submission


async def sent_code(sessions, phone_e164: str) -> str:
    """The one-time code in the newest SMS to a phone (as the citizen reads it)."""
    async with sessions() as session:
        body = (await session.exec(select(OutboxMessage.body).where(OutboxMessage.recipient == phone_e164)
                                   .order_by(OutboxMessage.id.desc()))).first()
    return re.search(r"\b(\d{6})\b", body).group(1)
