"""The classifier process: the same decisions as in the server's own process, each answer to its own
text under a burst, and nothing lost when the process dies."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from suara.config import Settings
from suara.routing.loading import load_router
from suara.routing.offload import ClassifierProcess, ProcessRouter
from suara.routing.worker import answer

TEXTS = [
    "Jalan di desa kami rusak berlubang sejak tiga bulan, mohon segera diperbaiki.",
    "e-KTP saya belum jadi padahal sudah rekam sejak bulan lalu di kecamatan.",
    "Lampu PJU di jalan utama mati semua sehingga rawan kecelakaan malam hari.",
    "Pupuk subsidi langka di kios resmi, petani kesulitan menanam padi.",
    "Sampah menumpuk di pinggir sungai dan menimbulkan bau tidak sedap.",
    "Guru honorer belum menerima gaji selama tiga bulan.",
]


@pytest.fixture(scope="module")
def router():
    return load_router(Settings())


@pytest.fixture(scope="module")
async def classifier(router):
    process = ClassifierProcess(Settings().suara_model_path)
    assert await process.wait_ready(), "the classifier process did not start"
    yield ProcessRouter(router, process)
    await process.stop()


async def test_a_burst_gets_each_text_its_own_decision_the_same_as_in_process(classifier, router):
    texts = [f"{TEXTS[i % len(TEXTS)]} Nomor {i}." for i in range(120)]
    decisions = await asyncio.gather(*(classifier.decide_async(text) for text in texts))
    assert decisions == [router.decide(text) for text in texts]
    assert classifier.process.ready


async def test_a_killed_process_loses_no_decision_comes_back_and_ends_with_its_server(classifier, router):
    process = classifier.process
    first_pid = process.pid
    texts = [f"{TEXTS[i % len(TEXTS)]} Laporan {i}." for i in range(60)]
    running = [asyncio.ensure_future(classifier.decide_async(text)) for text in texts]
    os.kill(first_pid, signal.SIGKILL)
    decisions = await asyncio.gather(*running)
    assert decisions == [router.decide(text) for text in texts]  # answered in threads where the process died

    process.RESTART_DELAY_SECONDS = 0
    process._next_start = 0.0
    assert await process.wait_ready()
    second_pid = process.pid
    assert second_pid != first_pid
    assert await classifier.decide_async(TEXTS[0]) == router.decide(TEXTS[0])

    await process.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(second_pid, 0)
    assert not process.ready
    assert await classifier.decide_async(TEXTS[1]) == router.decide(TEXTS[1])  # threads, not a hang


async def test_a_model_file_that_does_not_load_leaves_classification_to_threads(router, tmp_path):
    broken = tmp_path / "broken.skops"
    broken.write_bytes(b"not a model")
    process = ClassifierProcess(broken)
    assert not await process.wait_ready()
    assert await ProcessRouter(router, process).decide_async(TEXTS[2]) == router.decide(TEXTS[2])
    await process.stop()


def test_one_bad_request_in_a_batch_fails_only_itself(router):
    replies = answer(router, [{"id": 1, "text": TEXTS[0]}, {"id": 2, "text": None}, {"id": 3, "text": TEXTS[3]}])
    assert [reply["id"] for reply in replies] == [1, 2, 3]
    assert "decision" in replies[0] and "decision" in replies[2]
    assert "error" in replies[1]
