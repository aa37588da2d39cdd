"""SMS intake: the webhook stores each gateway message once and answers; workers run the conversation.

A burst is absorbed by one insert per message and drained by workers in any number of processes.
Order per phone comes from the claim itself: only a phone's oldest queued message can be claimed
(``FOR UPDATE SKIP LOCKED``), so its next message waits until the previous one is done or dead,
whichever process holds it. A message is processed in the claim's transaction: its new state, the
submission and the replies in the outbox commit together, so a worker killed mid-way leaves its
messages queued for another, and none is processed twice.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.channels.sms.conversation import InboundSms, converse, queue_reply
from suara.common.actors import Actor, Role
from suara.common.errors import NotAllowed
from suara.db.engine import SessionFactory, transaction
from suara.ratelimits.service import RateLimits
from suara.routing.router import Router
from suara.submissions.sms_models import SmsInbound

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
"""A message that fails this many times becomes a dead letter."""
BACKOFF = (timedelta(seconds=2), timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5))
"""Wait before the next attempt, after the first, second, … failure."""
ERROR_CHARS = 500
GAVE_UP = ("Suara: maaf, pesan Anda tidak dapat diproses. Silakan kirim ulang nanti. "
           "Sorry, your message could not be processed; please send it again later.")
"""The one answer to a message that became a dead letter (one GSM-7 message)."""

_STORE_ORDER = ("message_id", "phone", "text", "reference", "number", "total")
_STORE = text("""
INSERT INTO sms_inbound (gateway_message_id, phone, text, part_reference, part_number, part_total)
VALUES (:message_id, :phone, :text, :reference, :number, :total)
ON CONFLICT (gateway_message_id) DO NOTHING
RETURNING id
""")

_CLAIM = text("""
SELECT message.id, message.gateway_message_id, message.phone, message.text, message.part_reference,
       message.part_number, message.part_total, message.attempts
FROM sms_inbound AS message
WHERE message.state = 'queued' AND message.next_attempt_at <= coalesce(CAST(:now AS timestamptz), now())
  AND NOT EXISTS (SELECT 1 FROM sms_inbound AS earlier
                  WHERE earlier.state = 'queued' AND earlier.phone = message.phone AND earlier.id < message.id)
ORDER BY message.id
LIMIT :batch
FOR UPDATE OF message SKIP LOCKED
""")

_DONE = text("""
UPDATE sms_inbound SET state = 'done', command = :command, submission_id = :submission_id, text = NULL,
       attempts = attempts + 1, last_error = NULL, processed_at = coalesce(CAST(:now AS timestamptz), now())
WHERE id = :id
""")

_FAILED = text("""
UPDATE sms_inbound SET state = :state, attempts = :attempts, last_error = :error,
       next_attempt_at = coalesce(CAST(:now AS timestamptz), now()) + CAST(:delay AS interval),
       processed_at = CASE WHEN :state = 'dead' THEN coalesce(CAST(:now AS timestamptz), now()) END
WHERE id = :id
""")


def _store_values(sms: InboundSms) -> dict:
    reference, number, total = sms.part or (None, None, None)
    return {"message_id": sms.message_id, "phone": sms.phone, "text": sms.text, "reference": reference,
            "number": number, "total": total}


async def store(session: AsyncSession, sms: InboundSms) -> bool:
    """Queue a message unless its gateway message id was seen: False for a duplicate or a retry."""
    stored = await session.exec(_STORE.bindparams(**_store_values(sms)))
    return stored.scalar_one_or_none() is not None


_STORE_MANY = """
INSERT INTO sms_inbound (gateway_message_id, phone, text, part_reference, part_number, part_total)
SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::integer[], $6::integer[])
ON CONFLICT (gateway_message_id) DO NOTHING
RETURNING gateway_message_id
"""
"""Many messages in one autocommitted statement; the rows go in in array order (arrival order)."""
MAX_GROUP = 500


class _GroupCommit:
    """The webhook's inserts of one process and pool, written together: while one statement is in
    flight the next requests wait and go in the following one, so a burst of 50 concurrent requests
    costs a few statements and commits rather than 50 (and no pool overflow connections). Each
    request still answers only after its own row is committed."""

    def __init__(self, engine: AsyncEngine):
        self.engine = engine
        self.waiting: list[tuple[dict, asyncio.Future[bool]]] = []
        self.writer: asyncio.Task | None = None

    async def store(self, sms: InboundSms) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.waiting.append((_store_values(sms), future))
        if self.writer is None or self.writer.done():
            self.writer = asyncio.create_task(self._write())
        return await asyncio.shield(future)

    async def _write(self) -> None:
        while self.waiting:
            group, self.waiting = self.waiting[:MAX_GROUP], self.waiting[MAX_GROUP:]
            first: dict[str, asyncio.Future[bool]] = {}
            for values, future in group:  # the same id twice in one group: the later one is a duplicate
                if values["message_id"] in first:
                    future.set_result(False)
                else:
                    first[values["message_id"]] = future
            rows = [values for values, future in group if first.get(values["message_id"]) is future]
            try:
                async with self.engine.connect() as connection:
                    # The driver's own connection outside a transaction autocommits: no BEGIN/COMMIT
                    # round trips and no isolation-level switch per checkout.
                    driver = (await connection.get_raw_connection()).driver_connection
                    stored = {record[0] for record in await driver.fetch(
                        _STORE_MANY, *([values[name] for values in rows] for name in _STORE_ORDER))}
            except Exception as error:  # noqa: BLE001 — every request of the group gets it (a 500; the gateway retries)
                for future in first.values():
                    future.set_exception(error)
                continue
            for message_id, future in first.items():
                future.set_result(message_id in stored)


_GROUPS: weakref.WeakKeyDictionary[AsyncEngine, _GroupCommit] = weakref.WeakKeyDictionary()
"""One group writer per pool in this process (the webhook has no other place to keep it)."""


async def store_once(sessions: SessionFactory, sms: InboundSms) -> bool:
    """`store` as the webhook needs it: grouped with concurrent requests into one autocommitted
    statement when the factory owns a pool; through a session when it is bound to a caller's
    connection (tests that roll back)."""
    bind = sessions.kw.get("bind")
    if isinstance(bind, AsyncEngine):
        group = _GROUPS.get(bind)
        if group is None:
            group = _GROUPS[bind] = _GroupCommit(bind)
        return await group.store(sms)
    async with transaction(sessions) as session:
        return await store(session, sms)


@dataclass(frozen=True)
class DrainReport:
    done: int = 0
    retried: int = 0
    dead: int = 0

    @property
    def claimed(self) -> int:
        return self.done + self.retried + self.dead

    def __add__(self, other: DrainReport) -> DrainReport:
        return DrainReport(self.done + other.done, self.retried + other.retried, self.dead + other.dead)


_LONG_NUMBER = re.compile(r"\d{5,}")


def describe(error: BaseException) -> str:
    """What an admin (or the log) needs to triage a failure, without personal data: the first line
    only (no SQL, no DETAIL with key values) and long digit runs (phones, NIK) hidden."""
    first_line = (str(error).strip().splitlines() or [""])[0]
    return _LONG_NUMBER.sub("…", f"{type(error).__name__}: {first_line}")[:ERROR_CHARS]


class _MessageFailed(Exception):
    """A message's conversation raised while the batch ran without savepoints."""


async def drain_sms(
    sessions: SessionFactory, *, router: Router, secret_key: bytes, limits: RateLimits | None = None,
    batch: int = 20, now: datetime | None = None,
) -> DrainReport:
    """Claim up to ``batch`` messages (each the oldest queued one of its phone) and process them in
    one transaction; a failing message rolls back alone and waits (backoff), or becomes dead. Times
    are the database's clock (the webhook's too), unless ``now`` freezes it for tests.

    The batch first runs without a savepoint per message (two round trips fewer each); when a
    message fails, that transaction rolls back whole and a fresh claim runs with savepoints, so the
    failure is recorded on its message and the others commit. (A rate-limit hit counted in the
    rolled-back run stays counted: limits count attempts.)"""
    try:
        return await _drain_batch(sessions, router, secret_key, limits, batch, now, careful=False)
    except _MessageFailed:
        return await _drain_batch(sessions, router, secret_key, limits, batch, now, careful=True)


async def _drain_batch(sessions: SessionFactory, router: Router, secret_key: bytes, limits: RateLimits | None,
                       batch: int, now: datetime | None, *, careful: bool) -> DrainReport:
    done: list[dict] = []
    retried = dead = 0
    async with transaction(sessions) as session:
        claimed = (await session.exec(_CLAIM.bindparams(now=now, batch=batch))).all()
        for row in claimed:
            sms = InboundSms(
                message_id=row.gateway_message_id, phone=row.phone, text=row.text or "",
                part=(row.part_reference, row.part_number, row.part_total) if row.part_reference else None,
            )
            if not careful:
                try:
                    outcome = await converse(session, sms, router=router, secret_key=secret_key, limits=limits)
                except Exception as error:
                    raise _MessageFailed from error
                done.append({"id": row.id, "command": outcome.status, "submission_id": outcome.submission_id})
                continue
            try:
                async with session.begin_nested():
                    outcome = await converse(session, sms, router=router, secret_key=secret_key, limits=limits)
            except Exception as error:  # noqa: BLE001 — any failure of one message is recorded on it
                attempts = row.attempts + 1
                final = attempts >= MAX_ATTEMPTS
                log.warning("sms intake: message %s failed (attempt %s%s): %s", row.id, attempts,
                            ", dead letter" if final else "", describe(error))
                await session.exec(_FAILED.bindparams(
                    id=row.id, state="dead" if final else "queued", attempts=attempts, error=describe(error),
                    delay=BACKOFF[min(attempts, len(BACKOFF)) - 1], now=now))
                if final:  # the sender would otherwise wait for an answer that never comes
                    queue_reply(session, row.phone, GAVE_UP)
                dead, retried = dead + final, retried + (not final)
                continue
            done.append({"id": row.id, "command": outcome.status, "submission_id": outcome.submission_id})
        if done:
            await session.flush()
            connection = await session.connection()
            await connection.execute(_DONE, [{**values, "now": now} for values in done])  # one executemany
    return DrainReport(len(done), retried, dead)


async def drain_all(sessions: SessionFactory, *, router: Router, secret_key: bytes,
                    limits: RateLimits | None = None, batch: int = 20, now: datetime | None = None) -> DrainReport:
    """Drain until nothing is claimable now (messages waiting for a retry stay queued): for tests and
    one-off runs."""
    total = DrainReport()
    while True:
        report = await drain_sms(sessions, router=router, secret_key=secret_key, limits=limits, batch=batch, now=now)
        total += report
        if report.claimed == 0:
            return total


async def run_sms_worker(sessions: SessionFactory, *, router: Router, secret_key: bytes,
                         limits: RateLimits | None = None, batch: int = 20, concurrency: int = 2,
                         idle_seconds: float = 0.25) -> None:
    """Drain for ever (until cancelled): ``concurrency`` claimers in this process, each polling every
    ``idle_seconds`` when the queue is empty. Safe to run in many processes at once."""

    async def claimer() -> None:
        while True:
            try:
                report = await drain_sms(sessions, router=router, secret_key=secret_key, limits=limits, batch=batch)
            except Exception as error:  # noqa: BLE001 — the round rolled back; its messages stay queued
                log.error("sms intake: a drain round failed, trying again: %s", describe(error))
                report = DrainReport()
            if report.claimed == 0:
                await asyncio.sleep(idle_seconds)

    await asyncio.gather(*(claimer() for _ in range(concurrency)))


@dataclass(frozen=True)
class SmsIntake:
    """What the intake workers need, bundled for the server's lifespan and `suara jobs run`."""

    router: Router
    secret_key: bytes
    limits: RateLimits | None = None
    batch: int = 20
    concurrency: ClassVar[int] = 4
    """Claimers per process: each waits on the database most of the time, so a few overlap well."""

    async def drain(self, sessions: SessionFactory, *, now: datetime | None = None) -> DrainReport:
        return await drain_all(sessions, router=self.router, secret_key=self.secret_key, limits=self.limits,
                               batch=self.batch, now=now)

    async def run(self, sessions: SessionFactory, *, concurrency: int | None = None,
                  idle_seconds: float = 0.25) -> None:
        await run_sms_worker(sessions, router=self.router, secret_key=self.secret_key, limits=self.limits,
                             batch=self.batch, concurrency=concurrency or self.concurrency, idle_seconds=idle_seconds)


# --- dead letters, for triage admins ----------------------------------------------------------------

@dataclass(frozen=True)
class DeadLetter:
    id: int
    phone_masked: str
    attempts: int
    last_error: str | None
    received_at: datetime
    failed_at: datetime | None


@dataclass(frozen=True)
class DeadLetterPage:
    letters: list[DeadLetter]
    total: int
    has_next_page: bool


def mask_phone(phone: str | None) -> str:
    """All but the last three digits hidden: enough to tell messages apart, not to call anyone."""
    if not phone:
        return "***"
    return "*" * max(len(phone) - 3, 3) + phone[-3:]


async def dead_letters(session: AsyncSession, actor: Actor, *, first: int = 50, after: int | None = None
                       ) -> DeadLetterPage:
    """Messages that kept failing, newest first: triage admins only (they hold the SMS channel)."""
    if not actor.is_staff or actor.role != Role.TRIAGE_ADMIN:
        raise NotAllowed("triage_admin_only", "Hanya admin triase yang dapat melihat SMS yang gagal diproses.",
                         "Only a triage admin can see SMS that failed to process.")
    first = max(1, min(first, 100))
    query = select(SmsInbound).where(SmsInbound.state == "dead")
    if after is not None:
        query = query.where(SmsInbound.id < after)
    rows = list(await session.exec(query.order_by(SmsInbound.id.desc()).limit(first + 1)))
    total = (await session.exec(select(func.count()).select_from(SmsInbound).where(SmsInbound.state == "dead"))).one()
    letters = [DeadLetter(id=row.id, phone_masked=mask_phone(row.phone), attempts=row.attempts,
                          last_error=row.last_error, received_at=row.received_at, failed_at=row.processed_at)
               for row in rows[:first]]
    return DeadLetterPage(letters=letters, total=total, has_next_page=len(rows) > first)
