"""Submit throughput: Suara's GraphQL `submit` against a bare asyncpg endpoint, in the same run.

Usage: python bench/submit.py [--requests 2000] [--concurrency 50] [--workers N] [--rate-limits]
Starts PostgreSQL (DATABASE_URL, or the embedded server under .suara/bench), `suara serve`, and
bench/bare_submit_server.py, then sends the same closed-loop load (each client waits for its answer)
to both and prints throughput, p50/p99 latency and the GraphQL/bare ratio; GraphQL also with one
client, which shows what concurrency buys. ``--workers N`` is passed to `suara serve --workers N`.
The last line is JSON.

Limits are off unless --rate-limits: then each request comes from its own address (X-Forwarded-For
through 127.0.0.1 as a trusted proxy), so the figures show what counting costs, and a flood from one
address follows (how many got through, how fast the rest were refused).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import psutil
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HOST, fresh_database, wait_ready
from loadgen import raw_post, run_load

REPO = Path(__file__).resolve().parents[1]
SUBMIT = (
    "mutation Submit($input: SubmitInput!) { submit(input: $input) { __typename "
    "... on SubmissionReceipt { trackingCode routing { state } } "
    "... on ValidationError { code } } }"
)
TEXTS = [
    "Jalan di desa kami rusak berlubang sejak tiga bulan dan belum diperbaiki, mohon segera ditangani.",
    "e-KTP saya belum jadi padahal sudah rekam sejak bulan lalu di kantor kecamatan.",
    "Lampu PJU di jalan utama mati semua sehingga rawan kecelakaan pada malam hari.",
    "Pupuk subsidi langka di kios resmi, petani kesulitan menanam padi musim ini.",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def graphql_request(port: int, *, one_address: bool = False):
    def make(index: int) -> bytes:
        variables = {"input": {"kind": "COMPLAINT", "text": f"{TEXTS[index % len(TEXTS)]} #{index}"}}
        body = json.dumps({"query": SUBMIT, "variables": variables}).encode()
        client = "203.0.113.1" if one_address else f"10.{index // 62500 % 250}.{index // 250 % 250}.{index % 250 + 1}"
        return raw_post(HOST, port, "/graphql", body, "application/json", {"X-Forwarded-For": client})

    return make


def bare_request(port: int):
    def make(index: int) -> bytes:
        body = json.dumps({"kind": "complaint", "text": f"{TEXTS[index % len(TEXTS)]} #{index}"}).encode()
        return raw_post(HOST, port, "/submit", body, "application/json")

    return make


def graphql_ok(status: int, body: bytes) -> bool:
    return status == 200 and b"SubmissionReceipt" in body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--one-client-requests", type=int, default=None,
                        help="Requests of the one-client run (default: a quarter of --requests).")
    parser.add_argument("--workers", type=int, default=1, help="suara serve --workers N.")
    parser.add_argument("--own-server", type=Path, default=None, metavar="HOME",
                        help="Run an embedded PostgreSQL of its own under HOME, apart from other benchmarks' load.")
    parser.add_argument("--database", default="suara_bench_submit",
                        help="Database to (re)create: give two runs at the same time different names.")
    parser.add_argument("--rate-limits", action="store_true", help="Run suara serve with its rate limits on.")
    args = parser.parse_args()

    home = REPO / ".suara" / "bench"
    if args.own_server:
        from suara.db.embedded import start_embedded_server

        os.environ["DATABASE_URL"] = start_embedded_server(args.own_server.resolve())  # stops when this exits
    url = asyncio.run(fresh_database(args.database))  # a clean history every run, so runs compare
    parsed = make_url(url)
    dsn = f"postgresql://{parsed.username}@/{parsed.database}?host={parsed.query['host']}&port={parsed.port or 5432}" \
        if "host" in parsed.query else url.replace("postgresql+asyncpg://", "postgresql://")
    env = dict(os.environ, DATABASE_URL=url, SUARA_HOME=str(home),
               SUARA_RATE_LIMITS="on" if args.rate_limits else "off", SUARA_FORWARDED_ALLOW_IPS="127.0.0.1")
    workers = ["--workers", str(args.workers)] if args.workers != 1 else []
    graphql_port, bare_port = free_port(), free_port()  # never another run's server
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "suara.cli", "serve", "--host", HOST, "--port", str(graphql_port), "--no-jobs", *workers],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
    ]
    try:
        wait_ready(f"http://{HOST}:{graphql_port}/health", servers[0])
        servers.append(
            subprocess.Popen(
                [sys.executable, str(REPO / "bench" / "bare_submit_server.py"), "--dsn", dsn,
                 "--port", str(bare_port)],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )
        )
        wait_ready(f"http://{HOST}:{bare_port}/", servers[1])
        results = asyncio.run(measure(graphql_port, bare_port, args, servers[0].pid))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=60)

    graphql, one_client, bare, flood = results
    limits = "on" if args.rate_limits else "off"
    print(f"\nsubmit benchmark: {args.requests} requests, {args.concurrency} concurrent clients, "
          f"{args.workers} worker(s), rate limits {limits}, run {uuid.uuid4().hex[:6]}")
    print(f"  GraphQL submit (suara serve) {graphql.summary()}   server CPU {graphql.cpu_ms_per_request:.2f} ms/request")
    print(f"  GraphQL submit, 1 client     {one_client.summary()}")
    print(f"  bare Starlette + asyncpg     {bare.summary()}")
    print(f"  ratio GraphQL/bare throughput: {graphql.throughput / bare.throughput:.2f}")
    if flood is not None:
        result, accepted = flood
        print(f"  flood from one address       {result.summary()}  (accepted {accepted}, "
              f"refused {result.requests - accepted - result.errors})")
    print(json.dumps({
        "graphql_rps": round(graphql.throughput, 1), "graphql_rps_1_client": round(one_client.throughput, 1),
        "graphql_1_client_p50_ms": round(one_client.percentile(50), 2), "bare_rps": round(bare.throughput, 1),
        "ratio": round(graphql.throughput / bare.throughput, 3),
        "graphql_p50_ms": round(graphql.percentile(50), 2), "graphql_p99_ms": round(graphql.percentile(99), 2),
        "bare_p50_ms": round(bare.percentile(50), 2), "bare_p99_ms": round(bare.percentile(99), 2),
        "graphql_cpu_ms_per_request": round(graphql.cpu_ms_per_request, 2), "graphql_errors": graphql.errors, "clients": args.concurrency, "workers": args.workers,
        "rate_limits": limits,
    }))


def cpu_seconds(pid: int) -> float:
    """CPU time of a server and its worker processes: per request, a figure other load on the machine barely moves."""
    root = psutil.Process(pid)
    return sum(sum(p.cpu_times()[:2]) for p in [root, *root.children(recursive=True)])


async def measure(graphql_port: int, bare_port: int, args, graphql_pid: int):
    await run_load(HOST, graphql_port, graphql_request(graphql_port), args.warmup, args.concurrency, graphql_ok)
    await run_load(HOST, bare_port, bare_request(bare_port), args.warmup, args.concurrency)
    cpu_before = cpu_seconds(graphql_pid)
    graphql = await run_load(HOST, graphql_port, _offset(graphql_request(graphql_port), args.warmup), args.requests,
                             args.concurrency, graphql_ok)
    graphql.cpu_ms_per_request = (cpu_seconds(graphql_pid) - cpu_before) * 1000 / args.requests
    one_client_requests = args.one_client_requests or max(args.requests // 4, 100)
    one_client = await run_load(HOST, graphql_port, _offset(graphql_request(graphql_port), args.warmup + args.requests),
                                one_client_requests, 1, graphql_ok)
    bare = await run_load(HOST, bare_port, bare_request(bare_port), args.requests, args.concurrency)
    flood = None
    if args.rate_limits:
        accepted = 0

        def counted(status: int, body: bytes) -> bool:
            nonlocal accepted
            accepted += b"SubmissionReceipt" in body
            return status == 200 and (b"SubmissionReceipt" in body or b"RateLimited" in body)

        flood_size = max(args.requests // 2, 300)
        flood = (await run_load(HOST, graphql_port, graphql_request(graphql_port, one_address=True), flood_size,
                                args.concurrency, counted), accepted)
    return graphql, one_client, bare, flood


def _offset(make, start: int):
    """Requests numbered after the ones already sent, so no text or client address repeats."""
    return lambda index: make(start + index)


if __name__ == "__main__":
    main()
