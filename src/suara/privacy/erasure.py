"""Erasure of a reporter's personal data from one submission, in every store that holds it.

`STORES` is the one list of those stores: a table (or folder) added later that holds a reporter's data
belongs there, and `tests/privacy/test_erasure.py` scans every text column of the database after an
erasure, so a store missing from the list fails it.

What stays: the submission itself, with its texts masked (the complaint is still about a real road); every
event, with its kind, actor, statuses and time (notes and answers masked); every counter and public figure.
An erasure is recorded in `erasures` (which item and when, nothing personal), and `reapply_erasures`
applies every recorded one again: after a restore from a backup taken before it, or after old rows came back.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.actors import Actor
from suara.common.errors import ValidationFailed
from suara.db.columns import utcnow
from suara.dialogue import identity
from suara.media.models import SubmissionPhoto
from suara.privacy.models import Erasure, ErasureReason
from suara.submissions import workflow
from suara.submissions.duplicates import band_hashes
from suara.submissions.models import ReporterContact, Submission
from suara.submissions.outbox_models import OutboxMessage, OutboxState
from suara.submissions.public_text import (
    MASKS,
    forget_cached_texts,
    mask_public_text,
    national_digits,
)
from suara.submissions.sms_models import SmsInbound, SmsPart, SmsThread
from suara.submissions.workflow import Action

SUBMISSIONS = Submission.__table__
CONTACTS = ReporterContact.__table__
OUTBOX = OutboxMessage.__table__
SMS_INBOUND = SmsInbound.__table__
ERASURES = Erasure.__table__
FREE_TEXT_DETAILS = ("note", "public_note")
"""Event details written by people (internal notes, answers, a citizen's reason): masked by the full rule;
other details (codes, ids, dates) only lose the reporter's own values."""
CANCELLED = "erased: not sent"


@dataclass(frozen=True)
class PersonalData:
    """What identifies the reporter of one submission, read before anything is deleted."""

    submission_id: int
    name: str | None = None
    email: str | None = None
    nik: str | None = None
    phones: tuple[str, ...] = ()
    """Every number on the item: the contact's, and the one an SMS filing came from."""
    proven_phones: tuple[str, ...] = ()
    """The numbers known to be the reporter's (the SMS sender, a confirmed contact phone): their messages
    and codes that belong to no item are theirs too. An unconfirmed number may be anyone's."""

    @cached_property
    def _patterns(self) -> list[tuple[re.Pattern, str]]:
        values = [(self.name, MASKS["name"]), (self.email, MASKS["email"]), (self.nik, MASKS["nik"])]
        for phone in self.phones:
            national = national_digits(phone) or phone.lstrip("+")
            values += [(variant, MASKS["phone"]) for variant in (phone, f"62{national}", f"0{national}", national)]
        values = sorted({(value, mask) for value, mask in values if value and len(value) >= 3},
                        key=lambda pair: -len(pair[0]))
        return [(re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.IGNORECASE), mask) for value, mask in values]

    def scrub(self, value: Any) -> Any:
        """``value`` (text, or JSON of any depth) without the reporter's own values."""
        if isinstance(value, str):
            for pattern, mask in self._patterns:
                value = pattern.sub(mask, value)
            return value
        if isinstance(value, dict):
            return {key: self.scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        return value

    def mask_text(self, text: str | None) -> str | None:
        """Free text: the public masking rule (any e-mail, NIK or phone, the reporter's name), then their own values."""
        if not text:
            return text
        return self.scrub(mask_public_text(text, names=[self.name] if self.name else ()))

    def mask_details(self, details: dict[str, Any]) -> dict[str, Any]:
        return {key: self.mask_text(value) if key in FREE_TEXT_DETAILS and isinstance(value, str) else self.scrub(value)
                for key, value in details.items()}

    @property
    def addresses(self) -> set[str]:
        return {value for value in (*self.phones, self.email) if value}


async def personal_data(session: AsyncSession, submission_id: int) -> PersonalData:
    contact = await session.get(ReporterContact, submission_id, populate_existing=True)
    thread = await session.get(SmsThread, submission_id, populate_existing=True)
    phones = tuple(dict.fromkeys(p for p in (thread and thread.phone, contact and contact.phone) if p))
    proven = tuple(dict.fromkeys(p for p in (thread and thread.phone,
                                             contact and contact.phone_verified and contact.phone) if p))
    return PersonalData(
        submission_id=submission_id, name=contact and contact.name, email=contact and contact.email,
        nik=contact and contact.nik, phones=phones, proven_phones=proven,
    )


# The stores, each a function that erases the reporter's data from it and returns the rows it changed.

async def _submission(session: AsyncSession, person: PersonalData, secret_key: bytes | None) -> int:
    """Title, text, public text and place masked (``suara train --from-db`` reads its training texts
    here); duplicate fingerprints recomputed from the masked text; the idempotency receipt's digest of
    the request dropped (its key stays, so a retry is refused as a reuse, never filed again)."""
    row = (await session.exec(
        select(SUBMISSIONS.c.title, SUBMISSIONS.c.text, SUBMISSIONS.c.public_text, SUBMISSIONS.c.location_text)
        .where(SUBMISSIONS.c.id == person.submission_id)
    )).one()
    text = person.mask_text(row.text)
    await session.exec(update(SUBMISSIONS).where(SUBMISSIONS.c.id == person.submission_id).values(
        title=person.mask_text(row.title), text=text, public_text=person.mask_text(row.public_text),
        location_text=person.mask_text(row.location_text), duplicate_bands=band_hashes(text) or None,
        idempotency_fingerprint=None,
    ))
    return 1


async def _events(session: AsyncSession, person: PersonalData, secret_key: bytes | None) -> int:
    """Every event kept; internal notes, answers and a citizen's reasons masked."""
    return await workflow.mask_event_details(session, person.submission_id, person.mask_details)


async def _contact(session: AsyncSession, person: PersonalData, secret_key: bytes | None) -> int:
    result = await session.exec(delete(CONTACTS).where(CONTACTS.c.submission_id == person.submission_id))
    return result.rowcount or 0


async def _sms_thread(session: AsyncSession, person: PersonalData, secret_key: bytes | None) -> int:
    """The number an SMS filing came from (the conversation's reply channel): deleted."""
    result = await session.exec(delete(SmsThread).where(SmsThread.submission_id == person.submission_id))
    return result.rowcount or 0


async def _sms_inbound(session: AsyncSession, person: PersonalData, secret_key: bytes | None) -> int:
    """The raw messages of the item (its filing, CEK, SELESAI/BELUM): number removed, any text masked."""
    rows = (await session.exec(
        select(SMS_INBOUND.c.id, SMS_INBOUND.c.text, SMS_INBOUND.c.last_error)
        .where(SMS_INBOUND.c.submission_id == person.submission_id)
    )).all()
    for row in rows:
        await session.exec(update(SMS_INBOUND).where(SMS_INBOUND.c.id == row.id).values(
            phone=None, text=person.mask_text(row.text), last_error=person.mask_text(row.last_error)))
    return len(rows)


async def _sms_parts(session: AsyncSession, person: PersonalData, secret_key: bytes | None) -> int:
    """Parts of a long message from the reporter's number still waiting for the rest: deleted."""
    if not person.proven_phones:
        return 0
    result = await session.exec(delete(SmsPart).where(SmsPart.phone.in_(person.proven_phones)))
    return result.rowcount or 0


async def _outbox(session: AsyncSession, person: PersonalData, secret_key: bytes | None) -> int:
    """Messages about the item (to the reporter and staff mails) and the reporter's verification codes:
    the reporter's address and every text masked; what was still to go to the reporter is cancelled."""
    mine = OUTBOX.c.submission_id == person.submission_id
    if person.proven_phones:
        mine = or_(mine, and_(OUTBOX.c.submission_id.is_(None), OUTBOX.c.recipient.in_(person.proven_phones)))
    rows = (await session.exec(
        select(OUTBOX.c.id, OUTBOX.c.channel, OUTBOX.c.recipient, OUTBOX.c.subject, OUTBOX.c.body,
               OUTBOX.c.state, OUTBOX.c.last_error)
        .where(mine).with_for_update()  # the sender skips rows it cannot lock, and we wait for its batch
    )).all()
    addresses = person.addresses
    for row in rows:
        to_reporter = row.recipient in addresses
        cancel = to_reporter and row.state == OutboxState.PENDING
        await session.exec(update(OUTBOX).where(OUTBOX.c.id == row.id).values(
            recipient=(MASKS["email"] if row.channel == "email" else MASKS["phone"]) if to_reporter else row.recipient,
            subject=person.mask_text(row.subject), body=person.mask_text(row.body),
            state=OutboxState.FAILED if cancel else row.state,
            last_error=CANCELLED if cancel else person.mask_text(row.last_error),
        ))
    return len(rows)


async def _verifications(session: AsyncSession, person: PersonalData, secret_key: bytes | None) -> int:
    """One-time codes sent to the reporter's numbers (stored as keyed hashes, so the server key is needed
    to find them; without it they go with the daily prune of verification records)."""
    if secret_key is None:
        return 0
    deleted = 0
    for phone in person.phones:
        try:
            deleted += await identity.forget_phone(session, secret_key, phone)
        except ValidationFailed:  # a sender that is no phone number (a short code) was never verified
            continue
    return deleted


async def _photos(session: AsyncSession, person: PersonalData, secret_key: bytes | None) -> int:
    """Photos of the item (a face, a house, a number plate cannot be masked): their rows deleted, and with
    them every way to fetch them; the files go with the jobs' next sweep of files no row names."""
    result = await session.exec(delete(SubmissionPhoto).where(SubmissionPhoto.submission_id == person.submission_id))
    return result.rowcount or 0


Store = Callable[[AsyncSession, PersonalData, bytes | None], Awaitable[int]]

STORES: dict[str, Store] = {
    "submissions": _submission,
    "submission_events": _events,
    "reporter_contacts": _contact,
    "sms_threads": _sms_thread,
    "sms_inbound": _sms_inbound,
    "sms_parts": _sms_parts,
    "outbox": _outbox,
    "phone_verifications": _verifications,
    "submission_photos": _photos,
}
"""Every store of a reporter's personal data, by table name: the one list an erasure goes through."""


async def _apply(session: AsyncSession, person: PersonalData, secret_key: bytes | None) -> dict[str, int]:
    changed = {name: await erase_from(session, person, secret_key) for name, erase_from in STORES.items()}
    forget_cached_texts()
    return changed


async def erasure_of(session: AsyncSession, submission_id: int) -> Erasure | None:
    return await session.get(Erasure, submission_id, populate_existing=True)


@dataclass(frozen=True)
class Erased:
    erased_at: datetime
    already: bool
    """True when the item had been erased before: nothing was changed now."""


async def erase(
    session: AsyncSession, submission: Submission, *, reason: ErasureReason, actor: Actor,
    secret_key: bytes | None, now: datetime | None = None,
) -> Erased:
    """Erase the reporter's personal data from ``submission`` in every store, record the erasure and
    append its event (through the workflow, with no personal data). Idempotent: the record is claimed
    first, so of concurrent requests one erases and the others find it done."""
    now = now or utcnow()
    claimed = (await session.exec(
        pg_insert(ERASURES).values(submission_id=submission.id, reason=reason.value, erased_at=now)
        .on_conflict_do_nothing().returning(ERASURES.c.erased_at)
    )).first()
    if claimed is None:
        earlier = await erasure_of(session, submission.id)
        return Erased(earlier.erased_at, already=True)
    await _apply(session, await personal_data(session, submission.id), secret_key)
    await workflow.record(session, submission, Action.ERASE_PERSONAL_DATA, actor, details={"reason": reason.value},
                          now=now)
    return Erased(now, already=False)


async def reapply_erasures(session: AsyncSession, *, secret_key: bytes | None = None) -> int:
    """Apply every recorded erasure again (after a restore, or after old rows came back): contacts deleted
    and texts masked anew; no event is added and no counter moves. With the server key, the reporters'
    verification records are deleted too. Returns how many erasures were applied."""
    submission_ids = list((await session.exec(select(ERASURES.c.submission_id).order_by(ERASURES.c.submission_id))).scalars())
    for submission_id in submission_ids:
        await _apply(session, await personal_data(session, submission_id), secret_key)
    await session.flush()
    return len(submission_ids)
