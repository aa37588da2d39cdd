"""The back-office audit log: one row per admin action, written in the action's own transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.actors import Actor
from suara.triage.models import StaffAuditEntry


async def record(
    session: AsyncSession, actor: Actor, action: str, *, agency_id: int | None, target: str | None = None,
    details: dict[str, Any] | None = None,
) -> StaffAuditEntry:
    """Append who did what; ids and values only, never contact data."""
    entry = StaffAuditEntry(agency_id=agency_id, actor=actor.label, action=action, target=target,
                            details=details or {})
    session.add(entry)
    await session.flush()
    return entry
