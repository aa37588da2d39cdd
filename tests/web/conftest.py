"""Browser tests: Debian's Chromium driven by Playwright against a real `suara serve` and database.

The server is a subprocess on the session's test database, with the shipped routing model and the
test server key, serving the built pages from web/dist (`make test` builds them first).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.conftest import REPO, TEST_SECRET_KEY
from tests.servers import environment, free_port, start_suara, wait_until_healthy

CHROMIUM = "/usr/bin/chromium"
AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
MESSAGES = {lang: json.loads((REPO / "web" / "src" / "messages" / f"{lang}.json").read_text()) for lang in ("id", "en")}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def live_server(database_url: str, tmp_path_factory) -> str:
    if not (REPO / "web" / "dist" / "index.html").is_file():
        pytest.fail("web/dist is not built: run the tests with `make test`, which builds the pages first")
    port = free_port()
    process = start_suara(port, environment(
        DATABASE_URL=database_url, SUARA_SECRET_KEY=TEST_SECRET_KEY.decode(),
        SUARA_HOME=str(tmp_path_factory.mktemp("web-home"))), "--no-jobs")
    wait_until_healthy(process, port)
    base = f"http://127.0.0.1:{port}"
    yield base
    process.terminate()
    process.wait(timeout=60)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium (scripts/ensure-chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser: Browser, live_server: str) -> AsyncIterator[Page]:
    """A phone-sized page (360 px wide) in a fresh browser profile."""
    context = await browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740},
                                        locale="id-ID", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = await context.new_page()
    yield page
    await context.close()


async def assert_accessible(page: Page) -> None:
    """axe-core (from npm) finds no serious or critical violation on the page as it is now."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the browser's debugging protocol: a script tag would be inline script,
        # which the pages' Content-Security-Policy forbids (as it should).
        await page.evaluate(AXE.read_text())
    violations = await page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")
    assert violations == [], f"{page.url}: {violations}"


def graphql(base: str, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(f"{base}/graphql", json={"query": query, "variables": variables or {}},
                      headers=headers, timeout=30).json()
    assert "errors" not in body, body
    return body["data"]
