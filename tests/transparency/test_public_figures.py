"""Public figures through GraphQL and the open-data files, checked against a small known scenario."""

from __future__ import annotations

import csv
import io
import uuid

from suara.agencies.models import Agency
from suara.db.engine import make_session_factory, transaction
from suara.routing.router import NoRouter
from suara.submissions import service as submissions
from suara.triage import service as triage
from tests.conftest import TEST_SECRET_KEY
from tests.factories import draft, make_staff, unique_text

CONTACT = {"reporter_name": "Wulan Sekarningrum", "reporter_phone": "081277776666",
           "reporter_email": "wulan.s@example.id", "reporter_nik": "3374015506900002"}
FIGURES = """query($agency: String) { transparency(period: ALL, agency: $agency) {
  agency { slug } received routedByPeople routedAutomatically acknowledged resolved forwarded
  firstResponse { count withinServiceLevel withinServiceLevelShare medianWorkingDays medianHours }
  resolution { count withinServiceLevel medianWorkingDays } } }"""


async def scenario(engine, cast) -> str:
    """Two items routed to a fresh agency: one acknowledged and resolved, one still open."""
    sessions = make_session_factory(engine)
    async with transaction(sessions) as session:
        agency = Agency(slug=f"dinas-terbuka-{uuid.uuid4().hex[:6]}", name="Dinas Terbuka", short_name="Terbuka")
        session.add(agency)
        await session.flush()
        _, officer = await make_staff(session, agency.slug)
        for index in range(2):
            receipt = await submissions.submit(session, draft(text=unique_text(), **CONTACT), router=NoRouter(),
                                               secret_key=TEST_SECRET_KEY)
            await triage.route_submission(session, cast.triage_admin, receipt.submission.id, "infrastruktur", agency.slug)
            if index == 0:
                await triage.acknowledge(session, officer, receipt.submission.id)
                await triage.resolve(session, officer, receipt.submission.id, "Sudah diperbaiki.")
    return agency.slug


async def test_transparency_query_shows_the_scenarios_figures(gql, engine, cast):
    slug = await scenario(engine, cast)
    [figures] = (await gql(FIGURES, {"agency": slug}))["transparency"]
    assert figures["agency"]["slug"] == slug
    assert (figures["received"], figures["routedByPeople"], figures["routedAutomatically"]) == (2, 2, 0)
    assert (figures["acknowledged"], figures["resolved"], figures["forwarded"]) == (1, 1, 0)
    assert figures["firstResponse"] == {"count": 1, "withinServiceLevel": 1, "withinServiceLevelShare": 1.0,
                                        "medianWorkingDays": 0.25, "medianHours": 1.0}
    assert figures["resolution"] == {"count": 1, "withinServiceLevel": 1, "medianWorkingDays": 0.25}
    backlog = {row["agency"]["slug"]: row["openNow"] for row in (await gql("{ backlog { openNow agency { slug } } }"))["backlog"]}
    assert backlog[slug] == 1


async def test_open_data_csv_and_json_carry_the_figures_and_no_personal_data(client, engine, cast):
    slug = await scenario(engine, cast)
    response = await client.get("/open-data/agency-stats.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = [row for row in csv.DictReader(io.StringIO(response.text)) if row["agency"] == slug]
    assert len(rows) == 1 and rows[0]["received"] == "2" and rows[0]["resolved"] == "1"
    as_json = (await client.get("/open-data/agency-stats.json")).json()
    assert any(row["agency"] == slug and row["received"] == 2 for row in as_json["rows"])
    for raw in (response.text, str(as_json)):
        for value in ("Wulan", "081277776666", "81277776666", "wulan.s@example.id", "3374015506900002"):
            assert value not in raw


async def test_open_data_is_cacheable_and_revalidates(client):
    first = await client.get("/open-data/agency-stats.csv")
    assert first.headers["cache-control"].startswith("public")
    again = await client.get("/open-data/agency-stats.csv", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


async def test_methodology_is_published_in_indonesian_and_english(client):
    page = await client.get("/open-data/methodology")
    assert page.status_code == 200
    assert 'lang="id"' in page.text and 'lang="en"' in page.text
    assert "hari kerja" in page.text and "working days" in page.text


async def test_agency_ranking_leaves_out_agencies_under_the_minimum_volume(gql, engine, cast):
    slug = await scenario(engine, cast)
    query = "query($v: Int!) { agencyRanking(minimumVolume: $v) { rank share volume agency { slug } } }"
    small = {row["agency"]["slug"]: row for row in (await gql(query, {"v": 1}))["agencyRanking"]}
    assert small[slug]["share"] == 1.0 and small[slug]["volume"] == 1
    ranks = [row["rank"] for row in small.values()]
    assert sorted(ranks) == list(range(1, len(ranks) + 1))
    assert slug not in {row["agency"]["slug"] for row in (await gql(query, {"v": 20}))["agencyRanking"]}


async def test_submissions_csv_lists_public_items_without_text_or_contact(client, gql):
    from tests.factories import SUBMIT, submit_input

    public = (await gql(SUBMIT, {"input": submit_input(reporterEmail="rahasia.sekali@example.id")}))["submit"]
    hidden = (await gql(SUBMIT, {"input": submit_input(confidential=True)}))["submit"]
    response = await client.get("/open-data/submissions.csv")
    codes = {row["tracking_code"] for row in csv.DictReader(io.StringIO(response.text))}
    assert public["trackingCode"].replace("-", "") in codes
    assert hidden["trackingCode"].replace("-", "") not in codes
    assert "rahasia.sekali@example.id" not in response.text and "laporan uji nomor" not in response.text


async def test_small_region_and_category_cells_are_suppressed_but_channels_are_not(gql, engine, cast):
    slug = await scenario(engine, cast)
    query = "query($d: BreakdownDimension!, $a: String) { arrivals(dimension: $d, agency: $a) { key count suppressed display } }"
    by_category = (await gql(query, {"d": "CATEGORY", "a": slug}))["arrivals"]
    assert by_category == [{"key": "infrastruktur", "count": None, "suppressed": True, "display": "<5"}]
    by_channel = (await gql(query, {"d": "CHANNEL", "a": slug}))["arrivals"]
    assert by_channel == [{"key": "api", "count": 2, "suppressed": False, "display": "2"}]
    everyone = (await gql(query, {"d": "CATEGORY", "a": None}))["arrivals"]
    assert all(cell["suppressed"] == (cell["count"] is None) for cell in everyone)
    assert all(cell["count"] is None or cell["count"] >= 5 for cell in everyone)
