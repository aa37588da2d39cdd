"""Running the classifier off the event loop: in a classifier process, or in threads.

A classification is about a millisecond of CPU; on the event loop it would stall every other
request (health checks included) for as long. A server runs it in a classifier process of its own
(`ClassifierProcess`, see `suara.routing.worker` for why a process and not a thread); threads are the
fallback while that process starts or restarts, and the way of routers that have no model file.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


log = logging.getLogger(__name__)


async def decide(router: Router, text: str) -> RoutingDecision:
    """The router's decision for ``text``, computed in the classifier process or a classifier thread."""
    if isinstance(router, (SharedDecisions, ProcessRouter)):
        return await router.decide_async(text)
    return await in_thread(router, text)


async def in_thread(router: Router, text: str) -> RoutingDecision:
    return await asyncio.get_running_loop().run_in_executor(classifier_executor(), router.decide, text)


class ClassifierGone(RuntimeError):
    """The classifier process ended (or never answered) before this text's decision came back."""


class ClassifierProcess:
    """One child process classifying this server's texts (`python -m suara.routing.worker`).

    Requests are written as they come, without waiting: the texts that queue while the process is
    busy are classified together in its next pass. If the process dies, the texts in flight fail
    with ClassifierGone (the submit flow sends those items to people) and the next request starts
    a new process; meanwhile the caller uses threads.
    """

    START_TIMEOUT_SECONDS = 120.0
    ANSWER_TIMEOUT_SECONDS = 30.0
    RESTART_DELAY_SECONDS = 5.0

    def __init__(self, model_path: Path) -> None:
        self.model_path = Path(model_path)
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task | None = None
        self._starting: asyncio.Task | None = None
        self._pending: dict[int, asyncio.Future[RoutingDecision]] = {}
        self._outgoing: list[bytes] = []
        self._ids = itertools.count(1)
        self._ready = False
        self._stopped = False
        self._next_start = 0.0

    @property
    def ready(self) -> bool:
        return self._ready

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start_soon(self) -> None:
        """Start the process in the background (a model takes a second or two to load); idempotent."""
        loop = asyncio.get_running_loop()
        if self._stopped or self._ready or (self._starting is not None and not self._starting.done()):
            return
        if loop.time() < self._next_start:
            return
        self._starting = loop.create_task(self._start())

    async def wait_ready(self, timeout: float = START_TIMEOUT_SECONDS) -> bool:
        self.start_soon()
        if self._starting is not None:
            await asyncio.wait_for(asyncio.shield(self._starting), timeout)
        return self._ready

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        self._next_start = loop.time() + self.RESTART_DELAY_SECONDS  # a process that keeps dying is not respawned in a loop
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "suara.routing.worker", str(self.model_path),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 22,
        )
        try:
            first = await asyncio.wait_for(process.stdout.readline(), self.START_TIMEOUT_SECONDS)
            version = json.loads(first)["ready"] if first else None
        except (TimeoutError, ValueError, KeyError, TypeError):
            version = None
        if version is None:
            log.error("classifier process for %s did not start; classifying in threads", self.model_path)
            await _end(process)
            return
        self._process = process
        self._reader = loop.create_task(self._read_answers(process))
        self._ready = True
        log.info("classifier process %s ready (model %s)", process.pid, version)

    async def _read_answers(self, process: asyncio.subprocess.Process) -> None:
        try:
            while line := await process.stdout.readline():
                reply = json.loads(line)
                future = self._pending.pop(reply.get("id"), None)
                if future is None or future.done():
                    continue
                if "decision" in reply:
                    future.set_result(RoutingDecision(**reply["decision"]))
                else:
                    future.set_exception(ClassifierGone(reply.get("error") or "classification failed"))
        finally:
            self._ready = False
            if self._process is process:
                self._process = None
            pending, self._pending = self._pending, {}
            for future in pending.values():
                if not future.done():
                    future.set_exception(ClassifierGone("the classifier process ended"))
            if not self._stopped:
                log.error("classifier process %s ended; classifying in threads until it is back", process.pid)

    async def decide(self, text: str) -> RoutingDecision:
        process = self._process
        if not self._ready or process is None:
            raise ClassifierGone("the classifier process is not running")
        request_id = next(self._ids)
        future: asyncio.Future[RoutingDecision] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        self._send(process, json.dumps({"id": request_id, "text": text}).encode() + b"\n")
        try:
            return await asyncio.wait_for(future, self.ANSWER_TIMEOUT_SECONDS)
        except TimeoutError:
            raise ClassifierGone("the classifier process did not answer in time") from None
        finally:
            self._pending.pop(request_id, None)

    def _send(self, process: asyncio.subprocess.Process, line: bytes) -> None:
        """Requests made in one turn of the event loop go to the process in one write (one system call)."""
        if not self._outgoing:
            asyncio.get_running_loop().call_soon(self._flush, process)
        self._outgoing.append(line)

    def _flush(self, process: asyncio.subprocess.Process) -> None:
        lines, self._outgoing = self._outgoing, []
        if process.returncode is None and not process.stdin.is_closing():
            process.stdin.write(b"".join(lines))

    async def stop(self) -> None:
        self._stopped = True
        self._ready = False
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
        process, self._process = self._process, None
        if process is not None:
            await _end(process)
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


async def _end(process: asyncio.subprocess.Process) -> None:
    """Close its input (it ends by itself), then make sure."""
    if process.returncode is None:
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            process.kill()
            await process.wait()


class WrappedRouter:
    """A router around another: its model, version and synchronous calls are the wrapped router's."""

    def __init__(self, router: Router) -> None:
        self.router = router

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


class ProcessRouter(WrappedRouter):
    """A model router whose decisions come from a classifier process; everything else is the router's own."""

    def __init__(self, router: Router, process: ClassifierProcess) -> None:
        super().__init__(router)
        self.process = process

    async def decide_async(self, text: str) -> RoutingDecision:
        if self.process.ready:
            try:
                return await self.process.decide(text)
            except ClassifierGone as error:
                log.warning("classifier process: %s; this text is classified in a thread", error)
        self.process.start_soon()  # after a crash: back within a few seconds, threads meanwhile
        return await in_thread(self.router, text)


class SharedDecisions(WrappedRouter):
    """One request's router: each text is classified once however many fields ask for it, and
    fields asking at the same time wait for the same run."""

    def __init__(self, router: Router) -> None:
        super().__init__(router)
        self._runs: dict[str, asyncio.Future[RoutingDecision]] = {}

    async def decide_async(self, text: str) -> RoutingDecision:
        key = text.strip()
        run = self._runs.get(key)
        if run is None:
            run = self._runs[key] = asyncio.ensure_future(decide(self.router, key))
        return await run
