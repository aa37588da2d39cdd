"""A citizen in a real browser: file with the live hint, get a code, track it, confirm the fix."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import func
from sqlmodel import select

from suara.api.graphql.triage import node_id
from suara.db.engine import make_session_factory, transaction
from suara.submissions.models import ReporterContact, Submission
from suara.triage import auth
from tests.web.conftest import MESSAGES, assert_accessible, graphql

ACT = """mutation($id: ID!, $text: String!) { respond(id: $id, text: $text) { __typename } }"""


@pytest.fixture(scope="session")
async def staff_tokens(engine, cast) -> dict[str, str]:
    async with transaction(make_session_factory(engine)) as session:
        _, admin = await auth.create_api_token(session, cast.triage_admin.staff_id, "browser tests")
        _, officer = await auth.create_api_token(session, cast.officer_a.staff_id, "browser tests")
    return {"admin": admin, "officer": officer}


async def stored(engine, **where) -> list[Submission]:
    async with make_session_factory(engine)() as session:
        query = select(Submission)
        for name, value in where.items():
            query = query.where(getattr(Submission, name) == value)
        return list(await session.exec(query))


async def test_a_citizen_files_tracks_sees_the_response_and_confirms(page: Page, live_server, engine, cast, staff_tokens):
    text = (f"Jalan raya di desa Sukamaju rusak parah dan berlubang besar, sudah tiga bulan belum diperbaiki, "
            f"banyak pengendara motor jatuh. ({uuid.uuid4().hex[:8]})")
    await page.goto("/#/lapor")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Lapor")
    await assert_accessible(page)
    await page.get_by_label("Isi laporan", exact=True).fill(text)
    await expect(page.get_by_test_id("routing-hint")).to_contain_text("Laporan ini akan diteruskan ke")
    await page.get_by_label("Nama", exact=True).fill("Siti Aminah")
    await page.get_by_label("Nomor HP", exact=True).fill("0812 3456 7001")
    await page.get_by_role("button", name="Kirim laporan").dblclick()  # a double click files once

    await expect(page).to_have_url(re.compile(r"#/tanda-terima/"))
    code = (await page.get_by_test_id("tracking-code").text_content()).strip()
    assert re.fullmatch(r"[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}", code)
    await expect(page.get_by_text(f"CEK {code.replace('-', '')}")).to_be_visible()
    await assert_accessible(page)
    assert len(await stored(engine, text=text)) == 1, "the double click filed twice"

    [item] = await stored(engine, text=text)
    node = node_id(item.id)
    routed = graphql(live_server, "mutation($id: ID!, $a: String!) { routeSubmission(id: $id, category: \"infrastruktur\", agency: $a) { __typename } }",
                     {"id": node, "a": cast.agency_a}, staff_tokens["admin"])
    assert routed["routeSubmission"]["__typename"] == "StaffActionSuccess" or "Staff" in routed["routeSubmission"]["__typename"]
    answer = "Tim kami sudah menambal lubang di jalan desa Sukamaju pada hari Senin."
    for query, variables in [
        ("mutation($id: ID!) { acknowledge(id: $id) { __typename } }", {"id": node}),
        (ACT, {"id": node, "text": "Terima kasih, tim akan memeriksa lokasi minggu ini."}),
        ("mutation($id: ID!, $text: String!) { resolve(id: $id, text: $text) { __typename } }", {"id": node, "text": answer}),
    ]:
        result = next(iter(graphql(live_server, query, variables, staff_tokens["officer"]).values()))
        assert result["__typename"] not in ("NotFound", "NotAllowed", "InvalidTransition", "Conflict", "ValidationError"), result

    await page.get_by_role("link", name="Lacak laporan").click()
    panel = page.get_by_test_id("submission")
    await expect(panel).to_contain_text(answer)
    await expect(panel).to_contain_text("Dinyatakan selesai")
    await expect(panel).to_contain_text("Selesai")
    await assert_accessible(page)
    await page.get_by_role("button", name="Ya, sudah selesai").click()
    await expect(page.get_by_role("status")).to_have_text("Terima kasih, penyelesaian dikonfirmasi.")
    await expect(panel).to_contain_text("Dikonfirmasi selesai oleh pelapor")
    assert (await stored(engine, text=text))[0].status == "closed"


async def test_validation_errors_appear_next_to_their_fields_in_the_persons_language(page: Page, engine):
    phone = "0812 12"
    await page.goto("/#/lapor")
    await page.get_by_label("Isi laporan", exact=True).fill("rusak")
    await page.get_by_label("Nomor HP", exact=True).fill(phone)
    await page.get_by_role("button", name="Kirim laporan").click()
    text_error, phone_error = page.locator("#f-text-error"), page.locator("#f-reporterPhone-error")
    await expect(text_error).to_be_visible()
    await expect(phone_error).to_be_visible()
    assert re.search(r"[Mm]inimal|karakter", await text_error.text_content())
    await expect(page.get_by_label("Isi laporan", exact=True)).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Isi laporan", exact=True)).to_be_focused()

    await page.get_by_role("button", name="English").click()
    await page.get_by_role("button", name="Send report").click()
    await expect(page.locator("#f-text-error")).to_contain_text("characters")
    await assert_accessible(page)
    assert await stored(engine, text="rusak") == []


async def test_an_anonymous_submission_keeps_no_contact_and_its_page_shows_none(page: Page, engine):
    text = f"Pungutan liar di kantor kelurahan saat mengurus surat pindah, diminta uang rokok. ({uuid.uuid4().hex[:8]})"
    await page.goto("/#/lapor")
    await page.get_by_label("Isi laporan", exact=True).fill(text)
    await page.get_by_label("Nama", exact=True).fill("Bambang Sutrisno")
    await page.get_by_label("Nomor HP", exact=True).fill("0812 3456 7002")
    await page.get_by_label(re.compile("^Anonim")).check()
    await expect(page.get_by_label("Nama", exact=True)).to_have_count(0)
    await page.get_by_role("button", name="Kirim laporan").click()
    await expect(page).to_have_url(re.compile(r"#/tanda-terima/"))
    await page.get_by_role("link", name="Lacak laporan").click()
    panel = page.get_by_test_id("submission")
    await expect(panel).to_contain_text("Laporan anonim")
    body = await page.locator("body").inner_text()
    assert "Bambang" not in body and "3456 7002" not in body and "81234567002" not in body
    await assert_accessible(page)
    [item] = await stored(engine, text=text)
    assert item.anonymous
    async with make_session_factory(engine)() as session:
        contacts = await session.scalar(select(func.count()).select_from(ReporterContact)
                                        .where(ReporterContact.submission_id == item.id))
    assert contacts == 0


STATIC = {key: text for key, text in MESSAGES["id"].items()
          if "{" not in text and MESSAGES["en"][key] != text}
TEXTS = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = [];
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    if (text && walker.currentNode.parentElement.offsetParent !== null) seen.push(text);
  }
  document.querySelectorAll('[aria-label]').forEach((e) => seen.push(e.getAttribute('aria-label')));
  return seen;
}"""


@pytest.mark.parametrize("path", ["/#/", "/#/lapor", "/#/lacak", "/#/layanan", "/#/dialog", "/#/transparansi"])
async def test_the_language_switch_changes_every_visible_string(page: Page, path):
    """Every piece of interface text on the page is one of the messages, and all of them switch."""
    await page.goto(path)
    await expect(page.locator("main h1")).not_to_have_text("")
    await page.wait_for_load_state("networkidle")
    shown = {key for key, text in STATIC.items() if text in set(await page.evaluate(TEXTS))}
    assert len(shown) >= 3, "the page shows its own strings"
    await page.get_by_role("button", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    after = set(await page.evaluate(TEXTS))
    assert {key: STATIC[key] for key in shown if STATIC[key] in after} == {}, "still in Indonesian"
    untranslated = {STATIC[key] for key in shown} - {STATIC[key] for key in shown if MESSAGES["en"][key] in after}
    assert untranslated == set(), "not in English"  # (keys sharing an Indonesian text: one of them shows)
    await assert_accessible(page)


async def test_a_retry_after_a_lost_response_files_once(page: Page, engine):
    """The server files the report but the answer never arrives; the page retries with the same key."""
    text = f"Sampah menumpuk di TPS pasar Johar tidak diangkut selama seminggu, baunya menyengat. ({uuid.uuid4().hex[:8]})"
    lost = []

    async def lose_the_first_answer(route):
        if "submit(" in (route.request.post_data or "") and not lost:
            await route.fetch()  # reaches the server, which files it…
            lost.append(True)
            await route.abort("connectionreset")  # …but the phone never hears back
        else:
            await route.continue_()

    await page.route("**/graphql", lose_the_first_answer)
    await page.goto("/#/lapor")
    await page.get_by_label("Isi laporan", exact=True).fill(text)
    await page.get_by_role("button", name="Kirim laporan").click()
    await expect(page).to_have_url(re.compile(r"#/tanda-terima/"))
    assert lost == [True]
    [item] = await stored(engine, text=text)
    code = (await page.get_by_test_id("tracking-code").text_content()).replace("-", "")
    assert code == item.tracking_code
