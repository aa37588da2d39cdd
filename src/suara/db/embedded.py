"""A private PostgreSQL server under SUARA_HOME, so nobody has to install or start one by hand.

pgserver ships the PostgreSQL binaries as a wheel. As root it runs the server as an unprivileged
system user (PostgreSQL refuses to run as root); it listens on a Unix socket only.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path

import psutil

log = logging.getLogger(__name__)


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop the pids of crashed processes from pgserver's handle list.

    pgserver stops the server when the last process holding a handle exits; a process killed with
    SIGKILL never removes itself, which would keep the server running forever after.
    """
    handle_file = pgdata / ".handle_pids.json"
    if not handle_file.exists():
        return
    try:
        pids = json.loads(handle_file.read_text() or "[]")
    except json.JSONDecodeError:
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handle_file.write_text(json.dumps(alive))


def _remove_stale_pid_file(pgdata: Path) -> None:
    """Remove postmaster.pid when the process it names is gone (a crash or a power cut)."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (ValueError, IndexError):
        pid = -1
    if pid <= 0 or not psutil.pid_exists(pid):
        log.warning("removing stale %s (pid %s is not running)", pid_file, pid)
        pid_file.unlink(missing_ok=True)


def start_embedded_server(home: Path, database: str = "suara") -> str:
    """Start (or join) the server whose data lives in ``home/pgdata``; return an asyncpg URL.

    The server stops when the last Suara process using it exits.
    """
    os.environ.setdefault("LC_ALL", "C.UTF-8")
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root)
        warnings.simplefilter("ignore")
        import pgserver  # imported late: it starts nothing on import, but it is heavy

    home.mkdir(parents=True, exist_ok=True)
    pgdata = home / "pgdata"
    if pgdata.exists():
        _forget_dead_handles(pgdata)
        _remove_stale_pid_file(pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    _ensure_database(server, database)
    return f"postgresql+asyncpg://postgres@:{info.port or 5432}/{database}?host={info.socket_dir}"


def _ensure_database(server, database: str) -> None:
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
