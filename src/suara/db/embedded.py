"""A private PostgreSQL server under SUARA_HOME, so nobody has to install or start one by hand.

pgserver ships the PostgreSQL binaries as a wheel. As root it runs the server as an unprivileged
system user (PostgreSQL refuses to run as root); it listens on a Unix socket only.

That user must pass through every folder above the data and the binaries, so pgserver opens each
of them to everyone (go+rx) up to "/" — a private folder above SUARA_HOME or the virtualenv would
become readable. As root the data and a copy of the binaries therefore live under ROOT_PLACE,
where opening the path exposes nothing; no other folder changes mode.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

ROOT_PLACE = Path("/var/lib/suara-postgresql")
"""As root: <ROOT_PLACE>/<hash of SUARA_HOME>/pgdata, and the binaries in <ROOT_PLACE>/pgserver-<version>."""

USE_SYSTEM_POSTGRESQL = ("As root, Suara keeps the embedded PostgreSQL under {place}, which it could not "
                         "prepare ({error}). Use a system server instead: `apt-get install postgresql`, "
                         "create a database, and set DATABASE_URL=postgresql://user:password@localhost/suara.")


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def data_folder(home: Path) -> Path:
    """Where the embedded server keeps its data for ``home``: inside it, or as root under ROOT_PLACE."""
    if not running_as_root():
        return home / "pgdata"
    key = hashlib.sha256(str(home.expanduser().resolve()).encode()).hexdigest()[:16]
    return ROOT_PLACE / key / "pgdata"


def _prepare_root_place(pgdata: Path, home: Path) -> None:
    """Create the data's parent and a copy of pgserver's binaries under ROOT_PLACE, and use that copy."""
    import pgserver._commands
    import pgserver.postgres_server

    try:
        ROOT_PLACE.mkdir(parents=True, exist_ok=True)
        ROOT_PLACE.chmod(0o755)
        pgdata.parent.mkdir(exist_ok=True)
        pgdata.parent.chmod(0o755)
        binaries = _copy_of_binaries(pgserver._commands.POSTGRES_BIN_PATH)
    except OSError as error:
        raise RuntimeError(USE_SYSTEM_POSTGRESQL.format(place=ROOT_PLACE, error=error)) from error
    # pgserver has no option for this: both modules read the path at call time.
    pgserver._commands.POSTGRES_BIN_PATH = binaries
    pgserver.postgres_server.POSTGRES_BIN_PATH = binaries
    old = home / "pgdata"
    if (old / "PG_VERSION").exists():
        log.warning("as root the embedded database now lives in %s; the one in %s is no longer used "
                    "(stop Suara and move it there to keep it)", pgdata, old)


def _copy_of_binaries(original: Path) -> Path:
    """pgserver's pginstall folder copied once under ROOT_PLACE (atomically, several processes may race)."""
    installed = ROOT_PLACE / f"pgserver-{importlib.metadata.version('pgserver')}"
    if not installed.exists():
        package = original.parent.parent  # site-packages/pgserver; its libraries are in ../pgserver.libs
        staging = Path(tempfile.mkdtemp(prefix=".copying-", dir=ROOT_PLACE))
        shutil.copytree(package / "pginstall", staging / "pgserver" / "pginstall", symlinks=True)
        libraries = package.parent / "pgserver.libs"  # the binaries find them at $ORIGIN/../../../pgserver.libs
        if libraries.is_dir():
            shutil.copytree(libraries, staging / "pgserver.libs", symlinks=True)
        staging.chmod(0o755)
        try:
            staging.rename(installed)
        except OSError:  # another process finished first
            shutil.rmtree(staging, ignore_errors=True)
    return installed / "pgserver" / "pginstall" / "bin"


SERVER_USER = "pgserver"
"""As root, pgserver runs PostgreSQL as this system user (PostgreSQL refuses to run as root)."""


def server_user() -> str | None:
    """The system user the embedded server's programs must run as: ``pgserver`` as root, else ourselves."""
    return SERVER_USER if running_as_root() else None


def postgresql_binaries() -> Path:
    """The folder of the bundled PostgreSQL 16 programs (pg_dump, pg_restore, pg_basebackup, pg_ctl, …);
    as root, the copy under ROOT_PLACE that the ``pgserver`` user can reach."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver._commands

    if not running_as_root():
        return pgserver._commands.POSTGRES_BIN_PATH
    try:
        ROOT_PLACE.mkdir(parents=True, exist_ok=True)
        ROOT_PLACE.chmod(0o755)
        return _copy_of_binaries(pgserver._commands.POSTGRES_BIN_PATH)
    except OSError as error:
        raise RuntimeError(USE_SYSTEM_POSTGRESQL.format(place=ROOT_PLACE, error=error)) from error


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
    """Start (or join) the server whose data lives in ``data_folder(home)``; return an asyncpg URL.

    The server stops when the last Suara process using it exits.
    """
    os.environ.setdefault("LC_ALL", "C.UTF-8")
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root)
        warnings.simplefilter("ignore")
        import pgserver  # imported late: it starts nothing on import, but it is heavy

    home.mkdir(parents=True, exist_ok=True)
    pgdata = data_folder(home)
    if running_as_root():
        _prepare_root_place(pgdata, home)
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
