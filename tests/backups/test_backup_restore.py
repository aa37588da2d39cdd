"""`suara backup` → `suara restore` into a fresh SUARA_HOME → `suara serve` in a terminal: the same
lookups, events, public figures, a citizen secret that still works and the old photos; JSON log lines
with request ids and no contact data; closing the terminal stops Suara and its embedded PostgreSQL.

One source database, one backup, one restored home and one served process are shared by the tests of
this module (each costs seconds), in the order an operator goes through them.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import subprocess
import sys
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import pytest

from suara.backups.service import restore
from suara.backups.tools import BackupError, Tools, check_server
from suara.config import Settings
from suara.db.embedded import data_folder
from suara.db.engine import make_engine, make_session_factory
from suara.provision import migrate_and_seed
from suara.routing.router import RoutingDecision
from suara.state import AppState, load_or_create_secret_key
from tests.conftest import GraphQLClient, asgi_client, create_database
from tests.factories import SUBMIT, TRACK, submit_input
from tests.security.test_logs import (
    CONTACT,
    EMAIL,
    NAME,
    NIKS,
    PHONES,
    contact_values_in,
    graphql_requests,
)
from tests.servers import environment, forget_embedded_data, free_port

PUBLIC_FIGURES = """{
  transparency(period: ALL) { periodStart received routedAutomatically resolved
    firstResponse { count medianWorkingDays withinServiceLevelShare } agency { slug } }
  agencyRanking(minimumVolume: 1) { rank share volume agency { slug } }
  backlog { openNow overdueNow agency { slug } }
}"""
REPORTER_VIEW = """query($code: String!, $secret: String) {
  submission(trackingCode: $code, citizenSecret: $secret) { trackingCode confidential text events { kind at } }
}"""
PHOTOS = {"photos/2f/2f6c1e.jpg": bytes(range(256)) * 40, "photos/thumbs/2f6c1e.webp": b"RIFF\x00\x00WEBP" * 99}


class SureRouter:
    def decide(self, text: str) -> RoutingDecision:
        return RoutingDecision(category="infrastruktur", confidence=0.97, model_version="test-backup",
                               suggestions=[{"category": "infrastruktur", "confidence": 0.97}], automatic=True)

    def suggest(self, text: str, k: int = 3) -> list[dict]:
        return []


@dataclass
class Source:
    url: str
    home: Path
    archive: Path
    codes: list[str]
    confidential: tuple[str, str]
    """(tracking code, citizen secret) of a confidential item."""
    lookups: dict[str, dict]
    figures: dict
    open_data: str
    backup_output: str


def suara(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "suara.cli", *arguments], env=env, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
async def source(tmp_path_factory) -> Source:
    """A database with routed public and confidential items, a key file and photos; backed up by the CLI."""
    home = tmp_path_factory.mktemp("backup-source")
    url = await create_database(f"suara_test_backup_{os.getpid()}")
    await migrate_and_seed(url)
    settings = Settings(database_url=url, suara_home=home, suara_rate_limits=False)
    engine = make_engine(url, pool_size=4)
    state = AppState(settings=settings, engine=engine, sessions=make_session_factory(engine), router=SureRouter(),
                     secret_key=load_or_create_secret_key(settings))  # the key file the backup carries
    try:
        async with asgi_client(state) as http:
            gql = GraphQLClient(http)
            receipts = [(await gql(SUBMIT, {"input": submit_input(**extra)}))["submit"] for extra in (
                {}, {"reporterName": "Budi Santoso", "reporterEmail": "budi@contoh.id"}, {"confidential": True})]
            codes = [receipt["trackingCode"] for receipt in receipts]
            lookups = {code: (await gql(TRACK, {"code": code}))["submission"] for code in codes}
            figures = await gql(PUBLIC_FIGURES)
            open_data = (await http.get("/open-data/agency-stats.csv")).text
    finally:
        await engine.dispose()
    for name, content in PHOTOS.items():
        (home / "media" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "media" / name).write_bytes(content)
    archive = tmp_path_factory.mktemp("archives") / "suara.tar"
    made = suara("backup", str(archive), env=environment(DATABASE_URL=url, SUARA_HOME=str(home)))
    assert made.returncode == 0, made.stdout + made.stderr
    assert figures["transparency"], "the source has public figures to compare"
    return Source(url, home, archive, codes, (codes[2], receipts[2]["citizenSecret"]), lookups, figures, open_data,
                  made.stdout + made.stderr)


@dataclass
class Terminal:
    """`suara serve` as the controlling process of a pseudo-terminal, its output collected."""

    process: subprocess.Popen
    master: int
    output: list[bytes] = field(default_factory=list)
    stop_reading: threading.Event = field(default_factory=threading.Event)
    reader: threading.Thread | None = None

    def read_continuously(self) -> None:
        def read() -> None:
            while not self.stop_reading.is_set():
                if select.select([self.master], [], [], 0.1)[0]:
                    try:
                        self.output.append(os.read(self.master, 65536))
                    except OSError:
                        return
        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()

    def text(self) -> str:
        return b"".join(self.output).decode("utf-8", errors="replace").replace("\r\n", "\n")

    def close(self) -> None:
        """Close the terminal, as its window closing does: the kernel hangs up its session."""
        if self.reader is not None:
            self.stop_reading.set()
            self.reader.join(timeout=5)
        os.close(self.master)


WAITS_LIKE_MAKE = ("import signal, subprocess, sys; signal.signal(signal.SIGHUP, lambda *_: None); "
                   "sys.exit(subprocess.call(sys.argv[1:]))")
"""The terminal's controlling process under `make run`: make, which on a hang-up waits for its child.
The kernel sends SIGHUP to it alone, so Suara must notice the terminal going by itself."""


def serve_in_a_terminal(port: int, env: dict[str, str]) -> Terminal:
    """`suara serve` run by a make-like parent that controls a new pseudo-terminal."""
    master, slave = os.openpty()

    def own_the_terminal() -> None:  # a session of its own, with this terminal as its controlling one
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [sys.executable, "-c", WAITS_LIKE_MAKE,
         sys.executable, "-m", "suara.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdin=slave, stdout=slave, stderr=slave, env=env,
        preexec_fn=own_the_terminal)  # noqa: PLW1509 — only setsid and an ioctl, both safe after fork
    os.close(slave)
    terminal = Terminal(process, master)
    terminal.read_continuously()
    return terminal


@dataclass
class Restored:
    home: Path
    base: str
    terminal: Terminal
    restore_output: str


@pytest.fixture(scope="module")
def restored(source: Source, tmp_path_factory):
    home = tmp_path_factory.mktemp("backup-restored") / "home"  # a fresh SUARA_HOME, its own embedded server
    env = environment(SUARA_HOME=str(home), SUARA_LOG_FORMAT="json", SUARA_JOBS_INTERVAL_SECONDS="3600",
                      SUARA_MODEL_PATH=str(home.parent / "no-model.skops"))  # loading one costs seconds
    made = suara("restore", str(source.archive), env=env)
    assert made.returncode == 0, made.stdout + made.stderr
    port = free_port()
    terminal = serve_in_a_terminal(port, env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert terminal.process.poll() is None, terminal.text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            raise AssertionError(f"not ready:\n{terminal.text()}")
        yield Restored(home, f"http://127.0.0.1:{port}", terminal, made.stdout + made.stderr)
    finally:
        if terminal.process.poll() is None:
            terminal.process.kill()
            terminal.process.wait(timeout=30)
        forget_embedded_data(home)


def graphql(base: str, query: str, variables: dict | None = None) -> dict:
    body = httpx.post(f"{base}/graphql", json={"query": query, "variables": variables or {}}, timeout=30).json()
    assert "errors" not in body, body
    return body["data"]


def test_backup_and_restore_show_their_progress_step_by_step(source: Source, restored: Restored):
    for step in range(1, 6):
        assert f"[{step}/5]" in source.backup_output, source.backup_output
    for step in range(1, 8):
        assert f"[{step}/7]" in restored.restore_output, restored.restore_output
    assert "pg_dump" in source.backup_output and "pg_restore" in restored.restore_output
    assert os.stat(source.archive).st_mode & 0o077 == 0, "the archive holds personal data and the key: owner only"


async def test_a_restore_refuses_a_database_that_holds_data_and_changes_nothing(source: Source, tmp_path):
    settings = Settings(database_url=source.url, suara_home=tmp_path / "home")
    with pytest.raises(BackupError, match="already holds .* tables.*--replace"):
        await restore(settings, source.archive)
    assert not (tmp_path / "home" / "secret_key").exists() and not (tmp_path / "home" / "media").exists()


def test_a_server_newer_than_the_bundled_tools_is_refused_with_the_tools_to_use():
    with pytest.raises(BackupError) as refused:
        check_server(170002, "17.2", Tools(Path("/bundled/bin"), 16), "backup")
    message = str(refused.value)
    assert "PostgreSQL 17.2" in message and "postgresql-client-17" in message
    assert "suara backup FILE --pg-bin /usr/lib/postgresql/17/bin" in message
    check_server(160004, "16.4", Tools(Path("/bundled/bin"), 16), "backup")  # up to 16: fine
    check_server(140011, "14.11", Tools(Path("/bundled/bin"), 16), "restore")


def test_a_restore_into_a_fresh_home_gives_the_same_lookups_events_figures_secret_and_photos(
        source: Source, restored: Restored):
    base = restored.base
    for code in source.codes:
        assert graphql(base, TRACK, {"code": code})["submission"] == source.lookups[code]
    assert graphql(base, PUBLIC_FIGURES) == source.figures
    assert httpx.get(f"{base}/open-data/agency-stats.csv", timeout=30).text == source.open_data

    code, secret = source.confidential
    hidden = graphql(base, REPORTER_VIEW, {"code": code, "secret": None})["submission"]
    mine = graphql(base, REPORTER_VIEW, {"code": code, "secret": secret})["submission"]
    assert hidden["text"] is None and hidden["events"] == []
    assert mine["text"] and mine["events"], "the citizen secret from the old receipt still opens the item"
    assert (restored.home / "secret_key").read_bytes() == (source.home / "secret_key").read_bytes()
    for name, content in PHOTOS.items():
        assert (restored.home / "media" / name).read_bytes() == content


def test_json_log_lines_carry_request_ids_and_no_contact_data(restored: Restored):
    submitted = graphql(restored.base, SUBMIT, {"input": submit_input(
        text=f"Jalan rusak. {CONTACT}", reporterName=NAME, reporterPhone=PHONES[0], reporterEmail=EMAIL,
        reporterNik=NIKS[0])})["submit"]
    assert submitted["__typename"] == "SubmissionReceipt"
    responses = graphql_requests(restored.base)  # good and bad requests full of contact values
    assert {400, 413} <= {response.status_code for response in responses}
    time.sleep(0.5)  # the last lines on their way through the terminal
    lines = [line for line in restored.terminal.text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"time", "level", "logger", "message", "request_id"} <= set(records[-1])
    client_errors = [record for record in records if record["message"].startswith("client error at")]
    assert client_errors and all(len(record["request_id"]) == 32 for record in client_errors)
    assert contact_values_in("\n".join(lines)) == [], "\n".join(lines)


def postgres_running_on(pgdata: Path) -> bool:
    return any(process.info.get("name") == "postgres" and any(str(pgdata) in part for part in process.info["cmdline"] or [])
               for process in psutil.process_iter(attrs=["name", "cmdline"]))


def test_closing_the_terminal_stops_suara_and_its_embedded_postgresql(restored: Restored):
    pgdata = data_folder(restored.home)
    assert postgres_running_on(pgdata)
    restored.terminal.close()  # as when the window of `make run` is closed
    assert restored.terminal.process.wait(timeout=60) == 0, "suara serve ended normally, and so did its parent"
    deadline = time.monotonic() + 10
    while postgres_running_on(pgdata) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not postgres_running_on(pgdata), "the embedded PostgreSQL outlived its terminal"
