"""Possible duplicates on the receipt, and supporting an existing submission instead."""

from __future__ import annotations

import asyncio
import uuid

from tests.factories import SUBMIT, TRACK, submit_input

SUPPORT = """
mutation Support($code: String!, $key: String) {
  support(trackingCode: $code, idempotencyKey: $key) {
    __typename
    ... on SupportReceipt { submission { trackingCode supportCount events { kind } } }
    ... on NotFound { code message messageEn }
    ... on ValidationError { code }
  }
}
"""

DUPLICATES = """
mutation Submit($input: SubmitInput!) {
  submit(input: $input) {
    ... on SubmissionReceipt { trackingCode possibleDuplicates { similarity submission { trackingCode text } } }
  }
}
"""


def story(place: str) -> str:
    return (
        f"Jembatan gantung di dusun {place} putus diterjang arus sungai sejak minggu lalu, anak-anak "
        "sekolah terpaksa menyeberang lewat sungai yang deras dan sangat berbahaya bagi keselamatan."
    )


async def test_near_identical_open_submission_is_offered_as_possible_duplicate(gql):
    place = uuid.uuid4().hex[:10]
    first = (await gql(DUPLICATES, {"input": submit_input(text=story(place))}))["submit"]
    again = story(place).replace("sangat berbahaya", "berbahaya sekali") + " Mohon segera."
    second = (await gql(DUPLICATES, {"input": submit_input(text=again)}))["submit"]
    offered = {d["submission"]["trackingCode"]: d["similarity"] for d in second["possibleDuplicates"]}
    assert first["trackingCode"] in offered
    assert offered[first["trackingCode"]] >= 0.6


async def test_different_texts_are_not_offered_as_duplicates(gql):
    place = uuid.uuid4().hex[:10]
    await gql(DUPLICATES, {"input": submit_input(text=story(place))})
    other = f"Gaji guru honorer di sekolah {place} belum dibayar selama tiga bulan, mohon perhatian dinas."
    second = (await gql(DUPLICATES, {"input": submit_input(text=other)}))["submit"]
    assert second["possibleDuplicates"] == []


async def test_confidential_submissions_are_never_offered_as_duplicates(gql):
    place = uuid.uuid4().hex[:10]
    first = (await gql(DUPLICATES, {"input": submit_input(text=story(place), confidential=True)}))["submit"]
    second = (await gql(DUPLICATES, {"input": submit_input(text=story(place) + " Tolong.")}))["submit"]
    assert first["trackingCode"] not in {d["submission"]["trackingCode"] for d in second["possibleDuplicates"]}


async def test_support_counts_publicly_and_a_retried_support_counts_once(committing_gql):
    """Commits: the retries race in transactions of their own."""
    gql = committing_gql
    code = (await gql(SUBMIT, {"input": submit_input()}))["submit"]["trackingCode"]
    key = f"support-{uuid.uuid4()}"
    results = await asyncio.gather(*(gql(SUPPORT, {"code": code, "key": key}) for _ in range(5)))
    assert all(r["support"]["__typename"] == "SupportReceipt" for r in results)
    await gql(SUPPORT, {"code": code, "key": None})
    tracked = (await gql(TRACK, {"code": code}))["submission"]
    raw = (await gql("query($c: String!) { submission(trackingCode: $c) { supportCount } }", {"c": code}))
    assert raw["submission"]["supportCount"] == 2
    assert [e["kind"] for e in tracked["events"]].count("supported") == 2


async def test_supporting_an_unknown_code_is_a_typed_not_found(gql):
    result = (await gql(SUPPORT, {"code": "ZZZ-ZZZ-ZZZ", "key": None}))["support"]
    assert result["__typename"] == "NotFound"
    assert result["code"] == "submission_not_found"


SIMILAR = "query($text: String!) { similarSubmissions(text: $text) { similarity submission { trackingCode } } }"


async def test_similar_submissions_are_found_before_sending_and_nothing_is_written(gql):
    place = uuid.uuid4().hex[:10]
    text = (f"Pasar tradisional {place} banjir setiap hujan deras karena gorong-gorong di sisi timur tersumbat "
            "sampah plastik, pedagang sayur merugi dan pembeli enggan datang berbelanja ke sana.")
    first = (await gql(DUPLICATES, {"input": submit_input(text=text)}))["submit"]
    draft = text + " Mohon segera diperbaiki."
    found = (await gql(SIMILAR, {"text": draft}))["similarSubmissions"]
    assert [d["submission"]["trackingCode"] for d in found] == [first["trackingCode"]]
    assert (await gql(SIMILAR, {"text": draft}))["similarSubmissions"] == found, "asking twice files nothing new"
    assert (await gql(SIMILAR, {"text": "terlalu pendek"}))["similarSubmissions"] == []
