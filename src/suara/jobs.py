"""The background worker behind `suara jobs run` and `suara serve`: each round in its own transactions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func
from sqlmodel import select

from suara.channels.sms.intake import SmsIntake
from suara.config import CONTACT_RETENTION_DAYS, Settings
from suara.db import migrate
from suara.db.engine import make_engine, make_session_factory, resolve_database_url, transaction
from suara.dialogue.identity import prune_verifications
from suara.dialogue.proposals import expire_proposals
from suara.live_precision.monitor import ModelFacts, check_all
from suara.maps.service import refresh_tiles
from suara.media.service import Photos, photos_from_settings
from suara.notifications.senders import sender_from_settings
from suara.notifications.service import send_due
from suara.notifications.staff_mail import queue_daily_digests
from suara.observability import metrics
from suara.privacy.retention import erase_expired
from suara.ratelimits.service import RateLimits
from suara.ratelimits.service import prune as prune_rate_limits
from suara.routing.loading import load_router
from suara.state import load_or_create_secret_key
from suara.submissions.counting import fold_slots
from suara.triage import service

# Several servers (or `suara serve --workers N`) run these rounds side by side on one database. Each
# unit of work happens once because the database says so, never because of a timer:
# - each job of a round runs in one transaction that first takes a transaction-scoped advisory lock
#   named after the job (``pg_try_advisory_xact_lock``); a process that cannot take it skips the job
#   this round, since another process is doing it right now;
# - the job itself finds only what is still to do, re-checked under row locks (escalation and
#   auto-close lock their rows FOR UPDATE SKIP LOCKED and change the status or the escalated_at
#   column that selects them; expiry and pruning are UPDATE/DELETE that PostgreSQL re-checks after a
#   concurrent writer; digests claim each officer's day in staff_digest_runs; folding the counter
#   slots of ended days takes the slots' own locks; contact retention locks its items FOR UPDATE SKIP
#   LOCKED and records each erasure, which selects them no more), so a process that runs the job just
#   after another finished finds nothing left;
# - the live precision check takes one advisory lock per model version and appends a raise only above the
#   highest one recorded, so a second check right after finds nothing to raise;
# - the outbox is sent by every process in parallel, each locking its own batch FOR UPDATE SKIP LOCKED.

log = logging.getLogger(__name__)

JOB_LOCKS = "suara.jobs"
"""The advisory locks of the jobs are (hashtext('suara.jobs'), hashtext(job name)): the two-key form,
apart from other two-key namespaces (counter slots) and from one-bigint locks."""

OUTBOX_BATCH = 100
OUTBOX_BATCHES_PER_ROUND = 50
"""A round sends batches until the outbox has nothing due, at most this many (5,000 messages)."""


async def claim(session, job: str) -> bool:
    """Whether this transaction runs ``job`` now; false while another process's transaction does.

    The lock is released when the transaction ends, so a process that crashes mid-job holds nothing."""
    return bool((await session.exec(select(func.pg_try_advisory_xact_lock(
        func.hashtext(JOB_LOCKS), func.hashtext(job))))).one())


async def run_claimed(sessions, job: str, work) -> int:
    """``work(session)`` in one transaction under the job's lock; 0 when another process holds it."""
    async with transaction(sessions) as session:
        if not await claim(session, job):
            log.debug("job %s is running in another process; skipped this round", job)
            return 0
        done = await work(session)
    metrics.job_finished(job)  # after the commit: the round's work is in the database
    return done


async def run_round(sessions, sender, *, public_url: str | None = None, now: datetime | None = None,
                    sms_intake: SmsIntake | None = None, router=None, photos: Photos | None = None,
                    contact_retention_days: int = CONTACT_RETENTION_DAYS) -> dict[str, int]:
    """One round; ``public_url`` is where staff mail links point, ``now`` a frozen clock for tests,
    ``sms_intake`` drains queued inbound SMS first (where no server's worker does), ``router`` the
    process's router, whose model's own threshold and card bound the live precision check starts from,
    ``photos`` this process's photo folder, cleared of files whose filing never committed,
    ``contact_retention_days`` how long after an item ends its reporter's data is kept."""
    sms_processed = (await sms_intake.drain(sessions, now=now)).claimed if sms_intake else 0
    escalated = await run_claimed(sessions, "escalate_overdue", lambda session: service.escalate_overdue(
        session, now=now, public_url=public_url))
    closed = await run_claimed(sessions, "auto_close", lambda session: service.auto_close(session, now=now))
    expired = await run_claimed(sessions, "expire_proposals", lambda session: expire_proposals(session, now=now))
    pruned = await run_claimed(sessions, "prune_rate_limits", prune_rate_limits)
    verifications = await run_claimed(sessions, "prune_phone_verifications", lambda session: prune_verifications(
        session, now=now))
    retained = await run_claimed(sessions, "contact_retention", lambda session: erase_expired(
        session, retention_days=contact_retention_days, now=now))
    digests = await run_claimed(sessions, "staff_digests", lambda session: queue_daily_digests(
        session, now=now, public_url=public_url))
    folded = await run_claimed(sessions, "fold_counter_slots", lambda session: fold_slots(session, now=now))
    map_tiles = await run_claimed(sessions, "refresh_map_tiles", refresh_tiles)
    model = getattr(router if router is not None else getattr(sms_intake, "router", None), "model", None)
    loaded = [facts] if (facts := ModelFacts.of(model)) else []
    thresholds_raised = await run_claimed(sessions, "live_precision", lambda session: check_all(
        session, loaded, public_url=public_url, now=now))
    orphans = await run_claimed(sessions, "remove_photo_orphans", photos.remove_orphans) if photos else 0
    sent = retried = failed = 0
    for _ in range(OUTBOX_BATCHES_PER_ROUND):
        report = await send_due(sessions, sender, now=now, batch=OUTBOX_BATCH)
        sent, retried, failed = sent + report.sent, retried + report.retried, failed + report.failed
        if report.sent + report.retried + report.failed < OUTBOX_BATCH:
            break
    metrics.job_finished("outbox")
    return {"escalated": escalated, "closed": closed, "expired_proposals": expired, "staff_digests": digests,
            "sent": sent, "retried": retried, "failed": failed, "rate_limit_buckets_pruned": pruned,
            "counters_folded": folded, "sms_processed": sms_processed, "map_tiles": map_tiles,
            "thresholds_raised": thresholds_raised, "photo_orphans_removed": orphans,
            "verifications_pruned": verifications, "contacts_past_retention_erased": retained}


async def run_forever(sessions, sender, interval: float, *, public_url: str | None = None, router=None,
                      photos: Photos | None = None, contact_retention_days: int = CONTACT_RETENTION_DAYS) -> None:
    """Rounds until cancelled; a failing round is logged and retried at the next interval."""
    while True:
        try:
            report = await run_round(sessions, sender, public_url=public_url, router=router, photos=photos,
                                     contact_retention_days=contact_retention_days)
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
        key = load_or_create_secret_key(settings)
        sms_intake = SmsIntake(load_router(settings), key, RateLimits(engine, key, settings))
        while True:
            echo(" ".join(f"{name}={count}" for name, count in (await run_round(
                sessions, sender, public_url=settings.suara_public_url, sms_intake=sms_intake,
                photos=photos_from_settings(settings),
                contact_retention_days=settings.suara_contact_retention_days)).items()))
            if once:
                return
            await asyncio.sleep(interval)
    finally:
        await engine.dispose()
