"""Inbox latency at scale: an officer's first inbox page and the triage queue with 100,000 submissions.

Usage: python bench/inbox.py [--submissions 100000] [--runs 300]
Seeds a fresh database with submissions spread over every agency (mixed statuses and deadlines),
then times the GraphQL queries through the real app in-process and prints p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Timer, fresh_database, percentiles

from suara.app import create_app
from suara.config import Settings
from suara.db.engine import make_engine, make_session_factory, transaction
from suara.routing.router import NoRouter
from suara.state import AppState
from suara.triage import auth

INBOX = """{ inbox(first: 50) { ... on StaffSubmissionConnection { totalCount pageInfo { endCursor }
  edges { node { id trackingCode status dueAt overdue agency { name } category { label } } } } } }"""
TRIAGE = """{ triageQueue(first: 50) { ... on StaffSubmissionConnection { totalCount
  edges { node { id trackingCode text routingSuggestions { confidence category { slug } } } } } } }"""

SEED_SQL = """
WITH agency_list AS (SELECT array_agg(id ORDER BY id) AS ids FROM agencies),
numbered AS (
  SELECT g, (SELECT ids FROM agency_list) AS ids FROM generate_series(1, :n) AS g
)
INSERT INTO submissions (tracking_code, kind, channel, text, public_text, anonymous, confidential,
  status, version, category_slug, agency_id, routed_at, first_response_due_at, resolution_due_at,
  due_at, routing_suggestions, created_at, updated_at)
SELECT
  'B' || lpad(to_hex(g), 8, '0'),
  (ARRAY['complaint','aspiration','information_request'])[1 + g % 3],
  'web',
  'Laporan uji beban nomor ' || g || ' tentang jalan rusak dan lampu jalan mati'
    || CASE WHEN g % 50 = 0 THEN ' dekat jembatan gantung' ELSE '' END,
  'Laporan uji beban nomor ' || g,
  false, g % 20 = 0,
  CASE WHEN g % 10 = 0 THEN 'in_triage' ELSE
    (ARRAY['routed','acknowledged','in_progress','resolved','closed'])[1 + g % 5] END,
  1,
  CASE WHEN g % 10 = 0 THEN NULL ELSE 'infrastruktur' END,
  CASE WHEN g % 10 = 0 THEN NULL ELSE ids[1 + (g * 7919) % array_length(ids, 1)] END,
  now() - (g % 90) * interval '1 day',
  now() - (g % 90) * interval '1 day' + interval '5 days',
  now() - (g % 90) * interval '1 day' + interval '20 days',
  CASE WHEN g % 5 IN (3, 4) THEN NULL ELSE now() - (g % 90) * interval '1 day' + interval '5 days' END,
  CASE WHEN g % 10 = 0 THEN '[{"category": "infrastruktur", "confidence": 0.41},
    {"category": "energi", "confidence": 0.22}, {"category": "lingkungan", "confidence": 0.1}]'::jsonb END,
  now() - (g % 90) * interval '1 day' - (g % 1440) * interval '1 minute',
  now()
FROM numbered
"""


async def seed(url: str, count: int) -> tuple[str, str]:
    engine = make_engine(url, pool_size=1)
    async with engine.begin() as connection:
        await connection.execute(text(SEED_SQL), {"n": count})
        await connection.execute(text(
            "INSERT INTO submission_events (submission_id, kind, actor, status_after, details) "
            "SELECT id, 'received', 'citizen:web', status, '{}'::jsonb FROM submissions"
        ))
        busiest = (await connection.execute(text(
            "SELECT a.slug FROM agencies a JOIN submissions s ON s.agency_id = a.id "
            "GROUP BY a.slug ORDER BY count(*) DESC LIMIT 1"
        ))).scalar_one()
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE"))
    async with transaction(make_session_factory(engine)) as session:
        officer, _ = await auth.create_staff(session, agency_slug=busiest, email="officer@bench.id", role="officer")
        admin, _ = await auth.create_staff(session, agency_slug="pemprov-jateng", email="triage@bench.id",
                                           role="triage_admin")
        _, officer_token = await auth.create_api_token(session, officer.id, "bench")
        _, admin_token = await auth.create_api_token(session, admin.id, "bench")
    await engine.dispose()
    return officer_token, admin_token


async def time_query(app, token: str, query: str, runs: int) -> list[float]:
    samples = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        headers = {"Authorization": f"Bearer {token}"}
        for index in range(runs + 20):
            started = time.perf_counter()
            response = await client.post("/graphql", json={"query": query}, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200 and "errors" not in response.json(), response.text[:300]
            if index >= 20:
                samples.append(elapsed)
    return samples


async def main(count: int, runs: int) -> None:
    url = await fresh_database("suara_bench_inbox")
    with Timer() as seeding:
        officer_token, admin_token = await seed(url, count)
    print(f"seeded {count:,} submissions in {seeding.seconds:.1f} s ({count / seeding.seconds:,.0f}/s)")
    engine = make_engine(url, pool_size=10)
    state = AppState(settings=Settings(database_url=url), engine=engine, sessions=make_session_factory(engine),
                     router=NoRouter(), secret_key=b"bench")
    app = create_app(state.settings, state=state)
    inbox = await time_query(app, officer_token, INBOX, runs)
    triage = await time_query(app, admin_token, TRIAGE, runs)
    await engine.dispose()
    print(f"officer's first inbox page (50 items)  {percentiles(inbox)}")
    print(f"triage queue first page (50 items)     {percentiles(triage)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(main(args.submissions, args.runs))
