"""Fuzz runs in the suite: Schemathesis against /graphql, Hypothesis against Open311 and the SMS
webhook. Fixed seed (derandomized) and a fixed number of examples, so a run is repeatable; a
server error is an HTTP 5xx or a GraphQL error masked as "Internal server error".

Cases are generated first and then sent, so one run reports every server error it found (with
the exception behind each masked one) instead of stopping at the first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from suara.api.sms import webhook_secret
from suara.app import create_app
from suara.channels.open311.service import create_key
from suara.channels.sms.signature import suara_signature, twilio_signature
from suara.config import Settings
from suara.db.engine import make_engine, make_session_factory, transaction
from suara.provision import migrate_and_seed
from suara.routing.loading import load_router
from suara.state import AppState
from suara.triage import auth
from tests.conftest import TEST_SECRET_KEY, create_database
from tests.factories import default_agency_slug, make_staff

REPO = Path(__file__).resolve().parents[2]
SERVER_ERROR = "Internal server error"
SCALE = float(os.environ.get("SUARA_FUZZ_SCALE", "1"))
"""Multiply the examples for a longer search (SUARA_FUZZ_SCALE=10); the suite runs the pinned 1."""
GRAPHQL_EXAMPLES = {GenerationMode.POSITIVE: int(500 * SCALE), GenerationMode.NEGATIVE: int(150 * SCALE)}
OPEN311_EXAMPLES = int(300 * SCALE)
SMS_EXAMPLES = int(300 * SCALE)
BATCH = 6
"""Requests sent at once: the fuzz also runs resolvers concurrently, as real traffic does."""


def examples(strategy: st.SearchStrategy, count: int) -> list:
    """``count`` values of ``strategy``, the same ones on every run."""
    found: list = []

    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(strategy)
    def collect(value) -> None:
        found.append(value)

    collect()
    return found


class Crashes(logging.Handler):
    """The exceptions behind masked errors, to say what broke."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            self.seen.append(f"{type(error).__name__}: {str(error)[:200]}")


class Fuzz:
    def __init__(self, client: httpx.AsyncClient, state: AppState, api_key: str, staff_token: str):
        self.client, self.state, self.api_key, self.staff_token = client, state, api_key, staff_token

    async def run(self, requests: list[Callable[[], object]]) -> list[str]:
        """Send every request; return a line for each server error."""
        crashes = Crashes()
        logging.getLogger().addHandler(crashes)
        failures: list[str] = []
        try:
            for start in range(0, len(requests), BATCH):
                batch = requests[start:start + BATCH]
                responses = await asyncio.gather(*(send() for send, _ in batch))
                for (_, label), response in zip(batch, responses):
                    if response.status_code >= 500 or SERVER_ERROR in response.text:
                        failures.append(f"{response.status_code} for {label!r}: {response.text[:200]}")
        finally:
            logging.getLogger().removeHandler(crashes)
        return [*failures, *(f"behind it: {line}" for line in dict.fromkeys(crashes.seen))]


@pytest.fixture(scope="module")
async def fuzz() -> AsyncIterator[Fuzz]:
    """Its own database and the shipped routing model: the fuzz writes junk nobody else should count."""
    url = await create_database(f"suara_fuzz_{os.getpid()}")
    await migrate_and_seed(url)
    settings_ = Settings(database_url=url, suara_secret_key=TEST_SECRET_KEY.decode(), suara_rate_limits=False,
                         suara_jobs_interval_seconds=0)
    engine = make_engine(url, pool_size=BATCH + 4)
    state = AppState(settings=settings_, engine=engine, sessions=make_session_factory(engine),
                     router=load_router(settings_), secret_key=TEST_SECRET_KEY)
    async with transaction(state.sessions) as session:
        staff, _ = await make_staff(session, await default_agency_slug(session, "infrastruktur"))
        _, staff_token = await auth.create_api_token(session, staff.id, "fuzz")
        _, api_key = await create_key(session, "fuzz")
    app = create_app(settings_, state=state)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://suara.test") as client:
        yield Fuzz(client, state, api_key, staff_token)
    await engine.dispose()


# --- GraphQL ----------------------------------------------------------------------------------------

# In a JSON request an `Upload` (a photo) can only be some text: it must be refused as not an image.
schemathesis.graphql.scalar("Upload", st.text(max_size=40).map(schemathesis.graphql.nodes.String))


def graphql_requests(fuzz: Fuzz) -> list:
    schema = schemathesis.graphql.from_path(REPO / "schema.graphql")
    requests = []
    for mode, count in GRAPHQL_EXAMPLES.items():
        for index, case in enumerate(examples(schema.as_strategy(generation_mode=mode), count)):
            # every third request as signed-in staff, to reach the inbox and staff actions too
            headers = {"Authorization": f"Bearer {fuzz.staff_token}"} if index % 3 == 0 else {}

            def send(query=case.body, headers=headers):
                return fuzz.client.post("/graphql", json={"query": query}, headers=headers)
            requests.append((send, case.body))
    return requests


async def test_schemathesis_finds_no_server_error_in_graphql(fuzz):
    failures = await fuzz.run(graphql_requests(fuzz))
    assert not failures, "\n".join(failures)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
graphql_bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries({"query": st.text(max_size=200)},
                          optional={"variables": json_values, "operationName": json_values}).map(
        lambda value: json.dumps(value).encode()),
)


async def test_arbitrary_bodies_and_get_parameters_on_graphql_are_never_a_server_error(fuzz):
    requests = []
    for body in examples(graphql_bodies, int(150 * SCALE)):
        def send(body=body):
            return fuzz.client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
        requests.append((send, body))
    for params in examples(st.dictionaries(st.sampled_from(["query", "variables", "operationName"]),
                                           st.text(max_size=60), min_size=1), int(75 * SCALE)):
        def send(params=params):
            return fuzz.client.get("/graphql", params=params, headers={"Accept": "application/json"})
        requests.append((send, params))
    failures = await fuzz.run(requests)
    assert not failures, "\n".join(failures)


# --- Open311 ----------------------------------------------------------------------------------------

OPEN311_FIELDS = ["api_key", "service_code", "lat", "long", "address_string", "address_id", "description",
                  "email", "phone", "first_name", "last_name", "media_url", "device_id", "account_id",
                  "start_date", "end_date", "status", "service_request_id", "jurisdiction_id"]
texts = st.text(max_size=40) | st.sampled_from(
    ["", "0", "-6.99", "110.42", "nan", "inf", "-1e309", "1e999", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
     "2026-11-01T00:00:00+14:00", "infrastruktur", "open,closed", "SR-0000-0000", "\x00", "²"])
open311_params = st.dictionaries(st.sampled_from(OPEN311_FIELDS[1:]) | st.text(max_size=10), texts, max_size=8)
"""Any fields but the API key, which the POSTs keep valid so that they reach the filing."""
open311_gets = st.tuples(
    st.sampled_from(["requests", "requests/{}", "services", "services/{}", "tokens/{}", "discovery"]),
    st.text(min_size=1, max_size=20), st.sampled_from(["json", "xml", "html"]), open311_params,
)


async def test_hypothesis_finds_no_server_error_in_open311(fuzz):
    requests = []
    for path, value, fmt, params in examples(open311_gets, OPEN311_EXAMPLES):
        url = f"/open311/v2/{path.format(quote(value, safe=''))}.{fmt}?{urlencode(params)}"

        def send(url=url):
            return fuzz.client.get(url)
        requests.append((send, url))
    for form in examples(open311_params, OPEN311_EXAMPLES):
        form = {"service_code": "infrastruktur", "lat": "-6.99", "long": "110.42", **form, "api_key": fuzz.api_key}

        def send(form=form):
            return fuzz.client.post("/open311/v2/requests.json", content=urlencode(form),
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        requests.append((send, form))
    failures = await fuzz.run(requests)
    assert not failures, "\n".join(failures)


# --- SMS --------------------------------------------------------------------------------------------

SMS_FIELDS = ["from", "From", "msisdn", "text", "Body", "message", "message_id", "MessageSid", "concat_ref",
              "concat_part", "concat_total"]
sms_texts = st.text(max_size=60) | st.sampled_from(
    ["LAPOR jalan rusak di depan pasar", "CEK SR-0000-0000", "YA", "STOP", "VOTE 1 2", "PILIH ² 1", "0812345678901",
     "+6281234567890", "1", "20", "21", "0", "\x00"])
sms_forms = st.fixed_dictionaries(
    {"from": st.sampled_from(["081234567890", "+6285712345678"]) | sms_texts, "text": sms_texts,
     "message_id": st.text(min_size=1, max_size=40)},
    optional={name: sms_texts for name in SMS_FIELDS if name not in ("from", "text", "message_id")},
)
signatures = st.sampled_from(["suara"] * 5 + ["twilio"] * 2 + ["suara_old", "none", "garbage"])
timestamps = st.sampled_from(["now"] * 6 + ["9" * 30, "-1", "²", "", "0"])


async def test_hypothesis_finds_no_server_error_in_signed_and_unsigned_sms(fuzz):
    secret = webhook_secret(fuzz.state)
    requests = []
    for form, scheme, timestamp in examples(st.tuples(sms_forms, signatures, timestamps), SMS_EXAMPLES):
        body = urlencode(form).encode()
        stamp = str(int(time.time())) if timestamp == "now" else timestamp
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if scheme == "suara":
            headers |= {"X-Suara-Timestamp": stamp.encode(), "X-Suara-Signature": suara_signature(secret, stamp, body)}
        elif scheme == "suara_old":
            headers |= {"X-Suara-Timestamp": stamp.encode("utf-8"), "X-Suara-Signature": b"v1=\xff\xfe"}
        elif scheme == "twilio":
            headers |= {"X-Twilio-Signature": twilio_signature(secret, "http://suara.test/sms/inbound",
                                                               list(form.items()))}
        elif scheme == "garbage":
            headers |= {"X-Twilio-Signature": "é".encode("latin-1") * 10}

        def send(body=body, headers=headers):
            return fuzz.client.post("/sms/inbound", content=body, headers=headers)
        requests.append((send, (scheme, timestamp, form)))
    failures = await fuzz.run(requests)
    assert not failures, "\n".join(failures)
