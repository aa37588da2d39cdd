"""Whether a long-lived connection (an inbox socket) may stay open, and until when.

A socket outlives the request that opened it, so its credential is checked again while it runs:
a session ends at its expiry or when revoked (sign-out), a token when revoked, either when the
account is disabled or must change its one-time password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.actors import Actor
from suara.db.columns import utcnow
from suara.triage.auth import _digest
from suara.triage.models import ApiToken, Staff, StaffSession


@dataclass(frozen=True)
class Credential:
    actor: Actor
    expires_at: datetime | None
    """When a browser session ends by itself; None for an API token (valid until revoked)."""


async def current_credential(
    session: AsyncSession, *, session_token: str | None = None, api_token: str | None = None,
) -> Credential | None:
    """The credential as it stands now, or None when it no longer lets its holder in."""
    if api_token:
        staff = (await session.exec(
            select(Staff).join(ApiToken, ApiToken.staff_id == Staff.id)
            .where(ApiToken.token_hash == _digest(api_token), ApiToken.revoked_at.is_(None))
        )).first()
        expires_at = None
    elif session_token:
        row = (await session.exec(
            select(Staff, StaffSession.expires_at).join(StaffSession, StaffSession.staff_id == Staff.id)
            .where(StaffSession.token_hash == _digest(session_token), StaffSession.revoked_at.is_(None),
                   StaffSession.expires_at > utcnow())
        )).first()
        staff, expires_at = row if row else (None, None)
    else:
        return None
    if staff is None or not staff.active or staff.must_change_password:
        return None
    return Credential(Actor.of(staff), expires_at)
