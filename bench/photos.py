"""Photo uploads: throughput and the server's peak memory with 8 MB photos from 10 clients at once.

Usage: python bench/photos.py [--uploads 40] [--concurrency 10] [--kind jpeg|png]
Starts PostgreSQL (DATABASE_URL, or the embedded server under .suara/bench) and one `suara serve` with
its own SUARA_HOME (a temporary folder, removed afterwards), then files ``--uploads`` submissions, each
with one photo of just under 8 MB (a 12-megapixel JPEG of noise, the hardest case for the JPEG coder;
``--kind png`` sends a 25-megapixel PNG instead, which cannot be decoded at a reduced scale), from
``--concurrency`` clients at once as GraphQL multipart requests. Prints uploads/s, MB/s received,
p50/p99 latency and the server's resident memory before and at its peak (sampled every 20 ms). The
last line is JSON. Target: peak under 600 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import psutil
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HOST, fresh_database, percentiles, wait_ready

SUBMIT = ("mutation($input: SubmitInput!) { submit(input: $input) { __typename "
          "... on SubmissionReceipt { trackingCode } ... on ValidationError { code problems { field code } } } }")
LIMIT = 8 * 1024 * 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def eight_megabyte_photo(kind: str) -> bytes:
    """A photo just under the 8 MB limit: noise, so the encoder cannot make it small."""
    generator = np.random.default_rng(18)
    if kind == "png":  # 25 megapixels (decoded in full: no reduced scale for PNG), noise in one part of it
        image = Image.new("RGB", (5000, 5000), (90, 120, 90))
        noise = generator.integers(0, 256, (1580, 1580, 3), dtype=np.uint8)  # about 7.5 MB that cannot shrink
        image.paste(Image.fromarray(noise), (1000, 1000))
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=1)
        if len(out.getvalue()) > LIMIT:
            raise SystemExit("the PNG came out over 8 MB")
        return out.getvalue()
    pixels = generator.integers(0, 256, (3000, 4000, 3), dtype=np.uint8)
    image = Image.fromarray(pixels)
    best = b""
    low, high = 30, 98
    while low <= high:  # the highest quality whose file stays under the limit
        quality = (low + high) // 2
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality)
        if len(out.getvalue()) <= LIMIT:
            best, low = out.getvalue(), quality + 1
        else:
            high = quality - 1
    return best


class PeakMemory:
    """The server's resident memory (its process and children), sampled in a thread."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.peak = 0
        self.peak_server = 0
        """The server process alone (the rest: its classifier process)."""
        self.running = False

    def now(self) -> int:
        return sum(self._each())

    def _each(self) -> list[int]:
        sizes = []
        for process in [self.process, *self.process.children(recursive=True)]:
            try:
                sizes.append(process.memory_info().rss)
            except psutil.Error:
                sizes.append(0)
        return sizes

    def _sample(self) -> None:
        while self.running:
            sizes = self._each()
            self.peak = max(self.peak, sum(sizes))
            self.peak_server = max(self.peak_server, sizes[0])
            time.sleep(0.02)

    def __enter__(self):
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


async def upload_all(base: str, photo: bytes, uploads: int, concurrency: int, kind: str) -> tuple[list[float], int]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(uploads):
        queue.put_nowait(index)
    latencies: list[float] = []
    refused = 0
    content_type = "image/png" if kind == "png" else "image/jpeg"

    async def client() -> None:
        nonlocal refused
        async with httpx.AsyncClient(base_url=base, timeout=300) as http:
            while not queue.empty():
                index = queue.get_nowait()
                variables = {"input": {"kind": "COMPLAINT", "photos": [None], "idempotencyKey": f"bench-{uuid.uuid4()}",
                                       "text": f"Jalan rusak berlubang di depan pasar, foto terlampir #{index}"}}
                started = time.perf_counter()
                response = await http.post(
                    "/graphql", headers={"Apollo-Require-Preflight": "true"},
                    data={"operations": json.dumps({"query": SUBMIT, "variables": variables}),
                          "map": json.dumps({"0": ["variables.input.photos.0"]})},
                    files={"0": (f"foto.{kind}", photo, content_type)})
                latencies.append((time.perf_counter() - started) * 1000)
                answer = response.json().get("data", {}) if response.status_code == 200 else {}
                if (answer.get("submit") or {}).get("__typename") != "SubmissionReceipt":
                    refused += 1
                    print(f"  refused: {response.status_code} {response.text[:200]}")

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--kind", choices=["jpeg", "png"], default="jpeg")
    args = parser.parse_args()

    photo = eight_megabyte_photo(args.kind)
    width, height = Image.open(io.BytesIO(photo)).size
    print(f"photo: {args.kind}, {len(photo) / 1024 / 1024:.2f} MB, {width}×{height}")
    url = asyncio.run(fresh_database("suara_bench_photos"))
    home = Path(tempfile.mkdtemp(prefix="suara-bench-photos-"))
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, SUARA_HOME=str(home), SUARA_RATE_LIMITS="off")
    server = subprocess.Popen(
        [sys.executable, "-m", "suara.cli", "serve", "--host", HOST, "--port", str(port), "--no-jobs"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_ready(f"http://{HOST}:{port}/health", server)
        memory = PeakMemory(server.pid)
        baseline = memory.now()
        baseline_server = memory._each()[0]
        with memory:
            started = time.perf_counter()
            latencies, refused = asyncio.run(upload_all(
                f"http://{HOST}:{port}", photo, args.uploads, args.concurrency, args.kind))
            seconds = time.perf_counter() - started
        stored = sum(entry.stat().st_size for entry in (home / "media").iterdir()) if (home / "media").is_dir() else 0
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(home, ignore_errors=True)

    megabytes = len(photo) * args.uploads / 1024 / 1024
    print(f"{args.uploads} uploads of {len(photo) / 1024 / 1024:.1f} MB from {args.concurrency} clients in {seconds:.1f} s: "
          f"{args.uploads / seconds:.2f} uploads/s, {megabytes / seconds:.1f} MB/s received")
    print(f"latency {percentiles(latencies)}   refused {refused}")
    print(f"server memory: {baseline / 1024 / 1024:.0f} MB before, peak {memory.peak / 1024 / 1024:.0f} MB "
          f"(the server process alone {baseline_server / 1024 / 1024:.0f} MB before, {memory.peak_server / 1024 / 1024:.0f} MB "
          f"at its peak; the rest is its classifier process; target < 600 MB); stored {stored / 1024 / 1024:.1f} MB for {args.uploads} photos and thumbnails")
    print(json.dumps({
        "kind": args.kind, "photo_mb": round(len(photo) / 1024 / 1024, 2), "uploads": args.uploads,
        "concurrency": args.concurrency, "seconds": round(seconds, 2), "uploads_per_second": round(args.uploads / seconds, 2),
        "mb_per_second": round(megabytes / seconds, 1), "refused": refused,
        "rss_before_mb": round(baseline / 1024 / 1024), "rss_peak_mb": round(memory.peak / 1024 / 1024),
        "rss_before_server_process_mb": round(baseline_server / 1024 / 1024),
        "rss_peak_server_process_mb": round(memory.peak_server / 1024 / 1024),
    }))


if __name__ == "__main__":
    main()
