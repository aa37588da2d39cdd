"""Open311 GeoReport v2 over real HTTP requests, in JSON and XML, and through a client from PyPI."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import xmltodict

from suara.channels.open311 import service
from suara.db.engine import transaction
from tests.test_serve import free_port, wait_until_healthy

BASE = "/open311/v2"
REPORT = {"service_code": "infrastruktur", "lat": "-6.9932", "long": "110.4203",
          "description": "Jalan berlubang besar di depan SD Negeri 3 Pedurungan, sudah dua motor jatuh.",
          "first_name": "Sekar", "last_name": "Ayuningtyas", "email": "sekar.a@example.id", "phone": "081298765432"}
PERSONAL = ("Sekar", "Ayuningtyas", "sekar.a@example.id", "81298765432")


@pytest.fixture
async def api_key(app_state) -> str:
    async with transaction(app_state.sessions) as session:
        _, key = await service.create_key(session, f"FixMyStreet uji {uuid.uuid4().hex[:6]}")
    return key


def parse(response, fmt: str):
    if fmt == "json":
        return response.json()
    assert response.headers["content-type"].startswith("text/xml")
    return xmltodict.parse(response.content)


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_discovery_services_and_a_service_definition(client, fmt):
    discovery = parse(await client.get(f"{BASE}/discovery.{fmt}"), fmt)
    endpoints = discovery["endpoints"] if fmt == "json" else discovery["discovery"]["endpoints"]["endpoint"]
    endpoint = endpoints[0] if isinstance(endpoints, list) else endpoints
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    listed = parse(await client.get(f"{BASE}/services.{fmt}"), fmt)
    services = listed if fmt == "json" else listed["services"]["service"]
    assert len(services) == 14
    roads = next(s for s in services if s["service_code"] == "infrastruktur")
    assert roads["service_name"] and roads["type"] == "realtime" and roads["metadata"] in (False, "false")
    definition = parse(await client.get(f"{BASE}/services/infrastruktur.{fmt}"), fmt)
    code = definition["service_code"] if fmt == "json" else definition["service_definition"]["service_code"]
    assert code == "infrastruktur"


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_post_a_request_then_read_it_back_without_any_contact_data(client, api_key, fmt):
    created = await client.post(f"{BASE}/requests.{fmt}", data={**REPORT, "api_key": api_key})
    assert created.status_code == 201, created.text
    body = parse(created, fmt)
    first = body[0] if fmt == "json" else body["service_requests"]["request"]
    request_id = first["service_request_id"]
    assert first["token"] == request_id
    single = await client.get(f"{BASE}/requests/{request_id}.{fmt}")
    record = parse(single, fmt)
    record = record[0] if fmt == "json" else record["service_requests"]["request"]
    assert record["status"] == "open" and record["service_code"] == "infrastruktur"
    assert record["agency_responsible"] and record["requested_datetime"].endswith("Z")
    assert float(record["lat"]) in (-6.99, -6.993)  # the public precision: ~1 km, or ~100 m among 5+ items
    token = parse(await client.get(f"{BASE}/tokens/{request_id}.{fmt}"), fmt)
    token = token[0] if fmt == "json" else token["service_requests"]["request"]
    assert token["service_request_id"] == request_id
    listed = await client.get(f"{BASE}/requests.{fmt}", params={"service_request_id": request_id})
    for raw in (single.text, listed.text, created.text):
        assert not any(value in raw for value in PERSONAL)


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_creating_needs_a_valid_api_key_and_errors_use_the_spec_format(client, api_key, fmt):
    for data in ({**REPORT}, {**REPORT, "api_key": "o311_not-a-key"}):
        refused = await client.post(f"{BASE}/requests.{fmt}", data=data)
        assert refused.status_code == 403
        error = parse(refused, fmt)
        error = error[0] if fmt == "json" else error["errors"]["error"]
        assert int(error["code"]) == 403 and "api_key" in error["description"]
    cases = [
        ({**REPORT, "service_code": "tidak-ada"}, 404),
        ({key: value for key, value in REPORT.items() if key not in ("lat", "long")}, 400),
        ({**REPORT, "description": "x"}, 400),
        ({key: value for key, value in REPORT.items() if key != "service_code"}, 400),
    ]
    for data, status in cases:
        response = await client.post(f"{BASE}/requests.{fmt}", data={**data, "api_key": api_key})
        assert response.status_code == status, (data, response.text)
        error = parse(response, fmt)
        error = error[0] if fmt == "json" else error["errors"]["error"]
        assert int(error["code"]) == status and error["description"]
    missing = await client.get(f"{BASE}/requests/ZZZZZZZZZ.{fmt}")
    assert missing.status_code == 404


async def test_revoked_keys_stop_working(client, api_key, app_state):
    async with transaction(app_state.sessions) as session:
        row, key = await service.create_key(session, "dicabut")
        assert await service.revoke_key(session, row.id)
    response = await client.post(f"{BASE}/requests.json", data={**REPORT, "api_key": key})
    assert response.status_code == 403


async def test_request_filters_and_limits(client, api_key, gql):
    from tests.factories import SUBMIT, submit_input

    ids = []
    for code in ("infrastruktur", "kesehatan"):
        created = await client.post(f"{BASE}/requests.json", data={**REPORT, "service_code": code, "api_key": api_key})
        ids.append(created.json()[0]["service_request_id"])
    hidden = (await gql(SUBMIT, {"input": submit_input(confidential=True)}))["submit"]["trackingCode"]

    both = (await client.get(f"{BASE}/requests.json", params={"service_request_id": ",".join(ids)})).json()
    assert {r["service_request_id"] for r in both} == set(ids)
    health = (await client.get(f"{BASE}/requests.json", params={"service_code": "kesehatan"})).json()
    assert ids[1] in {r["service_request_id"] for r in health} and ids[0] not in {r["service_request_id"] for r in health}
    assert all(r["service_code"] == "kesehatan" for r in health)
    closed = (await client.get(f"{BASE}/requests.json", params={"status": "closed"})).json()
    assert not set(ids) & {r["service_request_id"] for r in closed}
    opened = (await client.get(f"{BASE}/requests.json", params={"status": "open"})).json()
    assert set(ids) <= {r["service_request_id"] for r in opened}
    assert hidden.replace("-", "") not in {r["service_request_id"] for r in opened}
    old = datetime.now(UTC) - timedelta(days=400)
    window = {"start_date": old.strftime("%Y-%m-%dT%H:%M:%SZ"), "end_date": (old + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert (await client.get(f"{BASE}/requests.json", params=window)).json() == []
    too_long = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    response = await client.get(f"{BASE}/requests.json", params=too_long)
    assert response.status_code == 400 and "90 days" in response.json()[0]["description"]
    assert (await client.get(f"{BASE}/requests.json", params={"status": "pending"})).status_code == 400
    assert (await client.get(f"{BASE}/requests.json", params={"start_date": "kemarin"})).status_code == 400
    assert service.MAX_RESULTS == 1000 and len(opened) <= 1000


async def test_a_confidential_request_shows_only_status_and_dates(client, gql):
    from tests.factories import SUBMIT, submit_input

    code = (await gql(SUBMIT, {"input": submit_input(confidential=True)}))["submit"]["trackingCode"]
    [record] = (await client.get(f"{BASE}/requests/{code.replace('-', '')}.json")).json()
    assert set(record) == {"service_request_id", "status", "status_notes", "agency_responsible",
                           "requested_datetime", "updated_datetime", "expected_datetime"}


@pytest.fixture
async def one_open_request(engine) -> None:
    """A committed open request: the server is another process, and the library cannot read an empty list."""
    from suara.db.engine import make_session_factory
    from tests.factories import make_item

    async with transaction(make_session_factory(engine)) as session:
        await make_item(session, agency_slug="dpu-binamarga-cipkataru", category_slug="infrastruktur")


def test_an_open311_client_library_from_pypi_reads_our_endpoints(database_url, one_open_request, tmp_path):
    """georeport (PyPI) against `suara serve` on a real port: services, definitions and requests."""
    from georeport import GeoReport

    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, SUARA_HOME=str(tmp_path), SUARA_JOBS_INTERVAL_SECONDS="0")
    process = subprocess.Popen([sys.executable, "-m", "suara.cli", "serve", "--port", str(port), "--no-jobs"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_healthy(process, port)
        for fmt in ("json", "xml"):
            client = GeoReport(f"http://127.0.0.1:{port}/open311/v2", output_format=fmt)
            services = client.get_service_list()
            assert {s["service_code"] for s in services} >= {"infrastruktur", "kesehatan", "pendidikan"}
            assert client.get_service_definition("kesehatan")["service_code"] == "kesehatan"
            requests = client.get_service_requests(status="open")
            assert isinstance(requests, (list, dict))
    finally:
        process.terminate()
        process.wait(timeout=30)


async def test_suara_apikey_create_prints_a_key_that_files_requests(client, database_url):
    import asyncio

    result = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "suara.cli", "apikey", "create", "--name", "Aplikasi Kota"],
        capture_output=True, text=True, env=dict(os.environ, DATABASE_URL=database_url), timeout=120)
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    response = await client.post(f"{BASE}/requests.json", data={**REPORT, "api_key": key})
    assert response.status_code == 201
