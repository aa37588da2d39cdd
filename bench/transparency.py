"""Transparency read cost at 10,000 and at 1,000,000 submissions: the figures must not slow down with history.

Usage: python bench/transparency.py [--small 10000] [--large 1000000] [--runs 200] [--spread 8]
                                   [--writers 50] [--hold-ms 5]
Seeds demo history (`suara seed --demo`), then times the `transparency` GraphQL query (all agencies all
time with their backlog, one agency month by month, all agencies month by month) and
GET /open-data/agency-stats.csv through the real app in-process, at both sizes.

Counters written by concurrent transactions are spread over slot rows that reads add up; the seed writes
one row per counter (a rebuild), so each size is timed twice: as seeded, and with every counter spread
over ``--spread`` slots (the whole history as if it had always been written by that many transactions
at once and the job that folds slots back into one row had never run: the worst case; 0 skips it). The
values are split so that the figures stay the same.

First, the write side: ``--writers`` connections each add a filing's counter changes and keep their
transaction open ``--hold-ms`` (the rest of a request) before committing, with the counters in slots
and, for comparison, with every writer in one row per counter (the layout before slots); 0 skips it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Timer, fresh_database

from suara.app import create_app
from suara.config import Settings
from suara.db.engine import make_engine, make_session_factory, transaction
from suara.routing.router import NoRouter
from suara.state import AppState
from suara.submissions import counting
from suara.submissions.counter_models import SLOTS
from suara.transparency.demo import seed_demo

FIELDS = """received resolved routingAccuracy disputeRate rejectedByReason { reason count }
  firstResponse { medianHours p90Hours medianWorkingDays withinServiceLevelShare } resolution { medianWorkingDays p90WorkingDays }"""
ALL_TIME = "{ transparency(period: ALL) { agency { slug } %s } backlog { openNow overdueNow } }" % FIELDS
"""The league page: every agency's all-time figures and backlog."""
AGENCY_MONTHS = '{ transparency(period: MONTH, agency: "dinkes") { periodStart %s } }' % FIELDS
"""One agency's page: its figures month by month."""
MONTHLY = "{ transparency(period: MONTH) { periodStart agency { slug } %s } }" % FIELDS
"""Every agency month by month: the heaviest question the API takes (the CSV asks the same)."""
REGIONS_OF_MONTH = """query($p: String!) { arrivals(dimension: REGION, period: $p) { ... on Breakdown { total cells { key count } } } }"""
"""One month by region over all agencies: complementary suppression decided over the month's whole table."""


def quantiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(0.99 * (len(ordered) - 1) + 0.5))]


async def measure(app, runs: int) -> dict[str, tuple[float, float]]:
    results = {}
    last_month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        for name, request in (
            ("all agencies, all time", lambda: client.post("/graphql", json={"query": ALL_TIME})),
            ("one agency by month", lambda: client.post("/graphql", json={"query": AGENCY_MONTHS})),
            ("all agencies by month", lambda: client.post("/graphql", json={"query": MONTHLY})),
            ("agency-stats.csv", lambda: client.get("/open-data/agency-stats.csv")),
            ("regions of last month", lambda: client.post("/graphql", json={
                "query": REGIONS_OF_MONTH, "variables": {"p": last_month}})),
            ("arrivals.csv", lambda: client.get("/open-data/arrivals.csv")),
        ):
            samples = []
            for index in range(runs + 10):
                started = time.perf_counter()
                response = await request()
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200 and "errors" not in response.text[:200], response.text[:300]
                if index >= 10:
                    samples.append(elapsed)
            results[name] = quantiles(samples)
    return results


async def spread(engine, slots: int) -> int:
    """Every counter's slot-0 row split over slots 0..slots-1 (parts of -1, 0 or 1, the rest in slot 0)."""
    async with engine.begin() as connection:
        await connection.execute(text(f"""
            INSERT INTO agency_daily_counts (agency_id, span, day, metric, slot, value)
            SELECT agency_id, span, day, metric, part, (part + agency_id + length(metric)) % 3 - 1
            FROM agency_daily_counts, generate_series(1, {slots - 1}) AS part WHERE slot = 0"""))
        await connection.execute(text("""
            UPDATE agency_daily_counts AS whole SET value = whole.value - parts.total
            FROM (SELECT agency_id, span, day, metric, sum(value) AS total FROM agency_daily_counts WHERE slot > 0
                  GROUP BY agency_id, span, day, metric) AS parts
            WHERE whole.slot = 0 AND (whole.agency_id, whole.span, whole.day, whole.metric)
                  = (parts.agency_id, parts.span, parts.day, parts.metric)"""))
        return (await connection.execute(text("SELECT count(*) FROM agency_daily_counts"))).scalar_one()


ONE_ROW = text("""
    INSERT INTO agency_daily_counts (agency_id, span, day, metric, slot, value)
    SELECT agency_id, span, day, metric, 0, value
    FROM unnest(CAST(:agency_ids AS integer[]), CAST(:spans AS varchar[]), CAST(:days AS date[]),
                CAST(:metrics AS varchar[]), CAST(:values AS bigint[])) AS change(agency_id, span, day, metric, value)
    ON CONFLICT (agency_id, span, day, metric, slot) DO UPDATE SET value = agency_daily_counts.value + excluded.value
""")
"""`counting.UPSERT` as it was before slots: every transaction adds to the same row of each counter."""


async def counter_writes(sessions, writers: int, per_writer: int, hold_ms: float) -> None:
    """Counter transactions per second with ``writers`` concurrent writers, in slots and in one row each."""
    now = datetime.now(UTC)
    changes = counting.increments_for_event("received", "citizen:web", None, None, now) + \
        counting.increments_for_event("routed", "model:bench", None, 1, now,
                                      facets=counting.Facets("web", "33.74.01", "infrastruktur"))
    slotted = counting.UPSERT
    for layout, statement in (("in slots", slotted), ("one row per counter", ONE_ROW)):
        counting.UPSERT = statement  # apply() runs this statement: the same call, the other layout
        latencies: list[float] = []

        async def writer(latencies: list[float]) -> None:
            for _ in range(per_writer):
                started = time.perf_counter()
                async with transaction(sessions) as session:
                    await counting.apply(session, changes)
                    await asyncio.sleep(hold_ms / 1000)
                latencies.append((time.perf_counter() - started) * 1000)

        try:
            with Timer() as run:
                await asyncio.gather(*(writer(latencies) for _ in range(writers)))
        finally:
            counting.UPSERT = slotted
        p50, p99 = quantiles(latencies)
        print(f"counter writes, {writers} writers holding {hold_ms:g} ms, {layout:20} "
              f"{len(latencies) / run.seconds:8.1f} transactions/s  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms", flush=True)


async def vacuum(engine) -> None:
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE agency_daily_counts"))


async def main(small: int, large: int, runs: int, slots: int, writers: int, hold_ms: float) -> None:
    url = await fresh_database("suara_bench_transparency")
    engine = make_engine(url, pool_size=max(5, writers))
    sessions = make_session_factory(engine)
    if writers:
        await counter_writes(sessions, writers, 40, hold_ms)  # the demo seed below rebuilds every counter
    state = AppState(settings=Settings(database_url=url), engine=engine, sessions=sessions, router=NoRouter(),
                     secret_key=b"bench")
    app = create_app(state.settings, state=state)
    figures = {}
    seeded = 0
    for target in (small, large):
        with Timer() as seeding:
            async with transaction(sessions) as session:
                await seed_demo(session, target - seeded, seed=target)
        print(f"seeded {target - seeded:,} submissions (and rebuilt all counters) in {seeding.seconds:.1f} s "
              f"({(target - seeded) / seeding.seconds:,.0f}/s)", flush=True)
        seeded = target
        await vacuum(engine)
        figures[target] = await measure(app, runs)
        for name, (p50, p99) in figures[target].items():
            print(f"  {target:>9,} submissions  {name:24} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms", flush=True)
        if slots > 1:
            with Timer() as spreading:
                rows = await spread(engine, slots)
            await vacuum(engine)
            print(f"spread every counter over {slots} slots: {rows:,} rows ({spreading.seconds:.1f} s)", flush=True)
            spread_figures = await measure(app, runs)
            for name, (p50, p99) in spread_figures.items():
                print(f"  {target:>9,} submissions  {name:24} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  "
                      f"(spread over {slots}; p99 {p99 / figures[target][name][1]:.2f}x one row)", flush=True)
            # The next seed rebuilds every counter from the events: one row each again.
    for name in figures[small]:
        ratio = figures[large][name][1] / figures[small][name][1]
        print(f"p99 ratio {large:,}/{small:,} for {name}: {ratio:.2f}")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--spread", type=int, default=8, choices=range(SLOTS + 1), metavar=f"0..{SLOTS}")
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--hold-ms", type=float, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.small, args.large, args.runs, args.spread, args.writers, args.hold_ms))
