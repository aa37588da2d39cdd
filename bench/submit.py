"""Submit throughput: Suara's GraphQL `submit` against a bare asyncpg endpoint, in the same run.

Usage: python bench/submit.py [--requests 2000] [--concurrency 50]
Starts PostgreSQL (DATABASE_URL, or the embedded server under .suara/bench), `suara serve`, and
bench/bare_submit_server.py, then sends the same load to both and prints throughput, p50/p99
latency and the GraphQL/bare ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HOST, fresh_database, wait_ready  # noqa: E402
from loadgen import post_request, run_load  # noqa: E402

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


def graphql_request(port: int):
    def make(index: int) -> bytes:
        variables = {"input": {"kind": "COMPLAINT", "text": f"{TEXTS[index % len(TEXTS)]} #{index}"}}
        return post_request(HOST, port, "/graphql", {"query": SUBMIT, "variables": variables})

    return make


def bare_request(port: int):
    def make(index: int) -> bytes:
        return post_request(HOST, port, "/submit", {"kind": "complaint", "text": f"{TEXTS[index % len(TEXTS)]} #{index}"})

    return make


def graphql_ok(status: int, body: bytes) -> bool:
    return status == 200 and b"SubmissionReceipt" in body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=300)
    args = parser.parse_args()

    home = REPO / ".suara" / "bench"
    url = asyncio.run(fresh_database("suara_bench_submit"))  # a clean history every run, so runs compare
    parsed = make_url(url)
    dsn = f"postgresql://{parsed.username}@/{parsed.database}?host={parsed.query['host']}&port={parsed.port or 5432}" \
        if "host" in parsed.query else url.replace("postgresql+asyncpg://", "postgresql://")
    env = dict(os.environ, DATABASE_URL=url, SUARA_HOME=str(home))
    graphql_port, bare_port = 18081, 18082
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "suara.cli", "serve", "--host", HOST, "--port", str(graphql_port), "--no-jobs"],
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
        results = asyncio.run(measure(graphql_port, bare_port, args))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=60)

    graphql, bare = results
    print(f"\nsubmit benchmark: {args.requests} requests, {args.concurrency} concurrent clients, run {uuid.uuid4().hex[:6]}")
    print(f"  GraphQL submit (suara serve) {graphql.summary()}")
    print(f"  bare Starlette + asyncpg     {bare.summary()}")
    print(f"  ratio GraphQL/bare throughput: {graphql.throughput / bare.throughput:.2f}")
    print(json.dumps({
        "graphql_rps": round(graphql.throughput, 1), "bare_rps": round(bare.throughput, 1),
        "ratio": round(graphql.throughput / bare.throughput, 3),
        "graphql_p50_ms": round(graphql.percentile(50), 2), "graphql_p99_ms": round(graphql.percentile(99), 2),
        "bare_p50_ms": round(bare.percentile(50), 2), "bare_p99_ms": round(bare.percentile(99), 2),
    }))


async def measure(graphql_port: int, bare_port: int, args):
    await run_load(HOST, graphql_port, graphql_request(graphql_port), args.warmup, args.concurrency, graphql_ok)
    await run_load(HOST, bare_port, bare_request(bare_port), args.warmup, args.concurrency)
    graphql = await run_load(HOST, graphql_port, graphql_request(graphql_port), args.requests, args.concurrency, graphql_ok)
    bare = await run_load(HOST, bare_port, bare_request(bare_port), args.requests, args.concurrency)
    return graphql, bare


if __name__ == "__main__":
    main()
