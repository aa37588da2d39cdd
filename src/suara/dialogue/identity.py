"""One person, one voice: a phone number verified by a one-time code, kept only as a keyed hash.

The voter hash is HMAC-SHA256 of the E.164 number under a key derived from the server secret, so
the dialogue tables cannot be joined back to a phone without that key. After verification the
person holds a signed voter token (stateless; it carries the hash and an expiry) that voting,
supporting and commenting take.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.errors import FieldProblem, NotAllowed, ValidationFailed
from suara.common.gsm import to_gsm7
from suara.db.columns import utcnow
from suara.dialogue.errors import NotVerified, RateLimited
from suara.dialogue.models import PhoneVerification
from suara.submissions import codes
from suara.submissions.models import ReporterContact
from suara.submissions.outbox_models import OutboxMessage
from suara.submissions.service import find_by_tracking_code
from suara.submissions.validation import normalise_phone

CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
TOKEN_LIFETIME = timedelta(days=30)
EXPIRY = re.compile(r"[0-9]{1,11}")
"""Unix seconds in a voter token; more digits would overflow the date, so they are refused as forged."""
PHONE_LIMITS = ((3, timedelta(minutes=15)), (6, timedelta(days=1)))
"""At most 3 codes per phone in 15 minutes and 6 a day: codes cost an SMS each."""
IP_LIMITS = ((20, timedelta(hours=1)),)
"""At most 20 codes per network address an hour, so one machine cannot spray numbers."""
VERIFICATIONS_KEPT = max(window for _, window in PHONE_LIMITS + IP_LIMITS)
"""Verification records older than the longest limit's window are read by nothing: the jobs delete them."""


def _derived_key(secret_key: bytes, purpose: str) -> bytes:
    return hmac.new(secret_key, f"suara-dialogue:{purpose}".encode(), hashlib.sha256).digest()


def _keyed_hash(secret_key: bytes, purpose: str, value: str) -> str:
    return hmac.new(_derived_key(secret_key, purpose), value.encode(), hashlib.sha256).hexdigest()


def clean_phone(raw: str | None) -> str:
    phone = normalise_phone(raw or "")
    if phone is None:
        raise ValidationFailed([FieldProblem(
            "phone", "invalid_phone", "Nomor HP tidak valid (contoh: 0812 3456 7890).",
            "Not a valid phone number (for example 0812 3456 7890).")])
    return phone


def voter_hash(secret_key: bytes, phone: str) -> str:
    """The only identity of a person in the dialogue tables (64 hex characters)."""
    return _keyed_hash(secret_key, "voter", clean_phone(phone))


def signed_token(secret_key: bytes, purpose: str, subject: str, expires_at: datetime) -> str:
    """``subject.expiry.signature``: stateless proof, for ``purpose`` only, that ``subject`` (a voter hash)
    was verified, until ``expires_at``."""
    payload = f"{subject}.{int(expires_at.timestamp())}"
    signature = hmac.new(_derived_key(secret_key, purpose), payload.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{payload}.{signature}"


def subject_of_token(secret_key: bytes, purpose: str, token: str | None, now: datetime | None = None) -> str:
    """The subject a token of ``purpose`` stands for, or NotVerified (missing, forged, of another purpose,
    or expired)."""
    parts = (token or "").strip().split(".")
    if len(parts) != 3 or not EXPIRY.fullmatch(parts[1]):
        raise NotVerified()
    subject, expires, signature = parts
    expected = signed_token(secret_key, purpose, subject, datetime.fromtimestamp(int(expires), tz=UTC))
    if not hmac.compare_digest(expected.rsplit(".", 1)[1], signature):
        raise NotVerified()
    if int(expires) < (now or utcnow()).timestamp():
        raise NotVerified("token_expired")
    return subject


def voter_token(secret_key: bytes, voter: str, expires_at: datetime) -> str:
    return signed_token(secret_key, "voter-token", voter, expires_at)


def voter_from_token(secret_key: bytes, token: str | None, now: datetime | None = None) -> str:
    """The voter hash a token stands for, or NotVerified (missing, forged or expired)."""
    return subject_of_token(secret_key, "voter-token", token, now)


async def _check_rate(session: AsyncSession, column, value: str, limits, now: datetime) -> None:
    for limit, window in limits:
        recent = (await session.exec(
            select(func.count(), func.min(PhoneVerification.created_at))
            .where(column == value, PhoneVerification.created_at > now - window)
        )).one()
        if recent[0] >= limit:
            raise RateLimited(int((recent[1] + window - now).total_seconds()) + 1)


async def request_code(
    session: AsyncSession, secret_key: bytes, raw_phone: str, *, ip: str | None = None,
    now: datetime | None = None, lang: str = "id",
) -> datetime:
    """Send a 6-digit code to the phone through the outbox; returns when it expires."""
    now = now or utcnow()
    phone = clean_phone(raw_phone)
    phone_hash = _keyed_hash(secret_key, "voter", phone)
    ip_hash = _keyed_hash(secret_key, "ip", ip) if ip else None
    await _check_rate(session, PhoneVerification.phone_hash, phone_hash, PHONE_LIMITS, now)
    if ip_hash:
        await _check_rate(session, PhoneVerification.ip_hash, ip_hash, IP_LIMITS, now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    expires_at = now + CODE_LIFETIME
    session.add(PhoneVerification(
        phone_hash=phone_hash, ip_hash=ip_hash, code_hash=_keyed_hash(secret_key, "code", f"{phone_hash}:{code}"),
        expires_at=expires_at, created_at=now,
    ))
    body = (f"Kode verifikasi Suara: {code}. Berlaku 10 menit. Jangan berikan kepada siapa pun."
            if lang != "en" else f"Suara verification code: {code}. Valid 10 minutes. Never share it.")
    session.add(OutboxMessage(channel="sms", recipient=phone, body=to_gsm7(body)))
    await session.flush()
    return expires_at


async def prune_verifications(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Delete the verification records that no limit and no code check reads any more."""
    result = await session.exec(
        delete(PhoneVerification).where(PhoneVerification.created_at < (now or utcnow()) - VERIFICATIONS_KEPT))
    return result.rowcount or 0


async def forget_phone(session: AsyncSession, secret_key: bytes, phone: str) -> int:
    """Delete every verification record of one phone (its owner's data is being erased)."""
    result = await session.exec(
        delete(PhoneVerification).where(PhoneVerification.phone_hash == voter_hash(secret_key, phone)))
    return result.rowcount or 0


@dataclass(frozen=True)
class VoterPass:
    token: str
    expires_at: datetime


async def verify_phone(
    session: AsyncSession, secret_key: bytes, raw_phone: str, code: str, *, now: datetime | None = None,
) -> VoterPass | NotVerified:
    """Check a code against the newest unused one for the phone.

    A wrong code is returned (not raised) so the caller commits the spent attempt: five wrong
    guesses end the code, which keeps a million-code space out of reach of guessing.
    """
    now = now or utcnow()
    phone_hash = _keyed_hash(secret_key, "voter", clean_phone(raw_phone))
    pending = (await session.exec(
        select(PhoneVerification)
        .where(PhoneVerification.phone_hash == phone_hash, PhoneVerification.used_at.is_(None))
        .order_by(PhoneVerification.created_at.desc()).limit(1).with_for_update()
        .execution_options(populate_existing=True)
    )).scalars().first()
    if pending is None or pending.expires_at <= now:
        return NotVerified("code_expired")
    if pending.attempts >= MAX_ATTEMPTS:
        return NotVerified("too_many_attempts")
    given = "".join(ch for ch in (code or "") if ch.isdigit())
    expected = pending.code_hash
    if not hmac.compare_digest(_keyed_hash(secret_key, "code", f"{phone_hash}:{given}"), expected):
        pending.attempts += 1
        session.add(pending)
        await session.flush()
        return NotVerified("wrong_code" if pending.attempts < MAX_ATTEMPTS else "too_many_attempts")
    pending.used_at = now
    session.add(pending)
    await session.flush()
    expires_at = now + TOKEN_LIFETIME
    return VoterPass(voter_token(secret_key, phone_hash, expires_at), expires_at)


# A reporter's phone: status SMS go to it only once its owner proved it, with a code or a voter token.

async def _reporter_phone(session: AsyncSession, secret_key: bytes, raw_code: str, secret: str) -> ReporterContact:
    """The contact of a submission, for the holder of its tracking code and citizen secret only."""
    submission = await find_by_tracking_code(session, raw_code)
    if not codes.secret_matches(submission.tracking_code, secret or "", secret_key):
        raise NotAllowed("wrong_secret", "Kode rahasia tidak cocok.", "The secret does not match.")
    contact = await session.get(ReporterContact, submission.id, with_for_update=True, populate_existing=True)
    if contact is None or not contact.phone:
        raise NotAllowed("no_phone", "Laporan ini tidak menyimpan nomor HP.", "This submission has no phone number.")
    return contact


async def request_reporter_phone_code(
    session: AsyncSession, secret_key: bytes, raw_code: str, secret: str, *, ip: str | None = None,
    now: datetime | None = None, lang: str = "id",
) -> datetime:
    """Send a code to the phone on a submission (without showing the number), to verify it."""
    contact = await _reporter_phone(session, secret_key, raw_code, secret)
    return await request_code(session, secret_key, contact.phone, ip=ip, now=now, lang=lang)


async def verify_reporter_phone(
    session: AsyncSession, secret_key: bytes, raw_code: str, secret: str, *, code: str | None = None,
    voter_token_value: str | None = None, now: datetime | None = None,
) -> ReporterContact | NotVerified:
    """Mark the submission's phone verified, proven by a code sent to it or a voter token of it.

    A wrong code is returned, not raised, so the caller commits the spent attempt.
    """
    contact = await _reporter_phone(session, secret_key, raw_code, secret)
    if contact.phone_verified:
        return contact
    if voter_token_value:
        if voter_from_token(secret_key, voter_token_value, now) != voter_hash(secret_key, contact.phone):
            raise NotVerified("other_phone")
    else:
        verified = await verify_phone(session, secret_key, contact.phone, code or "", now=now)
        if isinstance(verified, NotVerified):
            return verified
    contact.phone_verified = True
    session.add(contact)
    await session.flush()
    return contact
