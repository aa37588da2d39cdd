"""The public map query with 100,000 located reports (issue 18): p50/p99 of `maps.public_map` for views a
citizen opens — a city at street level, a city, a province, all of Indonesia — and of `nearby_open`.

Views on a grid of ~28 km or coarser read the summary tiles the jobs rebuild each minute (timed too).
Reports are spread like complaints are: 80 % around seven big cities, 20 % anywhere in Indonesia; 5 %
confidential. Rows go in with COPY (the map_cells trigger counts them), then VACUUM ANALYZE.

    .venv/bin/python bench/maps.py [--count 100000] [--runs 200]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import fresh_database, percentiles  # noqa: E402
from suara.db.engine import make_engine, make_session_factory, transaction  # noqa: E402
from suara.maps import service as maps  # noqa: E402

CITIES = [(-6.2, 106.82), (-7.0, 110.42), (-7.25, 112.75), (3.59, 98.67), (-5.14, 119.42), (-8.65, 115.22), (-0.95, 100.35)]
VIEWS = {
    "street (z16)": (lambda r, c: maps.Area(c[0] - 0.006, c[1] - 0.008, c[0] + 0.006, c[1] + 0.008), 16),
    "city (z12)": (lambda r, c: maps.Area(c[0] - 0.1, c[1] - 0.13, c[0] + 0.1, c[1] + 0.13), 12),
    "province (z8)": (lambda r, c: maps.Area(c[0] - 1.5, c[1] - 2, c[0] + 1.5, c[1] + 2), 8),
    "Indonesia (z5)": (lambda r, c: maps.Area(-11, 94, 6, 141), 5),
}


async def seed(url: str, count: int) -> None:
    engine = make_engine(url, pool_size=2)
    rnd = random.Random(18)
    rows = []
    for index in range(count):
        if rnd.random() < 0.8:
            lat, lon = rnd.choice(CITIES)
            lat, lon = rnd.gauss(lat, 0.08), rnd.gauss(lon, 0.08)
        else:
            lat, lon = rnd.uniform(-10.5, 5.5), rnd.uniform(95, 140.5)
        rows.append((f"B{index:09d}", "complaint", "api", "Jalan rusak", "Jalan rusak", lat, lon,
                     rnd.random() < 0.05, rnd.choice(["received", "routed", "in_progress", "resolved"]), False, 1))
    async with engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        await raw.copy_records_to_table("submissions", records=rows, columns=[
            "tracking_code", "kind", "channel", "text", "public_text", "latitude", "longitude", "confidential", "status",
            "anonymous", "version"])
        await raw.execute("VACUUM ANALYZE submissions")
        await raw.execute("ANALYZE map_cells")
    await engine.dispose()


async def main(count: int, runs: int) -> None:
    url = await fresh_database("suara_bench_maps")
    started = time.perf_counter()
    await seed(url, count)
    print(f"{count:,} located reports seeded in {time.perf_counter() - started:.1f} s (trigger included)")
    engine = make_engine(url, pool_size=2)
    sessions = make_session_factory(engine)
    async with transaction(sessions) as session:
        started = time.perf_counter()
        tiles = await maps.refresh_tiles(session)
    print(f"summary tiles rebuilt (the jobs' map_tiles round): {tiles:,} rows in {time.perf_counter() - started:.2f} s")
    rnd = random.Random(1)
    async with sessions() as session:
        everything: list[float] = []
        for name, (area_of, zoom) in VIEWS.items():
            samples = []
            for _ in range(runs if zoom > 5 else max(10, runs // 10)):
                area = area_of(rnd, rnd.choice(CITIES))
                begun = time.perf_counter()
                await maps.public_map(session, area, zoom)
                samples.append((time.perf_counter() - begun) * 1000)
            everything += samples
            print(f"public map {name:15} {percentiles(samples)}")
        samples = []
        for _ in range(runs):
            lat, lon = rnd.choice(CITIES)
            begun = time.perf_counter()
            await maps.nearby_open(session, rnd.gauss(lat, 0.05), rnd.gauss(lon, 0.05))
            samples.append((time.perf_counter() - begun) * 1000)
        print(f"nearby (200 m)             {percentiles(samples)}")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.count, arguments.runs))
