"""A small HTTP/1.1 keep-alive load generator: cheap enough that the server, not the client, is measured.

Python HTTP client libraries spend more CPU per request than the server under test on 2 cores;
this one sends pre-built requests over raw asyncio streams and only parses the status line and
Content-Length.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def summary(self) -> str:
        return (
            f"{self.throughput:8.1f} req/s   p50 {self.percentile(50):6.2f} ms   "
            f"p99 {self.percentile(99):6.2f} ms   errors {self.errors}"
        )


def post_request(host: str, port: int, path: str, body: dict) -> bytes:
    return raw_post(host, port, path, json.dumps(body).encode(), "application/json")


def raw_post(host: str, port: int, path: str, payload: bytes, content_type: str,
             headers: dict[str, str] | None = None) -> bytes:
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {content_type}\r\n{extra}"
        f"Content-Length: {len(payload)}\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    return head + payload


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length)
    return status, body


async def run_load(
    host: str,
    port: int,
    make_request: Callable[[int], bytes],
    total: int,
    concurrency: int,
    check: Callable[[int, bytes], bool] = lambda status, body: status == 200,
) -> LoadResult:
    counter = iter(range(total))
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for index in counter:
                request = make_request(index)
                started = time.perf_counter()
                writer.write(request)
                status, body = await _read_response(reader)
                latencies.append((time.perf_counter() - started) * 1000)
                if not check(status, body):
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LoadResult(total, time.perf_counter() - started, latencies, errors)


def median(values: list[float]) -> float:
    return statistics.median(values)
