"""Inbound SMS: how fast the webhook accepts a burst, and how fast the intake worker drains it.

Usage: python bench/sms.py [--messages 10000] [--concurrency 50] [--submits 2000] [--drain-processes 1]
Starts `suara serve` (jobs off, so nothing drains meanwhile; embedded PostgreSQL under .suara/bench
unless DATABASE_URL), then 50 gateway connections post HMAC-signed messages: 80 % `LAPOR <text>`
(each will file a complaint, route it with the model and queue the reply), 20 % `CEK <code>`, from
5,000 phones; each message has a fresh timestamp and its own id. The webhook only verifies and stores,
so this is the accepted rate. Then GraphQL `submit` runs at the same concurrency on the same server
as the yardstick, and finally worker processes (what the server's lifespan runs) drain the whole
burst; the drain rate is compared with the submit rate. The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HOST, REPO, fresh_database, serving
from loadgen import raw_post, run_load
from submit import TEXTS, graphql_ok, graphql_request

from suara.channels.sms.intake import SmsIntake
from suara.channels.sms.signature import suara_signature

SECRET = b"bench-webhook-secret"
RUN = uuid.uuid4().hex[:8]
WORKER = """
import asyncio, sys
from suara.channels.sms.intake import SmsIntake
from suara.config import get_settings
from suara.db.engine import make_engine, make_session_factory, resolve_database_url
from suara.ratelimits.service import RateLimits
from suara.routing.loading import load_router
from suara.state import load_or_create_secret_key

async def main():
    settings = get_settings()  # as a server's lifespan builds its worker
    engine = make_engine(resolve_database_url(settings), pool_size=int(sys.argv[1]) + 2)
    key = load_or_create_secret_key(settings)
    intake = SmsIntake(load_router(settings), key, RateLimits(engine, key, settings))
    print("ready", flush=True)
    await intake.run(make_session_factory(engine), concurrency=int(sys.argv[1]))

asyncio.run(main())
"""


def sms_request(port: int, offset: int = 0):
    def make(index: int) -> bytes:
        index += offset
        text = f"CEK 22222{index % 10000:04d}" if index % 5 == 4 else f"LAPOR {TEXTS[index % len(TEXTS)]} #{index}"
        body = urlencode({"from": f"0812{10_000_000 + index % 5000}", "text": text,
                          "message_id": f"{RUN}-{index}"}).encode()
        timestamp = str(int(time.time()))
        return raw_post(HOST, port, "/sms/inbound", body, "application/x-www-form-urlencoded", {
            "X-Suara-Timestamp": timestamp, "X-Suara-Signature": suara_signature(SECRET, timestamp, body)})

    return make


def sms_ok(status: int, body: bytes) -> bool:
    return status == 200 and body == b'{"status":"queued"}'


async def own_database() -> str:
    from suara.db.admin import recreate_database
    from suara.db.embedded import start_embedded_server
    from suara.provision import migrate_and_seed

    url = await recreate_database(start_embedded_server(REPO / ".suara" / "bench-sms", database="postgres"),
                                  "suara_bench_sms")
    await migrate_and_seed(url)
    return url


async def queue_counts(url: str) -> dict[str, int]:
    from sqlalchemy import text

    from suara.db.engine import make_engine

    engine = make_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT state, count(*) FROM sms_inbound GROUP BY state"))
            return dict(rows.all())
    finally:
        await engine.dispose()


def drain(url: str, processes: int, concurrency: int, total: int) -> float:
    """Seconds from the workers being ready until nothing is queued."""
    env = dict(os.environ, DATABASE_URL=url, SUARA_HOME=str(REPO / ".suara" / "bench"), SUARA_RATE_LIMITS="off",
               SUARA_SMS_WEBHOOK_SECRET=SECRET.decode())
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(concurrency)], env=env, stdout=subprocess.PIPE, text=True)
               for _ in range(processes)]
    try:
        for worker in workers:
            if worker.stdout.readline().strip() != "ready":
                raise SystemExit("an SMS worker did not start")
        started = time.perf_counter()
        while (counts := asyncio.run(queue_counts(url))).get("queued", 0):
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        if counts.get("done", 0) < total:
            raise SystemExit(f"not all drained: {counts}")
        return seconds
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)


async def measure(port: int, args):
    await run_load(HOST, port, sms_request(port, offset=10**7), args.warmup, args.concurrency, sms_ok)
    await run_load(HOST, port, graphql_request(port), args.warmup, args.concurrency, graphql_ok)
    sms = await run_load(HOST, port, sms_request(port), args.messages, args.concurrency, sms_ok)
    graphql = await run_load(HOST, port, graphql_request(port), args.submits, args.concurrency, graphql_ok)
    return sms, graphql


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000, help="The burst: accepted, then drained.")
    parser.add_argument("--concurrency", type=int, default=50, help="Gateway connections (and GraphQL clients).")
    parser.add_argument("--submits", type=int, default=2000, help="GraphQL submits of the yardstick.")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--drain-processes", type=int, default=1, help="Worker processes draining the burst.")
    parser.add_argument("--drain-concurrency", type=int, default=SmsIntake.concurrency,
                        help="Claimers per worker process (the server's default).")
    parser.add_argument("--skip-drain", action="store_true", help="Only the accepted rate (drain_per_s is null).")
    parser.add_argument("--own-server", action="store_true",
                        help="An embedded PostgreSQL of its own under .suara/bench-sms (stopped at the end), "
                             "not the one other benchmarks share.")
    args = parser.parse_args()
    if args.own_server:
        url = asyncio.run(own_database())
    else:
        url = asyncio.run(fresh_database("suara_bench_sms"))  # a clean history every run, so runs compare
    port = 18083
    with serving(url, port, SUARA_SMS_WEBHOOK_SECRET=SECRET.decode()):
        sms, graphql = asyncio.run(measure(port, args))
    total = args.messages + args.warmup
    drain_seconds = None if args.skip_drain else drain(url, args.drain_processes, args.drain_concurrency, total)
    drain_rate = total / drain_seconds if drain_seconds else None
    print(f"\ninbound SMS benchmark: a burst of {args.messages} messages, {args.concurrency} gateway connections")
    print(f"  webhook accepts (signed, 80% LAPOR / 20% CEK) {sms.summary()}")
    print(f"  GraphQL submit (yardstick, same server)      {graphql.summary()}")
    if drain_rate:
        print(f"  drain of {total} queued messages by {args.drain_processes} worker process(es): "
              f"{drain_seconds:.1f} s, {drain_rate:.1f} messages/s ({asyncio.run(queue_counts(url))})")
        print(f"  drain rate over GraphQL submit rate: {drain_rate / graphql.throughput:.2f}")
    print(json.dumps({
        "accepted_per_s": round(sms.throughput, 1), "accepted_p50_ms": round(sms.percentile(50), 2),
        "accepted_p99_ms": round(sms.percentile(99), 2), "accept_errors": sms.errors,
        "drain_per_s": round(drain_rate, 1) if drain_rate else None,
        "drain_seconds": round(drain_seconds, 2) if drain_seconds else None,
        "drain_processes": args.drain_processes, "drain_concurrency": args.drain_concurrency,
        "graphql_submit_rps": round(graphql.throughput, 1),
        "drain_over_submit": round(drain_rate / graphql.throughput, 2) if drain_rate else None,
        "messages": args.messages, "concurrency": args.concurrency,
    }))


if __name__ == "__main__":
    main()
