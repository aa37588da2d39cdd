"""Creating whole databases: for tests and benchmarks that need a fresh one."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import make_url

from suara.db.engine import make_engine


async def recreate_database(server_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``server_url``; return the new database's URL."""
    base = make_url(server_url)
    admin = make_engine(base.set(database="postgres").render_as_string(hide_password=False), pool_size=1)
    try:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)
