"""The staff and jobs commands, run as an administrator would."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from suara.db.engine import make_session_factory, transaction
from suara.triage import auth


def run_suara(database_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=database_url)
    return subprocess.run([sys.executable, "-m", "suara.cli", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=120)


async def test_staff_create_prints_a_one_time_password_that_signs_in(database_url, engine):
    email = f"petugas.{uuid.uuid4().hex[:8]}@dinkes.go.id"
    result = run_suara(database_url, "staff", "create", "--agency", "dinkes", "--email", email, "--role", "officer")
    assert result.returncode == 0, result.stderr
    password = result.stdout.split("One-time password:")[1].strip()
    async with transaction(make_session_factory(engine)) as session:
        staff = await auth.authenticate(session, email, password)
    assert not isinstance(staff, auth.LoginRefused) and staff.role == "officer"


async def test_staff_create_reads_the_password_from_stdin_and_refuses_bad_roles(database_url, engine):
    email = f"admin.{uuid.uuid4().hex[:8]}@bpbd.go.id"
    result = run_suara(database_url, "staff", "create", "--agency", "bpbd", "--email", email, "--role",
                       "agency_admin", "--password-stdin", stdin="sandi-yang-panjang-sekali\n")
    assert result.returncode == 0 and "One-time password" not in result.stdout
    async with transaction(make_session_factory(engine)) as session:
        assert not isinstance(await auth.authenticate(session, email, "sandi-yang-panjang-sekali"), auth.LoginRefused)
    refused = run_suara(database_url, "staff", "create", "--agency", "bpbd", "--email", "x@y.id", "--role", "king")
    assert refused.returncode == 1 and "role" in refused.stderr


def test_jobs_run_once_reports_each_job(database_url):
    result = run_suara(database_url, "jobs", "run", "--once")
    assert result.returncode == 0, result.stderr
    assert "escalated=" in result.stderr and "sent=" in result.stderr
