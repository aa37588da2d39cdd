"""pg_dump and pg_restore: the PostgreSQL 16 programs bundled with pgserver, or others the operator names.

A pg_dump can dump servers of its own major version and older ones, never newer: a server newer
than the tools gets a message naming the tools to install instead (``--pg-bin``).
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from suara.db.embedded import postgresql_binaries
from suara.db.engine import make_engine


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what to do."""


@dataclass(frozen=True)
class Tools:
    folder: Path
    major: int

    def path(self, program: str) -> Path:
        return self.folder / program


def find_tools(folder: Path | None = None) -> Tools:
    """pg_dump and pg_restore in ``folder``, else the bundled ones, with their major version."""
    folder = folder or postgresql_binaries()
    program = folder / "pg_dump"
    if not program.exists():
        raise BackupError(f"No pg_dump in {folder}.")
    answer = subprocess.run([str(program), "--version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", answer)
    if found is None:
        raise BackupError(f"Cannot tell the version of {program}: {answer.strip()}")
    return Tools(folder, int(found.group(1)))


def newer_server_message(server_version: str, tools: Tools, command: str) -> str:
    major = server_version.split(".")[0]
    return (f"The database runs PostgreSQL {server_version}, newer than the pg_dump/pg_restore {tools.major} "
            f"that Suara would use ({tools.folder}), which cannot read it. Install the PostgreSQL {major} client "
            f"programs (Debian: apt-get install postgresql-client-{major}) and run "
            f"`suara {command} FILE --pg-bin /usr/lib/postgresql/{major}/bin`.")


async def server_version(url: str) -> tuple[int, str]:
    """(server_version_num, server_version) of the database at ``url``."""
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            number = int((await connection.execute(text("SHOW server_version_num"))).scalar_one())
            name = (await connection.execute(text("SHOW server_version"))).scalar_one().split()[0]
    finally:
        await engine.dispose()
    return number, name


def check_server(number: int, name: str, tools: Tools, command: str) -> None:
    if number // 10000 > tools.major:
        raise BackupError(newer_server_message(name, tools, command))


def libpq_environment(url: str) -> dict[str, str]:
    """The PG* variables that point libpq at ``url`` (the password never on a command line)."""
    parsed = make_url(url)
    variables = {
        "PGHOST": parsed.query.get("host") or parsed.host or "",
        "PGPORT": str(parsed.port or ""),
        "PGUSER": parsed.username or "",
        "PGPASSWORD": parsed.password or "",
        "PGDATABASE": parsed.database or "",
        "PGSSLMODE": parsed.query.get("sslmode") or parsed.query.get("ssl") or "",
    }
    if isinstance(variables["PGHOST"], tuple):
        variables["PGHOST"] = variables["PGHOST"][0]
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
    environment.update({name: value for name, value in variables.items() if value})
    environment.setdefault("LC_ALL", "C.UTF-8")
    return environment


def run(tools: Tools, program: str, arguments: list[str], url: str) -> None:
    """Run a PostgreSQL program against ``url``; a failure raises BackupError with its last lines."""
    finished = subprocess.run([str(tools.path(program)), *arguments], env=libpq_environment(url),
                              capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        said = "\n".join((finished.stderr or finished.stdout).strip().splitlines()[-10:])
        raise BackupError(f"{program} failed (exit {finished.returncode}):\n{said}")
