"""/metrics: Prometheus text that moves with the work done, series bounded by the schema and the
routes whatever clients send, and served only to the addresses the operator allows."""

from __future__ import annotations

import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families

from suara.api.graphql.schema import schema
from suara.api.metrics import root_fields
from suara.app import create_app
from suara.state import AppState
from tests.factories import SUBMIT, submit_input


def families(text: str) -> dict:
    return {family.name: family for family in text_string_to_metric_families(text)}


def value(parsed: dict, family: str, sample: str, **labels) -> float:
    """The value of ``sample`` (e.g. suara_submissions_total) with exactly these labels, 0 when absent."""
    found = [s.value for s in parsed[family].samples if s.name == sample and s.labels == labels] if family in parsed else []
    return found[0] if found else 0.0


def series(parsed: dict, family: str) -> set[tuple]:
    return {tuple(sorted(s.labels.items())) for s in parsed[family].samples if s.name.endswith("_count")}


async def scrape(client: httpx.AsyncClient) -> dict:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return families(response.text)


async def test_metrics_parse_and_move_when_a_submission_is_filed(client, gql):
    before = await scrape(client)
    receipt = (await gql(SUBMIT, {"input": submit_input()}))["submit"]
    assert receipt["__typename"] == "SubmissionReceipt"
    after = await scrape(client)

    def moved(family, sample, **labels):
        return value(after, family, sample, **labels) - value(before, family, sample, **labels)

    assert moved("suara_submissions", "suara_submissions_total", channel="api", kind="complaint") == 1
    assert moved("suara_routing_outcomes", "suara_routing_outcomes_total", outcome="not_routed") == 1
    assert moved("suara_graphql_root_field_duration_seconds", "suara_graphql_root_field_duration_seconds_count",
                 operation="mutation", field="submit") == 1
    assert moved("suara_http_request_duration_seconds", "suara_http_request_duration_seconds_count",
                 method="POST", route="/graphql", status="200") >= 1
    for gauge in ("suara_outbox_backlog", "suara_outbox_oldest_age_seconds", "suara_sms_queue_backlog",
                  "suara_sms_queue_oldest_age_seconds"):
        assert gauge in after, f"{gauge} is read from the database at each scrape"


async def test_metrics_are_refused_to_addresses_the_operator_did_not_allow(app_state: AppState):
    def client_at(address: str, state: AppState = app_state) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=create_app(state.settings, state=state), client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://suara.test")

    async with client_at("203.0.113.7") as stranger:
        refused = await stranger.get("/metrics")
    assert refused.status_code == 403 and "suara_" not in refused.text
    async with client_at("127.0.0.1") as through_a_proxy:  # a local proxy nobody told Suara to trust
        proxied = await through_a_proxy.get("/metrics", headers={"X-Forwarded-For": "198.51.100.20"})
    assert proxied.status_code == 403

    allowed = AppState(**{**app_state.__dict__, "settings": app_state.settings.model_copy(
        update={"suara_metrics_allow": "203.0.113.0/24"})})
    async with client_at("203.0.113.7", allowed) as prometheus:
        assert (await prometheus.get("/metrics")).status_code == 200
    async with client_at("127.0.0.1", allowed) as local:
        assert (await local.get("/metrics")).status_code == 403, "the allow-list replaces the loopback default"


async def test_random_operation_names_aliases_fields_and_paths_add_no_series(client):
    """An attacker's 250 made-up operation names, aliases, fields and URLs: the series after them are
    exactly the series after the first 20, and none of the made-up words appears in /metrics."""
    words: list[str] = []

    async def attack(count: int) -> None:
        for _ in range(count):
            word = "x" + uuid.uuid4().hex[:12]
            words.append(word)
            document = f"query {word} {{ {word}: __typename {word}_field }}"  # the field does not validate
            await client.post("/graphql", json={"query": document, "operationName": word})
            await client.get(f"/{word}/{word}")

    await attack(20)
    first = await scrape(client)
    await attack(230)
    response = await client.get("/metrics")
    later = families(response.text)
    for family in ("suara_graphql_root_field_duration_seconds", "suara_http_request_duration_seconds"):
        assert series(later, family) == series(first, family), family
    assert not [word for word in words if word in response.text]
    fields = {dict(labels)["field"] for labels in series(later, "suara_graphql_root_field_duration_seconds")}
    schema_fields = set(schema._schema.query_type.fields) | set(schema._schema.mutation_type.fields)
    assert fields <= schema_fields | {"__typename", "__schema", "__type", "(invalid)"}


def test_root_fields_are_schema_fields_through_aliases_and_fragments_never_operation_names():
    from graphql import parse

    known = {"query": frozenset({"agencies", "submission"}), "mutation": frozenset({"submit"}),
             "subscription": frozenset()}
    document = parse("""
        query Mine { a: agencies { slug } ...More ... on Query { submission(trackingCode: "X") { status } } }
        fragment More on Query { b: agencies { name } nope }
        mutation Other { submit(input: {}) { __typename } }
    """)
    assert root_fields(document, "Mine", known) == ("query", ["agencies", "(invalid)", "submission"])
    assert root_fields(document, "Other", known) == ("mutation", ["submit"])
    assert root_fields(document, None, known) == ("(invalid)", ["(invalid)"]), "two operations, none chosen"
    assert root_fields(None, "Mine", known) == ("(invalid)", ["(invalid)"])


async def test_a_rate_limit_refusal_is_counted_under_its_limit(app_state: AppState):
    from tests.security.limits import client_from, fresh_address, limited_state

    limited = limited_state(app_state, suara_rate_limit_submit_per_minute=1)
    address = fresh_address()  # from 10.x.x.x: /metrics is read from loopback below
    async with client_from(limited, address) as citizen, client_from(limited, "127.0.0.1") as prometheus:
        before = families((await prometheus.get("/metrics")).text)
        answers = [(await citizen.post("/graphql", json={"query": SUBMIT, "variables": {"input": submit_input()}})
                    ).json()["data"]["submit"]["__typename"] for _ in range(2)]
        after = families((await prometheus.get("/metrics")).text)
    assert answers == ["SubmissionReceipt", "RateLimited"]
    refused = [value(parsed, "suara_rate_limit_refusals", "suara_rate_limit_refusals_total", limit="submit")
               for parsed in (before, after)]
    assert refused[1] - refused[0] == 1
