"""A burst of 1,000 SMS with duplicates and gateway retries, drained by real worker processes, one of
them killed with SIGKILL mid-way: every message is processed exactly once, each phone in order."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict

import httpx
from sqlmodel import func, select

from suara.app import create_app
from suara.db.engine import make_engine, make_session_factory
from suara.provision import migrate_and_seed
from suara.routing.router import NoRouter
from suara.state import AppState
from suara.submissions.models import Submission
from suara.submissions.outbox_models import OutboxMessage
from suara.submissions.sms_models import SmsInbound
from tests import conftest
from tests.channels.test_sms_webhook import Phone
from tests.conftest import TEST_SECRET_KEY, create_database

PHONES, PER_PHONE = 50, 20
LONG = range(0, PHONES, 10)
"""Phones that send one long message in two parts (their messages 4 and 5)."""
WORKER = """
import asyncio, sys
from suara.channels.sms.intake import run_sms_worker
from suara.db.engine import make_engine, make_session_factory
from suara.routing.router import NoRouter

async def main():
    engine = make_engine(sys.argv[1], pool_size=3)
    await run_sms_worker(make_session_factory(engine), router=NoRouter(), secret_key=sys.argv[2].encode(),
                         batch=25, concurrency=2, idle_seconds=0.05)

asyncio.run(main())
"""


def start_worker(url: str) -> subprocess.Popen:
    """A separate process running the intake worker loop, as a server's lifespan does."""
    return subprocess.Popen([sys.executable, "-c", WORKER, url, TEST_SECRET_KEY.decode()], env=dict(os.environ),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


async def states(state: AppState) -> dict[str, int]:
    async with state.reading() as session:
        return dict((await session.exec(select(SmsInbound.state, func.count()).group_by(SmsInbound.state))).all())


def burst(run: str, phone_index: int) -> list[dict]:
    """A phone's messages, in the order it sends them; a phone in LONG sends messages 4 and 5 as the two
    parts of one long message, so it files one report fewer."""
    messages = [{"message_id": f"{run}-{phone_index}-{seq}",
                 "text": f"LAPOR jalan rusak berlubang nomor {phone_index}-{seq} di desa uji {run}"}
                for seq in range(PER_PHONE)]
    if phone_index in LONG:
        messages[4] |= {"text": f"LAPOR sambungan nomor {phone_index}-4 ",
                        "extra": {"concat_ref": run[:8], "concat_part": "1", "concat_total": "2"}}
        messages[5] |= {"text": f"bagian kedua {phone_index}-5 desa uji {run}",
                        "extra": {"concat_ref": run[:8], "concat_part": "2", "concat_total": "2"}}
    return messages


async def test_a_burst_of_1000_with_duplicates_and_retries_loses_nothing_when_a_worker_is_killed():
    url = await create_database("suara_test_sms_burst")
    await migrate_and_seed(url)
    engine = make_engine(url, pool_size=25)
    state = AppState(settings=conftest.test_settings(url), engine=engine, sessions=make_session_factory(engine),
                     router=NoRouter(), secret_key=TEST_SECRET_KEY)
    run = uuid.uuid4().hex[:10]
    rng = random.Random(16)
    workers: list[subprocess.Popen] = []
    try:
        transport = httpx.ASGITransport(app=create_app(state.settings, state=state))
        async with httpx.AsyncClient(transport=transport, base_url="http://suara.test") as client:
            phones = [Phone(client, state) for _ in range(PHONES)]
            plans = [burst(run, index) for index in range(PHONES)]
            connections = asyncio.Semaphore(20)
            answers: list[str] = []

            async def deliver(phone: Phone, message: dict) -> None:
                async with connections:
                    response = await phone.post(message["text"], message_id=message["message_id"],
                                                extra=message.get("extra"))
                assert response.status_code == 200, response.text
                answers.append(response.json()["status"])

            async def gateway(phone: Phone, plan: list[dict]) -> None:
                for message in plan:  # a phone's messages arrive in order; some twice at once
                    copies = 2 if rng.random() < 0.2 else 1
                    await asyncio.gather(*(deliver(phone, message) for _ in range(copies)))

            workers.append(start_worker(url))
            sending = asyncio.gather(*(gateway(phone, plan) for phone, plan in zip(phones, plans, strict=True)))
            deadline = time.monotonic() + 60
            while (await states(state)).get("done", 0) < 250:
                assert time.monotonic() < deadline and workers[0].poll() is None, (
                    workers[0].stderr.read() if workers[0].poll() is not None else f"too slow: {await states(state)}")
                await asyncio.sleep(0.05)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait()
            await sending
            at_kill = await states(state)
            assert 250 <= at_kill.get("done", 0) < PHONES * PER_PHONE, at_kill
            assert answers.count("queued") == PHONES * PER_PHONE and set(answers) <= {"queued", "duplicate"}

            retried = rng.sample([(phone, message) for phone, plan in zip(phones, plans, strict=True)
                                  for message in plan], 100)  # the gateway gave up waiting and sends again
            again = await asyncio.gather(*(phone.post(m["text"], message_id=m["message_id"], extra=m.get("extra"))
                                           for phone, m in retried))
            assert {r.json()["status"] for r in again} == {"duplicate"}

        workers += [start_worker(url), start_worker(url)]  # two processes drain the rest side by side
        deadline = time.monotonic() + 60
        while (counts := await states(state)).get("queued", 0):
            assert time.monotonic() < deadline and all(w.poll() is None for w in workers[1:]), counts
            await asyncio.sleep(0.1)
        assert counts == {"done": PHONES * PER_PHONE}

        async with state.reading() as session:
            filed = list(await session.exec(select(Submission.id, Submission.text)))
            inbound = list(await session.exec(select(SmsInbound.gateway_message_id, SmsInbound.command,
                                                     SmsInbound.submission_id)))
            replies = list(await session.exec(select(OutboxMessage.recipient, OutboxMessage.submission_id)
                                              .order_by(OutboxMessage.id)))
        seq_of = {submission_id: int(text.split(" nomor ")[1].split("-")[1].split(" ")[0]) for submission_id, text
                  in filed if run in text}
        assert len(seq_of) == PHONES * PER_PHONE - len(LONG), "exactly one submission per message"
        assert [command for _, command, _ in inbound].count("waiting_for_parts") == len(LONG)
        assert {submission_id for _, _, submission_id in inbound} - {None} == set(seq_of)
        joined = [text for _, text in filed if f"bagian kedua 0-5 desa uji {run}" in text]
        assert joined == [f"sambungan nomor 0-4 bagian kedua 0-5 desa uji {run}"]

        per_phone: dict[str, list[int]] = defaultdict(list)
        for recipient, submission_id in replies:
            per_phone[recipient].append(seq_of[submission_id])
        for index, phone in enumerate(phones):  # a long message is filed under its first part's number
            expected = [seq for seq in range(PER_PHONE) if not (index in LONG and seq == 5)]
            assert per_phone[phone.e164] == expected, index
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=10)
        await engine.dispose()
