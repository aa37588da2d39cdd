"""People's routing decisions become training labels."""

from __future__ import annotations

import pytest
from sqlmodel import select

from suara.routing import labels
from suara.routing.router import NoRouter
from suara.submissions import service as submissions
from suara.submissions.models import Status, Submission, SubmissionEvent
from suara.triage import service as triage
from suara.triage.workflow import Conflict
from tests.factories import draft, unique_text

KEY = b"k"


async def test_routing_a_received_item_records_a_label_event_agency_and_deadlines(db_session, cast):
    receipt = await submissions.submit(db_session, draft(text=unique_text("Pupuk subsidi langka")), router=NoRouter(), secret_key=KEY)
    submission_id = receipt.submission.id
    routed = await triage.route_submission(db_session, cast.triage_admin, submission_id, "pertanian")
    assert routed.status == Status.ROUTED
    assert routed.category_slug == "pertanian" and routed.agency_id is not None
    assert routed.first_response_due_at is not None and routed.due_at == routed.first_response_due_at
    events = list(await db_session.exec(
        select(SubmissionEvent).where(SubmissionEvent.submission_id == submission_id).order_by(SubmissionEvent.id)
    ))
    assert [e.kind for e in events] == ["received", "routed"]
    assert events[-1].actor == cast.triage_admin.label
    [label] = list(await db_session.exec(select(labels.RoutingLabel).where(labels.RoutingLabel.submission_id == submission_id)))
    assert (label.category_slug, label.decision) == ("pertanian", "routed")


async def test_a_correction_appears_in_training_rows_with_the_latest_label(db_session, cast):
    text = unique_text("Lampu jalan mati di perempatan")
    receipt = await submissions.submit(db_session, draft(text=text), router=NoRouter(), secret_key=KEY)
    submission_id = receipt.submission.id
    await triage.route_submission(db_session, cast.triage_admin, submission_id, "energi")
    corrected = await triage.route_submission(db_session, cast.triage_admin, submission_id, "infrastruktur")
    assert corrected.category_slug == "infrastruktur"
    decisions = [l.decision for l in await db_session.exec(
        select(labels.RoutingLabel).where(labels.RoutingLabel.submission_id == submission_id).order_by(labels.RoutingLabel.id))]
    assert decisions == ["routed", "corrected"]
    rows = await labels.training_rows(db_session)
    assert (text, "infrastruktur") in rows
    assert (text, "energi") not in rows


async def test_only_triage_admins_route(db_session, cast):
    from suara.common.errors import NotAllowed

    receipt = await submissions.submit(db_session, draft(), router=NoRouter(), secret_key=KEY)
    with pytest.raises(NotAllowed):
        await triage.route_submission(db_session, cast.officer_a, receipt.submission.id, "energi")


async def test_a_stale_version_is_refused(db_session, cast):
    receipt = await submissions.submit(db_session, draft(), router=NoRouter(), secret_key=KEY)
    with pytest.raises(Conflict):
        await triage.route_submission(db_session, cast.triage_admin, receipt.submission.id, "energi", expected_version=7)
