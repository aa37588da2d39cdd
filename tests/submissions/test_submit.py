"""Filing and tracking submissions through the public GraphQL API, on the real database."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select, text

from suara.submissions.models import ReporterContact, Submission
from tests.factories import SUBMIT, TRACK, submit_input, unique_text


async def count_rows(database, table) -> int:
    async with database.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(table))).scalar_one()


async def test_submit_returns_a_receipt_and_the_code_tracks_it(gql):
    data = await gql(SUBMIT, {"input": submit_input(title="Jalan rusak", regionCode="33.74")})
    receipt = data["submit"]
    assert receipt["__typename"] == "SubmissionReceipt"
    assert receipt["replayed"] is False
    assert receipt["routing"]["state"] == "RECEIVED"

    tracked = (await gql(TRACK, {"code": receipt["trackingCode"]}))["submission"]
    assert tracked["trackingCode"] == receipt["trackingCode"]
    assert tracked["status"] == "received"
    assert tracked["statusGroup"] == "OPEN"
    assert tracked["title"] == "Jalan rusak"
    assert tracked["location"]["regionCode"] == "33.74"
    assert [event["kind"] for event in tracked["events"]] == ["received"]


async def test_tracking_accepts_lower_case_and_missing_dashes(gql):
    code = (await gql(SUBMIT, {"input": submit_input()}))["submit"]["trackingCode"]
    sloppy = code.replace("-", " ").lower()
    assert (await gql(TRACK, {"code": sloppy}))["submission"]["trackingCode"] == code


async def test_unknown_tracking_code_returns_null(gql):
    assert (await gql(TRACK, {"code": "AAA-AAA-AAA"}))["submission"] is None
    assert (await gql(TRACK, {"code": "not a code"}))["submission"] is None


INVALID_INPUTS = [
    ({"text": "pendek"}, "text", "too_short"),
    ({"text": "         x         "}, "text", "too_short"),
    ({"text": "a" * 5001}, "text", "too_long"),
    ({"title": "t" * 201}, "title", "too_long"),
    ({"reporterPhone": "12345"}, "reporterPhone", "invalid_phone"),
    ({"reporterEmail": "warga@"}, "reporterEmail", "invalid_email"),
    ({"reporterNik": "33740112345"}, "reporterNik", "invalid_nik"),
    ({"reporterNik": "33740112345678AB"}, "reporterNik", "invalid_nik"),
    ({"latitude": 91.0, "longitude": 110.0}, "latitude", "out_of_range"),
    ({"latitude": -7.0, "longitude": 181.0}, "longitude", "out_of_range"),
    ({"latitude": -7.0}, "latitude", "incomplete_coordinates"),
    ({"regionCode": "33-74"}, "regionCode", "invalid_region_code"),
    ({"anonymous": True, "reporterPhone": "081234567890"}, "anonymous", "contact_with_anonymous"),
    ({"idempotencyKey": "spaces are not allowed"}, "idempotencyKey", "invalid_idempotency_key"),
]


@pytest.mark.parametrize(("overrides", "field", "code"), INVALID_INPUTS)
async def test_invalid_input_returns_a_typed_error_and_writes_nothing(
    gql, database, overrides, field, code
):
    before = (await count_rows(database, Submission.__table__), await count_rows(database, ReporterContact.__table__))
    result = (await gql(SUBMIT, {"input": submit_input(**overrides)}))["submit"]
    assert result["__typename"] == "ValidationError"
    assert (result["field"], result["code"]) == (field, code)
    assert result["message"] and result["messageEn"] and result["message"] != result["messageEn"]
    after = (await count_rows(database, Submission.__table__), await count_rows(database, ReporterContact.__table__))
    assert after == before


async def test_every_problem_is_reported_at_once(gql):
    result = (
        await gql(SUBMIT, {"input": submit_input(text="x", reporterEmail="bad", reporterNik="1")})
    )["submit"]
    assert {p["field"] for p in result["problems"]} == {"text", "reporterEmail", "reporterNik"}


async def test_unknown_kind_is_refused_by_the_schema(gql):
    response = await gql.raw(SUBMIT, {"input": submit_input(kind="PETITION")})
    assert response.json()["errors"]


async def stored_phones(database, tracking_code: str) -> list[str | None]:
    async with database.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT c.phone FROM reporter_contacts c JOIN submissions s ON s.id = c.submission_id "
                "WHERE s.tracking_code = :code"
            ),
            {"code": tracking_code.replace("-", "")},
        )
        return list(rows.scalars())


async def test_indonesian_phone_numbers_are_stored_in_e164(gql, database):
    code = (await gql(SUBMIT, {"input": submit_input(reporterPhone="0812-3456-7890")}))["submit"]["trackingCode"]
    assert await stored_phones(database, code) == ["+6281234567890"]


async def test_anonymous_submission_stores_no_contact(gql, database):
    code = (await gql(SUBMIT, {"input": submit_input(anonymous=True)}))["submit"]["trackingCode"]
    assert await stored_phones(database, code) == []


async def test_public_submission_json_contains_no_contact_value(gql):
    contact = {
        "reporterName": "Sulastri Wahyuningsih",
        "reporterPhone": "081234567891",
        "reporterEmail": "sulastri.w@example.id",
        "reporterNik": "3374014101900003",
    }
    story = (
        "Saya Sulastri Wahyuningsih, NIK 3374014101900003, hp 0812-3456-7891, email "
        "sulastri.w@example.id. Jalan di depan rumah saya rusak berat sejak Januari."
    )
    receipt = (await gql(SUBMIT, {"input": submit_input(text=story, **contact)}))["submit"]
    response = await gql.raw(TRACK, {"code": receipt["trackingCode"]})
    raw = response.text
    for value in ("Sulastri", "Wahyuningsih", "3374014101900003", "0812-3456-7891", "81234567891",
                  "sulastri.w@example.id"):
        assert value not in raw, value
    assert "rusak berat" in raw


async def test_confidential_submission_shows_only_kind_status_agency_and_dates(gql):
    receipt = (await gql(SUBMIT, {"input": submit_input(confidential=True, title="Rahasia")}))["submit"]
    tracked = (await gql(TRACK, {"code": receipt["trackingCode"]}))["submission"]
    assert tracked["confidential"] is True
    assert tracked["kind"] == "COMPLAINT" and tracked["status"] == "received"
    assert tracked["createdAt"] and tracked["updatedAt"]
    hidden = ("title", "text", "channel", "location", "category", "anonymous")
    assert all(tracked[field] is None for field in hidden)
    assert tracked["events"] == []


async def test_hundred_concurrent_submits_store_hundred_rows_with_distinct_codes(committing_gql, engine):
    """Commits: the requests race in transactions of their own."""
    marker = uuid.uuid4().hex
    inputs = [submit_input(text=f"Lampu PJU mati di gang {i}, penanda {marker}") for i in range(100)]
    results = await asyncio.gather(*(committing_gql(SUBMIT, {"input": i}) for i in inputs))
    codes = {r["submit"]["trackingCode"] for r in results}
    assert len(codes) == 100
    async with engine.connect() as connection:
        stored = (
            await connection.execute(
                text("SELECT count(DISTINCT tracking_code) FROM submissions WHERE text LIKE :m"),
                {"m": f"%{marker}%"},
            )
        ).scalar_one()
    assert stored == 100


async def test_concurrent_retries_with_one_idempotency_key_store_one_row(committing_gql, engine):
    """Commits: the requests race in transactions of their own."""
    key = f"retry-{uuid.uuid4()}"
    body = submit_input(idempotencyKey=key)
    results = await asyncio.gather(*(committing_gql(SUBMIT, {"input": body}) for _ in range(20)))
    receipts = [r["submit"] for r in results]
    assert {r["trackingCode"] for r in receipts} == {receipts[0]["trackingCode"]}
    assert {r["citizenSecret"] for r in receipts} == {receipts[0]["citizenSecret"]}
    assert sum(1 for r in receipts if not r["replayed"]) == 1
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                text("SELECT count(*) FROM submissions WHERE idempotency_key = :k"), {"k": f"client:{key}"}
            )
        ).scalar_one()
        events = (
            await connection.execute(
                text(
                    "SELECT count(*) FROM submission_events e JOIN submissions s "
                    "ON s.id = e.submission_id WHERE s.idempotency_key = :k"
                ),
                {"k": f"client:{key}"},
            )
        ).scalar_one()
    assert rows == 1
    assert events == 1


async def test_a_later_retry_returns_the_first_receipt(gql):
    body = submit_input(idempotencyKey=f"later-{uuid.uuid4()}")
    first = (await gql(SUBMIT, {"input": body}))["submit"]
    second = (await gql(SUBMIT, {"input": body}))["submit"]
    assert second["trackingCode"] == first["trackingCode"]
    assert second["replayed"] is True


async def test_event_log_refuses_updates(database, gql):
    await gql(SUBMIT, {"input": submit_input()})
    with pytest.raises(Exception, match="append-only"):
        async with database.connect() as connection:  # the savepoint is rolled back with the error
            await connection.execute(text("UPDATE submission_events SET actor = 'tampered'"))


async def test_status_agrees_with_the_last_event(gql, database):
    await gql(SUBMIT, {"input": submit_input(text=unique_text())})
    async with database.connect() as connection:
        disagreements = (
            await connection.execute(
                text(
                    "SELECT count(*) FROM submissions s WHERE s.status <> ("
                    " SELECT e.status_after FROM submission_events e"
                    " WHERE e.submission_id = s.id ORDER BY e.id DESC LIMIT 1)"
                )
            )
        ).scalar_one()
    assert disagreements == 0
