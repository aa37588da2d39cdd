"""People's routing decisions become training labels."""

from __future__ import annotations

import pytest
from sqlmodel import select

from suara.routing.router import NoRouter
from suara.submissions import routing_labels as labels
from suara.submissions import service as submissions
from suara.submissions.models import Status, SubmissionEvent
from suara.submissions.workflow import Conflict
from suara.triage import service as triage
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
    decisions = [label.decision for label in await db_session.exec(
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


async def test_train_from_db_learns_from_staff_decisions(database_url, engine, cast, tmp_path):
    import os
    import subprocess
    import sys

    from suara.db.engine import make_session_factory, transaction

    async with transaction(make_session_factory(engine)) as session:
        receipt = await submissions.submit(session, draft(text=unique_text("Retribusi parkir pasar ditarik dua kali")),
                                           router=NoRouter(), secret_key=KEY)
        await triage.route_submission(session, cast.triage_admin, receipt.submission.id, "ekonomi_dan_industri")
    out = tmp_path / "from-db.skops"
    result = subprocess.run([sys.executable, "-m", "suara.cli", "train", "--from-db", "--out", str(out)],
                            env=dict(os.environ, DATABASE_URL=database_url), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    card = out.with_suffix(".md").read_text()
    assert "staff-labelled submissions" in card
    assert " 0 staff-labelled" not in card
