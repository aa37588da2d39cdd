"""The maps in a real Chromium, with every request to another host (map tiles) blocked: the pin on the
submit page finds a nearby open report, and the public map filters and opens a tracking page."""

from __future__ import annotations

import uuid

from playwright.async_api import Page, expect

from suara.submissions.precision import round_like_postgres
from tests.factories import SUBMIT, submit_input
from tests.web.conftest import graphql


async def only_our_server(page: Page, live_server: str) -> list[str]:
    blocked: list[str] = []

    async def route(route):
        if route.request.url.startswith(live_server):
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort()
    await page.context.route("**/*", route)
    return blocked


def file_at(live_server: str, latitude: float, longitude: float, **extra) -> str:
    text = (f"Lampu penerangan jalan di gang {uuid.uuid4().hex[:8]} mati total sejak seminggu, "
            "warga takut lewat malam hari karena gelap sekali.")
    result = graphql(live_server, SUBMIT, {"input": submit_input(text=text, channel="WEB", latitude=latitude,
                                                                 longitude=longitude, **extra)})["submit"]
    return result["trackingCode"]


async def test_a_citizen_places_the_pin_and_sees_a_nearby_open_report_to_support(page: Page, live_server):
    blocked = await only_our_server(page, live_server)
    latitude, longitude = -7.56123 - uuid.uuid4().int % 1000 / 1e5, 110.81234
    code = file_at(live_server, latitude, longitude)
    await page.goto(f"/#/lapor?peta={latitude},{longitude},18")
    pin_map = page.locator(".leaflet-container[data-testid=pin-map]")  # Leaflet's chunk loaded: taps count
    await expect(pin_map).to_be_visible()
    box = await pin_map.bounding_box()
    await pin_map.click(position={"x": box["width"] / 2 + 20, "y": box["height"] / 2 + 10})  # ~15 m away
    await expect(page.get_by_test_id("pin-set")).to_be_visible()
    nearby = page.get_by_role("region", name="Laporan terbuka di dekat sini")
    await expect(nearby).to_contain_text(code)
    await nearby.get_by_role("button", name="Dukung laporan ini").first.click()
    await expect(page).to_have_url(f"{live_server}/#/lacak/{code}")
    assert any("tile.openstreetmap.org" in url for url in blocked)  # tiles were asked for, and blocked


async def test_the_public_map_filters_and_opens_a_tracking_page(page: Page, live_server):
    await only_our_server(page, live_server)
    latitude, longitude = -8.65123 - uuid.uuid4().int % 1000 / 1e5, 115.21234
    code = file_at(live_server, latitude, longitude)
    secret = file_at(live_server, latitude + 0.0001, longitude, confidential=True)
    # A lone report is shown on its ~1 km cell: the view opens there, not on the real position.
    shown = round_like_postgres(latitude, 2), round_like_postgres(longitude, 2)
    async with page.expect_response(lambda r: "publicMap" in (r.request.post_data or "")) as answer:
        await page.goto(f"/#/peta?periode=1&di={shown[0]},{shown[1]},17")
    listed = page.get_by_role("list", name="Laporan di peta ini")
    link = listed.get_by_role("link", name=code)
    await expect(link).to_be_visible()
    clusters = (await (await answer.value).json())["data"]["publicMap"]["clusters"]
    [point] = [c for c in clusters if c["submission"] and c["submission"]["trackingCode"] == code]
    assert (point["latitude"], point["longitude"]) == shown  # drawn at its rounded position, not the real one
    await expect(page.get_by_test_id("public-map")).not_to_contain_text(secret)
    assert secret not in await page.content()
    await page.get_by_label("Status").select_option("RESOLVED")
    await expect(page.get_by_text("Perbesar peta untuk melihat laporan satu per satu.")).to_be_visible()
    await page.get_by_label("Status").select_option("")
    await link.click()
    await expect(page).to_have_url(f"{live_server}/#/lacak/{code}")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()


async def test_pages_without_a_map_do_not_load_leaflet_and_keep_their_first_load(browser, live_server):
    """The entry script and style (gzip) stay within 30 KiB (29.0 KiB on main before the maps); Leaflet's
    chunk comes only with the pages that show a map."""
    for path, has_map in [("/#/", False), ("/#/lacak", False), ("/#/layanan", False), ("/#/transparansi", False),
                          ("/#/lapor", True), ("/#/peta", True)]:
        context = await browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
        page = await context.new_page()
        await only_our_server(page, live_server)
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        urls: dict[str, str] = {}
        sizes: dict[str, int] = {}
        cdp.on("Network.requestWillBeSent", lambda event: urls.__setitem__(event["requestId"], event["request"]["url"]))
        cdp.on("Network.loadingFinished", lambda event: sizes.__setitem__(event["requestId"], event["encodedDataLength"]))
        await page.goto(path, wait_until="networkidle")
        await context.close()
        assets = {urls[key]: size for key, size in sizes.items() if "/assets/" in urls.get(key, "")}
        loaded_leaflet = any("/assets/leafmap-" in url for url in assets)
        assert loaded_leaflet == has_map, (path, sorted(assets))
        entry = sum(size for url, size in assets.items() if "/assets/index-" in url)
        assert 20 * 1024 < entry <= 30 * 1024, (path, entry)


async def test_an_officer_sees_the_agencys_items_on_the_workspace_map_exactly_and_no_other_agencys(
        page: Page, live_server, engine, cast):
    from suara.db.engine import make_session_factory, transaction
    from tests.factories import make_item, make_staff

    async with transaction(make_session_factory(engine)) as session:
        officer, _ = await make_staff(session, cast.agency_a)
        own = await make_item(session, agency_slug=cast.agency_a, latitude=-5.123457, longitude=119.465432,
                              title="Got mampet di peta")
        other = await make_item(session, agency_slug=cast.agency_b, latitude=-5.123458, longitude=119.465433)
    await only_our_server(page, live_server)
    await page.goto("/petugas/#/peta")
    await page.get_by_label("Email").fill(officer.email)
    await page.get_by_label("Kata sandi").fill("kata-sandi-rahasia-1")
    async with page.expect_response(lambda r: "agencyMap" in (r.request.post_data or "")) as answer:
        await page.get_by_role("button", name="Masuk").click()
        await page.get_by_role("link", name="Peta").click()
    items = {i["trackingCode"].replace("-", ""): i for i in
             (await (await answer.value).json())["data"]["agencyMap"]["items"]}
    assert (items[own.tracking_code]["latitude"], items[own.tracking_code]["longitude"]) == (-5.123457, 119.465432)
    assert other.tracking_code not in items
    await expect(page.get_by_test_id("agency-map")).to_be_visible()
    await expect(page.get_by_text(f"{len(items)} laporan di peta")).to_be_visible()
