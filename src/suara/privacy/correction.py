"""A citizen corrects the contact data on their submission (UU PDP's right to rectification)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.actors import Actor
from suara.common.errors import NotAllowed, ValidationFailed
from suara.privacy.erasure import erasure_of
from suara.submissions import workflow
from suara.submissions.models import ReporterContact, Submission
from suara.submissions.validation import CleanContact, check_contact
from suara.submissions.workflow import Action

CONTACTS = ReporterContact.__table__
FIELDS = ("name", "phone", "email", "nik")


@dataclass(frozen=True)
class Correction:
    contact: CleanContact
    """As stored now (empty when there is none)."""
    changed: list[str]
    """The fields whose value changed; none when the citizen sent what was stored."""


async def correct_contact(
    session: AsyncSession, submission: Submission, *, name: str | None, phone: str | None, email: str | None,
    nik: str | None, actor: Actor,
) -> Correction:
    """Replace the item's contact with these values (blank ones removed; all blank removes the contact) and
    record which fields changed, never their values. A changed phone is unconfirmed until its owner
    confirms it with a code; an unchanged one keeps its confirmation. The caller holds the item's lock."""
    contact, problems = check_contact(name, phone, email, nik)
    if problems:
        raise ValidationFailed(problems)
    if submission.anonymous:
        raise NotAllowed("anonymous_item", "Laporan anonim tidak menyimpan kontak.",
                         "An anonymous submission stores no contact.")
    if await erasure_of(session, submission.id) is not None:
        raise NotAllowed("already_erased", "Data pribadi laporan ini sudah dihapus.",
                         "The personal data of this submission has been erased.")
    current = await session.get(ReporterContact, submission.id, populate_existing=True)
    before = CleanContact(**{field: getattr(current, field) for field in FIELDS}) if current else CleanContact()
    changed = [field for field in FIELDS if getattr(before, field) != getattr(contact, field)]
    if not changed:
        return Correction(before, [])
    if contact.is_empty():
        await session.exec(delete(CONTACTS).where(CONTACTS.c.submission_id == submission.id))
    else:
        values = {**asdict(contact), "phone_verified": bool(current and current.phone_verified
                                                              and contact.phone == current.phone)}
        await session.exec(pg_insert(CONTACTS).values(submission_id=submission.id, **values)
                           .on_conflict_do_update(index_elements=[CONTACTS.c.submission_id], set_=values))
    await workflow.record(session, submission, Action.CORRECT_CONTACT, actor, details={"fields": changed})
    return Correction(contact, changed)
