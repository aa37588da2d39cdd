"""The app's sessions in a test that rolls back: all on the test's one connection, one at a time.

Loaders and resolvers on another connection could not see the test's uncommitted rows, so every
session the app opens is bound to the test's connection and runs in a savepoint of its outer
transaction. The asyncpg adapter already serialises statements on one connection, but savepoints of
two sessions open at once would interleave (releasing the outer one releases the inner one): a gate
lets one session at a time live. A session opened while another is open in the same task, or in a
task started from inside it (Strawberry resolves fields in tasks of their own), nests inside it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

GATE_TIMEOUT_SECONDS = 30.0


class SessionGateDeadlock(AssertionError):
    """A session waited too long for the test's connection: most likely a deadlock."""


@dataclass(eq=False)
class _Holder:
    """An open session; sessions opened under it (same task or its child tasks) queue on ``inner``."""

    parent: _Holder | None
    inner: asyncio.Lock = field(default_factory=asyncio.Lock)
    open: bool = True
    description: str = ""


class SessionGate:
    """Serialises session lifetimes on one connection, re-entrant for nested sessions."""

    def __init__(self, timeout: float = GATE_TIMEOUT_SECONDS):
        self.timeout = timeout
        self._outermost = asyncio.Lock()
        self._held: ContextVar[_Holder | None] = ContextVar(f"session-gate-{id(self)}", default=None)
        self._holders: list[_Holder] = []

    async def enter(self) -> tuple[asyncio.Lock, _Holder, Any]:
        parent = self._held.get()
        while parent is not None and not parent.open:  # a task that outlived the session it started in
            parent = parent.parent
        lock = parent.inner if parent is not None else self._outermost
        try:
            async with asyncio.timeout(self.timeout):
                await lock.acquire()
        except TimeoutError:
            holders = ", ".join(h.description for h in self._holders if h.open) or "none"
            raise SessionGateDeadlock(
                f"a session waited {self.timeout:.0f} s for the test's connection (open sessions: {holders}). "
                "A deadlock: a session is held open while waiting for work that needs another session in a task "
                "it did not start. Tests that need concurrent transactions use committing_app_state."
            ) from None
        task = asyncio.current_task()
        holder = _Holder(parent, description=task.get_name() if task else "?")
        self._holders.append(holder)
        return lock, holder, self._held.set(holder)

    def leave(self, lock: asyncio.Lock, holder: _Holder, token: Any) -> None:
        holder.open = False
        self._holders.remove(holder)
        try:
            self._held.reset(token)
        except ValueError:  # left from another context than it entered: that context ends anyway
            pass
        lock.release()


class GatedSession(AsyncSession):
    """A session that holds the gate from ``async with`` to its close."""

    def __init__(self, *args, gate: SessionGate, **kwargs):
        super().__init__(*args, **kwargs)
        self._gate = gate
        self._gate_hold: tuple | None = None

    async def __aenter__(self):
        self._gate_hold = await self._gate.enter()
        try:
            return await super().__aenter__()
        except BaseException:
            self._gate.leave(*self._gate_hold)
            raise

    async def __aexit__(self, *exc_info) -> None:
        try:
            await super().__aexit__(*exc_info)
        finally:
            hold, self._gate_hold = self._gate_hold, None
            if hold is not None:
                self._gate.leave(*hold)


def shared_session_factory(connection: AsyncConnection, gate: SessionGate | None = None) -> async_sessionmaker:
    """Sessions on ``connection`` (already in a transaction), each in a savepoint, one at a time."""
    return async_sessionmaker(
        bind=connection, class_=GatedSession, expire_on_commit=False,
        join_transaction_mode="create_savepoint", gate=gate or SessionGate(),
    )


class SharedDatabase:
    """The test's own way to the rows the app wrote: the test's connection, through the same gate."""

    def __init__(self, connection: AsyncConnection, gate: SessionGate):
        self.connection, self.gate = connection, gate

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """Like ``engine.connect()``: a savepoint on the test's connection, rolled back if the block raises."""
        hold = await self.gate.enter()
        try:
            async with self.connection.begin_nested():
                yield self.connection
        finally:
            self.gate.leave(*hold)
