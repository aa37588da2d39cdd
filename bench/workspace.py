"""The agency workspace at scale: inbox pages with each filter, the item page, and first-load bytes.

Usage: python bench/workspace.py [--submissions 100000] [--runs 200]
Seeds a fresh database like bench/inbox.py (submissions spread over every agency, mixed statuses and
deadlines, a third of the busiest agency's items assigned to the officer), then times the GraphQL
queries the workspace sends through the real app in-process and prints p50/p99 per query. The
workspace's first load is measured from the built files in web/dist (gzip, as served).
Targets (issue 15): p99 under 50 ms per query; first load under 200 KB transferred.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import re
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, Timer, fresh_database, percentiles
from inbox import seed

from suara.app import create_app
from suara.config import Settings
from suara.db.engine import make_engine, make_session_factory
from suara.routing.router import NoRouter
from suara.state import AppState

INBOX = """query($filter: InboxFilter) { inbox(first: 50, filter: $filter) { __typename
  ... on StaffSubmissionConnection { totalCount totalCountExact pageInfo { endCursor hasNextPage }
  edges { node { id trackingCode kind status dueAt overdue title text category { label }
  assignee { email } firstResponseWorkingDaysLeft } } } } }"""
COUNTS = """query($filter: InboxFilter) { inboxCounts(filter: $filter) { __typename
  ... on InboxCounts { total overdue byStatus { status count } } } }"""
ITEM = """query($id: ID!) { staffSubmission(id: $id) { __typename id trackingCode version kind status title text channel
  anonymous confidential fieldCheck createdAt firstResponseDueAt resolutionDueAt dueAt overdue
  agency { name } category { label } routingModelVersion locationText latitude longitude regionCode
  supportCount firstResponseWorkingDaysLeft resolutionWorkingDaysLeft assignee { email } duplicateOf
  events { actorEmail kind status at public note } possibleDuplicates { similarity submission { trackingCode } }
  routingSuggestions { confidence category { slug } } } }"""

FILTERS = {
    "no filter": None,
    "status routed": {"statuses": ["ROUTED"]},
    "overdue": {"overdue": True},
    "assigned to me": {"assigned": "ME"},
    "unassigned": {"assigned": "UNASSIGNED"},
    "category": {"category": "infrastruktur"},
    "kind": {"kind": "ASPIRATION"},
    "channel": {"channel": "WEB"},
    "region prefix": {"regionCode": "33.74"},
    "date range (30 days)": {"from": "2026-10-01", "to": "2026-10-31"},
    "words in every item": {"text": "lampu jalan"},
    "words in 1 item of 50": {"text": "jembatan gantung"},
    "status + overdue + unassigned": {"statuses": ["ROUTED", "ACKNOWLEDGED"], "overdue": True,
                                      "assigned": "UNASSIGNED"},
}


async def spread_details(url: str) -> None:
    """Regions and assignments, so the region and assignee filters have something to narrow."""
    engine = make_engine(url, pool_size=1)
    async with engine.begin() as connection:
        # bench/inbox.py's staff got generated one-time passwords; these officers have chosen theirs.
        await connection.execute(text("UPDATE staff SET must_change_password = false"))
        await connection.execute(text(
            "UPDATE submissions SET region_code = (ARRAY['33.74', '33.74.01', '33.01', '33.22', '34.71'])"
            "[1 + id % 5]"))
        await connection.execute(text(
            "UPDATE submissions SET assigned_staff_id = (SELECT id FROM staff WHERE email = 'officer@bench.id') "
            "WHERE id % 3 = 0 AND agency_id = (SELECT agency_id FROM staff WHERE email = 'officer@bench.id')"))
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE submissions"))
    await engine.dispose()


async def timed(client: httpx.AsyncClient, token: str, query: str, variables: dict, runs: int) -> list[float]:
    samples = []
    headers = {"Authorization": f"Bearer {token}"}
    for index in range(runs + 10):
        started = time.perf_counter()
        response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        body = response.json()
        result = next(iter((body.get("data") or {}).values()), None) or {}
        assert response.status_code == 200 and "errors" not in body, response.text[:300]
        assert result.get("__typename", "StaffSubmission") not in ("NotAllowed", "ValidationError"), body
        if index >= 10:
            samples.append(elapsed)
    return samples


def first_load_bytes() -> tuple[int, int]:
    """(raw, gzip) bytes of /petugas/ and the scripts and styles it loads, as the server sends them."""
    page = REPO / "web" / "dist" / "petugas" / "index.html"
    if not page.is_file():
        raise SystemExit("web/dist/petugas is not built: run `make web` first")
    html = page.read_bytes()
    files = [html] + [(REPO / "web" / "dist" / asset.lstrip("/")).read_bytes()
                      for asset in re.findall(r'(?:src|href)="(/assets/[^"]+\.(?:js|css))"', html.decode())]
    return sum(map(len, files)), sum(len(gzip.compress(content, 6)) for content in files)


async def main(count: int, runs: int) -> None:
    url = await fresh_database("suara_bench_workspace")
    with Timer() as seeding:
        officer_token, _ = await seed(url, count)
        await spread_details(url)
    print(f"seeded {count:,} submissions in {seeding.seconds:.1f} s")
    engine = make_engine(url, pool_size=10)
    state = AppState(settings=Settings(database_url=url, suara_rate_limits=False), engine=engine,
                     sessions=make_session_factory(engine), router=NoRouter(), secret_key=b"bench")
    app = create_app(state.settings, state=state)
    worst = 0.0
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        for name, condition in FILTERS.items():
            samples = await timed(client, officer_token, INBOX, {"filter": condition}, runs)
            worst = max(worst, sorted(samples)[int(0.99 * (len(samples) - 1) + 0.5)])
            print(f"inbox first page, {name:31} {percentiles(samples)}")
        for name in ("no filter", "words in every item", "words in 1 item of 50"):
            samples = await timed(client, officer_token, COUNTS, {"filter": FILTERS[name]}, runs)
            print(f"inbox counts per status, {name:24} {percentiles(samples)}")
        first = (await client.post("/graphql", json={"query": INBOX, "variables": {}},
                                   headers={"Authorization": f"Bearer {officer_token}"})).json()
        item_id = first["data"]["inbox"]["edges"][0]["node"]["id"]
        samples = await timed(client, officer_token, ITEM, {"id": item_id}, runs)
        worst = max(worst, sorted(samples)[int(0.99 * (len(samples) - 1) + 0.5)])
        print(f"item page{'':34} {percentiles(samples)}")
    await engine.dispose()
    raw, compressed = first_load_bytes()
    print(f"workspace first load: {raw / 1024:.1f} KB raw, {compressed / 1024:.1f} KB gzip (target < 200 KB)")
    print(f"worst p99 of the inbox and item queries: {worst:.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.submissions, args.runs))
