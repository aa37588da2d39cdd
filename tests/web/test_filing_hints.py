"""The submit page asks for its routing hint and similar reports in one request per pause in typing."""

from __future__ import annotations

import asyncio
import uuid

from playwright.async_api import Page, Request, expect

from tests.factories import SUBMIT, submit_input
from tests.web.conftest import graphql


def story(place: str) -> str:
    return (f"Jalan kabupaten di desa {place} rusak parah dan berlubang besar di depan balai desa, sudah tiga "
            "bulan belum diperbaiki dan banyak pengendara motor jatuh saat hujan turun.")


async def test_each_pause_in_typing_sends_one_request_for_the_hint_and_the_similar_reports(page: Page, live_server):
    place = uuid.uuid4().hex[:10]
    filed = graphql(live_server, SUBMIT, {"input": submit_input(text=story(place), channel="WEB")})["submit"]
    asked: list[str] = []

    def record(request: Request) -> None:
        if request.url.endswith("/graphql") and request.method == "POST":
            asked.append(request.post_data_json["query"])

    page.on("request", record)
    await page.goto("/#/lapor")
    box = page.get_by_label("Isi laporan", exact=True)
    await box.fill(story(place))  # one pause
    await expect(page.get_by_test_id("routing-hint")).to_contain_text("Laporan ini akan diteruskan ke")
    similar = page.get_by_role("region", name="Laporan serupa")
    await expect(similar).to_contain_text(filed["trackingCode"])
    await asyncio.sleep(1.0)  # twice the typing pause: nothing else may follow
    hint_requests = [query for query in asked if "filingHints" in query]
    assert len(hint_requests) == 1, asked
    assert not [query for query in asked if "suggestRouting" in query or "similarSubmissions" in query], asked

    async with page.expect_response(lambda response: "filingHints" in (response.request.post_data or "")):
        await box.fill(story(place) + " Mohon segera.")  # the next pause: one more request
    await asyncio.sleep(1.0)
    assert sum("filingHints" in query for query in asked) == 2, asked
    await expect(similar).to_contain_text(filed["trackingCode"])


async def test_a_late_answer_to_an_earlier_pause_never_replaces_the_latest(page: Page, live_server):
    first = story(uuid.uuid4().hex[:10])
    latest = (f"Pipa air bersih di kampung {uuid.uuid4().hex[:10]} bocor besar sejak dua minggu, airnya terbuang ke "
              "selokan dan warga satu RT tidak mendapat pasokan air minum setiap pagi hari.")
    codes = {text: graphql(live_server, SUBMIT, {"input": submit_input(text=text, channel="WEB")})["submit"]["trackingCode"]
             for text in (first, latest)}

    def asks_about(text: str):
        return lambda request: "filingHints" in (request.post_data or "") and request.post_data_json["variables"]["text"] == text

    async def slow_for_the_first(route):
        if asks_about(first)(route.request):
            await asyncio.sleep(1.5)  # the network holds the first answer back
        await route.continue_()

    await page.route("**/graphql", slow_for_the_first)
    await page.goto("/#/lapor")
    box = page.get_by_label("Isi laporan", exact=True)
    similar = page.get_by_role("region", name="Laporan serupa")
    async with page.expect_response(lambda response: asks_about(first)(response.request)):
        async with page.expect_request(asks_about(first)):
            await box.fill(first)
        await box.fill(latest)
        await expect(similar).to_contain_text(codes[latest])
    await page.wait_for_timeout(100)  # the late answer has been handed to the page
    await expect(similar).to_contain_text(codes[latest])
    await expect(similar).not_to_contain_text(codes[first])
