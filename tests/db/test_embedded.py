"""The embedded server: stopped by the last process that started it; as root, it opens no private folder."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import psutil
import pytest

from suara.db.embedded import ROOT_PLACE, data_folder, running_as_root
from tests.servers import forget_embedded_data

with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root)
    warnings.simplefilter("ignore")
    import pgserver


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
    try:
        subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
        assert data_folder(tmp_path).joinpath("PG_VERSION").exists()
        assert not postgres_running_on(data_folder(tmp_path))
    finally:
        forget_embedded_data(tmp_path)


def folder_modes(*roots: Path) -> dict[str, int]:
    """The mode of every existing folder above each root, and of everything inside pgserver's package."""
    package = Path(pgserver.__file__).parent
    paths = [ancestor for root in roots for ancestor in [root, *root.parents] if ancestor.exists()]
    paths += [package.parent / "pgserver.libs", *package.rglob("*")]
    return {str(path): stat.S_IMODE(path.lstat().st_mode) for path in paths if path.exists()}


@pytest.mark.skipif(not running_as_root(), reason="pgserver changes folder modes only when run as root")
def test_as_root_the_embedded_server_works_and_no_folder_outside_its_own_place_changes_mode(tmp_path):
    private = tmp_path / "private"
    private.mkdir()
    private.chmod(0o700)
    home = private / "suara"
    binaries = Path(pgserver.__file__).parent / "pginstall" / "bin"
    before = folder_modes(home, binaries)
    script = textwrap.dedent(f"""
        import asyncio, json
        from pathlib import Path
        from sqlalchemy import text
        from suara.db.embedded import start_embedded_server
        from suara.db.engine import make_engine

        async def data_directory():
            engine = make_engine(start_embedded_server(Path({str(home)!r})), pool_size=1)
            async with engine.connect() as connection:
                found = (await connection.execute(text("SELECT current_setting('data_directory')"))).scalar()
            await engine.dispose()
            return found

        print(json.dumps(asyncio.run(data_directory())))
    """)
    try:
        result = subprocess.run([sys.executable, "-c", script], check=True, timeout=120, capture_output=True, text=True)
        assert json.loads(result.stdout.splitlines()[-1]) == str(data_folder(home))
        assert data_folder(home).is_relative_to(ROOT_PLACE)
        assert stat.S_IMODE(private.stat().st_mode) == 0o700
        after = folder_modes(home, binaries)
        assert {path: after.get(path) for path in before} == before
        assert stat.S_IMODE(ROOT_PLACE.stat().st_mode) == 0o755
    finally:
        forget_embedded_data(home)
