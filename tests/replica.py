"""A real streaming replica of an embedded PostgreSQL, for tests and benchmarks of DATABASE_READ_URL.

``pg_basebackup -R`` from the bundled PostgreSQL 16 programs copies the primary over its Unix socket
and writes ``standby.signal`` and ``primary_conninfo``; the copy then starts with ``pg_ctl`` as a hot
standby on a socket in its own folder. The copy holds the primary's socket lock file (the primary's
socket lives in its data folder) and pgserver's handle list: both are removed before it starts. As
root every program runs as the ``pgserver`` user, like the embedded server itself. The standby runs
with ``hot_standby_feedback = on``, as the README advises: otherwise replaying the primary's cleanup
cancels long public reads ("canceling statement due to conflict with recovery").
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from suara.db.embedded import ROOT_PLACE, postgresql_binaries, running_as_root, server_user
from suara.db.engine import make_engine


@dataclass
class Replica:
    folder: Path
    data: Path
    url: str
    """An asyncpg URL of the replica's copy of the primary's database."""

    def stop(self) -> None:
        stop_at_once(self.data)
        shutil.rmtree(self.folder, ignore_errors=True)


def stop_at_once(data: Path) -> None:
    """Stop the server of ``data`` without a shutdown checkpoint (its data is thrown away next)."""
    _run(["pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"], check=False)


def _run(arguments: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
    program = postgresql_binaries() / arguments[0]
    finished = subprocess.run([str(program), *arguments[1:]], capture_output=True, text=True, user=server_user(),
                              env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"}, check=False)
    if check and finished.returncode != 0:
        raise AssertionError(f"{arguments[0]} failed: {finished.stderr or finished.stdout}")
    return finished


def start_replica(primary_url: str, folder: Path | None = None) -> Replica:
    """A hot standby of the server at ``primary_url`` (an embedded one: Unix socket, trust auth)."""
    primary = make_url(primary_url)
    socket_dir, port = primary.query["host"], primary.port or 5432
    if folder is None:  # as root, somewhere the pgserver user can reach without opening a private folder
        base = ROOT_PLACE if running_as_root() else Path("/tmp")
        folder = base / f"replica-{uuid.uuid4().hex[:12]}"
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    if running_as_root():
        shutil.chown(folder, user=server_user(), group=server_user())
    data = folder / "pgdata"
    _run(["pg_basebackup", "-D", str(data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
          "-h", socket_dir, "-p", str(port), "-U", primary.username or "postgres"])
    for copied in [*data.glob(".s.PGSQL.*.lock"), data / ".handle_pids.json", data / "postmaster.pid", data / "log"]:
        copied.unlink(missing_ok=True)
    _run(["pg_ctl", "-D", str(data), "-w", "-t", "60", "-l", str(folder / "replica.log"),
          "-o", f"-h '' -k {data} -p {port} -c hot_standby_feedback=on", "start"])
    url = primary.set(query={"host": str(data)}).render_as_string(hide_password=False)
    return Replica(folder=folder, data=data, url=url)


async def wait_for_replay(primary_url: str, replica_url: str, timeout: float = 30) -> None:
    """Until the replica has replayed everything the primary had written when this was called."""
    primary, replica = make_engine(primary_url, pool_size=1), make_engine(replica_url, pool_size=1)
    try:
        async with primary.connect() as connection:
            target = (await connection.execute(text("SELECT pg_current_wal_lsn()"))).scalar_one()
        deadline = time.monotonic() + timeout
        async with replica.connect() as connection:
            while True:
                caught_up = (await connection.execute(
                    text("SELECT pg_last_wal_replay_lsn() >= CAST(:target AS pg_lsn)"), {"target": target})).scalar_one()
                if caught_up:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"the replica did not replay up to {target} in {timeout}s")
                await asyncio.sleep(0.05)
    finally:
        await primary.dispose()
        await replica.dispose()


async def set_replay_paused(replica_url: str, paused: bool) -> None:
    """Pause or resume WAL replay on the replica, and wait until it says so."""
    engine = make_engine(replica_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()"))
            wanted = "paused" if paused else "not paused"
            for _ in range(200):
                state = (await connection.execute(text("SELECT pg_get_wal_replay_pause_state()"))).scalar_one()
                if state == wanted:
                    return
                await asyncio.sleep(0.05)
            raise AssertionError(f"replay did not become {wanted}")
    finally:
        await engine.dispose()
