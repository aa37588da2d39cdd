"""Votes through GraphQL on one poll with 1 and with 50 concurrent voters, whether the tally stays
exact, and the tally query as a poll grows to 1M votes.

Usage: python bench/votes.py [--votes 2000] [--votes-1-client 400] [--concurrency 50] [--big 1000000]
Starts `suara serve` on a fresh database (embedded PostgreSQL under .suara/bench unless
DATABASE_URL) with a known server key, so the benchmark can hand out voter tokens the server
accepts. Every vote is a distinct verified voter on the same poll (the popular-poll case: before
issue 16 every ballot queued on its option's row). The baseline in the same run is the cheapest
GraphQL read (a poll's question) at the same concurrency. After the load the kept tally is checked
against the ballots (recount) and against the votes the benchmark cast, option by option.
Then 1M ballots are written straight into a second poll (with its tallies), and the public tally
query is timed on the small and the big poll: the ratio shows whether a read grows with history.
The count-from-ballots recount is timed at 1M too, as the cost the kept tallies avoid.
The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HOST, Timer, fresh_database, percentiles, serving
from loadgen import LoadResult, post_request, run_load

from suara.common.actors import Actor, Role
from suara.db.columns import utcnow
from suara.db.engine import make_engine, make_session_factory, transaction
from suara.dialogue import polls
from suara.dialogue.identity import TOKEN_LIFETIME, voter_hash, voter_token

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


async def audit(url: str, poll_id: int) -> tuple[dict[int, int], int, dict[int, int], int]:
    """The kept tally (votes per option, voters) and the same counted from the ballots."""
    engine = make_engine(url)
    async with make_session_factory(engine)() as session:
        kept = await polls.results(session, await polls.find_poll(session, poll_id))
        counted, voters = await polls.recount(session, poll_id), await polls.recount_voters(session, poll_id)
    await engine.dispose()
    return {o.option.id: o.votes for o in kept.options}, kept.voters, counted, voters


async def fill_big_poll(url: str, poll_id: int, option_ids: list[int], ballots: int) -> tuple[float, float]:
    """``ballots`` ballots of distinct (fake) voter hashes, and the tallies set to match (slot 0)."""
    engine = make_engine(url)
    with Timer() as timer:
        async with engine.begin() as connection:
            await connection.execute(text("""
                INSERT INTO poll_ballots (poll_id, voter_hash, option_ids)
                SELECT CAST(:poll AS int), md5(i::text) || md5((-i)::text), ARRAY[(CAST(:options AS int[]))[1 + i % 4]]
                  FROM generate_series(1, CAST(:n AS int)) AS i
            """), {"poll": poll_id, "options": option_ids, "n": ballots})
            await connection.execute(text("""
                INSERT INTO poll_tallies (poll_id, option_id, slot, votes)
                SELECT poll_id, option_ids[1], 0, count(*) FROM poll_ballots WHERE poll_id = CAST(:poll AS int)
                 GROUP BY 1, 2
                UNION ALL
                SELECT poll_id, 0, 0, count(*) FROM poll_ballots WHERE poll_id = CAST(:poll AS int) GROUP BY 1
                ON CONFLICT (poll_id, option_id, slot) DO UPDATE SET votes = poll_tallies.votes + excluded.votes
            """), {"poll": poll_id})
            await connection.execute(text("ANALYZE poll_ballots"))
            await connection.execute(text("ANALYZE poll_tallies"))
    async with make_session_factory(engine)() as session:
        with Timer() as recount:
            counted = await polls.recount(session, poll_id)
    await engine.dispose()
    assert sum(counted.values()) >= ballots
    return timer.seconds, recount.seconds


LOCK_SAMPLE = text("""
    SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FILTER (WHERE state = 'active')
      FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
""")


async def with_lock_samples(url: str, load) -> tuple[LoadResult, list[tuple[int, int]]]:
    """Run ``load`` while sampling, every 20 ms, how many database sessions wait on a lock (the
    signature of a hot row) and how many are active."""
    engine = make_engine(url, pool_size=1)
    samples: list[tuple[int, int]] = []
    done = asyncio.Event()

    async def sample() -> None:
        async with engine.connect() as connection:
            while not done.is_set():
                samples.append(tuple((await connection.execute(LOCK_SAMPLE)).one()))
                await connection.rollback()
                await asyncio.sleep(0.02)

    sampler = asyncio.create_task(sample())
    try:
        result = await load
    finally:
        done.set()
        await sampler
        await engine.dispose()
    return result, samples


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
    parser.add_argument("--votes", type=int, default=2000, help="votes at --concurrency clients")
    parser.add_argument("--votes-1-client", type=int, default=400, help="votes at 1 client")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--warm-up", type=int, default=300)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--workers", type=int, default=1, help="suara serve --workers")
    args = parser.parse_args()

    url = asyncio.run(fresh_database("suara_bench_votes"))
    small_poll, small_options, big_poll, big_options = asyncio.run(make_polls(url))
    port = 18085
    expires = utcnow() + TOKEN_LIFETIME
    total_voters = args.warm_up + args.votes_1_client + args.votes
    tokens = [voter_token(KEY, voter_hash(KEY, f"0857{i:08d}"), expires) for i in range(total_voters)]
    expected: Counter[int] = Counter()

    def vote(offset: int):
        def make(index: int) -> bytes:
            option = small_options[(offset + index) % len(small_options)]
            expected[option] += 1
            variables = {"t": tokens[offset + index], "p": str(small_poll), "o": [str(option)]}
            return post_request(HOST, port, "/graphql", {"query": VOTE, "variables": variables})
        return make

    def read(index: int) -> bytes:
        return post_request(HOST, port, "/graphql", {"query": READ, "variables": {"p": str(small_poll)}})

    def recorded(status: int, body: bytes) -> bool:
        return status == 200 and b"VoteRecorded" in body

    def load(offset: int, count: int, clients: int) -> LoadResult:
        return asyncio.run(run_load(HOST, port, vote(offset), count, clients, recorded))

    def sampled_load(offset: int, count: int, clients: int) -> tuple[LoadResult, list[tuple[int, int]]]:
        return asyncio.run(with_lock_samples(url, run_load(HOST, port, vote(offset), count, clients, recorded)))

    with serving(url, port, workers=args.workers, SUARA_SECRET_KEY=KEY.decode()):
        warm = load(0, args.warm_up, args.concurrency)
        asyncio.run(run_load(HOST, port, read, 300, args.concurrency))
        single = load(args.warm_up, args.votes_1_client, 1)
        votes, samples = sampled_load(args.warm_up + args.votes_1_client, args.votes, args.concurrency)
        reads = asyncio.run(run_load(HOST, port, read, args.votes, args.concurrency))
        kept, kept_voters, counted, counted_voters = asyncio.run(audit(url, small_poll))
        errors = warm.errors + single.errors + votes.errors
        exact = (errors == 0 and kept == counted == dict(expected) and kept_voters == counted_voters == total_voters)
        small_times = tally_times(port, small_poll, args.runs)
        fill_seconds, recount_seconds = asyncio.run(fill_big_poll(url, big_poll, big_options, args.big))
        tally_times(port, big_poll, 20)
        big_times = tally_times(port, big_poll, args.runs)

    ratio_50 = votes.percentile(99) / votes.percentile(50)
    print(f"\nvotes benchmark: distinct verified voters on one poll, suara serve --workers {args.workers}")
    print(f"  {'':34}{'1 client':>38}   {f'{args.concurrency} clients':>38}")
    print(f"  {'GraphQL vote':34}{single.summary():>38}   {votes.summary():>38}")
    print(f"  {'GraphQL poll read (baseline)':34}{'':>38}   {reads.summary():>38}")
    print(f"  votes/s {args.concurrency} clients over 1 client: {votes.throughput / single.throughput:.2f}; "
          f"over reads/s: {votes.throughput / reads.throughput:.2f}")
    print(f"  p99/p50 at {args.concurrency} clients: {ratio_50:.2f} (target at most 3) "
          f"{'OK' if ratio_50 <= 3 else 'OVER'}")
    waiting = [w for w, _ in samples]
    active = [a for _, a in samples]
    print(f"  database sessions during the {args.concurrency}-client run ({len(samples)} samples): waiting on a "
          f"lock mean {statistics.fmean(waiting or [0]):.2f}, max {max(waiting or [0])}; active mean "
          f"{statistics.fmean(active or [0]):.1f}")
    print(f"  tally after the run: {kept_voters} voters (cast {total_voters}, ballots {counted_voters}); per option "
          f"kept {sorted(kept.values())}, ballots {sorted(counted.values())}, cast {sorted(expected.values())} "
          f"{'EXACT' if exact else 'WRONG'}")
    print(f"\ntally query (GraphQL poll results, {args.runs} runs each)")
    print(f"  poll with {total_voters:>9,} votes   {percentiles(small_times)}")
    print(f"  poll with {args.big:>9,} votes   {percentiles(big_times)}   (filled in {fill_seconds:.1f} s)")
    p99 = sorted(big_times)[int(0.99 * (len(big_times) - 1) + 0.5)]
    p99_small = sorted(small_times)[int(0.99 * (len(small_times) - 1) + 0.5)]
    print(f"  ratio p99 big/small: {p99 / p99_small:.2f}")
    print(f"  for contrast, counting the {args.big:,} ballots instead of reading the tallies: "
          f"{recount_seconds * 1000:.0f} ms")
    print(json.dumps({
        "votes_per_s": round(votes.throughput, 1), "votes_per_s_1_client": round(single.throughput, 1),
        "vote_p50_ms": round(votes.percentile(50), 2), "vote_p99_ms": round(votes.percentile(99), 2),
        "vote_p99_over_p50": round(ratio_50, 2),
        "vote_p50_ms_1_client": round(single.percentile(50), 2), "vote_p99_ms_1_client": round(single.percentile(99), 2),
        "reads_per_s": round(reads.throughput, 1), "concurrency": args.concurrency, "workers": args.workers,
        "tally_exact": exact, "errors": errors,
        "lock_waiting_sessions_mean": round(statistics.fmean(waiting or [0]), 2),
        "lock_waiting_sessions_max": max(waiting or [0]), "active_sessions_mean": round(statistics.fmean(active or [0]), 1),
        "tally_p50_ms_1m": round(statistics.median(big_times), 2), "tally_p99_ms_1m": round(p99, 2),
        "tally_p99_ms_small": round(p99_small, 2), "recount_ms_1m": round(recount_seconds * 1000),
    }))


if __name__ == "__main__":
    main()
