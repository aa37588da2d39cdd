"""The primary's write latency under a public-read load, with the reads on the primary and on a streaming
replica (DATABASE_READ_URL), in one run.

Usage: python bench/replica.py [--history 5000] [--writes 300] [--readers 2] [--sessions 4]

An embedded primary (under .suara/bench-replica) gets ``--history`` demo submissions; a hot standby is
made from it with `pg_basebackup -R` (tests/replica.py). Then one writer files submissions through
Suara's submit (the domain function, one transaction each, on the primary) one after another, three
times: with no read load, while ``--readers`` processes × ``--sessions`` sessions run the public reads
(monthly figures and backlog, and every fifth time the open-data item rows) on the primary, and while they run them on the
replica. Prints p50/p99 of the writes in each phase and the public reads (queries) done per second; the last line is JSON.

On one machine the replica shares the primary's CPU and disk, so the gain here is the primary's own
work (locks, buffers, connections) only; on its own machine a replica also takes the reads' CPU away.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests/replica.py: the same replica as the test
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import percentiles
from sqlalchemy import text

from suara.db.embedded import start_embedded_server
from suara.db.engine import make_engine, make_session_factory, transaction
from suara.provision import migrate_and_seed
from suara.routing.router import RoutingDecision
from suara.submissions import service
from suara.transparency import open_items, queries
from suara.transparency.demo import seed_demo
from tests.factories import draft
from tests.replica import start_replica, wait_for_replay


class SureRouter:
    def decide(self, text: str) -> RoutingDecision:
        return RoutingDecision(category="infrastruktur", confidence=0.97, model_version="bench",
                               suggestions=[{"category": "infrastruktur", "confidence": 0.97}], automatic=True)

    def suggest(self, text: str, k: int = 3) -> list[dict]:
        return []


def read_load(url: str, sessions: int, stop: multiprocessing.Event, done: multiprocessing.Value) -> None:
    """One reader process: ``sessions`` concurrent loops of the public reads until ``stop``."""
    async def loop(factory) -> None:
        rounds = 0
        while not stop.is_set():
            async with factory() as session:
                reads = [queries.figures(session, period=queries.Period.MONTH), queries.backlog(session)]
                if rounds % 5 == 0:  # the open-data item rows: the heaviest public read, asked less often
                    reads.append(open_items.published_items(session))
                for read in reads:
                    await read
                    with done.get_lock():
                        done.value += 1
            rounds += 1

    async def main() -> None:
        engine = make_engine(url, pool_size=sessions)
        try:
            await asyncio.gather(*(loop(make_session_factory(engine)) for _ in range(sessions)))
        finally:
            await engine.dispose()

    asyncio.run(main())


async def writes(url: str, count: int) -> list[float]:
    engine = make_engine(url, pool_size=2)
    sessions = make_session_factory(engine)
    samples = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            async with transaction(sessions) as session:
                await service.submit(session, draft(), router=SureRouter(), secret_key=b"bench")
            samples.append((time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
    return samples


def phase(name: str, write_url: str, read_url: str | None, args) -> dict:
    spawn = multiprocessing.get_context("spawn")
    stop, done = spawn.Event(), spawn.Value("i", 0)
    readers = [spawn.Process(target=read_load, args=(read_url, args.sessions, stop, done))
               for _ in range(args.readers if read_url else 0)]
    for reader in readers:
        reader.start()
    if readers:
        time.sleep(3)  # readers warmed up
    started, reads_before = time.perf_counter(), done.value
    samples = asyncio.run(writes(write_url, args.writes))
    seconds, reads = time.perf_counter() - started, done.value - reads_before
    stop.set()
    for reader in readers:
        reader.join()
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * (len(ordered) - 1) + 0.5))]
    print(f"{name:28s} writes {percentiles(samples)}   public reads {reads / seconds:6.1f}/s")
    return {"phase": name, "write_p50_ms": round(ordered[len(ordered) // 2], 2), "write_p99_ms": round(p99, 2),
            "reads_per_second": round(reads / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=4)
    args = parser.parse_args()

    home = REPO / ".suara" / "bench-replica"
    primary = start_embedded_server(home, database="suara_replica_bench")

    async def prepare() -> None:
        await migrate_and_seed(primary)
        engine = make_engine(primary, pool_size=2)
        try:
            async with transaction(make_session_factory(engine)) as session:
                if await session.scalar(text("SELECT count(*) FROM submissions")) < args.history:
                    await seed_demo(session, args.history)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    replica = start_replica(primary)
    try:
        asyncio.run(wait_for_replay(primary, replica.url))
        results = [phase("no read load", primary, None, args),
                   phase("public reads on the primary", primary, primary, args),
                   phase("public reads on the replica", primary, replica.url, args)]
    finally:
        replica.stop()
    print(json.dumps({"history": args.history, "readers": args.readers * args.sessions, "results": results}))


if __name__ == "__main__":
    main()
