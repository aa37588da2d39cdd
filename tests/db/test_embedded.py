"""The embedded server is stopped by the last process that started it, even after several calls."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import psutil


def postgres_running_on(pgdata) -> bool:
    return any(
        process.info.get("name") == "postgres" and any(str(pgdata) in part for part in process.info.get("cmdline") or [])
        for process in psutil.process_iter(attrs=["name", "cmdline"])
    )


def test_a_process_that_asks_twice_still_stops_the_server_when_it_exits(tmp_path):
    script = textwrap.dedent(f"""
        from pathlib import Path
        from suara.db.embedded import start_embedded_server
        home = Path({str(tmp_path)!r})
        start_embedded_server(home)
        start_embedded_server(home, database="postgres")
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    assert not postgres_running_on(tmp_path / "pgdata")
