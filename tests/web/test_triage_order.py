"""The triage queue's order in a real browser: oldest first by default, least certain first on request, the
choice kept in the URL (a link or a reload keeps it)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.async_api import Page, expect

from suara.db.columns import utcnow
from suara.db.engine import make_session_factory, transaction
from suara.submissions.codes import format_tracking_code
from tests.factories import make_item, make_staff
from tests.web.conftest import assert_accessible
from tests.web.test_workspace import PASSWORD, sign_in

MARK = f"urut{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
async def queue(engine) -> tuple[str, str, str]:
    """A triage admin, and two queued items older than any other: a sure one first, then an unsure one."""
    long_ago = utcnow() - timedelta(days=1600)
    async with transaction(make_session_factory(engine)) as session:
        admin, _ = await make_staff(session, "pemprov-jateng", role="triage_admin", password=PASSWORD)
        sure = await make_item(session, agency_slug=None, status="in_triage", now=long_ago, title=f"Yakin {MARK}",
                               routing_confidence=0.6, routing_suggestions=[
                                   {"category": "infrastruktur", "confidence": 0.6},
                                   {"category": "energi", "confidence": 0.58}])
        unsure = await make_item(session, agency_slug=None, status="in_triage", now=long_ago + timedelta(hours=1),
                                 title=f"Ragu {MARK}", routing_confidence=0.3001, routing_suggestions=[
                                     {"category": "energi", "confidence": 0.3001},
                                     {"category": "infrastruktur", "confidence": 0.3}])
    return admin.email, format_tracking_code(sure.tracking_code), format_tracking_code(unsure.tracking_code)


async def positions(page: Page, *codes: str) -> list[int]:
    texts = await page.get_by_test_id("triage").locator("> li").all_inner_texts()
    return [next(i for i, text in enumerate(texts) if code in text) for code in codes]


async def test_a_triage_admin_switches_the_queue_to_least_certain_first_and_the_url_keeps_it(page: Page, queue):
    admin, sure, unsure = queue
    await sign_in(page, admin)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Antrean triase")
    await expect(page.get_by_test_id("triage")).to_contain_text(unsure)
    first, second = await positions(page, sure, unsure)
    assert first < second  # oldest first by default

    await page.get_by_label("Urutan").select_option(label="Paling tidak pasti lebih dulu (koreksi paling mengajari model)")
    await expect(page).to_have_url(re.compile(r"#/triase\?urutan=ketidakpastian$"))
    await expect(page.locator("main")).to_contain_text("paling tidak pasti bagi model lebih dulu")
    await expect(page.get_by_test_id("triage")).to_contain_text(sure)
    first, second = await positions(page, unsure, sure)
    assert first < second
    await assert_accessible(page)

    await page.reload()
    await expect(page.get_by_label("Urutan")).to_have_value("ketidakpastian")
    await expect(page.locator("main")).to_contain_text("paling tidak pasti bagi model lebih dulu")
