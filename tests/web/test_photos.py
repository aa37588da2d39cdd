"""A photo in a real browser: a citizen at 360 px attaches one from the file chooser (shrunk on the phone),
the agency sees it at once and approves it, and only then does the public tracking page show it."""

from __future__ import annotations

import io
import re
import uuid

import httpx
from PIL import Image
from playwright.async_api import Browser, Page, expect
from sqlmodel import select

from suara.api.graphql.triage import node_id
from suara.db.engine import make_session_factory, transaction
from suara.media.models import SubmissionPhoto
from suara.submissions.models import Submission
from suara.triage import service as triage
from tests.factories import make_staff
from tests.media.conftest import jpeg_with_gps, picture, png_bytes
from tests.web.conftest import assert_accessible
from tests.web.test_workspace import PASSWORD, sign_in


def camera_photo() -> bytes:
    """A 2,400 × 1,800 phone photo with GPS in its EXIF, as a camera app hands it to the browser."""
    out = io.BytesIO()
    small = Image.open(io.BytesIO(jpeg_with_gps()))
    exif = small.getexif()
    picture((2400, 1800)).save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


async def loaded(image) -> bool:
    return await image.evaluate("(img) => img.complete && img.naturalWidth > 0")


async def test_a_citizen_files_a_camera_photo_and_the_public_sees_it_only_after_the_agency_approves_it(
        page: Page, browser: Browser, live_server: str, engine, cast):
    sessions = make_session_factory(engine)
    async with transaction(sessions) as session:
        officer, _ = await make_staff(session, cast.agency_a, password=PASSWORD)

    await page.goto("/#/lapor")
    text = f"Jalan berlubang besar di depan sekolah dasar, berbahaya untuk motor ({uuid.uuid4().hex[:8]})."
    await page.get_by_label("Isi laporan", exact=True).fill(text)
    chooser = page.locator("#f-photos")
    assert await chooser.get_attribute("accept") == "image/*" and await chooser.get_attribute("capture") is not None
    await chooser.set_input_files(files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()}])
    previews = page.get_by_test_id("photo-previews").locator("img")
    await expect(previews).to_have_count(1)
    assert await loaded(previews.first)
    await assert_accessible(page)
    await page.get_by_role("button", name="Kirim laporan").click()
    await expect(page).to_have_url(re.compile(r"#/tanda-terima/"))
    code = page.url.rsplit("/", 1)[1]

    async with transaction(sessions) as session:
        row = (await session.exec(select(Submission).where(Submission.tracking_code == code.replace("-", "")))).one()
        await triage.route_submission(session, cast.triage_admin, row.id, "infrastruktur")
        photo = (await session.exec(select(SubmissionPhoto).where(SubmissionPhoto.submission_id == row.id))).one()
    assert max(photo.width, photo.height) == 1600  # shrunk in the browser before the upload
    async with httpx.AsyncClient(base_url=live_server) as public:
        assert (await public.get(f"/media/{photo.file_name}")).status_code == 404  # not approved yet

    await page.goto(f"/#/lacak/{code}")
    await expect(page.get_by_test_id("submission")).to_contain_text(code)
    await expect(page.get_by_test_id("photos")).to_have_count(0)
    # A second photo later, from the tracking page (the receipt's secret is kept in this browser).
    await page.locator("summary", has_text="Tambah foto").click()
    await page.locator("#f-photo").set_input_files(files=[{"name": "IMG_0002.png", "mimeType": "image/png",
                                                           "buffer": png_bytes()}])
    await expect(page.get_by_role("status")).to_have_text("Foto terkirim. Instansi dapat melihatnya sekarang.")

    staff = await browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740}, locale="id-ID")
    officer_page = await staff.new_page()
    try:
        await sign_in(officer_page, officer.email, f"/petugas/#/item/{node_id(row.id)}")
        photos = officer_page.get_by_test_id("photos")
        await expect(photos.locator("img")).to_have_count(2)
        await expect(photos).to_contain_text("Belum diperiksa")
        assert await loaded(photos.locator("img").first)  # served to the officer's session cookie
        await assert_accessible(officer_page)
        await officer_page.get_by_role("button", name="Setujui foto 1").click()
        await expect(officer_page.get_by_test_id("feedback")).to_have_text("Foto disetujui; publik kini melihatnya.")
        await expect(photos).to_contain_text("Tampil ke publik")
        await expect(officer_page.get_by_test_id("timeline")).to_contain_text("Foto disetujui untuk publik")
    finally:
        await staff.close()

    await page.reload()
    shown = page.get_by_test_id("photos").locator("img")
    await expect(shown).to_have_count(1)
    await page.wait_for_function(
        "() => { const img = document.querySelector('[data-testid=photos] img'); return img && img.complete && img.naturalWidth > 0; }")
    async with httpx.AsyncClient(base_url=live_server) as public:
        served = await public.get(f"/media/{photo.file_name}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg" and b"Exif" not in served.content
