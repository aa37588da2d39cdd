"""Votes through GraphQL at 50 concurrent voters, and the tally query as a poll grows to 1M votes.

Usage: python bench/votes.py [--votes 2000] [--concurrency 50] [--big 1000000]
Starts `suara serve` on a fresh database (embedded PostgreSQL under .suara/bench unless
DATABASE_URL) with a known server key, so the benchmark can hand out voter tokens the server
accepts. Every vote is a distinct verified voter. The baseline in the same run is the cheapest
GraphQL read (a poll's question) at the same concurrency; the ratio is votes/s over that.
Then 1M ballots are written straight into a second poll (and its kept counts), and the public
tally query is timed on the small and the big poll; the ratio shows whether it grows with volume.
The count-from-ballots recount is timed at 1M too, as the cost the kept counts avoid.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HOST, Timer, fresh_database, percentiles, serving
from loadgen import post_request, run_load

from suara.common.actors import Actor, Role
from suara.db.columns import utcnow
from suara.db.engine import make_engine, make_session_factory, transaction
from suara.dialogue import polls
from suara.dialogue.identity import TOKEN_LIFETIME, voter_hash, voter_token

REPO = Path(__file__).resolve().parents[1]
KEY = b"bench-votes-server-key"
VOTE = ("mutation($t: String!, $p: ID!, $o: [ID!]!) { vote(voterToken: $t, pollId: $p, optionIds: $o) "
        "{ __typename ... on DialogueError { code } } }")
READ = "query($p: ID!) { poll(id: $p) { question } }"
TALLY = "query($p: ID!) { poll(id: $p) { results { voters final options { votes share option { label } } } } }"


async def make_polls(url: str) -> tuple[int, list[int], int, list[int]]:
    engine = make_engine(url)
    organiser = Actor(kind="staff", staff_id=None, agency_id=1, role=Role.OFFICER)
    now = utcnow()
    made = []
    async with transaction(make_session_factory(engine)) as session:
        for question in ("Jam operasional Mal Pelayanan Publik yang Anda inginkan?",
                         "Prioritas anggaran kelurahan tahun depan?"):
            poll = await polls.create_poll(session, organiser, question=question,
                                           options=["Pagi", "Siang", "Sore", "Malam"],
                                           opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=7))
            made.append((poll.id, [o.id for o in (await polls.options_of(session, [poll.id]))[poll.id]]))
    await engine.dispose()
    return made[0][0], made[0][1], made[1][0], made[1][1]


async def fill_big_poll(url: str, poll_id: int, option_ids: list[int], ballots: int) -> float:
    """1M ballots of distinct (fake) voter hashes, and the kept counts set to match."""
    engine = make_engine(url)
    with Timer() as timer:
        async with engine.begin() as connection:
            await connection.execute(text("""
                INSERT INTO poll_ballots (poll_id, voter_hash, option_ids)
                SELECT CAST(:poll AS int), md5(i::text) || md5((-i)::text), ARRAY[(CAST(:options AS int[]))[1 + i % 4]]
                  FROM generate_series(1, CAST(:n AS int)) AS i
            """), {"poll": poll_id, "options": option_ids, "n": ballots})
            await connection.execute(text("""
                UPDATE poll_options o SET vote_count = c.n
                  FROM (SELECT option_ids[1] AS id, count(*) AS n FROM poll_ballots WHERE poll_id = :poll GROUP BY 1) c
                 WHERE o.id = c.id
            """), {"poll": poll_id})
            await connection.execute(text("ANALYZE poll_ballots"))
    async with make_session_factory(engine)() as session:
        with Timer() as recount:
            counted = await polls.recount(session, poll_id)
    await engine.dispose()
    assert sum(counted.values()) == ballots
    return timer.seconds, recount.seconds


def tally_times(port: int, poll_id: int, runs: int) -> list[float]:
    samples = []
    with httpx.Client(base_url=f"http://{HOST}:{port}") as client:
        for _ in range(runs):
            started = time.perf_counter()
            body = client.post("/graphql", json={"query": TALLY, "variables": {"p": str(poll_id)}}).json()
            samples.append((time.perf_counter() - started) * 1000)
            assert body["data"]["poll"]["results"] is not None, body
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--votes", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()

    url = asyncio.run(fresh_database("suara_bench_votes"))
    small_poll, small_options, big_poll, big_options = asyncio.run(make_polls(url))
    port = 18085
    expires = utcnow() + TOKEN_LIFETIME
    tokens = [voter_token(KEY, voter_hash(KEY, f"0857{i:08d}"), expires) for i in range(args.votes + 500)]

    def vote(offset: int):
        def make(index: int) -> bytes:
            variables = {"t": tokens[offset + index], "p": str(small_poll),
                         "o": [str(small_options[index % len(small_options)])]}
            return post_request(HOST, port, "/graphql", {"query": VOTE, "variables": variables})
        return make

    def read(index: int) -> bytes:
        return post_request(HOST, port, "/graphql", {"query": READ, "variables": {"p": str(small_poll)}})

    def recorded(status: int, body: bytes) -> bool:
        return status == 200 and b"VoteRecorded" in body

    with serving(url, port, SUARA_SECRET_KEY=KEY.decode()):
        asyncio.run(run_load(HOST, port, vote(args.votes), 300, args.concurrency, recorded))  # warm-up voters
        asyncio.run(run_load(HOST, port, read, 300, args.concurrency))
        votes = asyncio.run(run_load(HOST, port, vote(0), args.votes, args.concurrency, recorded))
        reads = asyncio.run(run_load(HOST, port, read, args.votes, args.concurrency))
        tally = httpx.post(f"http://{HOST}:{port}/graphql",
                           json={"query": TALLY, "variables": {"p": str(small_poll)}}).json()["data"]["poll"]["results"]
        small_times = tally_times(port, small_poll, args.runs)
        fill_seconds, recount_seconds = asyncio.run(fill_big_poll(url, big_poll, big_options, args.big))
        tally_times(port, big_poll, 20)
        big_times = tally_times(port, big_poll, args.runs)

    expected = args.votes + 300
    print(f"\nvotes benchmark: {args.votes} votes by distinct verified voters, {args.concurrency} concurrent clients")
    print(f"  GraphQL vote                      {votes.summary()}")
    print(f"  GraphQL poll read (baseline)      {reads.summary()}")
    print(f"  ratio votes/s over reads/s: {votes.throughput / reads.throughput:.2f}")
    print(f"  tally after the run: {tally['voters']} voters (expected {expected}) "
          f"{'EXACT' if tally['voters'] == expected and votes.errors == 0 else 'WRONG'}")
    print(f"\ntally query (GraphQL poll results, {args.runs} runs each)")
    print(f"  poll with {expected:>9,} votes   {percentiles(small_times)}")
    print(f"  poll with {args.big:>9,} votes   {percentiles(big_times)}   (filled in {fill_seconds:.1f} s)")
    p99 = sorted(big_times)[int(0.99 * (len(big_times) - 1) + 0.5)]
    p99_small = sorted(small_times)[int(0.99 * (len(small_times) - 1) + 0.5)]
    print(f"  ratio p99 big/small: {p99 / p99_small:.2f}")
    print(f"  for contrast, counting the {args.big:,} ballots instead of reading kept counts: {recount_seconds * 1000:.0f} ms")
    print(json.dumps({
        "votes_per_s": round(votes.throughput, 1), "reads_per_s": round(reads.throughput, 1),
        "vote_p50_ms": round(votes.percentile(50), 1), "vote_p99_ms": round(votes.percentile(99), 1),
        "tally_exact": tally["voters"] == expected, "tally_p50_ms_1m": round(statistics.median(big_times), 2),
        "tally_p99_ms_1m": round(p99, 2), "tally_p99_ms_small": round(p99_small, 2),
        "recount_ms_1m": round(recount_seconds * 1000),
    }))


if __name__ == "__main__":
    main()
