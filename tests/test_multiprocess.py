"""Several Suara processes on one database (issue 16): two `suara serve` whose background jobs run every
unit of work once, and `suara serve --workers 2` on one embedded PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import httpx
import psutil
import pytest
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func
from sqlmodel import select

from suara.agencies.models import Agency
from suara.cli import CONNECTIONS_KEPT_FREE, _pool_size_within
from suara.config import Settings
from suara.db.columns import utcnow
from suara.db.embedded import data_folder
from suara.db.engine import make_engine, make_session_factory, transaction
from suara.jobs import claim
from suara.provision import migrate_and_seed
from suara.state import load_or_create_secret_key
from suara.submissions.counter_models import DAY, AgencyDailyCount
from suara.submissions.models import Submission, SubmissionEvent
from suara.submissions.outbox_models import OutboxMessage
from suara.triage.models import StaffDigestRun
from tests import servers
from tests.conftest import create_database
from tests.factories import SUBMIT, make_item, make_staff, submit_input

OVERDUE_ITEMS = 10
RESOLVED_ITEMS = 5
QUEUED_MAILS = 80


class SlowMailbox:
    """An SMTP server that takes a few milliseconds per mail, so that two senders overlap."""

    def __init__(self) -> None:
        self.recipients: Counter[str] = Counter()
        self.subjects: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.01)
        subject = str(message_from_bytes(envelope.content, policy=policy.default)["Subject"]).strip()
        for recipient in envelope.rcpt_tos:
            self.recipients[recipient] += 1
            self.subjects.append((recipient, subject))
        return "250 OK"


@pytest.fixture
def mailbox():
    box = SlowMailbox()
    controller = Controller(box, hostname="127.0.0.1", port=servers.free_port())
    controller.start()
    yield box, f"smtp://127.0.0.1:{controller.port}"
    controller.stop()


def zone_past_seven() -> str:
    """A time zone where it is now between 08:00 and 21:59, so that today's digest is due and stays today's."""
    for offset in range(-12, 15):
        zone = f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"  # Etc/GMT-7 is UTC+7
        if 8 <= datetime.now(ZoneInfo(zone)).hour <= 21:
            return zone
    raise AssertionError("no zone between 08:00 and 22:00")


def environment(tmp_path, **settings: str) -> dict[str, str]:
    """No routing model: these servers need none, and each would spend seconds loading it."""
    return servers.environment(SUARA_HOME=str(tmp_path / "home"), SUARA_MODEL_PATH=str(tmp_path / "no-model.skops"),
                               **settings)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def test_the_pools_of_all_workers_fit_in_the_databases_connections():
    assert [_pool_size_within(100, workers, 20) for workers in (1, 2, 3, 4)] == [20, 20, 14, 10]
    for max_connections in (100, 300):
        for workers in range(1, 16):  # beyond, 2 per process is the floor: the database needs more
            pool = _pool_size_within(max_connections, workers, 20)
            assert workers * (2 * pool + 2) <= max_connections - CONNECTIONS_KEPT_FREE
    assert _pool_size_within(1000, 4, 20) == 20, "a pool that fits is kept"


def test_processes_starting_at_once_on_one_home_share_one_server_key(tmp_path):
    for attempt in range(10):  # the race is short: run it on ten fresh homes
        home = tmp_path / f"home-{attempt}"
        settings = Settings(suara_home=home, suara_secret_key=None)
        start = threading.Barrier(20)

        def one_process(_, settings=settings, start=start) -> bytes:
            start.wait()
            return load_or_create_secret_key(settings)

        with ThreadPoolExecutor(20) as pool:
            keys = set(pool.map(one_process, range(20)))
        key_file = home / "secret_key"
        assert keys == {key_file.read_text().strip().encode()} and len(next(iter(keys))) == 64
        assert key_file.stat().st_mode & 0o777 == 0o600
        assert [path.name for path in home.iterdir()] == ["secret_key"]  # no drafts left


async def test_a_transaction_holding_a_job_keeps_others_from_it_until_it_ends(engine):
    sessions = make_session_factory(engine)
    async with transaction(sessions) as first:
        assert await claim(first, "escalate_overdue")
        async with transaction(sessions) as second:
            assert not await claim(second, "escalate_overdue")
            assert await claim(second, "auto_close")  # another job is free
    async with transaction(sessions) as later:
        assert await claim(later, "escalate_overdue")


async def test_two_servers_on_one_database_run_each_unit_of_work_once(mailbox, tmp_path):
    box, smtp_url = mailbox
    url = await create_database(f"suara_test_multiprocess_{os.getpid()}")
    await migrate_and_seed(url)
    env = environment(tmp_path, DATABASE_URL=url, SUARA_SMTP_URL=smtp_url,
                              SUARA_MAIL_FROM="noreply@suara.example.id", SUARA_JOBS_INTERVAL_SECONDS="0.2",
                              SUARA_SECRET_KEY="multiprocess-test-key")
    ports = [servers.free_port(), servers.free_port()]
    logs = [tmp_path / f"server-{n}.log" for n in (1, 2)]
    processes = [servers.start_suara(port, env, log=log) for port, log in zip(ports, logs, strict=True)]
    engine = make_engine(url, pool_size=2)
    try:
        for process, port in zip(processes, ports, strict=True):
            servers.wait_until_healthy(process, port)
        # Both job loops are running: now the work appears, all at once.
        now = utcnow()
        sessions = make_session_factory(engine)
        async with transaction(sessions) as session:
            agency = Agency(slug=f"dinas-{uuid.uuid4().hex[:8]}", name="Dinas Uji Proses", short_name="Dinas Uji",
                            timezone=zone_past_seven())
            session.add(agency)
            await session.flush()
            staff = [(await make_staff(session, agency.slug))[0],
                     (await make_staff(session, agency.slug, role="agency_admin"))[0]]
            overdue = [await make_item(session, agency_slug=agency.slug, now=now - timedelta(days=90))
                       for _ in range(OVERDUE_ITEMS)]
            resolved = [await make_item(session, agency_slug=agency.slug, status="resolved",
                                        now=now - timedelta(days=90), first_responded_at=now - timedelta(days=89),
                                        resolved_at=now - timedelta(days=30)) for _ in range(RESOLVED_ITEMS)]
            # A counter of an ended day spread over four slots: the jobs fold it into one row, once.
            past_day = (now - timedelta(days=3)).date()
            for slot in range(4):
                session.add(AgencyDailyCount(agency_id=agency.id, span=DAY, day=past_day, metric="received",
                                             slot=slot, value=slot + 1))
            queued = [f"warga-{n}-{uuid.uuid4().hex[:6]}@contoh.id" for n in range(QUEUED_MAILS)]
            for recipient in queued:
                session.add(OutboxMessage(channel="email", recipient=recipient, subject="Kabar laporan",
                                          body="Laporan Anda sedang ditangani.", created_at=now, next_attempt_at=now))
        overdue_ids = [item.id for item in overdue]
        resolved_ids = [item.id for item in resolved]

        async def all_done() -> bool:
            async with sessions() as session:
                pending = (await session.exec(select(func.count()).select_from(OutboxMessage)
                                              .where(OutboxMessage.state == "pending"))).one()
                unescalated = (await session.exec(select(func.count()).select_from(Submission).where(
                    Submission.id.in_(overdue_ids), Submission.resolution_escalated_at.is_(None)))).one()
                unclosed = (await session.exec(select(func.count()).select_from(Submission).where(
                    Submission.id.in_(resolved_ids), Submission.status != "closed"))).one()
            return pending == 0 and unescalated == 0 and unclosed == 0

        deadline = time.monotonic() + 30
        while not await all_done():
            assert time.monotonic() < deadline, "the jobs did not finish in 30 s"
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # each server has several more rounds to do anything twice

        async with sessions() as session:
            events = list(await session.exec(
                select(SubmissionEvent.submission_id, SubmissionEvent.kind, SubmissionEvent.details)
                .where(SubmissionEvent.submission_id.in_(overdue_ids + resolved_ids),
                       SubmissionEvent.kind.in_(("escalated", "closed")))
            ))
            digest_claims = (await session.exec(select(func.count()).select_from(StaffDigestRun)
                                                .where(StaffDigestRun.staff_id.in_([s.id for s in staff])))).one()
            unsent = (await session.exec(select(func.count()).select_from(OutboxMessage)
                                         .where(OutboxMessage.state != "sent"))).one()
            folded = list(await session.exec(select(AgencyDailyCount.slot, AgencyDailyCount.value).where(
                AgencyDailyCount.agency_id == agency.id, AgencyDailyCount.day == past_day)))
    finally:
        for process in processes:
            stop(process)
        await engine.dispose()

    escalations = Counter((submission_id, details["deadline"]) for submission_id, kind, details in events
                          if kind == "escalated")
    assert escalations == Counter({(item, deadline): 1 for item in overdue_ids
                                   for deadline in ("first_response", "resolution")})
    closings = Counter(submission_id for submission_id, kind, _ in events if kind == "closed")
    assert closings == Counter({item: 1 for item in resolved_ids})
    assert unsent == 0
    assert folded == [(0, 1 + 2 + 3 + 4)]
    assert [box.recipients[recipient] for recipient in queued] == [1] * QUEUED_MAILS
    for member in staff:
        subjects = [subject for recipient, subject in box.subjects if recipient == member.email]
        assert sum(subject.startswith("Terlambat") for subject in subjects) == 2 * OVERDUE_ITEMS, Counter(subjects)
        assert sum(subject.startswith("Ringkasan harian") for subject in subjects) == 1
    assert digest_claims == len(staff)
    expected_mails = QUEUED_MAILS + len(staff) * (2 * OVERDUE_ITEMS + 1)
    assert sum(box.recipients.values()) == expected_mails
    sent_by = [sum(int(n) for n in re.findall(r"\bsent=(\d+)", log.read_text())) for log in logs]
    assert sum(sent_by) == expected_mails, sent_by
    assert all(sent_by), f"both servers sent part of the outbox: {sent_by}"


def workers_of(parent: psutil.Process, port: int) -> list[psutil.Process]:
    """The parent's children that accept on ``port`` (not multiprocessing's helper processes)."""
    return [child for child in parent.children()
            if any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in child.net_connections("tcp"))]


def postmasters_on(pgdata) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(attrs=["name", "cmdline", "ppid"]):
        cmdline = process.info.get("cmdline") or []
        if process.info.get("name") == "postgres" and "-D" in cmdline and any(str(pgdata) in part for part in cmdline):
            found.append(process)
    return found


def assert_metrics_of_both_workers_are_added_up(port: int, metrics_base, worker_pids: set[int]) -> None:
    """Each worker counts its submissions in its own file of one fresh folder; /metrics, whichever
    worker answers it, adds them all up."""
    [folder] = list(metrics_base.iterdir())

    def submit(_) -> str:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:  # its own connection
            return client.post("/graphql", json={"query": SUBMIT, "variables": {"input": submit_input()}}
                               ).json()["data"]["submit"]["__typename"]

    def counting() -> set[int]:
        return {int(path.stem.split("_")[-1]) for path in folder.glob("counter_*.db")}

    filed = 0
    with ThreadPoolExecutor(8) as pool:
        while counting() != worker_pids and filed < 160:
            assert set(pool.map(submit, range(8))) == {"SubmissionReceipt"}
            filed += 8
    assert counting() == worker_pids, "both workers filed submissions"
    totals = set()
    for _ in range(6):
        families = text_string_to_metric_families(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text)
        totals.add(sum(sample.value for family in families if family.name == "suara_submissions"
                       for sample in family.samples if sample.name == "suara_submissions_total"))
    assert totals == {filed}


@pytest.fixture
def home(tmp_path):
    yield tmp_path / "home"
    servers.forget_embedded_data(tmp_path / "home")


def test_two_workers_answer_on_one_port_with_one_embedded_postgresql(home, tmp_path):
    port = servers.free_port()
    metrics_base = tmp_path / "metrics"  # an operator's PROMETHEUS_MULTIPROC_DIR: each run gets a fresh folder in it
    server = servers.start_suara(port, environment(tmp_path, SUARA_JOBS_INTERVAL_SECONDS="0",
                                                   PROMETHEUS_MULTIPROC_DIR=str(metrics_base)),
                                 "--workers", "2", log=tmp_path / "serve.log")
    try:
        servers.wait_until_healthy(server, port)
        parent = psutil.Process(server.pid)
        deadline = time.monotonic() + 30
        while len(workers := workers_of(parent, port)) < 2:
            assert time.monotonic() < deadline, "two workers never listened"
            time.sleep(0.2)
        assert len(workers) == 2
        assert len(postmasters_on(data_folder(home))) == 1

        # Connections are shared out by the kernel: open some at once until each worker holds one.
        answered: set[int] = set()
        for _ in range(20):
            clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) for _ in range(8)]
            with ThreadPoolExecutor(8) as pool:
                responses = list(pool.map(lambda client: client.get("/health"), clients))
            assert [r.json()["database"] for r in responses] == ["ok"] * 8
            answered |= {worker.pid for worker in workers
                         if any(c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port
                                for c in worker.net_connections("tcp"))}
            for client in clients:
                client.close()
            if len(answered) == 2:
                break
        assert answered == {worker.pid for worker in workers}
        assert_metrics_of_both_workers_are_added_up(port, metrics_base, {worker.pid for worker in workers})
    finally:
        stop(server)
    assert list(metrics_base.iterdir()) == [], "the run's metrics folder goes when suara serve stops"
    assert not any(worker.is_running() and worker.status() != psutil.STATUS_ZOMBIE for worker in workers)
    assert postmasters_on(data_folder(home)) == [], "the embedded PostgreSQL outlived suara serve"
