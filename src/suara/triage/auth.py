"""Who is asking: staff sign-in (argon2 passwords, hashed session cookies, CSRF), API tokens.

Passwords are hashed with argon2id; session cookies and API tokens are random and stored only as
SHA-256 digests, so a database leak gives no usable credential. Sign-in attempts are limited per
(account, network address), never by an account-wide lock that anyone could trigger; hashing runs
in a worker thread so a sign-in does not stall other requests.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.service import agency_by_slug
from suara.common.actors import Actor, Role
from suara.common.errors import FieldProblem, RateLimited, ValidationFailed
from suara.db.columns import utcnow
from suara.ratelimits.service import RateLimits
from suara.submissions.live import announce_staff_change
from suara.triage.models import ApiToken, Staff, StaffSession

SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 12
LAST_USED_PRECISION = timedelta(minutes=5)
"""A token's last use is recorded at most this often, so reads do not each cost a write."""

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("a password nobody has, to spend the same time on unknown e-mails")



def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_one_time_password() -> str:
    return secrets.token_urlsafe(15)


async def hash_password(password: str) -> str:
    """argon2 is slow on purpose: hash in a worker thread so other requests keep running."""
    return await asyncio.to_thread(_hasher.hash, password)


async def password_matches(password_hash: str, password: str) -> bool:
    return await asyncio.to_thread(_verify, password_hash, password)


async def create_staff(
    session: AsyncSession, *, agency_slug: str, email: str, role: str, password: str | None = None
) -> tuple[Staff, str]:
    """Create a staff account; returns it with its password. A generated password is a one-time
    password (must be changed at first sign-in); a given one was chosen by its owner."""
    problems = []
    if role not in {r.value for r in Role}:
        problems.append(FieldProblem("role", "invalid_choice", "Peran tidak dikenal.", "Unknown role."))
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        problems.append(FieldProblem(
            "password", "too_short", f"Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter.",
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.",
        ))
    email = email.strip().lower()
    if "@" not in email:
        problems.append(FieldProblem("email", "invalid_email", "Alamat email tidak valid.", "The e-mail address is not valid."))
    elif (await session.exec(select(Staff).where(Staff.email == email))).first() is not None:
        problems.append(FieldProblem("email", "taken", "Email sudah terdaftar.", "That e-mail is already registered."))
    if problems:
        raise ValidationFailed(problems)
    agency = await agency_by_slug(session, agency_slug)
    one_time = password is None
    password = password or new_one_time_password()
    staff = Staff(agency_id=agency.id, email=email, password_hash=await hash_password(password), role=role,
                  must_change_password=one_time)
    try:
        async with session.begin_nested():  # two admins adding the same e-mail at once: one gets "taken"
            session.add(staff)
            await session.flush()
    except IntegrityError as error:
        raise ValidationFailed([FieldProblem(
            "email", "taken", "Email sudah terdaftar.", "That e-mail is already registered.",
        )]) from error
    return staff, password


@dataclass(frozen=True)
class LoginRefused:
    """Wrong e-mail or password: one answer whether or not the account exists."""


def _too_many(retry_after_seconds: int) -> RateLimited:
    minutes = max(1, -(-retry_after_seconds // 60))
    return RateLimited(
        retry_after_seconds,
        f"Terlalu banyak percobaan masuk dari alamat ini. Coba lagi dalam {minutes} menit.",
        f"Too many sign-in attempts from this address. Try again in {minutes} minutes.",
    )


async def authenticate(
    session: AsyncSession, email: str, password: str, *, limits: RateLimits | None = None,
    address: str = "unknown",
) -> Staff | LoginRefused:
    """Check a password. The attempt is counted before any hashing, per (e-mail, network address)
    whether or not the account exists, so concurrent guesses cannot outrun the limit and the
    answer tells nothing about the account; raises RateLimited when there were too many.

    A success clears its address's count. A much higher per-account ceiling, counted only for
    attempts the address limit let through, bounds guessing spread over many addresses.
    """
    email = email.strip().lower()
    if limits is not None:
        await count_signin_attempt(limits, email, address)
    staff = (await session.exec(select(Staff).where(Staff.email == email))).first()
    if staff is None or not staff.active:
        await asyncio.to_thread(_verify, _DUMMY_HASH, password)  # the same work as a real check
        return LoginRefused()
    if not await asyncio.to_thread(_verify, staff.password_hash, password):
        return LoginRefused()
    if limits is not None:
        await limits.forget(*((limit, f"{email}\x00{address}") for limit in limits.signin))
    return staff


async def count_signin_attempt(limits: RateLimits, email: str, address: str) -> None:
    """Count one password attempt per (e-mail, network address) and per account; RateLimited when over."""
    pair = f"{email}\x00{address}"
    verdict = await limits.check(*((limit, pair) for limit in limits.signin), (limits.signin_account, email))
    if not verdict.allowed:
        raise _too_many(verdict.retry_after_seconds)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def start_session(session: AsyncSession, staff: Staff) -> str:
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=_digest(token), staff_id=staff.id, expires_at=utcnow() + SESSION_LIFETIME))
    await session.flush()
    return token


async def end_session(session: AsyncSession, token: str) -> None:
    """Signing out also closes the session's open inbox sockets (told on commit)."""
    result = await session.exec(
        update(StaffSession).where(StaffSession.token_hash == _digest(token)).values(revoked_at=utcnow())
        .returning(StaffSession.staff_id)
    )
    staff_id = result.scalar_one_or_none()
    if staff_id is not None:
        await announce_staff_change(session, staff_id)


async def actor_for_session(session: AsyncSession, token: str) -> Actor | None:
    row = (
        await session.exec(
            select(Staff)
            .join(StaffSession, StaffSession.staff_id == Staff.id)
            .where(
                StaffSession.token_hash == _digest(token),
                StaffSession.revoked_at.is_(None),
                StaffSession.expires_at > utcnow(),
                Staff.active.is_(True),
            )
        )
    ).first()
    return Actor.of(row) if row else None


def csrf_token(session_token: str, key: bytes) -> str:
    """Bound to the session: a page that cannot read the cookie cannot compute it."""
    return hmac.new(key, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, given: str | None, key: bytes) -> bool:
    return given is not None and hmac.compare_digest(csrf_token(session_token, key), given)


async def create_api_token(session: AsyncSession, staff_id: int, name: str) -> tuple[ApiToken, str]:
    """A new bearer token for an integration; the token itself is returned once and never stored."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ValidationFailed([FieldProblem(
            "name", "invalid_length", "Nama token 1–100 karakter.", "A token name has 1–100 characters.",
        )])
    token = "suara_" + secrets.token_urlsafe(32)
    row = ApiToken(staff_id=staff_id, name=name, token_hash=_digest(token))
    session.add(row)
    await session.flush()
    return row, token


async def revoke_api_token(session: AsyncSession, token_id: int, *, owner_id: int) -> bool:
    """Revoke one of the owner's own tokens; another person's token counts as not found."""
    result = await session.exec(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.staff_id == owner_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if result.rowcount != 1:
        return False
    await announce_staff_change(session, owner_id)  # its open sockets close
    return True


async def staff_member(session: AsyncSession, staff_id: int) -> Staff | None:
    return await session.get(Staff, staff_id)


async def actor_for_api_token(session: AsyncSession, token: str) -> Actor | None:
    row = (
        await session.exec(
            select(Staff, ApiToken)
            .join(ApiToken, ApiToken.staff_id == Staff.id)
            .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None), Staff.active.is_(True))
        )
    ).first()
    if row is None:
        return None
    staff, api_token = row
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_PRECISION:
        await session.exec(update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now))
    return Actor.of(staff)
