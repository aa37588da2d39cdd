"""Attacks on staff sign-in: concurrent guessing, locking an officer out, probing which accounts exist.

The hashing stays real argon2; only the number of checks is counted, by wrapping the verify function.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from argon2 import extract_parameters

from suara.db.engine import transaction
from suara.triage import auth
from tests.factories import default_agency_slug, make_staff
from tests.security.limits import client_from, fresh_address, limited_state

LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename
  ... on SignedIn { me { email } } ... on NotAllowed { code message messageEn }
  ... on RateLimited { code message messageEn retryAfterSeconds } } }"""
PASSWORD = "kata-sandi-rahasia-yang-benar"


@pytest.fixture
def state(app_state):
    return limited_state(app_state)


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """Every argon2 verification sign-in runs, recorded (still really computed)."""
    checks: list[str] = []
    real = auth._verify

    def counting(password_hash: str, password: str) -> bool:
        checks.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(auth, "_verify", counting)
    return checks


async def officer(sessions) -> str:
    async with transaction(sessions) as session:
        staff, _ = await make_staff(session, await default_agency_slug(session, "infrastruktur"), password=PASSWORD)
    return staff.email


async def login(http, email: str, password: str) -> dict:
    response = await http.post("/graphql", json={"query": LOGIN, "variables": {"e": email, "p": password}})
    return response.json()["data"]["login"]


async def test_twenty_concurrent_wrong_guesses_cause_at_most_five_checks_and_do_not_lock_the_officer_out(
    state, sessions, password_checks
):
    email = await officer(sessions)
    address = fresh_address()
    async with client_from(state, address) as attacker:
        answers = await asyncio.gather(*(login(attacker, email, f"tebakan-{n}") for n in range(20)))
        assert len(password_checks) <= 5
        kinds = [answer["__typename"] for answer in answers]
        assert kinds.count("NotAllowed") == len(password_checks)
        assert kinds.count("RateLimited") == 20 - len(password_checks)
        limited = next(answer for answer in answers if answer["__typename"] == "RateLimited")
        assert limited["code"] == "rate_limited" and 1 <= limited["retryAfterSeconds"] <= 2 * 300
        # Even the right password from that address is now refused before any check.
        checks = len(password_checks)
        assert (await login(attacker, email, PASSWORD))["__typename"] == "RateLimited"
        assert len(password_checks) == checks
    # The real officer, at the office, is not slowed (no account-wide lock).
    async with client_from(state, fresh_address()) as office:
        started = asyncio.get_running_loop().time()
        answer = await login(office, email, PASSWORD)
        elapsed = asyncio.get_running_loop().time() - started
    assert answer == {"__typename": "SignedIn", "me": {"email": email}}
    assert elapsed < 3, "one password check, no delay"


async def test_an_unknown_account_gets_the_same_answers_and_the_same_work_as_a_known_one(
    app_state, sessions, password_checks
):
    state = limited_state(app_state, suara_rate_limit_signin_attempts=2)  # fewer hashes
    known = await officer(sessions)
    unknown = f"tidak-ada.{uuid.uuid4().hex[:8]}@infrastruktur.go.id"
    address = fresh_address()
    answers = {}
    async with client_from(state, address) as prober:
        for email in (known, unknown):
            before = len(password_checks)
            answers[email] = [await login(prober, email, f"salah-{n}") for n in range(3)]
            assert len(password_checks) - before == 2  # one real argon2 check per allowed attempt, both
    for first, second in zip(answers[known], answers[unknown], strict=True):
        first, second = dict(first), dict(second)
        first.pop("retryAfterSeconds", None), second.pop("retryAfterSeconds", None)
        assert first == second
    assert [answer["code"] for answer in answers[known]] == ["wrong_credentials"] * 2 + ["rate_limited"]
    # The stand-in hash costs what a real one does.
    async with sessions() as session:
        from sqlmodel import select

        from suara.triage.models import Staff

        real_hash = (await session.exec(select(Staff.password_hash).where(Staff.email == known))).one()
    assert extract_parameters(auth._DUMMY_HASH) == extract_parameters(real_hash)


async def test_a_successful_sign_in_clears_its_address_count(app_state, sessions, password_checks):
    state = limited_state(app_state, suara_rate_limit_signin_attempts=2)
    email = await officer(sessions)
    async with client_from(state, fresh_address()) as office:
        assert (await login(office, email, "salah"))["code"] == "wrong_credentials"
        assert (await login(office, email, PASSWORD))["__typename"] == "SignedIn"
        # Two attempts were counted; without the reset the third would be refused unchecked.
        assert (await login(office, email, "salah-lagi"))["code"] == "wrong_credentials"
