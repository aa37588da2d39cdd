"""No contact value reaches any public surface, whatever the field, format or step of an item's life.

Submissions whose every free-text field (text, title, place, the citizen's dispute and reopen reasons,
the agency's answers) holds the reporter's phone numbers, NIK, e-mail and name in many formats are
taken through routing, answers, a dispute, a confirmation and a reopening. Then every public surface
is read: each public GraphQL query (built from the schema, so new queries are covered), Open311 JSON
and XML lists and single requests, every open-data file, and the tracking page in Chromium.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from xml.etree import ElementTree

import httpx
from hypothesis import HealthCheck, Phase, example, given, settings
from playwright.async_api import Browser, expect

from suara.api import open_data
from suara.db.engine import make_session_factory, transaction
from suara.triage import service
from tests.conftest import GraphQLClient
from tests.contact_values import Contacts, contacts
from tests.web.conftest import browser, graphql, live_server  # noqa: F401 (fixtures)

# No shrinking: each example files and works a whole item, so a failure is reported as found.
SETTINGS = settings(derandomize=True, database=None, max_examples=4, deadline=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
RICH = Contacts(name="Larasati Purnamasari", mobiles=(("(0812) 98765432", "81298765432"),
                                                    ("+62 857-1234-5678", "85712345678"),
                                                    ("0813.1122.3344", "81311223344")),
                landline=("021-5551234", "215551234"), nik=("3374.0198.7654.3210", "3374019876543210"),
                email="laras.p@contoh.id")
"""Always tried, next to the generated examples: the formats of the issue's findings."""
KEPT = "Rp 1.500.000"
"""An amount in every text: masking must leave it readable."""

SUBMIT = """mutation($input: SubmitInput!) { submit(input: $input) { __typename
  ... on SubmissionReceipt { trackingCode citizenSecret submission { title text location { text } } }
  ... on ValidationError { problems { field code } } } }"""
CITIZEN = """mutation($c: String!, $s: String!%s) {
  dispute: %s(trackingCode: $c, secret: $s%s) { __typename
    ... on CitizenActionSuccess { submission { title text location { text } events { note } } } } }"""
STAFF_ONLY = {"inbox", "triageQueue", "staffSubmission", "me"}


def texts_of(person: Contacts, marker: str) -> dict:
    """Every citizen-written field, each holding every contact value."""
    sentences = " ".join(person.sentences())
    (mobile, _), *_ = person.mobiles
    return {
        "text": f"Jalan rusak di desa kami ({marker}), petugas minta {KEPT}. {sentences}",
        "title": f"Laporan {person.name} {mobile}",
        "locationText": f"Rumah {person.name.upper()}, {person.landline[0]}, RT 03/RW 05 No. 12",
    }


async def file_and_work(gql: GraphQLClient, sessions, cast, person: Contacts, *, confidential: bool,
                        marker: str) -> tuple[str, str]:
    """File, route, answer, resolve, dispute, resolve again, confirm, reopen; every text full of contacts."""
    fields = texts_of(person, marker)
    receipt = (await gql(SUBMIT, {"input": {
        "kind": "COMPLAINT", "confidential": confidential, **fields, "latitude": -6.99321, "longitude": 110.42098,
        "reporterName": person.name, "reporterPhone": person.mobiles[0][0], "reporterEmail": person.email,
        "reporterNik": person.nik[0],
    }}))["submit"]
    assert receipt["__typename"] == "SubmissionReceipt", receipt
    assert not person.leaks(json.dumps(receipt["submission"], ensure_ascii=False))
    code, secret = receipt["trackingCode"], receipt["citizenSecret"]
    words = " ".join(person.sentences())
    async with transaction(sessions) as session:
        item = await service.find_by_tracking_code(session, code)
        await service.route_submission(session, cast.triage_admin, item.id, "infrastruktur")
        await service.acknowledge(session, cast.officer_a, item.id)
        await service.respond(session, cast.officer_a, item.id, f"Terima kasih, sudah kami catat. {words} {KEPT}")
        await service.add_note(session, cast.officer_a, item.id, f"Internal: {words}")
        await service.resolve(session, cast.officer_a, item.id, f"Selesai ditangani, {person.name}. {words}")
    await citizen(gql, "dispute", code, secret, f"Belum beres! {words}", person)
    async with transaction(sessions) as session:
        await service.acknowledge(session, cast.officer_a, item.id)
        await service.resolve(session, cast.officer_a, item.id, f"Sudah diperbaiki lagi. {words}")
    await citizen(gql, "confirmResolved", code, secret, None, person)
    await citizen(gql, "reopen", code, secret, f"Rusak lagi, hubungi {person.mobiles[-1][0]}. {words}", person)
    return code, secret


async def citizen(gql: GraphQLClient, action: str, code: str, secret: str, reason: str | None, person: Contacts):
    query = CITIZEN % ((", $r: String!", action, ", reason: $r") if reason else ("", action, ""))
    result = (await gql(query, {"c": code, "s": secret, **({"r": reason} if reason else {})}))["dispute"]
    assert result["__typename"] == "CitizenActionSuccess", result
    assert not person.leaks(json.dumps(result, ensure_ascii=False)), "the citizen's own answer is masked too"


# Every public query, built from the schema: all fields of its result to a small depth.

async def public_queries(gql: GraphQLClient) -> list[tuple[str, str, dict]]:
    """(name, document, argument kinds) of each root query a stranger may call."""
    schema = (await gql("""{ __schema { queryType { fields { name args { name defaultValue type { kind name ofType {
        kind name ofType { kind name } } } } } } } }"""))["__schema"]["queryType"]["fields"]
    types = {t["name"]: t for t in (await gql(INTROSPECT_TYPES))["__schema"]["types"]}
    queries = []
    for field in schema:
        if field["name"] in STAFF_ONLY or field["name"].startswith("__"):
            continue
        required = [a for a in field["args"] if a["type"]["kind"] == "NON_NULL" and a["defaultValue"] is None]
        if any(a["name"] not in ARGUMENTS for a in required):
            continue  # looked up by an id or slug: no submission text behind them
        args = [a for a in field["args"] if a in required or a["name"] in ("citizenSecret", "first")]
        signature = ", ".join(f"${a['name']}: {type_name(a['type'])}" for a in args)
        call = ", ".join(f"{a['name']}: ${a['name']}" for a in args)
        selection = select_all(types, field_type(schema_field_type(types, field["name"])), 3)
        document = f"query{f'({signature})' if signature else ''} {{ {field['name']}{f'({call})' if call else ''} {selection} }}"
        queries.append((field["name"], document, {a["name"] for a in args}))
    return queries


INTROSPECT_TYPES = """{ __schema { types { name kind possibleTypes { name } enumValues { name }
  fields { name args { name type { kind } } type { kind name ofType { kind name ofType { kind name
  ofType { kind name } } } } } } } }"""
ARGUMENTS = {"trackingCode", "citizenSecret", "text", "period", "dimension", "first"}


def type_name(t: dict) -> str:
    if t["kind"] == "NON_NULL":
        return type_name(t["ofType"]) + "!"
    if t["kind"] == "LIST":
        return f"[{type_name(t['ofType'])}]"
    return t["name"]


def field_type(t: dict) -> str:
    while t.get("ofType"):
        t = t["ofType"]
    return t["name"]


def schema_field_type(types: dict, name: str) -> dict:
    return next(f["type"] for f in types["Query"]["fields"] if f["name"] == name)


def select_all(types: dict, name: str, depth: int) -> str:
    kind = types[name]["kind"]
    if kind in ("SCALAR", "ENUM"):
        return ""
    if kind == "UNION":
        parts = [f"... on {p['name']} {select_all(types, p['name'], depth)}" for p in types[name]["possibleTypes"]]
        return "{ __typename " + " ".join(parts) + " }"
    fields = []
    for field in types[name]["fields"]:
        if any(a["type"]["kind"] == "NON_NULL" for a in field["args"]):
            continue
        inner = field_type(field["type"])
        if types[inner]["kind"] in ("SCALAR", "ENUM"):
            fields.append(field["name"])
        elif depth > 1:
            fields.append(f"{field['name']} {select_all(types, inner, depth - 1)}")
    return "{ " + (" ".join(fields) or "__typename") + " }"


def staff_only(body: dict) -> bool:
    errors = body.get("errors") or []
    return bool(errors) and not any((body.get("data") or {}).values()) and all(
        (error.get("extensions") or {}).get("code") == "sign_in_required" for error in errors)


def own_records(body: str, fmt: str, plain_code: str) -> str:
    """The records of this test's item in an Open311 list: the shared test database holds other
    tests' items, whose texts may name other people (only a reporter's own name is masked)."""
    if fmt == "json":
        return json.dumps([r for r in json.loads(body) if r.get("service_request_id") == plain_code])
    root = ElementTree.fromstring(body)
    for record in list(root):
        if record.findtext("service_request_id") != plain_code:
            root.remove(record)
    return ElementTree.tostring(root, encoding="unicode")


async def read_everything(client: httpx.AsyncClient, gql: GraphQLClient, code: str, secret: str,
                          text: str) -> dict[str, str]:
    """Every public surface where this item could appear, as raw response bodies."""
    bodies = {}
    values = {"trackingCode": code, "citizenSecret": None, "text": text,
              "period": datetime.now(UTC).strftime("%Y-%m"), "dimension": "REGION", "first": 50}
    for name, document, arguments in await public_queries(gql):
        variables = {key: values[key] for key in arguments}
        response = await gql.raw(document, variables)
        if staff_only(response.json()):
            continue  # a back-office query: a stranger gets no data from it at all
        assert response.status_code == 200 and "errors" not in response.json(), (name, response.text)
        bodies[f"graphql {name}"] = response.text
    variables = {"trackingCode": code, "citizenSecret": secret, "text": text}
    bodies["graphql submission (reporter)"] = (await gql.raw(
        "query($trackingCode: String!, $citizenSecret: String) { submission(trackingCode: $trackingCode, "
        "citizenSecret: $citizenSecret) { title text location { text latitude longitude } events { note } } }",
        {k: variables[k] for k in ("trackingCode", "citizenSecret")})).text
    plain = code.replace("-", "")
    for fmt in ("json", "xml"):
        for path in (f"/open311/v2/requests/{plain}.{fmt}", f"/open311/v2/requests.{fmt}?service_request_id={plain}",
                     f"/open311/v2/requests.{fmt}"):
            response = await client.get(path)
            assert response.status_code == 200, (path, response.text)
            bodies[f"open311 {path}"] = own_records(response.text, fmt, plain)
    for route in open_data.routes:
        if "{" not in route.path:
            response = await client.get(route.path)
            assert response.status_code == 200, route.path
            bodies[f"open data {route.path}"] = response.text
    return bodies


@SETTINGS
@given(person=contacts())
@example(person=RICH)
async def test_no_contact_value_reaches_any_public_surface(person, client, gql, sessions, cast):
    marker = f"uji-bocor-{abs(hash(person)) % 10**8}"
    code, secret = await file_and_work(gql, sessions, cast, person, confidential=False, marker=marker)
    bodies = await read_everything(client, gql, code, secret, texts_of(person, marker)["text"])
    leaks = {surface: found for surface, body in bodies.items() if (found := person.leaks(body))}
    assert leaks == {}
    tracked = json.loads(bodies["graphql submission"])["data"]["submission"]
    assert KEPT in tracked["text"] and marker in tracked["text"], "masking keeps the rest readable"
    assert any(KEPT in (event["note"] or "") for event in tracked["events"]), "answers are shown, masked"
    assert "Internal" not in json.dumps(tracked), "internal notes stay internal"
    assert marker in bodies[f"open311 /open311/v2/requests/{code.replace('-', '')}.json"]


CONFIDENTIAL_OPEN311 = {"service_request_id", "status", "status_notes", "agency_responsible", "requested_datetime",
                        "updated_datetime", "expected_datetime"}


@SETTINGS
@given(person=contacts())
@example(person=RICH)
async def test_a_confidential_item_shows_only_kind_status_agency_and_dates(person, client, gql, sessions, cast):
    marker = f"uji-rahasia-{abs(hash(person)) % 10**8}"
    code, secret = await file_and_work(gql, sessions, cast, person, confidential=True, marker=marker)
    bodies = await read_everything(client, gql, code, secret, texts_of(person, marker)["text"])
    reporter = bodies.pop("graphql submission (reporter)")
    assert marker in reporter and not person.leaks(reporter), "its reporter reads everything, masked"
    leaks = {surface: found for surface, body in bodies.items() if (found := person.leaks(body)) or marker in body}
    assert leaks == {}
    public = json.loads(bodies["graphql submission"])["data"]["submission"]
    shown = {key for key, value in public.items() if value not in (None, [], False)}
    assert shown <= {"trackingCode", "kind", "status", "statusGroup", "confidential", "agency", "createdAt",
                     "updatedAt", "firstResponseDueAt", "resolutionDueAt", "supportCount"}, shown
    [record] = json.loads(bodies[f"open311 /open311/v2/requests/{code.replace('-', '')}.json"])
    assert {key for key, value in record.items() if value is not None} <= CONFIDENTIAL_OPEN311 - {"status_notes"}
    assert code.replace("-", "") not in bodies["open311 /open311/v2/requests.json"]
    xml = bodies[f"open311 /open311/v2/requests/{code.replace('-', '')}.xml"]
    assert re.findall(r"<(\w+)>[^<]", xml) and set(re.findall(r"<(\w+)>[^<]", xml)) <= CONFIDENTIAL_OPEN311


# The tracking page in a real browser, for a public and a confidential item.

async def test_the_tracking_page_shows_no_contact_value(browser: Browser, live_server: str, engine, cast):  # noqa: F811
    person = RICH
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
        gql = GraphQLClient(http)
        sessions = make_session_factory(engine)  # the server commits: it is another process
        public = await file_and_work(gql, sessions, cast, person, confidential=False, marker="uji-halaman-umum")
        private = await file_and_work(gql, sessions, cast, person, confidential=True, marker="uji-halaman-rahasia")
    context = await browser.new_context(base_url=live_server, locale="id-ID")
    try:
        page = await context.new_page()
        for code, marker, shown in ((public[0], "uji-halaman-umum", True), (private[0], "uji-halaman-rahasia", False)):
            await page.goto(f"/#/lacak/{code}")
            panel = page.get_by_test_id("submission")
            await expect(panel).to_contain_text(code)
            await expect(panel).to_contain_text("Dibuka kembali" if shown else "Laporan rahasia")
            html = await page.content()
            assert person.leaks(html) == [] and person.leaks(await panel.inner_text()) == []
            assert (marker in html) is shown
            assert (KEPT in html) is shown
        # The reporter of the confidential item, with the receipt in this browser, reads it all, masked.
        await page.evaluate("([code, secret]) => localStorage.setItem('suara-receipts', "
                            "JSON.stringify({[code.replace(/-/g, '')]: secret}))", list(private))
        await page.goto("/#/")
        await page.goto(f"/#/lacak/{private[0]}")
        await expect(page.get_by_test_id("submission")).to_contain_text("uji-halaman-rahasia")
        html = await page.content()
        assert person.leaks(html) == [] and KEPT in html
    finally:
        await context.close()
