"""The public services catalogue through GraphQL, and complaints filed about a service."""

from __future__ import annotations

from sqlalchemy import func, select

from suara.submissions.models import Submission
from tests.factories import SUBMIT, submit_input

SERVICES = """
query Services($search: String, $agency: String) {
  services(search: $search, agency: $agency) { slug name nameEn agency { slug } }
}
"""

SERVICE = """
query Service($slug: String!) {
  service(slug: $slug) {
    slug name nameEn summary summaryEn requirements requirementsEn costIdr free costNote costNoteEn
    processingDays processingNote processingNoteEn legalBasis whereToApply whereToApplyEn onlineUrl
    agency { slug } category { slug }
    complaintStats { total open resolved medianFirstResponseHours }
    complainUrl
  }
}
"""


async def test_searching_in_indonesian_finds_the_birth_certificate(gql):
    found = (await gql(SERVICES, {"search": "akta kelahiran"}))["services"]
    assert "akta-kelahiran" in [service["slug"] for service in found]


async def test_searching_in_english_finds_the_police_clearance(gql):
    found = (await gql(SERVICES, {"search": "police clearance"}))["services"]
    assert [service["slug"] for service in found] == ["skck"]
    assert found[0]["nameEn"] == "Police clearance certificate (SKCK)"


async def test_listing_by_agency_shows_only_its_services(gql):
    found = (await gql(SERVICES, {"agency": "disdikbud"}))["services"]
    assert found
    assert {service["agency"]["slug"] for service in found} == {"disdikbud"}


async def test_a_civil_registry_document_is_shown_free_with_its_legal_basis(gql):
    service = (await gql(SERVICE, {"slug": "akta-kelahiran"}))["service"]
    assert service["costIdr"] == 0
    assert service["free"] is True
    assert "UU 24/2013" in service["legalBasis"]
    assert service["agency"]["slug"] == "pemkot-semarang"
    assert service["category"]["slug"] == "permades_dan_kependudukan"
    assert service["complainUrl"] == "/#/lapor?layanan=akta-kelahiran"
    assert service["requirements"] and len(service["requirements"]) == len(service["requirementsEn"])


async def test_a_cost_that_varies_is_null_with_a_note_and_not_free(gql):
    service = (await gql(SERVICE, {"slug": "pajak-kendaraan-tahunan"}))["service"]
    assert service["costIdr"] is None
    assert service["free"] is False
    assert "NJKB" in service["costNote"]


async def test_a_fixed_fee_is_shown_in_rupiah(gql):
    service = (await gql(SERVICE, {"slug": "skck"}))["service"]
    assert (service["costIdr"], service["free"]) == (30000, False)


async def test_an_unknown_service_is_null(gql):
    assert (await gql(SERVICE, {"slug": "tidak-ada"}))["service"] is None


async def test_a_complaint_about_a_service_is_recorded_and_counted(gql, database):
    before = (await gql(SERVICE, {"slug": "ktp-el"}))["service"]["complaintStats"]

    receipt = (await gql(SUBMIT, {"input": submit_input(
        text="Sudah tiga bulan KTP-el saya belum jadi, petugas minta uang blangko.", serviceSlug="ktp-el",
    )}))["submit"]

    assert receipt["__typename"] == "SubmissionReceipt"
    async with database.connect() as connection:
        recorded = (await connection.execute(
            select(Submission.service_slug).where(Submission.tracking_code == receipt["trackingCode"].replace("-", ""))
        )).scalar_one()
    assert recorded == "ktp-el"
    after = (await gql(SERVICE, {"slug": "ktp-el"}))["service"]["complaintStats"]
    assert after["total"] == before["total"] + 1
    assert after["open"] == before["open"] + 1
    assert after["resolved"] == before["resolved"]


async def test_an_unknown_service_slug_is_refused_and_nothing_is_written(gql, database):
    async def submissions() -> int:
        async with database.connect() as connection:
            return (await connection.execute(select(func.count()).select_from(Submission))).scalar_one()

    count_before = await submissions()
    result = (await gql(SUBMIT, {"input": submit_input(serviceSlug="paspor-bulan")}))["submit"]

    assert result["__typename"] == "ValidationError"
    assert [(p["field"], p["code"]) for p in result["problems"]] == [("serviceSlug", "unknown_service")]
    assert result["messageEn"]
    assert await submissions() == count_before


async def test_an_unknown_service_is_reported_together_with_other_problems(gql):
    result = (await gql(SUBMIT, {"input": submit_input(text="pendek", serviceSlug="paspor-bulan")}))["submit"]
    assert {(p["field"], p["code"]) for p in result["problems"]} == {
        ("text", "too_short"), ("serviceSlug", "unknown_service"),
    }
