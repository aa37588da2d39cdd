"""`suara backup FILE` and `suara restore FILE`: one archive with everything a restore needs.

The archive is a tar file holding
- ``manifest.json``: what it is, when it was made, the migration and PostgreSQL versions;
- ``database.dump``: ``pg_dump --format=custom`` of the whole database;
- ``secret_key``: the server key (citizen secrets and voter tokens are derived from it: without it
  no receipt a citizen holds would confirm any more);
- ``media/…``: the media folder ``SUARA_HOME/media`` (photos).

It holds every citizen's contact data and the key: it is written readable by its owner only, and
should be stored encrypted. A restore goes into an empty database (or replaces one with
``--replace``), brings the schema up to this version's migrations, re-applies the erasures citizens
asked for (so that an older backup does not bring erased data back), and puts back the key and the
media folder. Each step is announced through ``progress`` as it starts and as it ends.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path, PurePosixPath

from sqlalchemy import text

from suara.backups.tools import BackupError, Tools, check_server, find_tools, run, server_version
from suara.config import Settings
from suara.db import migrate
from suara.db.engine import make_engine, make_session_factory, resolve_database_url, transaction

FORMAT = "suara-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "database.dump"
SECRET_KEY = "secret_key"
MEDIA = "media"

Progress = Callable[[int, int, str, str | None], None]
"""``progress(step, steps, what, result)``: called with ``result`` None when a step starts, then with
a short result when it ends."""


def _quiet(step: int, steps: int, what: str, result: str | None) -> None:
    pass


@dataclass(frozen=True)
class Manifest:
    format: str
    format_version: int
    created_at: str
    suara_version: str
    migration: str | None
    postgresql: str
    database_bytes: int
    secret_key: bool
    media_files: int
    media_bytes: int


class Steps:
    def __init__(self, steps: int, progress: Progress):
        self.steps, self.progress, self.number = steps, progress, 0

    def run(self, what: str, work: Callable[[], str | None]):
        self.number += 1
        self.progress(self.number, self.steps, what, None)
        started = time.monotonic()
        result = work()
        self.progress(self.number, self.steps, what, f"{result or 'done'} ({time.monotonic() - started:.1f} s)")


def media_folder(settings: Settings) -> Path:
    return settings.resolved_home() / MEDIA


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return str(count)


# --- backup ----------------------------------------------------------------------------------------

async def backup(settings: Settings, file: Path, *, pg_bin: Path | None = None,
                 progress: Progress = _quiet) -> Manifest:
    """Write the archive ``file`` (atomically: a failed backup leaves no half file)."""
    from suara.state import load_or_create_secret_key

    steps = Steps(5, progress)
    url = resolve_database_url(settings)
    checked: dict = {}

    async def check() -> str:
        tools = find_tools(pg_bin)
        number, name = await server_version(url)
        check_server(number, name, tools, "backup")
        checked.update(tools=tools, postgresql=name, migration=await _current_migration(url))
        return f"PostgreSQL {name}, migration {checked['migration']}, pg_dump {tools.major}"

    await _async_step(steps, "Checking the database", check)
    file = file.expanduser().resolve()
    file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".suara-backup-", dir=file.parent) as work_folder:
        dump = Path(work_folder) / DATABASE
        tools: Tools = checked["tools"]
        steps.run("Dumping the database (pg_dump)", lambda: _dump(tools, url, dump))
        key = load_or_create_secret_key(settings)
        media = media_folder(settings)
        media_files = _media_files(media)
        manifest = Manifest(
            format=FORMAT, format_version=FORMAT_VERSION, created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            suara_version=package_version("suara"), migration=checked["migration"], postgresql=checked["postgresql"],
            database_bytes=dump.stat().st_size, secret_key=True, media_files=len(media_files),
            media_bytes=sum(path.stat().st_size for path in media_files),
        )
        partial = Path(work_folder) / "archive.tar"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(asdict(manifest), indent=2).encode())
            archive.add(dump, arcname=DATABASE)
            steps.run("Adding the secret key", lambda: _add_bytes(archive, SECRET_KEY, key + b"\n") or "1 key")
            steps.run(f"Adding the media folder ({media})", lambda: _add_media(archive, media, media_files))
        steps.run(f"Writing {file}", lambda: (os.replace(partial, file), _size(file.stat().st_size))[1])
    return manifest


async def _async_step(steps: Steps, what: str, work) -> None:
    steps.number += 1
    steps.progress(steps.number, steps.steps, what, None)
    started = time.monotonic()
    result = await work()
    steps.progress(steps.number, steps.steps, what, f"{result or 'done'} ({time.monotonic() - started:.1f} s)")


async def _current_migration(url: str) -> str | None:
    engine = make_engine(url, pool_size=1)
    try:
        return await migrate.current_revision(engine)
    finally:
        await engine.dispose()


def _dump(tools: Tools, url: str, dump: Path) -> str:
    run(tools, "pg_dump", ["--format=custom", "--compress=6", "--no-sync", f"--file={dump}"], url)
    return _size(dump.stat().st_size)


def _media_files(media: Path) -> list[Path]:
    if not media.is_dir():
        return []
    return sorted(path for path in media.rglob("*") if path.is_file() and not path.is_symlink())


def _add_media(archive: tarfile.TarFile, media: Path, files: list[Path]) -> str:
    for path in files:
        archive.add(path, arcname=f"{MEDIA}/{path.relative_to(media).as_posix()}", recursive=False)
    return f"{len(files)} files, {_size(sum(path.stat().st_size for path in files))}"


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
    archive.addfile(info, io.BytesIO(data))


# --- restore ---------------------------------------------------------------------------------------

async def restore(settings: Settings, file: Path, *, replace: bool = False, pg_bin: Path | None = None,
                  progress: Progress = _quiet) -> Manifest:
    """Restore the archive ``file`` into the database and SUARA_HOME of ``settings``.

    Everything that could refuse is checked before anything changes: a database that already holds
    tables, a different key file, a media folder with files (all three only with ``replace``), a
    server newer than the tools."""
    steps = Steps(7, progress)
    file = file.expanduser().resolve()
    with tarfile.open(file, mode="r:") as archive:
        manifest = _read_manifest(archive)
        url = resolve_database_url(settings)
        key = archive.extractfile(SECRET_KEY).read().strip() if manifest.secret_key else None
        checked: dict = {}

        async def check() -> str:
            tools = find_tools(pg_bin)
            number, name = await server_version(url)
            check_server(number, name, tools, "restore")
            tables = await _table_count(url)
            if tables and not replace:
                raise BackupError(f"The database already holds {tables} tables. Restore into an empty database, "
                                  "or pass --replace to drop everything in it first.")
            _check_key(settings, key, replace)
            media = media_folder(settings)
            if _media_files(media) and not replace:
                raise BackupError(f"{media} already holds files. Restore into a fresh SUARA_HOME, or pass --replace.")
            checked["tools"] = tools
            return f"backup of {manifest.created_at} (migration {manifest.migration}) → PostgreSQL {name}"

        await _async_step(steps, "Checking the archive and the target", check)
        with tempfile.TemporaryDirectory(prefix=".suara-restore-") as work_folder:
            dump = Path(work_folder) / DATABASE
            with archive.extractfile(DATABASE) as source, dump.open("wb") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
            if replace:
                await _async_step(steps, "Emptying the database (--replace)", lambda: _empty_database(url))
            else:
                steps.run("The database is empty", lambda: "nothing to drop")
            steps.run("Restoring the database (pg_restore)", lambda: _restore_dump(checked["tools"], url, dump))
        await _async_step(steps, "Bringing the schema up to this version", lambda: _upgrade(url))
        await _async_step(steps, "Re-applying recorded erasures", lambda: _reapply_erasures(url, key))
        steps.run("Restoring the secret key", lambda: _restore_key(settings, key))
        steps.run("Restoring the media folder", lambda: _restore_media(archive, media_folder(settings)))
    return manifest


def _read_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        raw = json.loads(archive.extractfile(MANIFEST).read())
        manifest = Manifest(**raw)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BackupError(f"Not a Suara backup (no readable {MANIFEST}).") from error
    if manifest.format != FORMAT or manifest.format_version > FORMAT_VERSION:
        raise BackupError(f"Unknown backup format {manifest.format} {manifest.format_version}; "
                          "restore it with the Suara version that made it.")
    return manifest


async def _table_count(url: str) -> int:
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            ))).scalar_one())
    finally:
        await engine.dispose()


async def _empty_database(url: str) -> str:
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()
    return "schema public dropped and made anew"


def _restore_dump(tools: Tools, url: str, dump: Path) -> str:
    # Owners and grants belong to the server the dump came from: the restoring user owns everything.
    run(tools, "pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                              f"--dbname={_libpq_database(url)}", str(dump)], url)
    return _size(dump.stat().st_size)


def _libpq_database(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).database or "postgres"


async def _upgrade(url: str) -> str:
    engine = make_engine(url, pool_size=1)
    try:
        before = await migrate.current_revision(engine)
        await migrate.upgrade(engine)
        after = await migrate.current_revision(engine)
    finally:
        await engine.dispose()
    return f"already at {after}" if before == after else f"{before} → {after}"


ERASURE_HOOK = ("suara.privacy", "reapply_erasures")
"""The call point for citizens' erasures (issue 19, item 1): ``async reapply_erasures(session, *, secret_key)
-> int`` masks again, in the restored database, every erasure recorded in it (a photo's row goes, and its
file with the next sweep of files no row names); it returns how many it applied."""


async def _reapply_erasures(url: str, key: bytes | None) -> str:
    module_name, function_name = ERASURE_HOOK
    reapply = getattr(importlib.import_module(module_name), function_name, None)
    if reapply is None:
        return f"skipped: {module_name}.{function_name} does not exist yet"
    engine = make_engine(url, pool_size=1)
    try:
        async with transaction(make_session_factory(engine)) as session:
            applied = await reapply(session, secret_key=key)
    finally:
        await engine.dispose()
    return f"{applied} erasures applied again"


def _check_key(settings: Settings, key: bytes | None, replace: bool) -> None:
    if key is None:
        return
    if settings.suara_secret_key and settings.suara_secret_key.encode() != key:
        raise BackupError("SUARA_SECRET_KEY differs from the key in the backup: citizen secrets and voter tokens "
                          "of the restored data would not confirm. Set SUARA_SECRET_KEY to the backed-up key "
                          "(or unset it to use the key file the restore writes).")
    path = settings.resolved_home() / SECRET_KEY
    if path.exists() and path.read_bytes().strip() != key and not replace:
        raise BackupError(f"{path} holds another key. Restore into a fresh SUARA_HOME, or pass --replace.")


def _restore_key(settings: Settings, key: bytes | None) -> str:
    if key is None:
        return "the backup has no key"
    if settings.suara_secret_key:
        return "SUARA_SECRET_KEY is set and matches the backup's key"
    path = settings.resolved_home() / SECRET_KEY
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, draft = tempfile.mkstemp(prefix=".secret_key-", dir=path.parent)  # mode 0600
    with os.fdopen(descriptor, "wb") as written:
        written.write(key)
    os.replace(draft, path)
    return f"written to {path}"


def _restore_media(archive: tarfile.TarFile, media: Path) -> str:
    """Regular files under media/ only, each path checked to stay inside the folder (no links, no ..)."""
    count = size = 0
    for member in archive.getmembers():
        parts = PurePosixPath(member.name).parts
        if not member.isfile() or len(parts) < 2 or parts[0] != MEDIA:
            continue
        if any(part in ("", ".", "..") for part in parts) or PurePosixPath(member.name).is_absolute():
            raise BackupError(f"Refusing the unsafe path {member.name!r} in the archive.")
        target = media.joinpath(*parts[1:])
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.extractfile(member) as source, target.open("wb") as written:
            shutil.copyfileobj(source, written, 1024 * 1024)
        count, size = count + 1, size + member.size
    return f"{count} files, {_size(size)} in {media}"
