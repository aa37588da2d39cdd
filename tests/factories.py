"""Small builders of test data."""

from __future__ import annotations

import itertools
import uuid

from suara.submissions.validation import SubmissionDraft

_counter = itertools.count(1)

SUBMIT = """
mutation Submit($input: SubmitInput!) {
  submit(input: $input) {
    __typename
    ... on SubmissionReceipt {
      trackingCode citizenSecret replayed
      routing { state confidence modelVersion suggestions { confidence category { slug } agency { slug } } }
      submission { trackingCode status statusGroup text agency { slug } category { slug } }
    }
    ... on ValidationError { field code message messageEn problems { field code message messageEn } }
  }
}
"""

TRACK = """
query Track($code: String!) {
  submission(trackingCode: $code) {
    trackingCode kind status statusGroup confidential anonymous title text channel
    location { text regionCode latitude longitude }
    createdAt updatedAt agency { slug name } category { slug }
    events { kind status at note agency { slug } }
  }
}
"""


def unique_text(prefix: str = "Jalan di desa kami rusak berlubang") -> str:
    return f"{prefix}, laporan uji nomor {next(_counter)} ({uuid.uuid4().hex[:8]})."


def draft(**overrides) -> SubmissionDraft:
    values = dict(kind="complaint", text=unique_text(), channel="api")
    values.update(overrides)
    return SubmissionDraft(**values)


def submit_input(**overrides) -> dict:
    values = {"kind": "COMPLAINT", "text": unique_text(), "channel": "API"}
    values.update(overrides)
    return values


async def make_staff(session, agency_slug: str, role: str = "officer", password: str = "kata-sandi-rahasia-1"):
    """A staff member (committed by the caller's transaction) and their actor."""
    from suara.triage import auth

    staff, _ = await auth.create_staff(
        session, agency_slug=agency_slug, email=f"{role}.{uuid.uuid4().hex[:10]}@{agency_slug}.go.id",
        role=role, password=password,
    )
    return staff, auth.Actor.of(staff)


async def make_item(session, *, agency_slug: str | None, status: str = "routed", kind: str = "complaint",
                    anonymous: bool = False, confidential: bool = False, contact: dict | None = None,
                    now=None, **columns):
    """A submission placed directly in a given state, with its agency's deadlines (test setup only)."""
    from sqlmodel import select

    from suara.agencies.models import Agency
    from suara.db.columns import utcnow
    from suara.submissions import codes
    from suara.submissions.deadlines import routing_changes
    from suara.submissions.models import ReporterContact, Submission, SubmissionEvent

    now = now or utcnow()
    text = unique_text("Saluran air di depan pasar tersumbat sampah")
    values = dict(
        tracking_code=codes.new_tracking_code(), kind=kind, channel="api", text=text, public_text=text,
        anonymous=anonymous, confidential=confidential, status=status, version=1,
        created_at=now, updated_at=now,
    )
    if agency_slug:
        agency = (await session.exec(select(Agency).where(Agency.slug == agency_slug))).one()
        values.update(routing_changes(agency, kind, now))
        values["category_slug"] = "infrastruktur"
    values.update(columns)
    submission = Submission(**values)
    session.add(submission)
    await session.flush()
    session.add(SubmissionEvent(submission_id=submission.id, kind="received", actor="citizen:api",
                                status_after=status, details={}, created_at=now))
    if contact and not anonymous:
        session.add(ReporterContact(submission_id=submission.id, **contact))
    await session.flush()
    return submission


async def default_agency_slug(session, category: str) -> str:
    """The agency a category routes to in the seeded directory."""
    from sqlmodel import select

    from suara.agencies.models import Agency, Category

    row = await session.exec(
        select(Agency.slug).join(Category, Category.default_agency_id == Agency.id).where(Category.slug == category)
    )
    return row.one()
