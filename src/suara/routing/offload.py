"""Running the classifier off the event loop, a bounded number at a time.

A classification is tens of milliseconds of CPU; on the event loop it would stall every other
request (health checks included) for as long. Worker threads keep the loop answering, and the
pool's size bounds how many classifications run at once (the rest queue).
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from suara.config import get_settings
from suara.routing.router import Router, RoutingDecision

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def classifier_executor() -> ThreadPoolExecutor:
    """The process's classifier threads (SUARA_CLASSIFIER_THREADS), made on first use."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=max(1, get_settings().suara_classifier_threads),
                                           thread_name_prefix="classifier")
        return _executor


async def decide(router: Router, text: str) -> RoutingDecision:
    """The router's decision for ``text``, computed in a classifier thread."""
    if isinstance(router, SharedDecisions):
        return await router.decide_async(text)
    return await asyncio.get_running_loop().run_in_executor(classifier_executor(), router.decide, text)


class SharedDecisions:
    """One request's router: each text is classified once however many fields ask for it, and
    fields asking at the same time wait for the same run."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self._runs: dict[str, asyncio.Future[RoutingDecision]] = {}

    @property
    def model(self):
        return getattr(self.router, "model", None)

    @property
    def version(self) -> str | None:
        return getattr(self.router, "version", None)

    def decide(self, text: str) -> RoutingDecision:
        return self.router.decide(text)

    def suggest(self, text: str, k: int = 3) -> list[dict]:
        return self.router.suggest(text, k)

    async def decide_async(self, text: str) -> RoutingDecision:
        key = text.strip()
        run = self._runs.get(key)
        if run is None:
            run = self._runs[key] = asyncio.ensure_future(decide(self.router, key))
        return await run
