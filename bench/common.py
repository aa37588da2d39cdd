"""Shared set-up for benchmarks: a fresh, migrated, seeded database on the embedded server."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from suara.config import Settings
from suara.db.admin import migrate_and_seed, recreate_database
from suara.db.engine import resolve_database_url

REPO = Path(__file__).resolve().parents[1]


async def fresh_database(name: str) -> str:
    """Drop and create database ``name`` (embedded server under .suara/bench unless DATABASE_URL)."""
    settings = Settings(database_url=os.environ.get("DATABASE_URL"), suara_home=REPO / ".suara" / "bench")
    url = await recreate_database(resolve_database_url(settings), name)
    await migrate_and_seed(url)
    return url


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * (len(ordered) - 1) + 0.5))]
    return f"p50 {statistics.median(ordered):7.2f} ms   p99 {p99:7.2f} ms   (n={len(ordered)})"


class Timer:
    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
