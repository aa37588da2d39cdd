"""filingHints: the submit page's routing hint and similar reports from one classifier run per pause."""

from __future__ import annotations

import uuid

import pytest

from suara.routing.router import RoutingDecision
from tests.factories import SUBMIT, submit_input

HINTS = """query($text: String!) { filingHints(text: $text) {
  routing { confidence category { slug } agency { slug } }
  similar { similarity submission { trackingCode text } } } }"""


class CountingRouter:
    """Routes every text to infrastructure and remembers each text it classified."""

    model = None
    version = "counting"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def decide(self, text: str) -> RoutingDecision:
        self.calls.append(text)
        suggestions = [{"category": "infrastruktur", "confidence": 0.91}, {"category": "lingkungan", "confidence": 0.05}]
        return RoutingDecision(category="infrastruktur", confidence=0.91, model_version="counting",
                               suggestions=suggestions, automatic=True)

    def suggest(self, text: str, k: int = 3) -> list[dict]:
        return self.decide(text).suggestions[:k]


@pytest.fixture
def router() -> CountingRouter:
    return CountingRouter()


def flood_story() -> str:
    """A story of its own (no other test files a text like it), so the similar reports are only this test's."""
    return (f"Terminal bus {uuid.uuid4().hex[:10]} tergenang air setinggi betis setiap sore karena talang atap "
            "peron selatan bocor, penumpang lansia terpeleset di lantai keramik dan loket tiket ikut terendam.")


async def test_filing_hints_give_the_hint_and_the_similar_reports_from_one_classifier_run(gql, router):
    text = flood_story()
    filed = (await gql(SUBMIT, {"input": submit_input(text=text)}))["submit"]
    router.calls.clear()

    hints = (await gql(HINTS, {"text": text + " Mohon segera diperbaiki."}))["filingHints"]

    assert len(router.calls) == 1, router.calls
    assert [s["category"]["slug"] for s in hints["routing"]] == ["infrastruktur", "lingkungan"]
    assert hints["routing"][0]["agency"]["slug"], "the hint names the agency"
    assert [d["submission"]["trackingCode"] for d in hints["similar"]] == [filed["trackingCode"]]


async def test_filing_hints_answer_as_the_two_separate_queries_do(gql, router):
    text = flood_story()
    await gql(SUBMIT, {"input": submit_input(text=text)})
    draft = text + " Sudah tiga kali terjadi."
    hints = (await gql(HINTS, {"text": draft}))["filingHints"]
    separate = await gql(
        """query($text: String!) { suggestRouting(text: $text) { confidence category { slug } agency { slug } }
           similarSubmissions(text: $text) { similarity submission { trackingCode text } } }""", {"text": draft})
    assert hints["routing"] == separate["suggestRouting"]
    assert hints["similar"] == separate["similarSubmissions"]


async def test_short_texts_get_no_classifier_run_and_no_similar_reports(gql, router):
    assert (await gql(HINTS, {"text": "  ab  "}))["filingHints"] == {"routing": [], "similar": []}
    assert router.calls == []
    short = (await gql(HINTS, {"text": "jalan rusak"}))["filingHints"]  # a hint, but too short to compare
    assert short["routing"] and short["similar"] == []
    assert len(router.calls) == 1


async def test_two_filing_hints_in_one_request_are_refused_before_any_classifier_run(gql, router):
    response = await gql.raw('{ a: filingHints(text: "jalan rusak") { similar { similarity } } '
                             'b: filingHints(text: "air mati") { similar { similarity } } }')
    body = response.json()
    assert body.get("data") is None, body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["field_repeated"]
    assert router.calls == []
