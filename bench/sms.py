"""Inbound SMS throughput through the signed webhook, against GraphQL submit in the same run.

Usage: python bench/sms.py [--messages 2000] [--concurrency 20]
Starts `suara serve` (embedded PostgreSQL under .suara/bench unless DATABASE_URL), then 20 gateway
connections post HMAC-signed messages: 80 % `LAPOR <text>` (each files a complaint, routes it with
the model and queues the reply), 20 % `CEK <code>`. Every message has a fresh timestamp and its own
message id, so each is verified and processed. The same number of GraphQL `submit` calls runs as
the baseline; the ratio is SMS messages/s over GraphQL submits/s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HOST, fresh_database, serving
from loadgen import raw_post, run_load
from submit import TEXTS, graphql_ok, graphql_request

from suara.channels.sms.signature import suara_signature

REPO = Path(__file__).resolve().parents[1]
SECRET = b"bench-webhook-secret"
RUN = uuid.uuid4().hex[:8]


def sms_request(port: int):
    def make(index: int) -> bytes:
        text = f"CEK 22222{index % 10000:04d}" if index % 5 == 4 else f"LAPOR {TEXTS[index % len(TEXTS)]} #{index}"
        body = urlencode({"from": f"0812{10_000_000 + index % 5000}", "text": text,
                          "message_id": f"{RUN}-{index}-{uuid.uuid4().hex[:10]}"}).encode()
        timestamp = str(int(time.time()))
        return raw_post(HOST, port, "/sms/inbound", body, "application/x-www-form-urlencoded", {
            "X-Suara-Timestamp": timestamp, "X-Suara-Signature": suara_signature(SECRET, timestamp, body)})

    return make


def sms_ok(status: int, body: bytes) -> bool:
    return status == 200 and (b'"complaint"' in body or b'"check_unknown"' in body)


async def measure(port: int, args):
    await run_load(HOST, port, sms_request(port), args.warmup, args.concurrency, sms_ok)
    await run_load(HOST, port, graphql_request(port), args.warmup, args.concurrency, graphql_ok)
    sms = await run_load(HOST, port, sms_request(port), args.messages, args.concurrency, sms_ok)
    graphql = await run_load(HOST, port, graphql_request(port), args.messages, args.concurrency, graphql_ok)
    return sms, graphql


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()
    url = asyncio.run(fresh_database("suara_bench_sms"))  # a clean history every run, so runs compare
    port = 18083
    with serving(url, port, SUARA_SMS_WEBHOOK_SECRET=SECRET.decode()):
        sms, graphql = asyncio.run(measure(port, args))
    print(f"\ninbound SMS benchmark: {args.messages} messages, {args.concurrency} concurrent gateway connections")
    print(f"  SMS webhook (signed, 80% LAPOR / 20% CEK) {sms.summary()}")
    print(f"  GraphQL submit (baseline, same server)    {graphql.summary()}")
    print(f"  ratio SMS messages/s over GraphQL submits/s: {sms.throughput / graphql.throughput:.2f}")


if __name__ == "__main__":
    main()
