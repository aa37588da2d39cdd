"""Public figures through GraphQL and the open-data files, checked against a small known scenario."""

from __future__ import annotations

import csv
import io
import uuid

from sqlmodel import select

from suara.agencies.models import Agency
from suara.db.engine import transaction
from suara.routing.router import NoRouter
from suara.submissions import codes
from suara.submissions import service as submissions
from suara.submissions.models import Submission
from suara.triage import service as triage
from tests.conftest import TEST_SECRET_KEY
from tests.factories import draft, make_staff, unique_text

CONTACT = {"reporter_name": "Wulan Sekarningrum", "reporter_phone": "081277776666",
           "reporter_email": "wulan.s@example.id", "reporter_nik": "3374015506900002"}
FIGURES = """query($agency: String) { transparency(period: ALL, agency: $agency) {
  agency { slug } received routedByPeople routedAutomatically acknowledged resolved forwarded
  firstResponse { count withinServiceLevel withinServiceLevelShare medianWorkingDays medianHours }
  resolution { count withinServiceLevel medianWorkingDays } } }"""


async def scenario(sessions, cast) -> str:
    """Two items routed to a fresh agency: one acknowledged and resolved, one still open."""
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


async def test_transparency_query_shows_the_scenarios_figures(gql, sessions, cast):
    slug = await scenario(sessions, cast)
    [figures] = (await gql(FIGURES, {"agency": slug}))["transparency"]
    assert figures["agency"]["slug"] == slug
    assert (figures["received"], figures["routedByPeople"], figures["routedAutomatically"]) == (2, 2, 0)
    assert (figures["acknowledged"], figures["resolved"], figures["forwarded"]) == (1, 1, 0)
    assert figures["firstResponse"] == {"count": 1, "withinServiceLevel": 1, "withinServiceLevelShare": 1.0,
                                        "medianWorkingDays": 0.25, "medianHours": 1.0}
    assert figures["resolution"] == {"count": 1, "withinServiceLevel": 1, "medianWorkingDays": 0.25}
    backlog = {row["agency"]["slug"]: row["openNow"] for row in (await gql("{ backlog { openNow agency { slug } } }"))["backlog"]}
    assert backlog[slug] == 1


async def test_open_data_csv_and_json_carry_the_figures_and_no_personal_data(client, sessions, cast):
    slug = await scenario(sessions, cast)
    response = await client.get("/open-data/agency-stats.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = [row for row in csv.DictReader(io.StringIO(response.text)) if row["agency"] == slug]
    assert len(rows) == 1 and rows[0]["received"] == "2" and rows[0]["resolved"] == "1"
    as_json = (await client.get("/open-data/agency-stats.json")).json()
    assert any(row["agency"] == slug and row["received"] == 2 for row in as_json["rows"])
    assert {"agency": slug, "open_now": 1, "overdue_now": 0} in as_json["backlog_now"]
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


async def test_agency_ranking_leaves_out_agencies_under_the_minimum_volume(gql, sessions, cast):
    slug = await scenario(sessions, cast)
    query = "query($v: Int!) { agencyRanking(minimumVolume: $v) { rank share volume agency { slug } } }"
    small = {row["agency"]["slug"]: row for row in (await gql(query, {"v": 1}))["agencyRanking"]}
    assert small[slug]["share"] == 1.0 and small[slug]["volume"] == 1
    ranks = [row["rank"] for row in small.values()]
    assert sorted(ranks) == list(range(1, len(ranks) + 1))
    assert slug not in {row["agency"]["slug"] for row in (await gql(query, {"v": 20}))["agencyRanking"]}


async def test_submissions_csv_lists_public_items_by_month_without_codes_text_or_contact(client, gql, sessions, app_state):
    import re

    from suara.api.open_data import SUBMISSION_COLUMNS
    from tests.factories import SUBMIT, submit_input
    from tests.transparency.history import file_last_month

    public = (await gql(SUBMIT, {"input": submit_input(reporterEmail="rahasia.sekali@example.id")}))["submit"]
    hidden = (await gql(SUBMIT, {"input": submit_input(confidential=True)}))["submit"]
    regency = f"{uuid.uuid4().int % 80 + 10}.74"  # a region no other test uses
    async with transaction(sessions) as session:
        agency, other = (Agency(slug=f"dinas-daftar-{uuid.uuid4().hex[:6]}", name="Dinas Daftar", short_name="Daftar")
                         for _ in range(2))
        session.add_all([agency, other])
        await session.flush()
        month = await file_last_month(session, [(agency.id, f"{regency}.01", "infrastruktur")] * 5
                                      + [(other.id, f"{regency}.01", "infrastruktur")] * 5)
        await file_last_month(session, [(other.id, regency, "infrastruktur")], confidential=True)
    app_state.forget_directory()  # the agencies were added behind the server's back (submit read the directory)
    response = await client.get("/open-data/submissions.csv")
    assert response.text.splitlines()[0].split(",") == SUBMISSION_COLUMNS
    rows = list(csv.DictReader(io.StringIO(response.text)))

    def listed(slug):
        return [(row["region_code"], row["category"], row["submitted_month"]) for row in rows if row["agency"] == slug]

    shown = {}  # a cell the monthly breakdown hides (here perhaps to protect another agency's) stays blank
    for dimension, key in (("REGION", regency), ("CATEGORY", "infrastruktur")):
        breakdown = (await gql("""query($d: BreakdownDimension!, $a: String, $p: String!) {
          arrivals(dimension: $d, agency: $a, period: $p) { ... on Breakdown { cells { key count } } } }""",
                               {"d": dimension, "a": agency.slug, "p": month}))["arrivals"]
        shown[dimension] = key if {"key": key, "count": 5} in breakdown["cells"] else ""
    assert listed(agency.slug) == [(shown["REGION"], shown["CATEGORY"], month)] * 5  # regency level, the month only
    assert shown["REGION"] == regency
    assert len(listed(other.slug)) == 5  # the confidential item is left out
    for code in (public["trackingCode"], hidden["trackingCode"]):  # this month's items wait for the month's end
        assert code not in response.text and code.replace("-", "") not in response.text
    assert "rahasia.sekali@example.id" not in response.text and "laporan uji nomor" not in response.text
    months = [row[column] for row in rows for column in SUBMISSION_COLUMNS if column.endswith("_month")]
    assert all(re.fullmatch(r"(\d{4}-\d{2})?", value) for value in months)


async def test_small_region_and_category_cells_are_suppressed_but_channels_are_not(gql, sessions):
    from tests.transparency.history import file_last_month

    async with transaction(sessions) as session:
        agency = Agency(slug=f"dinas-kecil-{uuid.uuid4().hex[:6]}", name="Dinas Kecil", short_name="Kecil")
        session.add(agency)
        await session.flush()
        month = await file_last_month(session, [(agency.id, None, "infrastruktur")] * 2)
    query = """query($d: BreakdownDimension!, $a: String, $p: String!) { arrivals(dimension: $d, agency: $a, period: $p) {
      __typename ... on Breakdown { period total cells { key count suppressed display } } } }"""
    by_category = (await gql(query, {"d": "CATEGORY", "a": agency.slug, "p": month}))["arrivals"]
    assert by_category["period"] == month and by_category["total"] == 2
    assert {"key": "infrastruktur", "count": None, "suppressed": True, "display": "x"} in by_category["cells"]
    assert all(cell["suppressed"] for cell in by_category["cells"]) and len(by_category["cells"]) >= 2
    by_channel = (await gql(query, {"d": "CHANNEL", "a": agency.slug, "p": month}))["arrivals"]
    assert by_channel["cells"] == [{"key": "api", "count": 2, "suppressed": False, "display": "2"}]
    everyone = (await gql(query, {"d": "CATEGORY", "a": None, "p": month}))["arrivals"]["cells"]
    assert all(cell["suppressed"] == (cell["count"] is None) for cell in everyone)
    assert all(cell["count"] is None or cell["count"] >= 5 for cell in everyone)


async def test_overdue_now_routing_accuracy_and_rejection_reasons_follow_a_hand_followed_scenario(db_session, cast):
    """Two e-KTP complaints routed by the shipped model to the civil registry: people move one elsewhere
    (an automatic route not kept); the other runs past its deadline, then is rejected as spam."""
    from datetime import timedelta

    from suara.config import Settings
    from suara.db.columns import utcnow
    from suara.routing.loading import load_router
    from suara.transparency import queries
    from suara.transparency.queries import Period

    registry = (await db_session.exec(select(Agency).where(Agency.slug == "dispermadesdukcapil"))).one()
    officer = (await make_staff(db_session, registry.slug))[1]

    async def now_figures():
        rows = await queries.figures(db_session, period=Period.ALL, agency_id=registry.id)
        backlog = (await queries.backlog(db_session, registry.id)).get(registry.id, queries.AgencyBacklog(0, 0))
        return (rows[0] if rows else queries.AgencyPeriod(registry.id, None)), backlog

    before, backlog_before = await now_figures()
    model = load_router(Settings())
    ids = []
    for _ in range(2):
        text = unique_text("E-KTP saya belum jadi padahal sudah rekam tiga bulan di kecamatan, blanko katanya habis")
        receipt = await submissions.submit(db_session, draft(text=text), router=model, secret_key=TEST_SECRET_KEY)
        assert receipt.submission.agency_id == registry.id and receipt.routing.automatic
        ids.append(receipt.submission.id)
    moved, late = ids
    await triage.route_submission(db_session, cast.triage_admin, moved, "sosial_masyarakat")
    await triage.escalate_overdue(db_session, now=utcnow() + timedelta(days=30))
    while_late, backlog_late = await now_figures()
    await triage.reject(db_session, officer, late, "spam", "Isi laporan tidak pantas.")
    after, backlog_after = await now_figures()

    def delta(row, metric):
        return row.count(metric) - before.count(metric)

    assert delta(after, "routed_automatically") == 2 and delta(after, "automatic_route_changed") == 1
    assert delta(after, "transferred_out") == 1 and delta(after, "rejected_by_reason:spam") == 1
    assert delta(while_late, "escalated") >= 1  # the registry may hold other late items of this test session
    assert backlog_late.overdue_now - backlog_before.overdue_now == delta(while_late, "overdue_open") >= 1
    assert backlog_after.overdue_now == backlog_late.overdue_now - 1
    assert backlog_after.open_now - backlog_before.open_now == 0  # one moved away, one rejected
    accuracy = queries.AgencyPeriod(registry.id, None, {"routed_automatically": 2, "automatic_route_changed": 1})
    assert accuracy.routing_accuracy == 0.5


async def test_rates_rejection_reasons_and_totals_through_graphql(gql, sessions, cast):
    slug = await scenario(sessions, cast)
    async with transaction(sessions) as session:
        agency = (await session.exec(select(Agency).where(Agency.slug == slug))).one()
        officer = (await make_staff(session, slug))[1]
        for reason in ("duplicate", "duplicate", "spam"):
            receipt = await submissions.submit(session, draft(text=unique_text()), router=NoRouter(),
                                               secret_key=TEST_SECRET_KEY)
            await triage.route_submission(session, cast.triage_admin, receipt.submission.id, "infrastruktur", slug)
            await triage.reject(session, officer, receipt.submission.id, reason, "Sudah pernah dilaporkan.")
        resolved = (await session.exec(select(Submission).where(
            Submission.agency_id == agency.id, Submission.status == "resolved"))).one()
        await triage.dispute(session, resolved.tracking_code, codes.citizen_secret(resolved.tracking_code, TEST_SECRET_KEY),
                             "Jalannya masih berlubang.", key=TEST_SECRET_KEY)
    query = """query($a: String) { transparency(period: ALL, agency: $a) {
      rejected rejectedByReason { reason count } disputeRate reopenRate confirmationRate routingAccuracy } }"""
    [figures] = (await gql(query, {"a": slug}))["transparency"]
    assert figures == {"rejected": 3, "rejectedByReason": [{"reason": "duplicate", "count": 2}, {"reason": "spam", "count": 1}],
                       "disputeRate": 1.0, "reopenRate": 0.0, "confirmationRate": 0.0, "routingAccuracy": None}
    totals = (await gql("{ transparency(period: ALL, groupBy: TOTAL) { agency { slug } received rejected } }"))["transparency"]
    per_agency = (await gql("{ transparency(period: ALL) { received rejected } }"))["transparency"]
    assert len(totals) == 1 and totals[0]["agency"] is None
    assert totals[0]["received"] == sum(row["received"] for row in per_agency)
    backlog = (await gql("query($a: String) { backlog(agency: $a) { openNow overdueNow } }", {"a": slug}))["backlog"]
    assert backlog == [{"openNow": 2, "overdueNow": 0}]
