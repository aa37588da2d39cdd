"""Shared set-up for benchmarks: a fresh, migrated, seeded database on the embedded server."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from suara.config import Settings
from suara.db.admin import recreate_database
from suara.db.engine import resolve_database_url
from suara.provision import migrate_and_seed

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


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


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early:\n{process.stdout.read() if process.stdout else ''}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit(f"server at {url} not ready in {timeout}s")


@contextmanager
def serving(url: str, port: int, *, workers: int = 1, **settings: str) -> Iterator[str]:
    """`suara serve --workers N` (jobs off, rate limits off unless ``SUARA_RATE_LIMITS="on"`` is passed)
    on the benchmark database until the block ends; yields its base URL."""
    env = dict(os.environ, DATABASE_URL=url, SUARA_HOME=str(REPO / ".suara" / "bench"),
               **{"SUARA_RATE_LIMITS": "off", **settings})
    server = subprocess.Popen(
        [sys.executable, "-m", "suara.cli", "serve", "--host", HOST, "--port", str(port), "--no-jobs",
         "--workers", str(workers)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_ready(f"http://{HOST}:{port}/health", server)
        yield f"http://{HOST}:{port}"
    finally:
        server.terminate()
        server.wait(timeout=60)
