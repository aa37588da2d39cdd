"""The officers' workspace at /petugas/ in a real browser: sign in, inbox, item page, triage queue.

Set SUARA_WORKSPACE_SCREENSHOTS=docs/screenshots to also write the inbox, item page and triage queue
at 360 and 1280 px there.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from suara.api.graphql.triage import node_id
from suara.db.columns import utcnow
from suara.db.engine import make_session_factory, transaction
from suara.submissions.codes import format_tracking_code
from suara.triage import auth
from tests.factories import make_item, make_staff
from tests.web.conftest import REPO, assert_accessible, graphql

PASSWORD = "kata-sandi-rahasia-1"
MARK = f"uji{uuid.uuid4().hex[:8]}"
"""A word in every item made here: the inbox filtered by it holds only this file's items, whatever else the
session's database holds (the public pages' tests seed a year of history)."""
MINE = f"/petugas/#/kotak-masuk?cari={MARK}"
WORKSPACE = {lang: json.loads((REPO / "web" / "src" / "messages" / f"petugas.{lang}.json").read_text()) for lang in ("id", "en")}
SHOTS = os.environ.get("SUARA_WORKSPACE_SCREENSHOTS")


@dataclass
class Desk:
    officer: str
    admin: str
    own: str  # node id of an overdue item of the officer's agency
    own_code: str
    other: str  # node id of another agency's item
    other_code: str
    queued_code: str
    arriving: str  # node id of a queued item the admin's token routes to agency A during a test
    arriving_code: str
    admin_token: str
    agency: str
    agency_admin: str
    officer_token: str
    contested: str  # node id of an item two officers change at once
    batch_codes: list[str]


@pytest.fixture(scope="session")
async def desk(engine, cast) -> Desk:
    """An officer of agency A with an overdue item, an item of agency B, and an item in the triage queue."""
    async with transaction(make_session_factory(engine)) as session:
        officer, _ = await make_staff(session, cast.agency_a, password=PASSWORD)
        admin, _ = await make_staff(session, "pemprov-jateng", role="triage_admin", password=PASSWORD)
        long_ago = utcnow() - timedelta(days=30)
        queued_since = utcnow() - timedelta(days=1500)  # older than any seeded history: first in the triage queue
        own = await make_item(session, agency_slug=cast.agency_a, now=long_ago, title=f"Got mampet di pasar kota {MARK}",
                              contact={"name": "Budi Santoso", "phone": "+6281234567001"})
        other = await make_item(session, agency_slug=cast.agency_b, now=long_ago, title=f"KTP belum jadi {MARK}")
        queued = await make_item(session, agency_slug=None, status="in_triage", now=queued_since - timedelta(days=1),
                                 title=f"Got tersumbat {MARK}",
                                 routing_confidence=0.41,
                                 routing_suggestions=[{"category": "infrastruktur", "confidence": 0.41},
                                                      {"category": "permades_dan_kependudukan", "confidence": 0.33}])
        arriving = await make_item(session, agency_slug=None, status="in_triage", now=long_ago,
                                   title=f"Lampu jalan mati {MARK}")
        _, token = await auth.create_api_token(session, admin.id, "workspace browser test")
        agency_admin, _ = await make_staff(session, cast.agency_a, role="agency_admin", password=PASSWORD)
        colleague, _ = await make_staff(session, cast.agency_a, password=PASSWORD)
        _, colleague_token = await auth.create_api_token(session, colleague.id, "workspace browser test")
        contested = await make_item(session, agency_slug=cast.agency_a, title=f"Jembatan retak {MARK}")
        batch = [await make_item(session, agency_slug=None, status="in_triage", now=queued_since, title=f"Antre {MARK}", routing_model_version="uji-1",
                                 routing_suggestions=[{"category": "infrastruktur", "confidence": 0.5}]) for _ in range(2)]
        return Desk(officer.email, admin.email, node_id(own.id), format_tracking_code(own.tracking_code),
                    node_id(other.id), format_tracking_code(other.tracking_code), format_tracking_code(queued.tracking_code),
                    node_id(arriving.id), format_tracking_code(arriving.tracking_code), token, cast.agency_a,
                    agency_admin.email, colleague_token, node_id(contested.id),
                    [format_tracking_code(b.tracking_code) for b in batch])


async def sign_in(page: Page, email: str, url: str = "/petugas/") -> None:
    await page.goto(url)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Kata sandi").fill(PASSWORD)
    await page.get_by_role("button", name="Masuk").click()


async def no_sideways_scroll(page: Page) -> None:
    sizes = await page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert sizes[0] <= sizes[1], f"{page.url} scrolls sideways at {sizes}"


async def screenshot(page: Page, name: str) -> None:
    if not SHOTS:
        return
    for width in (360, 1280):
        await page.set_viewport_size({"width": width, "height": 740 if width == 360 else 900})
        await page.wait_for_timeout(200)
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SHOTS) / f"petugas-{name}-{width}.png"), full_page=width == 360)
    await page.set_viewport_size({"width": 360, "height": 740})


async def test_wrong_password_then_the_officer_sees_only_the_agencys_items(page: Page, desk: Desk):
    await page.goto("/")
    await page.get_by_role("link", name="Masuk petugas").click()  # from the public pages' footer
    await expect(page).to_have_url(re.compile(r"/petugas/"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Masuk sebagai petugas")
    await assert_accessible(page)
    await page.get_by_label("Email").fill(desk.officer)
    await page.get_by_label("Kata sandi").fill("salah-sekali")
    await page.get_by_role("button", name="Masuk").click()
    await expect(page.get_by_role("alert")).to_have_text("Email atau kata sandi salah.")

    await page.get_by_label("Kata sandi").fill(PASSWORD)
    await page.get_by_role("button", name="Masuk").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kotak masuk")
    await page.goto(MINE)  # words in the text: a filter kept in the URL
    await expect(page.get_by_label("Kata dalam laporan")).to_have_value(MARK)
    inbox = page.get_by_test_id("inbox")
    first = inbox.locator("li").first
    await expect(first).to_contain_text(desk.own_code)  # overdue for weeks: at the top, marked
    await expect(first).to_contain_text(re.compile(r"Terlambat \d+ hari kerja"))
    await expect(inbox).not_to_contain_text(desk.other_code)
    await expect(page.get_by_role("link", name=re.compile(r"^Terlambat \d+"))).to_be_visible()
    await assert_accessible(page)
    await no_sideways_scroll(page)
    await screenshot(page, "kotak-masuk")

    await page.wait_for_timeout(500)  # the inbox subscription is open: route an item to this agency
    routed = graphql(page.url.split("/petugas")[0], """mutation($id: ID!, $a: String!) {
        routeSubmission(id: $id, category: "infrastruktur", agency: $a) { __typename } }""",
                     {"id": desk.arriving, "a": desk.agency}, desk.admin_token)
    assert routed["routeSubmission"]["__typename"] == "StaffActionSuccess", routed
    await expect(inbox).to_contain_text(desk.arriving_code, timeout=3000)  # no reload
    await expect(page.get_by_test_id("live")).to_have_text("Kotak masuk diperbarui.")
    async with page.expect_download() as download_info:  # the same filtered inbox as CSV
        await page.get_by_role("link", name="Unduh CSV").click()
    csv_text = Path(await (await download_info.value).path()).read_text(encoding="utf-8-sig")
    assert desk.own_code in csv_text and desk.other_code not in csv_text

    await page.get_by_role("link", name=re.compile(r"^Ditolak \d+")).click()  # filters live in the URL
    await expect(page).to_have_url(re.compile(rf"#/kotak-masuk\?status=rejected&cari={MARK}$"))
    await expect(inbox).not_to_contain_text(desk.own_code)
    await page.go_back()
    await expect(inbox).to_contain_text(desk.own_code)

    await page.goto(f"/petugas/#/item/{desk.other}")  # another agency's item, by URL
    await expect(page.get_by_role("heading", level=1)).to_have_text("Laporan tidak ditemukan")
    await expect(page.locator("main")).not_to_contain_text("KTP belum jadi")

    await page.get_by_role("button", name="English").click()  # every interface text switches
    await expect(page.get_by_role("heading", level=1)).to_have_text("Item not found")
    await expect(page.get_by_role("link", name="Inbox", exact=True)).to_be_visible()
    await page.goto(MINE)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    await expect(page.get_by_test_id("inbox")).to_contain_text("working days")
    body = await page.locator("body").inner_text()
    for key in ("nav.signOut", "inbox.onlyOverdue", "inbox.keys", "status.all", "status.routed", "nav.public"):
        assert WORKSPACE["en"][key] in body and WORKSPACE["id"][key] not in body, key
    await page.get_by_role("button", name="Bahasa Indonesia").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kotak masuk")

    await page.get_by_role("link", name="Kinerja kami").click()  # the agency's own figures
    await expect(page.get_by_test_id("performance").locator("tbody tr").first).to_be_visible()
    await expect(page.get_by_role("link", name=re.compile(r"^\d+ laporan terlambat sekarang$"))).to_be_visible()
    await assert_accessible(page)
    await no_sideways_scroll(page)
    await screenshot(page, "kinerja")

    await page.get_by_role("button", name="Keluar").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Masuk sebagai petugas")
    await page.goto(f"/petugas/#/item/{desk.own}")  # signed out: sign in, then back where one was
    await expect(page.get_by_text("Sesi Anda berakhir")).to_be_visible()
    await page.get_by_label("Email").fill(desk.officer)
    await page.get_by_label("Kata sandi").fill(PASSWORD)
    await page.get_by_role("button", name="Masuk").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(desk.own_code)



async def test_the_answer_flow_works_with_the_keyboard_alone_and_the_citizen_reads_the_answer(page: Page, desk: Desk):
    await sign_in(page, desk.officer, MINE)
    inbox = page.get_by_test_id("inbox")
    await expect(inbox).to_contain_text(desk.own_code)
    await page.keyboard.press("j")  # first item: the overdue one
    await expect(inbox.locator("a.item-link").first).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(desk.own_code)
    await expect(page.locator("main")).to_contain_text("hari kerja")
    await assert_accessible(page)
    await no_sideways_scroll(page)
    await screenshot(page, "laporan")
    await page.get_by_role("button", name="Tampilkan kontak").click()  # handling agency only, each reveal logged
    await expect(page.locator("main dl.contact")).to_contain_text("Budi Santoso")
    await expect(page.get_by_test_id("timeline")).to_contain_text("Kontak dibuka")

    async def tab_to(target: str) -> None:
        """Tab until the focused element is the button named `target` or matches the CSS selector."""
        for _ in range(60):
            await page.keyboard.press("Tab")
            if await page.evaluate("""t => { const e = document.activeElement;
                    return e.textContent.trim() === t || (t.startsWith('#') && e.matches(t)); }""", target):
                return
        raise AssertionError(f"Tab never reached {target}")

    await tab_to("Ambil laporan ini")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("feedback")).to_have_text("Laporan ini sekarang tugas Anda.")
    await expect(page.get_by_test_id("assignee")).to_have_text(desk.officer)
    await tab_to("Terima laporan")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("feedback")).to_have_text("Laporan diterima.")
    answer = "Tim kebersihan sudah membersihkan got di pasar kota pada hari Selasa pagi."
    await tab_to("#answer")
    await page.keyboard.type(answer)
    await tab_to("Kirim jawaban")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("feedback")).to_have_text("Jawaban terkirim dan tampil untuk warga.")
    await expect(page.get_by_test_id("timeline")).to_contain_text(answer)
    await page.keyboard.press("Escape")  # back to the inbox, on the item one came from
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kotak masuk")
    await expect(inbox.locator(f"a.item-link:has-text('{desk.own_code}')")).to_be_focused()

    await page.get_by_role("link", name="Tugas saya").click()
    await expect(page).to_have_url(re.compile(r"tugas=saya"))
    await expect(inbox).to_contain_text(desk.own_code)
    await page.get_by_role("link", name="Belum ditugaskan").click()
    await expect(page.get_by_role("status").filter(has_text="laporan, tenggat")).to_be_visible()
    await expect(inbox).not_to_contain_text(desk.own_code)

    await page.goto(f"/#/lacak/{desk.own_code}")  # the citizen's tracking page
    await expect(page.get_by_test_id("submission")).to_contain_text(answer)


async def test_a_triage_admin_routes_a_queued_item_with_one_click(page: Page, desk: Desk):
    await sign_in(page, desk.admin)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Antrean triase")
    queue = page.get_by_test_id("triage")
    item = queue.locator("li", has_text=desk.queued_code).first
    await expect(item).to_contain_text("41%")
    await expect(page.locator("main")).to_contain_text("model ")
    await assert_accessible(page)
    await no_sideways_scroll(page)
    await screenshot(page, "triase")
    await item.get_by_role("button", name=re.compile(r"^Infrastruktur → .+ \(41%\)$")).click()
    await expect(page.get_by_test_id("triage-results")).to_contain_text(f"{desk.queued_code} diarahkan ke Infrastruktur.")
    await expect(queue).not_to_contain_text(desk.queued_code)

    for code in desk.batch_codes:  # several at once, a result for each
        await expect(queue.locator("li", has_text=code).first).to_contain_text("saran dari model uji-1")
        await queue.locator("li", has_text=code).first.get_by_role("checkbox").check()
    await page.get_by_role("button", name="Arahkan 2 yang dipilih").click()
    for code in desk.batch_codes:
        await expect(page.get_by_test_id("triage-results")).to_contain_text(f"{code} diarahkan ke Infrastruktur.")
        await expect(queue).not_to_contain_text(code)

    await page.get_by_role("link", name="Admin instansi").click()  # triage admins keep the category mapping
    await page.get_by_label("Kategori", exact=True).select_option("infrastruktur")
    await page.get_by_label("Instansi", exact=True).select_option(desk.agency)  # as it is: other tests rely on it
    await page.get_by_role("button", name="Simpan pemetaan").click()
    await expect(page.get_by_test_id("admin-feedback")).to_contain_text("Pemetaan kategori disimpan.")
    await assert_accessible(page)


async def test_the_second_of_two_officers_sees_the_conflict_and_the_fresh_item(page: Page, desk: Desk):
    await sign_in(page, desk.officer, f"/petugas/#/item/{desk.contested}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Jembatan retak")
    base = page.url.split("/petugas")[0]
    done = graphql(base, "mutation($id: ID!) { acknowledge(id: $id) { __typename } }", {"id": desk.contested}, desk.officer_token)
    assert done["acknowledge"]["__typename"] == "StaffActionSuccess", done
    await page.get_by_label("Catatan internal").fill("Sudah saya telepon kelurahan.")
    await page.get_by_role("button", name="Simpan catatan").click()
    await expect(page.get_by_test_id("feedback")).to_contain_text("baru saja diubah orang lain")
    await expect(page.locator("main .meta-line .status")).to_have_text("Ditanggapi")  # the fresh item
    await expect(page.get_by_test_id("timeline")).not_to_contain_text("Sudah saya telepon kelurahan.")

    await page.context.clear_cookies()  # the session expires while the officer works
    await page.get_by_label("Catatan internal").fill("Catatan setelah sesi berakhir.")
    await page.get_by_role("button", name="Simpan catatan").click()
    await expect(page.get_by_text("Sesi Anda berakhir")).to_be_visible()
    await expect(page).to_have_url(re.compile(r"#/masuk\?ke="))
    await page.get_by_label("Email").fill(desk.officer)
    await page.get_by_label("Kata sandi").fill(PASSWORD)
    await page.get_by_role("button", name="Masuk").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Jembatan retak")  # back where one was


async def test_an_agency_admin_creates_an_officer_who_signs_in_with_the_one_time_password(page: Page, desk: Desk):
    await sign_in(page, desk.agency_admin)
    await page.get_by_role("link", name="Admin instansi").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Admin instansi")
    email = f"baru.{desk.own_code.replace('-', '').lower()}@dpu.go.id"
    await page.get_by_label("Email").fill(email)
    await page.get_by_role("button", name="Tambah petugas").click()
    await expect(page.get_by_test_id("admin-feedback")).to_contain_text("Petugas ditambahkan.")
    one_time = (await page.get_by_test_id("one-time-password").text_content()).strip()
    await expect(page.get_by_test_id("staff")).to_contain_text(email)
    await expect(page.get_by_test_id("audit")).to_contain_text("staff.create")  # every admin action is recorded
    await page.get_by_label("Tanggapan pertama (maks. 3)").fill("2")
    await page.get_by_role("button", name="Simpan standar layanan").click()
    await expect(page.get_by_test_id("admin-feedback")).to_contain_text("Standar layanan disimpan.")
    await expect(page.get_by_label("Tanggapan pertama (maks. 3)")).to_have_value("2")
    await assert_accessible(page)
    await no_sideways_scroll(page)
    await screenshot(page, "admin")

    await page.get_by_label("Nama token (untuk apa)").fill("Sistem arsip dinas")
    await page.get_by_role("button", name="Buat token").click()
    token = (await page.get_by_test_id("api-token").text_content()).strip()
    assert graphql(page.url.split("/petugas")[0], "{ me { email } }", token=token)["me"]["email"] == desk.agency_admin

    await page.goto(f"/petugas/#/item/{desk.contested}")  # an admin assigns an item to a colleague
    await page.get_by_label("Tugaskan ke rekan").select_option(label=desk.officer)
    await page.get_by_role("button", name="Tugaskan", exact=True).click()
    await expect(page.get_by_test_id("assignee")).to_have_text(desk.officer)
    await page.get_by_role("link", name="Admin instansi").click()

    await page.get_by_role("button", name="Keluar").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Masuk sebagai petugas")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Kata sandi").fill(one_time)
    await page.get_by_role("button", name="Masuk").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ganti kata sandi")
    await assert_accessible(page)
    await page.get_by_label("Kata sandi sekarang (sekali pakai)").fill(one_time)
    await page.get_by_label("Kata sandi baru").fill("kata-sandi-baru-saya-1")
    await page.get_by_role("button", name="Simpan kata sandi").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kotak masuk")


async def test_the_workspaces_first_load_transfers_at_most_200_kb(browser, live_server, desk: Desk):
    """Signed in on the inbox, with a cold cache: the page, its own bundle and its data."""
    context = await browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    page = await context.new_page()
    await sign_in(page, desk.officer)
    await expect(page.get_by_test_id("inbox")).to_be_visible()
    await page.goto("about:blank")
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    transferred = []
    cdp.on("Network.loadingFinished", lambda event: transferred.append(event["encodedDataLength"]))
    await page.goto("/petugas/#/kotak-masuk", wait_until="networkidle")
    await expect(page.get_by_test_id("inbox")).to_be_visible()
    await context.close()
    print(f"workspace first load: {sum(transferred)} bytes in {len(transferred)} responses")
    assert len(transferred) >= 3, "the page, its script and its data were loaded"
    assert sum(transferred) <= 200 * 1024, f"{sum(transferred)} bytes"
