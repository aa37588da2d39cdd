"""Rate limits counted in PostgreSQL: one row per (key, time bucket), bumped by one atomic upsert.

Each attempt is counted on a connection of its own and committed at once, before the work it guards
starts: a counted attempt holds no lock while the request runs and still counts when the request
rolls back. The window slides: the previous bucket counts in proportion to how much of it still
lies inside the window (the estimate Cloudflare and nginx use), so a burst at a bucket edge cannot
double the limit. Keys are keyed hashes (HMAC with the server key) of what they limit, so the
table holds no addresses, phones or e-mails.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.errors import RateLimited
from suara.config import Settings
from suara.db.columns import utcnow
from suara.observability import metrics
from suara.ratelimits.models import RateLimitHit

KEEP = timedelta(days=2)
"""Buckets older than this are deleted by the jobs; longer than the longest window (one day)."""

_HIT = text("""
WITH hit AS (
    INSERT INTO rate_limit_hits (key, bucket_start, hits) VALUES (:key, :bucket, 1)
    ON CONFLICT (key, bucket_start) DO UPDATE SET hits = rate_limit_hits.hits + 1
    RETURNING hits
)
SELECT hit.hits,
       coalesce((SELECT hits FROM rate_limit_hits WHERE key = :key AND bucket_start = :previous), 0)
FROM hit
""")


@dataclass(frozen=True)
class Limit:
    """At most ``count`` attempts per ``window_seconds`` for one subject."""

    name: str
    count: int
    window_seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_seconds: int = 0
    first_refusal: bool = False
    """The first refused attempt of a run: worth one answer (an SMS), the rest are not."""


ALLOWED = Verdict(allowed=True)


def network_of(address: str | None) -> str:
    """The unit an address is limited by: the IPv4 address, or the IPv6 /64 (one subscriber's
    prefix; a phone or home gets a whole /64 and could otherwise rotate through it)."""
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _verdict(limit: Limit, hits: int, previous: int, fraction: float) -> Verdict:
    """Allowed while ``hits + previous·(1 − fraction) ≤ count``; else when the next attempt could pass."""
    carried = previous * (1 - fraction)
    if hits + carried <= limit.count:
        return ALLOWED
    window = limit.window_seconds
    wait = None
    if hits + 1 <= limit.count and previous > 0:  # this bucket, once enough of the previous one slid out
        slid = 1 - (limit.count - hits - 1) / previous
        if slid < 1:
            wait = (slid - fraction) * window
    if wait is None:  # the next bucket, once enough of this one slid out
        wait = (1 - fraction) * window + max(0.0, 1 - (limit.count - 1) / hits) * window
    first = (hits - 1) + carried <= limit.count
    return Verdict(allowed=False, retry_after_seconds=max(1, math.ceil(wait)), first_refusal=first)


class RateLimits:
    """The limits of one running server, from its settings; ``enabled`` false lets everything through."""

    def __init__(self, engine: AsyncEngine | None, secret_key: bytes, settings: Settings):
        self.engine = engine
        self.secret_key = secret_key
        self.enabled = bool(settings.suara_rate_limits) and engine is not None
        self.submit = Limit("submit", settings.suara_rate_limit_submit_per_minute, 60)
        self.sms_filing = Limit("sms_filing", settings.suara_rate_limit_sms_filings_per_hour, 3600)
        self.photo_add = Limit("photo_add", settings.suara_rate_limit_photo_adds_per_hour, 3600)
        self.open311_write = Limit("open311_write", settings.suara_rate_limit_open311_writes_per_minute, 60)
        self.map = Limit("map", settings.suara_rate_limit_map_per_minute, 60)
        self.citizen_rights = Limit("citizen_rights", settings.suara_rate_limit_citizen_rights_per_hour, 3600)
        attempts = settings.suara_rate_limit_signin_attempts
        self.signin = (  # growing delays: 5 tries, a 5-minute wait, 5 more, an hour's wait, …
            Limit("signin_5m", attempts, 300),
            Limit("signin_1h", 2 * attempts, 3600),
            Limit("signin_1d", 4 * attempts, 86400),
        )
        self.signin_account = Limit("signin_account", settings.suara_rate_limit_signin_per_account_per_hour, 3600)

    def key(self, limit: Limit, subject: str) -> str:
        digest = hmac.new(self.secret_key, f"{limit.name}\x00{subject}".encode(), hashlib.sha256).hexdigest()
        return f"{limit.name}:{digest[:40]}"

    async def check(self, *attempts: tuple[Limit, str]) -> Verdict:
        """Count one attempt against each (limit, subject) in order, each committed at once. The first
        limit that refuses ends it: later limits count only attempts the earlier ones let through
        (an address hammering at its own limit does not use up an account's wider one)."""
        if not self.enabled:
            return ALLOWED
        now = time.time()
        async with self.engine.connect() as connection:
            # Each upsert is atomic on its own and commits at once: no BEGIN/COMMIT round trips,
            # and no row lock held past its statement.
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            for limit, subject in attempts:
                index, offset = divmod(now, limit.window_seconds)
                bucket = datetime.fromtimestamp(index * limit.window_seconds, UTC)
                previous = bucket - timedelta(seconds=limit.window_seconds)
                hits, previous_hits = (await connection.execute(
                    _HIT, {"key": self.key(limit, subject), "bucket": bucket, "previous": previous}
                )).one()
                verdict = _verdict(limit, hits, previous_hits, offset / limit.window_seconds)
                if not verdict.allowed:
                    metrics.RATE_LIMIT_REFUSALS.labels(limit=limit.name).inc()
                    return verdict
        return ALLOWED

    async def hit(self, limit: Limit, subject: str) -> None:
        """Count one attempt; raise RateLimited when it is one too many."""
        verdict = await self.check((limit, subject))
        if not verdict.allowed:
            raise RateLimited(verdict.retry_after_seconds)

    async def forget(self, *attempts: tuple[Limit, str]) -> None:
        """Drop the counts of these subjects (a successful sign-in clears its address's failures)."""
        if not self.enabled or not attempts:
            return
        async with self.engine.begin() as connection:
            await connection.execute(
                delete(RateLimitHit).where(RateLimitHit.key.in_([self.key(limit, subject) for limit, subject in attempts]))
            )


async def prune(session: AsyncSession) -> int:
    """Delete buckets no window reaches any more (run by the jobs)."""
    result = await session.exec(delete(RateLimitHit).where(RateLimitHit.bucket_start < utcnow() - KEEP))
    return result.rowcount or 0
