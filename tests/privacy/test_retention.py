"""Contact retention: `SUARA_CONTACT_RETENTION_DAYS` after an item ends, the jobs erase its reporter's data;
items that ended more recently, or have not ended, keep it."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from suara.db.columns import utcnow
from suara.db.engine import transaction
from suara.jobs import run_claimed
from suara.privacy.models import Erasure
from suara.privacy.retention import erase_expired
from suara.submissions.models import ReporterContact, Submission, SubmissionEvent
from tests.factories import make_item
from tests.privacy.citizen import person, text_about


async def test_the_retention_job_erases_exactly_the_items_ended_longer_ago_than_the_setting(sessions, cast):
    now = utcnow()
    long_ago, lately = now - timedelta(days=400), now - timedelta(days=100)
    people = {label: person() for label in ("closed_long_ago", "rejected_long_ago", "closed_lately",
                                            "rejected_lately", "open_long_ago", "reopened")}

    def contact(label):
        who = people[label]
        return {"name": who["name"], "phone": "+62" + who["phone"][1:], "email": who["email"], "nik": who["nik"]}

    async with transaction(sessions) as session:
        async def filed(label, status, **columns):
            text = text_about(people[label])
            return await make_item(session, agency_slug=cast.agency_a, status=status, contact=contact(label),
                                   now=long_ago - timedelta(days=10), text=text, public_text=text, **columns)

        items = {
            "closed_long_ago": await filed("closed_long_ago", "closed", closed_at=long_ago),
            "rejected_long_ago": await filed("rejected_long_ago", "rejected"),
            "closed_lately": await filed("closed_lately", "closed", closed_at=lately),
            "rejected_lately": await filed("rejected_lately", "rejected"),
            "open_long_ago": await filed("open_long_ago", "in_progress"),
            "reopened": await filed("reopened", "reopened", closed_at=None),
        }
        for label, at in (("rejected_long_ago", long_ago), ("rejected_lately", lately)):
            session.add(SubmissionEvent(submission_id=items[label].id, kind="rejected", actor="staff:1",
                                        status_before="routed", status_after="rejected", created_at=at))

    erased = await run_claimed(sessions, "contact_retention", lambda session: erase_expired(
        session, retention_days=365, now=now, batch=10_000))
    assert erased >= 2
    ids = {label: row.id for label, row in items.items()}
    async with sessions() as session:
        contacts = set((await session.exec(select(ReporterContact.submission_id).where(
            ReporterContact.submission_id.in_(ids.values())))).all())
        erasures = dict((await session.exec(select(Erasure.submission_id, Erasure.reason).where(
            Erasure.submission_id.in_(ids.values())))).all())
        texts = dict((await session.exec(select(Submission.id, Submission.text).where(
            Submission.id.in_(ids.values())))).all())
        kinds = (await session.exec(select(SubmissionEvent.actor).where(
            SubmissionEvent.submission_id == ids["closed_long_ago"], SubmissionEvent.kind == "personal_data_erased"))
        ).all()
    gone = {"closed_long_ago", "rejected_long_ago"}
    assert erasures == {ids[label]: "retention" for label in gone}
    assert contacts == {ids[label] for label in set(ids) - gone}
    for label, submission_id in ids.items():
        who = people[label]
        kept = who["nik"] in texts[submission_id] and who["name"] in texts[submission_id]
        assert kept == (label not in gone), label
    assert kinds == ["system"]

    again = await run_claimed(sessions, "contact_retention", lambda session: erase_expired(
        session, retention_days=365, now=now, batch=10_000))
    async with sessions() as session:
        assert len((await session.exec(select(Erasure).where(Erasure.submission_id.in_(ids.values())))).all()) == 2
    assert again == 0
