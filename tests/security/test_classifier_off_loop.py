"""Finding 7's stall, written as the attack: a heavy classification must not stop the server from
answering others, and only a bounded number of classifications run at once."""

from __future__ import annotations

import asyncio
import threading
import time

from suara.config import get_settings
from suara.routing import offload
from suara.routing.router import RoutingDecision

HEAVY_SECONDS = 1.0


class HeavyRouter:
    """Blocks its thread for a while, like a classifier on a long text (NumPy and SciPy work releases the
    GIL, so a sleep is the faithful stand-in; burning pure-Python CPU would measure the GIL instead)."""

    model = None
    version = "heavy"

    def __init__(self, seconds: float = HEAVY_SECONDS):
        self.seconds = seconds
        self.running = 0
        self.most_at_once = 0
        self.lock = threading.Lock()

    def decide(self, text: str) -> RoutingDecision:
        with self.lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(self.seconds)  # on the event loop this would stop every other request
        with self.lock:
            self.running -= 1
        return RoutingDecision(model_version="heavy", suggestions=[])

    def suggest(self, text: str, k: int = 3) -> list[dict]:
        return self.decide(text).suggestions


async def test_health_answers_while_a_heavy_classification_runs(client, app_state):
    app_state.router = HeavyRouter()
    started = time.perf_counter()
    classification = asyncio.create_task(client.post("/graphql", json={
        "query": '{ suggestRouting(text: "Jalan di desa kami rusak berlubang") { confidence } }'}))
    await asyncio.sleep(0.05)  # the classification is under way
    health_started = time.perf_counter()
    health = await client.get("/health")
    health_seconds = time.perf_counter() - health_started
    assert health.status_code == 200
    assert not classification.done(), (
        f"/health answered only after the classification ({health_seconds:.3f}s): it ran on the event loop")
    response = await classification
    assert response.status_code == 200 and "errors" not in response.json()
    assert time.perf_counter() - started >= HEAVY_SECONDS


async def test_classifications_run_a_bounded_number_at_a_time():
    router = HeavyRouter(seconds=0.1)
    await asyncio.gather(*(offload.decide(router, f"teks {n}") for n in range(6)))
    assert router.most_at_once == get_settings().suara_classifier_threads
