"""Who may use a citizen's rights on a submission: the holder of its tracking code and citizen secret,
or the holder of the phone it belongs to, proven by a one-time code sent to that phone.

A phone proves only the items it is known to own: those filed by SMS from it, and those whose phone its
owner confirmed with a code (at filing, or later with the receipt's secret). A number typed into a form and
never confirmed proves nothing, and numbers are reassigned by operators: the next holder of a number
reaches no item its earlier holder did not confirm.

Every refusal is the same `ProofRefused`, whether the code is unknown, malformed, another item's or the
secret wrong, so the answer never tells a guesser that a code exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.errors import NotAllowed, ValidationFailed
from suara.db.columns import utcnow
from suara.dialogue import identity
from suara.dialogue.errors import NotVerified
from suara.submissions import codes
from suara.submissions.models import ReporterContact, Submission
from suara.submissions.sms_models import SmsThread
from suara.submissions.validation import normalise_phone

PHONE_TOKEN_PURPOSE = "data-rights"
PHONE_TOKEN_LIFETIME = timedelta(hours=1)
"""A phone proof is short-lived: it opens personal data, unlike a voter token (30 days)."""


class ProofRefused(NotAllowed):
    def __init__(self, code: str = "proof_refused") -> None:
        messages = {
            "proof_refused": (
                "Kode pelacakan dan kode rahasia (atau nomor HP yang terverifikasi) tidak cocok.",
                "The tracking code and its secret (or a verified phone) do not match.",
            ),
            "phone_proof_expired": (
                "Verifikasi nomor HP sudah kedaluwarsa; minta kode baru.",
                "The phone verification has expired; ask for a new code.",
            ),
        }
        super().__init__(code, *messages[code])


@dataclass(frozen=True)
class CitizenProof:
    """The tracking code with either the receipt's secret, or a phone and the token `verify_phone`
    gave for it."""

    tracking_code: str
    secret: str | None = None
    phone: str | None = None
    phone_token: str | None = None


@dataclass(frozen=True)
class PhoneAccess:
    token: str
    expires_at: datetime
    tracking_codes: list[str]
    """The items this phone may reach, as printed on receipts."""


def owned_by_phone(phone: str):
    """SQL condition: the submissions the holder of ``phone`` (E.164) may reach."""
    return or_(
        Submission.id.in_(select(SmsThread.submission_id).where(SmsThread.phone == phone)),
        Submission.id.in_(select(ReporterContact.submission_id)
                          .where(ReporterContact.phone == phone, ReporterContact.phone_verified.is_(True))),
    )


async def verify_phone(
    session: AsyncSession, secret_key: bytes, raw_phone: str, code: str, *, now: datetime | None = None,
) -> PhoneAccess | NotVerified:
    """Check the one-time code sent to the phone (`identity.request_code`); on success a token for the
    citizen's rights and the items the phone owns. A wrong code is returned, not raised, so the caller
    commits the spent attempt."""
    now = now or utcnow()
    verified = await identity.verify_phone(session, secret_key, raw_phone, code, now=now)
    if isinstance(verified, NotVerified):
        return verified
    phone = identity.clean_phone(raw_phone)
    expires_at = now + PHONE_TOKEN_LIFETIME
    token = identity.signed_token(secret_key, PHONE_TOKEN_PURPOSE, identity.voter_hash(secret_key, phone), expires_at)
    owned = await session.exec(
        select(Submission.tracking_code).where(owned_by_phone(phone)).order_by(Submission.id))
    return PhoneAccess(token, expires_at, [codes.format_tracking_code(code) for code in owned])


async def authorise(
    session: AsyncSession, proof: CitizenProof, secret_key: bytes, *, lock: bool = False,
    now: datetime | None = None,
) -> Submission:
    """The submission the proof opens, read fresh (locked ``FOR UPDATE`` when ``lock``), or ProofRefused."""
    code = codes.normalise_tracking_code(proof.tracking_code or "")
    if code is None:
        raise ProofRefused()
    query = select(Submission).where(Submission.tracking_code == code).execution_options(populate_existing=True)
    submission = (await session.exec(query.with_for_update() if lock else query)).first()
    if submission is None:
        raise ProofRefused()
    if proof.secret:
        if not codes.secret_matches(submission.tracking_code, proof.secret, secret_key):
            raise ProofRefused()
        return submission
    if proof.phone and proof.phone_token:
        phone = normalise_phone(proof.phone)
        if phone is None:
            raise ProofRefused()
        try:
            subject = identity.subject_of_token(secret_key, PHONE_TOKEN_PURPOSE, proof.phone_token, now)
            owner = identity.voter_hash(secret_key, phone)
        except NotVerified as refusal:
            raise ProofRefused("phone_proof_expired" if refusal.code == "token_expired" else "proof_refused") from None
        except ValidationFailed:
            raise ProofRefused() from None
        owned = (await session.exec(
            select(Submission.id).where(Submission.id == submission.id, owned_by_phone(phone)))).first()
        if subject != owner or owned is None:
            raise ProofRefused()
        return submission
    raise ProofRefused()
