"""GraphQL cost limits, written as the attacks of issue 14 finding 7: each is refused by its
error code before any resolver runs and before any SQL is sent."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import event
from strawberry.extensions import SchemaExtension

from suara.api.graphql.schema import schema
from suara.app import create_app
from suara.routing.router import RoutingDecision


class ResolverCounter(SchemaExtension):
    calls = 0

    def resolve(self, _next, root, info, *args, **kwargs):
        ResolverCounter.calls += 1
        return _next(root, info, *args, **kwargs)


@contextlib.contextmanager
def counting(engine) -> Iterator[dict[str, int]]:
    """Counts resolver calls and SQL statements sent while the block runs."""
    counts = {"sql": 0}

    def on_sql(*_args):
        counts["sql"] += 1

    ResolverCounter.calls = 0
    original = schema.extensions
    schema.extensions = (*original, ResolverCounter)
    event.listen(engine.sync_engine, "before_cursor_execute", on_sql)
    try:
        yield counts
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", on_sql)
        schema.extensions = original
        counts["resolvers"] = ResolverCounter.calls


def aliases(count: int, field: str = "agencies { slug }") -> str:
    return "{ " + " ".join(f"a{i}: {field}" for i in range(count)) + " }"


async def post(client: httpx.AsyncClient, query: str, variables: dict | None = None) -> dict:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    return response.json()


def codes(body: dict) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


async def test_a_thousand_aliases_are_refused_before_any_resolver_or_sql(client, engine):
    with counting(engine) as counts:
        body = await post(client, aliases(1000))
    assert body.get("data") is None
    assert codes(body) == ["query_too_long"]  # 1,000 aliases never fit in 2,000 tokens
    assert counts == {"sql": 0, "resolvers": 0}


async def test_a_thousand_aliases_within_a_raised_token_limit_are_refused_by_the_alias_limit(app_state, engine):
    settings = app_state.settings.model_copy(update={"suara_graphql_max_tokens": 100_000})
    app_state.settings = settings
    app = create_app(settings, state=app_state)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://suara.test") as client:
        with counting(engine) as counts:
            body = await post(client, aliases(1000, "suggestRouting(text: \"jalan rusak parah\") { confidence }"))
    assert codes(body) == ["too_many_aliases", "field_repeated"]
    assert "1000" not in body["errors"][0]["message"] and "30" in body["errors"][0]["message"]
    assert counts == {"sql": 0, "resolvers": 0}


async def test_thirty_aliases_are_fine_and_thirty_one_are_not(client):
    assert "errors" not in await post(client, aliases(30))
    assert codes(await post(client, aliases(31))) == ["too_many_aliases"]


async def test_aliases_hidden_in_nested_fragments_are_counted(client, engine):
    query = """
      query { ...F4 }
      fragment F4 on Query { ...F3 z: __typename ...F3 }
      fragment F3 on Query { ...F2 x: __typename ...F2 }
      fragment F2 on Query { ...F1 y: __typename ...F1 }
      fragment F1 on Query { a: agencies { slug } b: agencies { slug } c: agencies { slug } d: agencies { slug } }
    """
    with counting(engine) as counts:
        body = await post(client, query)
    assert codes(body) == ["too_many_aliases"]
    assert counts == {"sql": 0, "resolvers": 0}


async def test_a_deep_query_is_refused_but_introspection_is_not(client, engine):
    deep = "{ agencies { " + "parent { " * 15 + "slug" + " }" * 15 + " } }"
    with counting(engine) as counts:
        body = await post(client, deep)
    assert codes(body) == ["query_too_deep"]
    assert counts == {"sql": 0, "resolvers": 0}
    from graphql import get_introspection_query

    introspection = await post(client, get_introspection_query(descriptions=True))
    assert "errors" not in introspection and introspection["data"]["__schema"]["queryType"]["name"] == "Query"


@pytest.mark.parametrize("query", [
    '{ a: suggestRouting(text: "jalan rusak") { confidence } b: suggestRouting(text: "air mati") { confidence } }',
    '{ a: similarSubmissions(text: "jalan rusak") { similarity } b: similarSubmissions(text: "x") { similarity } }',
    ('{ ...F ...G } fragment F on Query { suggestRouting(text: "jalan") { confidence } }'
     ' fragment G on Query { s: suggestRouting(text: "air") { confidence } }'),
])
async def test_an_expensive_field_may_appear_once_per_request(client, engine, query):
    with counting(engine) as counts:
        body = await post(client, query)
    assert codes(body) == ["field_repeated"]
    assert counts == {"sql": 0, "resolvers": 0}


async def test_both_expensive_fields_in_one_request_share_one_classifier_run(client, app_state):
    calls: list[str] = []

    class CountingRouter:
        model = None
        version = "counting"

        def decide(self, text: str) -> RoutingDecision:
            calls.append(text)
            return RoutingDecision(category="infrastruktur", confidence=0.9, model_version="counting",
                                   suggestions=[{"category": "infrastruktur", "confidence": 0.9}])

        def suggest(self, text: str, k: int = 3) -> list[dict]:
            return self.decide(text).suggestions[:k]

    app_state.router = CountingRouter()
    text = "Jalan di desa kami rusak berlubang sejak bulan lalu"
    body = await post(client, "query($t: String!) { suggestRouting(text: $t) { category { slug } } "
                              "similarSubmissions(text: $t) { similarity } }", {"t": text})
    assert "errors" not in body, body
    assert body["data"]["suggestRouting"][0]["category"]["slug"] == "infrastruktur"
    assert len(calls) == 1


@pytest.mark.parametrize("query", [
    '{ submision(trackingCode: "X") { status } }',
    "{ agencies { slugg } }",
    "{ proposals(status: OPN) { totalCount } }",
    '{ submission(trackingCod: "X") { status } }',
])
async def test_errors_never_suggest_field_or_value_names(client, query):
    body = await post(client, query)
    assert body["errors"], body
    for error in body["errors"]:
        assert "Did you mean" not in error["message"]
        assert error["extensions"]["code"] == "invalid_query"


async def test_a_syntax_error_has_its_own_code(client):
    assert codes(await post(client, "{ agencies { slug }")) == ["syntax_error"]


async def test_the_counters_do_see_an_ordinary_query(client, engine):
    with counting(engine) as counts:
        body = await post(client, "{ polls { totalCount } }")
    assert "errors" not in body
    assert counts["sql"] >= 1 and counts["resolvers"] >= 1


@pytest.mark.parametrize("variables", [
    {"input": {"kind": "COMPLAINT", "txt": "Jalan rusak berlubang di desa kami"}},
    {"input": {"kind": "COMPLAIN", "text": "Jalan rusak berlubang di desa kami"}},
])
async def test_variable_errors_never_suggest_names_either(client, variables):
    body = await post(client, "mutation($input: SubmitInput!) { submit(input: $input) { __typename } }", variables)
    assert body["errors"] and body.get("data") is None
    for error in body["errors"]:
        assert "Did you mean" not in error["message"]
        assert error["extensions"]["code"] == "invalid_input"
