"""`suara serve` as a user runs it: no DATABASE_URL, an embedded PostgreSQL under SUARA_HOME."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from tests.factories import SUBMIT, TRACK, submit_input


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_suara(home: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SUARA_HOME"] = str(home)
    return subprocess.Popen(
        [sys.executable, "-m", "suara.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def wait_until_healthy(process: subprocess.Popen, port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"suara serve exited early:\n{process.stdout.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise AssertionError(f"suara serve not healthy in {timeout}s:\n{process.stdout.read()}")


def postgres_running_on(pgdata: Path) -> bool:
    for process in psutil.process_iter(attrs=["name", "cmdline"]):
        cmdline = process.info.get("cmdline") or []
        if process.info.get("name") == "postgres" and any(str(pgdata) in part for part in cmdline):
            return True
    return False


def graphql(port: int, query: str, variables: dict) -> dict:
    response = httpx.post(
        f"http://127.0.0.1:{port}/graphql", json={"query": query, "variables": variables}, timeout=30
    )
    return response.json()["data"]


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def test_submission_survives_restart_and_the_embedded_server_stops_with_suara(tmp_path):
    home = tmp_path / "home"
    pgdata = home / "pgdata"
    port = free_port()

    first = start_suara(home, port)
    wait_until_healthy(first, port)
    receipt = graphql(port, SUBMIT, {"input": submit_input()})["submit"]
    assert receipt["__typename"] == "SubmissionReceipt"
    stop(first)
    assert not postgres_running_on(pgdata), "the embedded PostgreSQL outlived suara serve"

    second = start_suara(home, port)
    wait_until_healthy(second, port)
    tracked = graphql(port, TRACK, {"code": receipt["trackingCode"]})["submission"]
    assert tracked["trackingCode"] == receipt["trackingCode"]
    agencies = graphql(port, "{ agencies { slug } }", {})["agencies"]
    assert len(agencies) > 20, "the directory is loaded on first start"

    second.kill()  # a crash: the database server is left running with a stale handle
    second.wait(timeout=30)
    third = start_suara(home, port)
    wait_until_healthy(third, port)
    assert graphql(port, TRACK, {"code": receipt["trackingCode"]})["submission"] is not None
    stop(third)
    assert not postgres_running_on(pgdata)
