"""Journalists' dashboard, public dialogue and page weight, in a real browser on a real server."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlmodel import select

from suara.db.columns import utcnow
from suara.db.engine import make_session_factory, transaction
from suara.dialogue import consultations, polls
from suara.submissions.outbox_models import OutboxMessage
from suara.transparency.demo import seed_demo
from tests.web.conftest import assert_accessible, graphql

FIRST_LOAD_BUDGET = 150 * 1024


def indonesian(number: int) -> str:
    return f"{number:,}".replace(",", ".")


@pytest.fixture(scope="session")
async def demo_history(engine) -> None:
    """A year of plausible history, so the league table has agencies above the minimum volume."""
    async with transaction(make_session_factory(engine)) as session:
        await seed_demo(session, 3000, seed=11)


async def test_the_dashboard_shows_the_seeded_figures_and_its_csv(page: Page, live_server, demo_history):
    expected = graphql(live_server, """{ total: transparency(period: ALL, groupBy: TOTAL) { received resolved }
        agencyRanking(minimumVolume: 20) { agency { shortName } volume } }""")
    await page.goto("/#/transparansi")
    totals = page.get_by_test_id("totals")
    await expect(totals).to_contain_text(indonesian(expected["total"][0]["received"]))
    await expect(totals).to_contain_text(indonesian(expected["total"][0]["resolved"]))
    league = page.get_by_test_id("league")
    await expect(league.locator("tbody tr")).to_have_count(len(expected["agencyRanking"]))
    assert len(expected["agencyRanking"]) >= 3
    await expect(league.locator("tbody tr").first).to_contain_text(expected["agencyRanking"][0]["agency"]["shortName"])
    await expect(page.get_by_text("sedikitnya 20 laporan")).to_be_visible()
    await assert_accessible(page)

    await page.get_by_role("link", name="Jumlah").click()
    await expect(page).to_have_url(re.compile(r"urut=volume"))
    shared = page.url
    await page.goto("about:blank")
    await page.goto(shared)  # the sorted view is a shareable link
    biggest = max(expected["agencyRanking"], key=lambda r: r["volume"])
    await expect(page.get_by_test_id("league").locator("tbody tr").first).to_contain_text(biggest["agency"]["shortName"])

    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Angka per instansi per bulan (CSV)").click()
    download = await download_info.value
    downloaded = open(await download.path(), encoding="utf-8", newline="").read()
    assert downloaded == httpx.get(f"{live_server}/open-data/agency-stats.csv").text
    assert downloaded.splitlines()[0].startswith("agency")

    await page.get_by_test_id("league").locator("tbody tr").first.get_by_role("link").click()
    await expect(page.locator("figure.chart")).to_have_count(3)
    await expect(page.locator("figure.chart canvas").first).to_be_visible()
    await expect(page.locator("figure.chart").first.locator("tbody tr")).to_have_count(12)
    await page.get_by_role("link", name="6 bulan terakhir").click()
    await expect(page).to_have_url(re.compile(r"#/transparansi/[a-z0-9-]+\?bulan=6$"))
    await expect(page.locator("figure.chart").first.locator("tbody tr")).to_have_count(6)
    await expect(page.get_by_test_id("agency-figures")).to_contain_text("Belum selesai")
    breakdowns = page.get_by_test_id("breakdowns")  # one calendar month by region and category, small cells hidden
    await expect(breakdowns.locator("table")).to_have_count(2)
    await expect(breakdowns.locator("tbody td", has_text=re.compile(r"^x$")).first).to_be_visible()
    months = await breakdowns.locator("option").all_inner_texts()
    await breakdowns.get_by_label("Bulan rincian").select_option(months[1])
    await expect(page).to_have_url(re.compile(rf"bulan=6&rincian={months[1]}$"))
    await expect(page.get_by_role("heading", name=f"Rincian bulan {months[1]}")).to_be_visible()
    await assert_accessible(page)


async def test_a_citizen_verifies_a_phone_votes_and_comments_in_the_public_dialogue(page: Page, live_server, engine, cast):
    sessions = make_session_factory(engine)
    now = utcnow()
    async with transaction(sessions) as session:
        await polls.create_poll(session, cast.officer_a, question="Kapan pasar malam sebaiknya dibuka?",
                                       options=["Jumat", "Sabtu"], opens_at=now - timedelta(minutes=1),
                                       closes_at=now + timedelta(days=3))
        draft = await consultations.create_consultation(
            session, cast.officer_a, title="Rancangan aturan parkir kota", opens_at=now - timedelta(minutes=1),
            summary="Kami meminta masukan warga atas rancangan tarif dan zona parkir di pusat kota.",
            closes_at=now + timedelta(days=10), sections=[("Zona parkir", "Zona A meliputi jalan protokol.")])
        await consultations.publish_consultation(session, cast.officer_a, draft.id)

    await page.goto("/#/dialog")
    await expect(page.get_by_role("link", name="Kapan pasar malam sebaiknya dibuka?")).to_be_visible()
    await assert_accessible(page)
    await page.get_by_role("link", name="Kapan pasar malam sebaiknya dibuka?").click()
    await page.get_by_label("Nomor HP", exact=True).fill("0813 5555 0101")
    await page.get_by_role("button", name="Kirim kode").click()
    await expect(page.get_by_label("Kode 6 angka")).to_be_visible()
    async with sessions() as session:
        sms = (await session.exec(select(OutboxMessage).where(OutboxMessage.recipient == "+6281355550101")
                                  .order_by(OutboxMessage.id.desc()))).first()
    await page.get_by_label("Kode 6 angka").fill(re.search(r"\d{6}", sms.body).group(0))
    await page.get_by_role("button", name="Verifikasi").click()
    await page.get_by_label("Sabtu").check()
    await page.get_by_role("button", name="Pilih", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Pilihan Anda tercatat.")
    await expect(page.locator("table.data caption")).to_contain_text("1 pemilih")
    await assert_accessible(page)

    await page.goto(f"/#/dialog/konsultasi/{draft.id}")
    await page.get_by_label("Komentar Anda").fill("Tarif parkir sebaiknya lebih murah untuk motor.")
    await page.get_by_role("button", name="Kirim komentar").click()
    await expect(page.get_by_text("Tarif parkir sebaiknya lebih murah untuk motor.")).to_be_visible()
    await page.get_by_role("button", name="Setuju (0)", exact=True).click()
    await expect(page.get_by_role("button", name="Setuju (1)", exact=True)).to_be_visible()
    async with transaction(sessions) as session:
        await consultations.close_consultation(session, cast.officer_a, draft.id)
        await consultations.publish_response(session, cast.officer_a, draft.id,
                                             "Tarif motor diturunkan menjadi Rp2.000 sesuai masukan warga.")
    await page.reload()
    await expect(page.get_by_text("Laporan tanggapan instansi")).to_be_visible()
    await expect(page.get_by_text("Tarif motor diturunkan menjadi Rp2.000")).to_be_visible()
    await assert_accessible(page)

    await page.goto("/#/dialog")
    await page.get_by_label("Judul usulan").fill("Taman bermain di RW 05")
    await page.get_by_label("Isi usulan").fill("Anak-anak RW 05 tidak punya tempat bermain yang aman; lahan kosong milik kelurahan bisa dipakai.")
    await page.get_by_role("button", name="Ajukan").click()
    await expect(page.locator("main h1")).to_have_text("Taman bermain di RW 05")
    await page.get_by_role("button", name="Dukung usulan ini").click()
    await expect(page.get_by_role("status")).to_have_text("Dukungan Anda tercatat.")
    await expect(page.get_by_text("1 dari 100 dukungan")).to_be_visible()
    await assert_accessible(page)


PAGES = ["/#/", "/#/lapor", "/#/lacak", "/#/layanan", "/#/dialog", "/#/transparansi"]


@pytest.mark.parametrize("path", PAGES)
async def test_first_load_of_each_page_transfers_at_most_150_kb(browser, live_server, path, demo_history):
    context = await browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    transferred = []
    cdp.on("Network.loadingFinished", lambda event: transferred.append(event["encodedDataLength"]))
    await page.goto(path, wait_until="networkidle")
    await context.close()
    assert len(transferred) >= 3, "the page, its script and its data were loaded"
    assert sum(transferred) <= FIRST_LOAD_BUDGET, f"{path}: {sum(transferred)} bytes"


@pytest.mark.parametrize("width", [360, 640])
async def test_pages_fit_a_phone_and_200_percent_zoom_without_sideways_scrolling(browser, live_server, width):
    """640 CSS pixels is a 1280 px window at 200 % zoom."""
    context = await browser.new_context(base_url=live_server, viewport={"width": width, "height": 700})
    page = await context.new_page()
    overflowing = {}
    for path in PAGES:
        await page.goto(path, wait_until="networkidle")
        sizes = await page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if sizes[0] > sizes[1]:
            overflowing[path] = sizes
        smallest = await page.evaluate("""Math.min(...[...document.querySelectorAll('main p, main label, main td, main a')]
            .filter(e => e.offsetParent).map(e => parseFloat(getComputedStyle(e).fontSize)))""")
        assert smallest >= 14, f"{path}: text at {smallest}px is too small to read without zooming"
    await context.close()
    assert overflowing == {}


async def test_the_pages_work_from_the_keyboard(page: Page):
    await page.goto("/#/lapor")
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Langsung ke isi")
    await expect(skip).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()
    for _ in range(30):  # tab through the form to the first kind of report
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.name === 'kind'"):
            break
    await page.keyboard.press("ArrowDown")
    await expect(page.get_by_role("radio", name=re.compile("^Aspirasi"))).to_be_checked()
    outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus is visible"
