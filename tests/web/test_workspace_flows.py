"""More of the officers' workspace in a real browser: forwarding to another agency, resolving with the
citizen's confirmation, the sign-in page under rate limits, and editing an answer template.

Like test_workspace.py, every item made here carries a marker word and the inbox is filtered by it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from playwright.async_api import Browser, Page, expect

from suara.api.graphql.triage import node_id
from suara.db.engine import make_session_factory, transaction
from suara.submissions.codes import citizen_secret, format_tracking_code
from tests.conftest import TEST_SECRET_KEY
from tests.factories import make_item, make_staff
from tests.servers import environment, free_port, start_suara, wait_until_healthy
from tests.web.conftest import assert_accessible
from tests.web.test_workspace import PASSWORD, sign_in

MARK = f"alur{uuid.uuid4().hex[:8]}"
MINE = f"/petugas/#/kotak-masuk?cari={MARK}"


@dataclass
class Flows:
    officer_a: str
    officer_b: str
    admin_a: str
    locked: str  # an account the rate-limit test guesses wrong passwords for
    forwarded: str  # node id of agency A's item forwarded to agency B
    forwarded_code: str
    agency_b_name: str
    resolved: str  # node id of an acknowledged item of agency A the officer resolves
    resolved_code: str
    resolved_secret: str


@pytest.fixture(scope="module")
async def flows(engine, cast) -> Flows:
    from sqlmodel import select

    from suara.agencies.models import Agency

    async with transaction(make_session_factory(engine)) as session:
        officer_a, _ = await make_staff(session, cast.agency_a, password=PASSWORD)
        officer_b, _ = await make_staff(session, cast.agency_b, password=PASSWORD)
        admin_a, _ = await make_staff(session, cast.agency_a, role="agency_admin", password=PASSWORD)
        locked, _ = await make_staff(session, cast.agency_a, password=PASSWORD)
        forwarded = await make_item(session, agency_slug=cast.agency_a, title=f"Akta kelahiran belum terbit {MARK}",
                                    text=f"Akta kelahiran anak saya belum terbit sejak dua bulan {MARK}",
                                    public_text=f"Akta kelahiran anak saya belum terbit sejak dua bulan {MARK}")
        resolved = await make_item(session, agency_slug=cast.agency_a, status="acknowledged",
                                   title=f"Lampu taman padam {MARK}")
        agency_b = (await session.exec(select(Agency).where(Agency.slug == cast.agency_b))).one()
        return Flows(officer_a.email, officer_b.email, admin_a.email, locked.email,
                     node_id(forwarded.id), format_tracking_code(forwarded.tracking_code), agency_b.short_name,
                     node_id(resolved.id), format_tracking_code(resolved.tracking_code),
                     citizen_secret(resolved.tracking_code, TEST_SECRET_KEY))


async def test_an_item_forwarded_with_a_reason_leaves_the_inbox_and_reaches_the_other_agency(
        page: Page, browser: Browser, live_server: str, flows: Flows):
    await sign_in(page, flows.officer_a, MINE)
    inbox = page.get_by_test_id("inbox")
    await expect(inbox).to_contain_text(flows.forwarded_code)
    await inbox.locator("a.item-link", has_text=flows.forwarded_code).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(flows.forwarded_code)
    await page.locator("summary", has_text="Teruskan ke instansi lain").click()
    await page.get_by_label("Instansi tujuan").select_option(label=flows.agency_b_name)
    await page.get_by_label("Alasan", exact=True).fill("Akta kelahiran urusan Dinas Kependudukan dan Pencatatan Sipil.")
    await assert_accessible(page)
    await page.get_by_role("button", name="Teruskan ke instansi lain").click()
    await expect(page.get_by_test_id("feedback")).to_have_text("Laporan diteruskan.")
    await page.goto(MINE)
    await expect(page.get_by_role("status").filter(has_text="laporan, tenggat")).to_be_visible()
    await expect(inbox).not_to_contain_text(flows.forwarded_code)

    context = await browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740}, locale="id-ID")
    context.set_default_timeout(15_000)
    try:
        other = await context.new_page()  # an officer of agency B, in a browser of their own
        await sign_in(other, flows.officer_b, MINE)
        theirs = other.get_by_test_id("inbox")
        await expect(theirs).to_contain_text(flows.forwarded_code)
        await assert_accessible(other)
        await theirs.locator("a.item-link", has_text=flows.forwarded_code).click()
        await expect(other.get_by_test_id("timeline")).to_contain_text("Akta kelahiran urusan Dinas Kependudukan")
        await assert_accessible(other)
    finally:
        await context.close()


async def test_an_officer_resolves_and_the_citizen_confirms_on_the_public_page(page: Page, flows: Flows):
    await sign_in(page, flows.officer_a, f"/petugas/#/item/{flows.resolved}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(flows.resolved_code)
    answer = "Lampu taman sudah diganti oleh petugas penerangan jalan pada hari Kamis."
    await page.locator("summary", has_text="Selesaikan").click()
    await page.get_by_label("Penjelasan penyelesaian (publik)").fill(answer)
    await assert_accessible(page)
    await page.get_by_role("button", name="Selesaikan", exact=True).click()
    await expect(page.get_by_test_id("feedback")).to_have_text("Laporan diselesaikan.")
    await expect(page.locator("main .meta-line .status")).to_have_text("Selesai")

    citizen = await page.context.new_page()  # the citizen's public tracking page (no receipt in this browser)
    await citizen.goto(f"/#/lacak/{flows.resolved_code}")
    panel = citizen.get_by_test_id("submission")
    await expect(panel).to_contain_text(answer)
    await assert_accessible(citizen)
    await citizen.get_by_label("Kode rahasia dari tanda terima").fill(flows.resolved_secret)
    await citizen.get_by_role("button", name="Ya, sudah selesai").click()
    await expect(citizen.get_by_role("status")).to_have_text("Terima kasih, penyelesaian dikonfirmasi.")
    await expect(panel).to_contain_text("Dikonfirmasi selesai oleh pelapor")
    await citizen.close()

    await page.reload()  # the officer's item page: confirmed by the citizen, closed
    await expect(page.get_by_test_id("timeline")).to_contain_text("Warga mengonfirmasi selesai")
    await expect(page.locator("main .meta-line .status")).to_have_text("Ditutup")
    await assert_accessible(page)


@pytest.fixture(scope="module")
def limited_server(database_url: str, live_server: str, tmp_path_factory) -> str:
    """A second server on the same database with rate limits on: two sign-in attempts per 5 minutes."""
    port = free_port()
    process = start_suara(port, environment(
        DATABASE_URL=database_url, SUARA_SECRET_KEY=TEST_SECRET_KEY.decode(), SUARA_RATE_LIMITS="on",
        SUARA_RATE_LIMIT_SIGNIN_ATTEMPTS="2", SUARA_HOME=str(tmp_path_factory.mktemp("limited-home"))), "--no-jobs")
    try:
        wait_until_healthy(process, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=60)


async def test_the_sign_in_page_says_how_long_to_wait_after_too_many_wrong_passwords(
        browser: Browser, limited_server: str, flows: Flows):
    context = await browser.new_context(base_url=limited_server, viewport={"width": 360, "height": 740}, locale="id-ID")
    context.set_default_timeout(15_000)
    try:
        page = await context.new_page()
        await page.goto("/petugas/")
        await page.get_by_label("Email").fill(flows.locked)
        alert = page.get_by_role("alert")
        for attempt in range(2):
            await page.get_by_label("Kata sandi").fill(f"salah-{attempt}")
            await page.get_by_role("button", name="Masuk").click()
            await expect(alert).to_have_text("Email atau kata sandi salah.")
            await expect(page.get_by_role("button", name="Masuk")).to_be_enabled()
        await page.get_by_label("Kata sandi").fill(PASSWORD)  # even the right one waits now
        await page.get_by_role("button", name="Masuk").click()
        await expect(alert).to_have_text(re.compile(r"^Terlalu banyak percobaan\. Coba lagi dalam \d+ menit\.$"))
        await expect(page.get_by_role("heading", level=1)).to_have_text("Masuk sebagai petugas")
        await assert_accessible(page)
    finally:
        await context.close()


async def test_an_agency_admin_edits_an_answer_template(page: Page, flows: Flows):
    await sign_in(page, flows.admin_a)
    await page.get_by_role("link", name="Admin instansi").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Admin instansi")
    title = f"Jalan berlubang {MARK}"
    await page.get_by_label("Judul", exact=True).fill(title)
    await page.get_by_label("Isi jawaban", exact=True).fill("Terima kasih, kami akan memeriksa jalan tersebut.")
    await page.get_by_role("button", name="Simpan templat").click()
    await expect(page.get_by_test_id("admin-feedback")).to_contain_text("Templat disimpan.")

    await page.get_by_role("button", name=f"Ubah templat {title}").click()
    await expect(page.get_by_role("heading", name="Ubah templat")).to_be_visible()
    await assert_accessible(page)
    edit = page.locator("ul.templates form")
    await edit.get_by_label("Judul").fill(f"Jalan berlubang ditambal {MARK}")
    await edit.get_by_label("Isi jawaban").fill("Lubang di jalan tersebut sudah ditambal minggu ini.")
    await edit.get_by_role("button", name="Simpan perubahan").click()
    await expect(page.get_by_test_id("admin-feedback")).to_contain_text("Perubahan templat disimpan.")
    templates = page.locator("ul.templates").first
    await expect(templates).to_contain_text(f"Jalan berlubang ditambal {MARK}")
    await expect(templates).to_contain_text("Lubang di jalan tersebut sudah ditambal minggu ini.")
    await expect(templates).not_to_contain_text("kami akan memeriksa jalan tersebut")
    await assert_accessible(page)

    await page.get_by_role("button", name="English").click()  # the new strings in English too
    await expect(page.get_by_role("button", name=f"Edit template Jalan berlubang ditambal {MARK}")).to_be_visible()
    await page.get_by_role("button", name="Bahasa Indonesia").click()
