"""The background worker behind `suara jobs run` and `suara serve`: each round in its own transactions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from suara.config import Settings
from suara.db import migrate
from suara.db.engine import make_engine, make_session_factory, resolve_database_url, transaction
from suara.dialogue.proposals import expire_proposals
from suara.notifications.senders import sender_from_settings
from suara.notifications.service import send_due
from suara.notifications.staff_mail import queue_daily_digests
from suara.ratelimits.service import prune as prune_rate_limits
from suara.triage import service


async def run_round(sessions, sender, *, public_url: str | None = None, now: datetime | None = None) -> dict[str, int]:
    """One round; ``public_url`` is where staff mail links point, ``now`` a frozen clock for tests."""
    async with transaction(sessions) as session:
        escalated = await service.escalate_overdue(session, now=now, public_url=public_url)
    async with transaction(sessions) as session:
        closed = await service.auto_close(session, now=now)
    async with transaction(sessions) as session:
        expired = await expire_proposals(session, now=now)
    async with transaction(sessions) as session:
        pruned = await prune_rate_limits(session)
    async with transaction(sessions) as session:
        digests = await queue_daily_digests(session, now=now, public_url=public_url)
    report = await send_due(sessions, sender, now=now)
    return {"escalated": escalated, "closed": closed, "expired_proposals": expired, "staff_digests": digests,
            "sent": report.sent, "retried": report.retried, "failed": report.failed,
            "rate_limit_buckets_pruned": pruned}


log = logging.getLogger(__name__)


async def run_forever(sessions, sender, interval: float, *, public_url: str | None = None) -> None:
    """Rounds until cancelled; a failing round is logged and retried at the next interval."""
    while True:
        try:
            report = await run_round(sessions, sender, public_url=public_url)
            if any(report.values()):
                log.info("jobs: %s", " ".join(f"{name}={count}" for name, count in report.items()))
        except Exception:
            log.exception("a jobs round failed; trying again in %s s", interval)
        await asyncio.sleep(interval)


async def run_jobs(settings: Settings, *, once: bool, interval: float, sender_name: str,
                   echo: Callable[[str], None]) -> None:
    engine = make_engine(resolve_database_url(settings), pool_size=2)
    sender = sender_from_settings(settings, sender_name)
    try:
        await migrate.upgrade(engine)
        sessions = make_session_factory(engine)
        while True:
            echo(" ".join(f"{name}={count}" for name, count in (await run_round(sessions, sender, public_url=settings.suara_public_url)).items()))
            if once:
                return
            await asyncio.sleep(interval)
    finally:
        await engine.dispose()
