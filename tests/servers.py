"""Running `suara serve` as a real process for tests that need one (restarts, browsers)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_suara(port: int, env: dict[str, str], *extra: str, log: Path | None = None) -> subprocess.Popen:
    """`suara serve` on ``port`` with ``env`` as its whole environment; its output is piped, or written
    to ``log`` for servers that log much (nobody empties a pipe while the test runs)."""
    command = [sys.executable, "-m", "suara.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *extra]
    if log is None:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with log.open("w") as output:  # the child keeps its own copy of the file
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)


def environment(**settings: str) -> dict[str, str]:
    """This process's environment without DATABASE_URL, rate limits off (tests share 127.0.0.1), plus
    ``settings``."""
    return {**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, "SUARA_RATE_LIMITS": "off", **settings}


def wait_until_healthy(process: subprocess.Popen, port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"suara serve exited early:\n{_output(process)}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise AssertionError(f"suara serve not healthy in {timeout}s:\n{_output(process)}")


def _output(process: subprocess.Popen) -> str:
    return process.stdout.read() if process.stdout else "(log in a file)"


def forget_embedded_data(home) -> None:
    """Remove a test's embedded database kept outside its home (as root, under ROOT_PLACE)."""
    from suara.db.embedded import data_folder, running_as_root

    if running_as_root():
        shutil.rmtree(data_folder(home).parent, ignore_errors=True)
