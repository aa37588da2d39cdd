"""People's routing decisions become training labels."""

from __future__ import annotations

import pytest

from suara.routing import labels
from suara.submissions import service
from suara.submissions.models import Status, Submission, SubmissionEvent
from suara.routing.router import NoRouter
from sqlmodel import select
from tests.factories import draft, unique_text

KEY = b"k"


async def test_routing_a_received_item_records_a_label_event_and_agency(db_session):
    receipt = await service.submit(db_session, draft(text=unique_text("Pupuk subsidi langka")), router=NoRouter(), secret_key=KEY)
    submission = receipt.submission
    label = await labels.record_routing_decision(
        db_session, submission_id=submission.id, category_slug="pertanian", decided_by="staff:test"
    )
    assert label.decision == "routed"
    submission = await db_session.get(Submission, submission.id)
    assert submission.status == Status.ROUTED
    assert submission.category_slug == "pertanian"
    assert submission.agency_id is not None
    assert submission.version == 2
    events = list(await db_session.exec(
        select(SubmissionEvent).where(SubmissionEvent.submission_id == submission.id).order_by(SubmissionEvent.id)
    ))
    assert [e.kind for e in events] == ["received", "routed"]
    assert events[-1].actor == "staff:test"


async def test_a_correction_appears_in_training_rows_with_the_latest_label(db_session):
    text = unique_text("Lampu jalan mati di perempatan")
    receipt = await service.submit(db_session, draft(text=text), router=NoRouter(), secret_key=KEY)
    submission_id = receipt.submission.id
    await labels.record_routing_decision(
        db_session, submission_id=submission_id, category_slug="energi", decided_by="staff:a"
    )
    correction = await labels.record_routing_decision(
        db_session, submission_id=submission_id, category_slug="infrastruktur", decided_by="staff:b"
    )
    assert correction.decision == "corrected"
    rows = await labels.training_rows(db_session)
    assert (text, "infrastruktur") in rows
    assert (text, "energi") not in rows


async def test_a_stale_version_is_refused(db_session):
    receipt = await service.submit(db_session, draft(), router=NoRouter(), secret_key=KEY)
    with pytest.raises(labels.StaleSubmission):
        await labels.record_routing_decision(
            db_session, submission_id=receipt.submission.id, category_slug="energi",
            decided_by="staff:a", expected_version=7,
        )
