"""`suara serve` as a user runs it: no DATABASE_URL, an embedded PostgreSQL under SUARA_HOME."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import httpx
import psutil
import pytest

from suara.db.embedded import data_folder
from tests import servers
from tests.factories import SUBMIT, TRACK, submit_input
from tests.servers import forget_embedded_data, free_port, wait_until_healthy


def start_suara(home: Path, port: int) -> subprocess.Popen:
    return servers.start_suara(port, servers.environment(SUARA_HOME=str(home)))


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


@pytest.fixture
def home(tmp_path):
    yield tmp_path / "home"
    forget_embedded_data(tmp_path / "home")


def test_submission_survives_restart_and_the_embedded_server_stops_with_suara(home):
    pgdata = data_folder(home)
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
