"""A citizen's rights in a real browser: download their data, correct their contact and erase it from the
tracking page (with its confirmation); then the agency admin's contact access log in the workspace."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.async_api import Page, expect
from sqlmodel import select

from suara.api.graphql.triage import node_id
from suara.db.engine import make_session_factory, transaction
from suara.submissions import codes
from suara.submissions.models import ReporterContact, Submission
from suara.triage import service as triage
from suara.triage.models import Staff
from tests.factories import SUBMIT, make_staff, submit_input
from tests.privacy.citizen import person
from tests.triage.staff_clients import cheap_hashing  # noqa: F401 (a fixture)
from tests.web.conftest import assert_accessible, graphql
from tests.web.test_workspace import sign_in

pytestmark = pytest.mark.usefixtures("cheap_hashing")


async def test_a_citizen_downloads_corrects_and_erases_their_data_and_the_admin_sees_the_contact_read(
        page: Page, live_server, engine, cast):
    who = person()
    receipt = graphql(live_server, SUBMIT, {"input": submit_input(
        channel="WEB", reporterName=who["name"], reporterPhone=who["phone"], reporterEmail=who["email"],
        reporterNik=who["nik"])})["submit"]
    async with transaction(make_session_factory(engine)) as session:
        submission = (await session.exec(select(Submission).where(
            Submission.tracking_code == codes.normalise_tracking_code(receipt["trackingCode"])))).one()
        await triage.route_submission(session, cast.triage_admin, submission.id, "infrastruktur", cast.agency_a)
        admin, _ = await make_staff(session, cast.agency_a, role="agency_admin")
        await triage.read_contact(session, cast.officer_a, submission.id)
        reader = (await session.get(Staff, cast.officer_a.staff_id)).email

    await page.goto(f"/#/lacak/{receipt['trackingCode']}")
    panel = page.get_by_test_id("my-data")
    await expect(panel.get_by_role("heading", name="Data pribadi Anda")).to_be_visible()
    await page.get_by_label("Kode rahasia untuk data pribadi (ada di tanda terima)").fill(receipt["citizenSecret"])
    async with page.expect_download() as download_info:
        await panel.get_by_role("button", name="Unduh data saya (JSON)").click()
    download = await download_info.value
    assert download.suggested_filename == f"suara-{submission.tracking_code}.json"
    exported = json.loads(Path(await download.path()).read_text(encoding="utf-8"))
    assert exported["contact"]["name"] == who["name"] and exported["not_included"]

    await panel.get_by_role("button", name="Perbaiki kontak saya").click()
    await expect(page.get_by_label("Email", exact=True)).to_have_value(who["email"])
    await page.get_by_label("Email", exact=True).fill("")
    await panel.get_by_role("button", name="Simpan kontak").click()
    await expect(page.get_by_test_id("rights-feedback")).to_have_text("Kontak Anda sudah diperbarui.")

    await panel.get_by_role("button", name="Hapus data pribadi saya").click()
    confirm = panel.get_by_role("button", name="Ya, hapus permanen")
    await expect(confirm).to_be_disabled()
    await assert_accessible(page)
    await panel.get_by_label("Saya mengerti: data pribadi saya di laporan ini dihapus permanen.").check()
    await confirm.click()
    await expect(page.get_by_test_id("rights-feedback")).to_contain_text("Data pribadi Anda di laporan ini sudah dihapus")
    async with make_session_factory(engine)() as session:
        assert await session.get(ReporterContact, submission.id) is None
        assert who["name"] not in (await session.get(Submission, submission.id)).text
    await page.get_by_role("button", name="Switch to English").click()
    await expect(panel.get_by_role("heading", name="Your personal data")).to_be_visible()
    await page.get_by_role("button", name="Ganti ke Bahasa Indonesia").click()

    await sign_in(page, admin.email)
    await page.get_by_role("link", name="Akses kontak").click()
    reads = page.get_by_test_id("contact-reads")
    row = reads.get_by_role("row").filter(has_text=receipt["trackingCode"])
    await expect(row).to_contain_text(reader)
    await expect(row.get_by_role("link", name=receipt["trackingCode"])).to_have_attribute(
        "href", f"#/item/{quote(node_id(submission.id), safe='')}")
    await assert_accessible(page)
