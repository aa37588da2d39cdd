"""The services catalogue in a browser: find a service, read its official cost, complain about it."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.web.conftest import assert_accessible, graphql

STATS = 'query { service(slug: "akta-kelahiran") { complaintStats { total open } } }'


async def test_a_citizen_finds_a_free_service_and_complains_about_being_charged(page: Page, live_server):
    before = graphql(live_server, STATS)["service"]["complaintStats"]
    await page.goto("/#/layanan")
    await page.get_by_label("Cari layanan").fill("akta lahir")
    await expect(page.get_by_role("link", name="Akta Kelahiran")).to_be_visible()
    await expect(page.get_by_role("link", name="Akta Kematian")).to_have_count(0)
    await assert_accessible(page)
    await page.get_by_role("link", name="Akta Kelahiran").click()

    await expect(page.locator("main h1")).to_have_text("Akta Kelahiran")
    await expect(page.locator("dl.facts")).to_contain_text("Gratis")
    await expect(page.get_by_test_id("service-stats")).to_contain_text(f"{before['total']} pengaduan")
    await assert_accessible(page)
    await page.get_by_role("link", name="Dimintai biaya lebih").click()

    text = page.get_by_label("Isi laporan", exact=True)
    await expect(text).to_have_value(re.compile("melebihi tarif resmi layanan Akta Kelahiran \\(Gratis\\)"))
    await text.press("End")
    await text.type(" Petugas kelurahan meminta Rp100.000 untuk mempercepat.")
    await page.get_by_role("button", name="Kirim laporan").click()
    await expect(page).to_have_url(re.compile(r"#/tanda-terima/"))

    after = graphql(live_server, STATS)["service"]["complaintStats"]
    assert (after["total"], after["open"]) == (before["total"] + 1, before["open"] + 1)
    await page.goto("/#/layanan/akta-kelahiran")
    await expect(page.get_by_test_id("service-stats")).to_contain_text(f"{after['total']} pengaduan")

    await page.get_by_role("button", name="English").click()
    await expect(page.locator("main h1")).to_have_text("Birth certificate")
    await expect(page.locator("dl.facts")).to_contain_text("Free")
