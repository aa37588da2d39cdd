"""The map through its public surfaces, tried the way a hostile client would: GraphQL and Open311."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.factories import make_item, make_staff
from tests.security.limits import client_from, fresh_address, limited_state
from tests.triage.staff_clients import cheap_hashing, staff_client  # noqa: F401 (cheap_hashing: a fixture)

PUBLIC_MAP = """query($area: MapArea!, $zoom: Int!, $filter: MapFilter) { publicMap(area: $area, zoom: $zoom, filter: $filter) {
  __typename ... on PublicMap { cellDegrees clusters { latitude longitude count
    submission { trackingCode title text status location { latitude longitude } } } }
  ... on ValidationError { field code message messageEn } ... on RateLimited { retryAfterSeconds } } }"""
HINTS = """query($text: String!, $lat: Float, $lon: Float) { filingHints(text: $text, latitude: $lat, longitude: $lon) {
  nearby { distanceMetres submission { trackingCode location { latitude longitude } } } } }"""
AGENCY_MAP = """query { agencyMap { __typename ... on AgencyMap { items { id trackingCode latitude longitude } }
  ... on NotAllowed { code } } }"""
JAKARTA = {"south": -6.4, "west": 106.6, "north": -6.0, "east": 107.0}
"""No other test (browser tests commit theirs) files in this area."""


async def test_the_public_map_shows_public_positions_and_nothing_confidential_or_personal(gql, db_session):
    lone = await make_item(db_session, agency_slug=None, latitude=-6.212345, longitude=106.845678,
                           contact={"name": "Siti Aminah", "phone": "+6281234567890", "email": "siti@example.id",
                                    "nik": "3374010101900001"})
    secret = await make_item(db_session, agency_slug=None, latitude=-6.3012, longitude=106.7134, confidential=True)
    raw = json.dumps(await gql(PUBLIC_MAP, {"area": JAKARTA, "zoom": 19}))
    for personal in ("Siti", "Aminah", "6281234567890", "siti@example.id", "3374010101900001",
                     "6.212345", "106.845678", "6.2123", "106.8457", secret.tracking_code[:3] + "-"):
        assert personal not in raw
    clusters = json.loads(raw)["publicMap"]["clusters"]
    [point] = [c for c in clusters if c["submission"]]
    assert point["submission"]["trackingCode"].replace("-", "") == lone.tracking_code
    assert (point["latitude"], point["longitude"]) == (-6.21, 106.85)  # a sparse cell: ~1 km
    assert (point["submission"]["location"]["latitude"], point["submission"]["location"]["longitude"]) == (-6.21, 106.85)
    assert sum(c["count"] for c in clusters) == 1


@pytest.mark.parametrize("area,zoom,code", [
    ({"south": 91, "west": 106, "north": 92, "east": 107}, 10, "out_of_range"),
    ({"south": -6, "west": 106, "north": -7, "east": 107}, 10, "invalid_area"),
    ({"south": -6, "west": 106, "north": -5, "east": 1e9}, 10, "out_of_range"),
])
async def test_bad_map_areas_get_a_typed_error(gql, area, zoom, code):
    result = (await gql(PUBLIC_MAP, {"area": area, "zoom": zoom}))["publicMap"]
    assert result["__typename"] == "ValidationError" and result["code"] == code


async def test_nan_nul_bytes_and_absurd_numbers_are_refused_without_a_crash(client):
    bodies = [
        '{"query": "{ publicMap(area: {south: 0, west: 0, north: 1, east: 1}, zoom: 3) { __typename } }", "variables": {}}',
        json.dumps({"query": PUBLIC_MAP, "variables": {"area": {**JAKARTA, "south": "NaN"}, "zoom": 5}}),
        '{"query": ' + json.dumps(PUBLIC_MAP) + ', "variables": {"area": {"south": NaN, "west": 1, "north": 2, "east": 3}, "zoom": 5}}',
        json.dumps({"query": PUBLIC_MAP, "variables": {"area": JAKARTA, "zoom": 10 ** 12}}),
        json.dumps({"query": PUBLIC_MAP, "variables": {"area": JAKARTA, "zoom": 5, "filter": {"categories": ["a\u0000b"]}}}),
        json.dumps({"query": PUBLIC_MAP, "variables": {"area": JAKARTA, "zoom": 5, "filter": {"months": 9999}}}),
        json.dumps({"query": HINTS, "variables": {"text": "", "lat": 91, "lon": 106}}),
        json.dumps({"query": HINTS, "variables": {"text": "", "lat": -6.2}}),
    ]
    for body in bodies:
        response = await client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code in (200, 400), body
        payload = response.json()
        text = json.dumps(payload)
        assert "Internal server error" not in text, (body, text)
        if "errors" in payload:
            assert all(e.get("extensions", {}).get("code") or "Variable" in e["message"] or "Int cannot" in e["message"]
                       or "Float cannot" in e["message"] or "JSON" in e["message"]
                       for e in payload["errors"]), payload
        else:
            first = next(iter(payload["data"].values()))
            assert first["__typename"] in ("PublicMap", "ValidationError"), payload


async def test_filing_hints_give_nearby_open_reports_by_place_in_the_same_request(gql, db_session):
    near = await make_item(db_session, agency_slug=None, latitude=-7.79712, longitude=110.36521)
    await make_item(db_session, agency_slug=None, latitude=-7.79712, longitude=110.36521, confidential=True)
    await make_item(db_session, agency_slug=None, latitude=-7.79712, longitude=110.36521, status="closed")
    hints = (await gql(HINTS, {"text": "", "lat": -7.7972, "lon": 110.3652}))["filingHints"]
    assert [n["submission"]["trackingCode"].replace("-", "") for n in hints["nearby"]] == [near.tracking_code]
    assert hints["nearby"][0]["submission"]["location"] == {"latitude": -7.8, "longitude": 110.37}
    assert hints["nearby"][0]["distanceMetres"] == 0


async def test_the_agency_map_shows_exact_positions_to_its_staff_only(app_state, db_session, cheap_hashing, cast):
    own = await make_item(db_session, agency_slug=cast.agency_a, latitude=-6.99321, longitude=110.42098)
    other = await make_item(db_session, agency_slug=cast.agency_b, latitude=-6.99322, longitude=110.42099)
    staff, _ = await make_staff(db_session, cast.agency_a)
    async with staff_client(app_state) as officer, staff_client(app_state) as stranger:
        assert (await stranger(AGENCY_MAP))["agencyMap"] == {"__typename": "NotAllowed", "code": "sign_in_required"}
        await officer.login(staff.email, "kata-sandi-rahasia-1")
        items = (await officer(AGENCY_MAP))["agencyMap"]["items"]
    codes = {item["trackingCode"].replace("-", ""): item for item in items}
    assert own.tracking_code in codes and other.tracking_code not in codes
    assert (codes[own.tracking_code]["latitude"], codes[own.tracking_code]["longitude"]) == (-6.99321, 110.42098)


async def test_a_flood_of_map_requests_is_rate_limited(app_state):
    state = limited_state(app_state, suara_rate_limit_map_per_minute=10)
    async with client_from(state, fresh_address()) as http:
        answers = await asyncio.gather(*[
            http.post("/graphql", json={"query": PUBLIC_MAP, "variables": {"area": JAKARTA, "zoom": 10}})
            for _ in range(20)])
    kinds = [a.json()["data"]["publicMap"]["__typename"] for a in answers]
    assert kinds.count("PublicMap") == 10 and kinds.count("RateLimited") == 10


async def test_open311_lists_requests_within_a_radius_at_the_public_precision(client, db_session):
    near = await make_item(db_session, agency_slug=None, latitude=-6.91471, longitude=107.60981)
    far = await make_item(db_session, agency_slug=None, latitude=-6.93, longitude=107.60981)
    await make_item(db_session, agency_slug=None, latitude=-6.91471, longitude=107.60981, confidential=True)
    response = await client.get("/open311/v2/requests.json", params={"lat": -6.9147, "long": 107.6098, "radius": 500})
    assert response.status_code == 200
    found = {r["service_request_id"]: r for r in response.json()}
    assert near.tracking_code in found and far.tracking_code not in found and len(found) == 1
    assert (found[near.tracking_code]["lat"], found[near.tracking_code]["long"]) == (-6.91, 107.61)


@pytest.mark.parametrize("params", [
    {"lat": 91, "long": 107}, {"lat": -6.9, "long": 107, "radius": 10 ** 9}, {"lat": "NaN", "long": 107},
    {"lat": -6.9, "long": "inf"}, {"lat": -6.9}, {"radius": 100}, {"lat": "abc", "long": 1},
    {"lat": "-6.9\x00", "long": 107}, {"lat": -6.9, "long": 107, "radius": 0},
])
async def test_open311_bad_radius_searches_are_400_in_the_spec_shape(client, params):
    response = await client.get("/open311/v2/requests.json", params=params)
    assert response.status_code == 400
    [error] = response.json()[:1]
    assert error["code"] == 400 and error["description"]
