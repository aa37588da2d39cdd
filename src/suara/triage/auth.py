"""Who is asking: staff sign-in (argon2 passwords, hashed session cookies, CSRF), API tokens.

Passwords are hashed with argon2id; session cookies and API tokens are random and stored only as
SHA-256 digests, so a database leak gives no usable credential. Repeated failed sign-ins lock
the account for a while.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.service import agency_by_slug
from suara.common.errors import FieldProblem, ValidationFailed
from suara.db.columns import utcnow
from suara.triage.models import ApiToken, Role, Staff, StaffSession

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 12
LAST_USED_PRECISION = timedelta(minutes=5)
"""A token's last use is recorded at most this often, so reads do not each cost a write."""

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("a password nobody has, to spend the same time on unknown e-mails")


@dataclass(frozen=True)
class Actor:
    """Whoever performs a domain operation; domain code authorises against this."""

    kind: str
    staff_id: int | None = None
    agency_id: int | None = None
    role: Role | None = None
    channel: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "staff":
            return f"staff:{self.staff_id}"
        if self.kind == "citizen":
            return f"citizen:{self.channel or 'web'}"
        return self.kind

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @classmethod
    def system(cls) -> "Actor":
        return cls(kind="system")

    @classmethod
    def citizen(cls, channel: str = "web") -> "Actor":
        return cls(kind="citizen", channel=channel)

    @classmethod
    def of(cls, staff: Staff) -> "Actor":
        return cls(kind="staff", staff_id=staff.id, agency_id=staff.agency_id, role=Role(staff.role))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_staff(
    session: AsyncSession, *, agency_slug: str, email: str, role: str, password: str | None = None
) -> tuple[Staff, str]:
    """Create a staff account; returns it with its password (generated when none is given)."""
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
    password = password or secrets.token_urlsafe(15)
    staff = Staff(agency_id=agency.id, email=email, password_hash=_hasher.hash(password), role=role)
    session.add(staff)
    await session.flush()
    return staff, password


@dataclass(frozen=True)
class LoginRefused:
    locked: bool


async def authenticate(session: AsyncSession, email: str, password: str) -> Staff | LoginRefused:
    """Check a password. Failures are counted (the caller commits them); five lock the account."""
    staff = (await session.exec(select(Staff).where(Staff.email == email.strip().lower()))).first()
    now = utcnow()
    if staff is None or not staff.active:
        _verify(_DUMMY_HASH, password)
        return LoginRefused(locked=False)
    if staff.locked_until and staff.locked_until > now:
        return LoginRefused(locked=True)
    if not _verify(staff.password_hash, password):
        failures = staff.failed_logins + 1
        locked_until = now + LOCKOUT if failures >= MAX_FAILED_LOGINS else None
        await session.exec(
            update(Staff).where(Staff.id == staff.id).values(
                failed_logins=0 if locked_until else failures, locked_until=locked_until
            )
        )
        return LoginRefused(locked=locked_until is not None)
    if staff.failed_logins or staff.locked_until:
        await session.exec(update(Staff).where(Staff.id == staff.id).values(failed_logins=0, locked_until=None))
    return staff


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
    await session.exec(
        update(StaffSession).where(StaffSession.token_hash == _digest(token)).values(revoked_at=utcnow())
    )


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
    return result.rowcount == 1


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


def is_locked(staff: Staff, now: datetime | None = None) -> bool:
    return bool(staff.locked_until and staff.locked_until > (now or utcnow()))
