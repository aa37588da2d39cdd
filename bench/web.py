"""The public pages on a slow link: bytes transferred on first load, time to a usable submit form
under an emulated slow 3G link, and screenshots of the main pages at 360 px and 1280 px.

Usage: python bench/web.py [--no-screenshots]
Starts `suara serve` on a fresh database (embedded PostgreSQL under .suara/bench unless
DATABASE_URL) with 5,000 demo submissions, a consultation, a poll and one answered complaint,
then drives Debian's Chromium (/usr/bin/chromium) with Playwright. The baseline in the same run is
the same page on an unthrottled link; slow 3G is DevTools' classic preset (400 ms latency,
400 kbit/s each way). Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, serving

from suara.common.actors import Actor
from suara.db.columns import utcnow
from suara.db.engine import make_engine, make_session_factory, transaction
from suara.dialogue import consultations, polls
from suara.transparency.demo import seed_demo
from suara.triage.auth import create_staff

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
PAGES = ["/#/", "/#/lapor", "/#/lacak", "/#/layanan", "/#/dialog", "/#/transparansi"]


async def prepare(url: str) -> dict:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    now = utcnow()
    async with transaction(sessions) as session:
        await seed_demo(session, 5000, seed=3)
    async with transaction(sessions) as session:
        staff, _ = await create_staff(session, agency_slug="dpu-binamarga-cipkataru", email="bench@dpu.go.id",
                                      role="officer", password="kata-sandi-bench-1")
        officer = Actor.of(staff)
        draft = await consultations.create_consultation(
            session, officer, title="Rancangan Perda Pengelolaan Sampah Rumah Tangga",
            summary="Kami meminta masukan warga atas kewajiban memilah sampah dan besaran retribusi.",
            opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30),
            sections=[("Pasal 1: Pemilahan", "Setiap rumah tangga wajib memilah sampah organik dan anorganik."),
                      ("Pasal 2: Retribusi", "Retribusi dibayar bulanan melalui kelurahan.")])
        await consultations.publish_consultation(session, officer, draft.id)
        poll = await polls.create_poll(session, officer, question="Kapan bank sampah kelurahan sebaiknya buka?",
                                       options=["Pagi", "Sore", "Akhir pekan"], opens_at=now - timedelta(days=1),
                                       closes_at=now + timedelta(days=7))
    await engine.dispose()
    return {"consultation": draft.id, "poll": poll.id}


async def first_load(browser, base: str, path: str, throttle: dict | None) -> tuple[int, float]:
    """Bytes on the wire for a cold load, and seconds until the page's main content is usable."""
    context = await browser.new_context(base_url=base, viewport={"width": 360, "height": 740})
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttle:
        await cdp.send("Network.emulateNetworkConditions", throttle)
    sizes = []
    cdp.on("Network.loadingFinished", lambda event: sizes.append(event["encodedDataLength"]))
    started = time.perf_counter()
    await page.goto(path, wait_until="commit")
    if path == "/#/lapor":
        await page.locator("#f-text").wait_for(state="visible", timeout=120_000)
        await page.locator("button[type=submit]:not([disabled])").wait_for(timeout=120_000)
    else:
        await page.locator("main h1").wait_for(timeout=120_000)
    usable = time.perf_counter() - started
    await page.wait_for_load_state("networkidle", timeout=120_000)
    await context.close()
    return sum(sizes), usable


async def screenshots(browser, base: str, ids: dict) -> list[str]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    filed = httpx.post(f"{base}/graphql", json={"query": "mutation($i: SubmitInput!) { submit(input: $i) { ... on SubmissionReceipt { trackingCode } } }",
                                                "variables": {"i": {"kind": "COMPLAINT", "channel": "WEB", "text": "Lampu penerangan jalan di Jalan Pemuda mati sejak seminggu, rawan kecelakaan malam hari."}}}).json()
    code = filed["data"]["submit"]["trackingCode"]
    league = httpx.post(f"{base}/graphql", json={"query": "{ agencyRanking(minimumVolume: 20) { agency { slug } } }"}).json()
    agency = league["data"]["agencyRanking"][0]["agency"]["slug"]
    services = httpx.post(f"{base}/graphql", json={"query": "{ services(first: 1) { slug } }"}).json()
    service = (services.get("data") or {}).get("services") or []
    views = {"home": "/#/", "lapor": "/#/lapor", "lacak": f"/#/lacak/{code}", "layanan": "/#/layanan",
             "konsultasi": f"/#/dialog/konsultasi/{ids['consultation']}", "jajak": f"/#/dialog/jajak/{ids['poll']}",
             "transparansi": "/#/transparansi", "instansi": f"/#/transparansi/{agency}"}
    if service:
        views["layanan-detail"] = f"/#/layanan/{service[0]['slug']}"
    written = []
    for width, height in ((360, 740), (1280, 800)):
        context = await browser.new_context(base_url=base, viewport={"width": width, "height": height})
        page = await context.new_page()
        for name, path in views.items():
            await page.goto(path)
            await page.wait_for_timeout(1000)  # hash routes do not reload: give debounced queries time
            await page.wait_for_load_state("networkidle")
            target = SHOTS / f"{name}-{width}.png"
            await page.screenshot(path=str(target), full_page=width == 360)
            written.append(target.name)
        await context.close()
    return written


async def measure(base: str, ids: dict, shots: bool) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        print(f"\nweb benchmark: first load of each page (cold cache, 360 px), run {time.strftime('%H:%M:%S')}")
        print(f"  {'page':<30}{'bytes':>10}{'fast link':>12}{'slow 3G':>11}")
        league = httpx.post(f"{base}/graphql", json={"query": "{ agencyRanking(minimumVolume: 20) { agency { slug } } }"}).json()
        agency_page = f"/#/transparansi/{league['data']['agencyRanking'][0]['agency']['slug']}"
        for path in [*PAGES, agency_page, f"/#/dialog/konsultasi/{ids['consultation']}"]:
            fast = [await first_load(browser, base, path, None) for _ in range(3)]
            slow = [await first_load(browser, base, path, SLOW_3G) for _ in range(3)]
            size = max(b for b, _ in fast)
            print(f"  {path:<30}{size:>10,}{statistics.median(s for _, s in fast):>11.2f}s"
                  f"{statistics.median(s for _, s in slow):>10.2f}s   {'OK' if size <= 150 * 1024 else 'OVER 150 KB'}")
        form = [await first_load(browser, base, "/#/lapor", SLOW_3G) for _ in range(5)]
        baseline = [await first_load(browser, base, "/#/lapor", None) for _ in range(5)]
        print(f"  time to a usable submit form: slow 3G median {statistics.median(s for _, s in form):.2f} s, "
              f"max {max(s for _, s in form):.2f} s; unthrottled {statistics.median(s for _, s in baseline):.2f} s "
              f"(ratio {statistics.median(s for _, s in form) / statistics.median(s for _, s in baseline):.1f}x)")
        if shots:
            names = await screenshots(browser, base, ids)
            print(f"  screenshots: {len(names)} files in docs/screenshots/")
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-screenshots", action="store_true")
    args = parser.parse_args()
    url = asyncio.run(fresh_database("suara_bench_web"))
    ids = asyncio.run(prepare(url))
    with serving(url, 18086) as base:
        asyncio.run(measure(base, ids, not args.no_screenshots))


if __name__ == "__main__":
    main()
