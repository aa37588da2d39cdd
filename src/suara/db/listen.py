"""One LISTEN connection per server process, passed on to in-process subscribers.

PostgreSQL NOTIFY reaches every process that listens, so a change committed through one server
process reaches sockets held by all of them. Each subscriber has a bounded queue: a slow client
loses its oldest messages and never holds up the others. A dropped connection is reopened with
backoff; notifications sent meanwhile are lost (clients refetch on their next change).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

QUEUE_SIZE = 100
HEALTH_CHECK_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 30.0


@dataclass(eq=False)
class Subscriber:
    channel: str
    accepts: Callable[[Any], bool]
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def offer(self, message: Any) -> None:
        if not self.accepts(message):
            return
        if self.queue.full():  # drop the oldest: the newest state matters most
            self.queue.get_nowait()
        self.queue.put_nowait(message)


class Listener:
    """LISTENs on ``channels`` with its own asyncpg connection (not one of the pool's)."""

    def __init__(self, engine: AsyncEngine, channels: Iterable[str]):
        _, params = engine.dialect.create_connect_args(engine.url)
        self._connect_params = {**params, "server_settings": {"application_name": "suara-listen"}}
        self.channels = tuple(channels)
        self._subscribers: dict[str, set[Subscriber]] = {channel: set() for channel in self.channels}
        self._task: asyncio.Task | None = None
        self.connected = asyncio.Event()

    async def start(self, *, wait_seconds: float = 5.0) -> None:
        """Start listening; wait briefly for the first connection so early changes are not missed."""
        self._task = asyncio.create_task(self._run(), name="suara-listen")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.connected.wait(), wait_seconds)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str, accepts: Callable[[Any], bool] = lambda _: True
                        ) -> AsyncIterator[asyncio.Queue]:
        """A queue of this channel's messages (JSON payloads decoded) for as long as the block runs."""
        subscriber = Subscriber(channel, accepts)
        self._subscribers[channel].add(subscriber)
        try:
            yield subscriber.queue
        finally:
            self._subscribers[channel].discard(subscriber)

    def _deliver(self, _connection, _pid: int, channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            message = payload
        for subscriber in tuple(self._subscribers.get(channel, ())):
            try:
                subscriber.offer(message)
            except Exception:
                log.exception("live subscriber failed on a %s message", channel)

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            connection = None
            try:
                connection = await asyncpg.connect(**self._connect_params)
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
                for channel in self.channels:
                    await connection.add_listener(channel, self._deliver)
                self.connected.set()
                backoff = 0.5
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), HEALTH_CHECK_SECONDS)
                    if not lost.is_set():  # a half-open connection shows only when used
                        await asyncio.wait_for(connection.fetchval("SELECT 1"), 10)
                log.warning("live updates: the LISTEN connection closed; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 — any failure means: reconnect later
                log.warning("live updates: LISTEN connection failed (%s); retrying in %.1fs",
                            type(error).__name__, backoff)
            finally:
                self.connected.clear()
                if connection is not None:
                    try:
                        await asyncio.wait_for(connection.close(), 2)
                    except Exception:  # noqa: BLE001 — a dead connection is simply dropped
                        connection.terminate()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
