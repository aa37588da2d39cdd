"""What staff and citizens do with a submission after filing, authorised here in the domain.

Staff see only their own agency's items (a triage admin sees all); an item another agency
handles is reported as not found, so its existence is not revealed either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, true, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency, Category
from suara.common.actors import Actor, Role
from suara.common.calendar import add_working_days
from suara.common.errors import FieldProblem, NotAllowed, NotFound, ValidationFailed
from suara.db.columns import utcnow
from suara.submissions import codes
from suara.submissions.counting import counted_together
from suara.submissions.deadlines import (
    AUTO_CLOSE_WORKING_DAYS,
    REOPEN_WINDOW_WORKING_DAYS,
    deadline_details,
    deadlines_for,
    routing_changes,
)
from suara.submissions.models import (
    ReporterContact,
    Status,
    Submission,
    SubmissionSupport,
    unfinished_statuses,
)
from suara.submissions.outbox import notify_staff
from suara.submissions.routing_labels import predicted_category, record_label
from suara.submissions.service import find_by_tracking_code, find_possible_duplicates
from suara.submissions.workflow import Action, Conflict, next_status, record, transition
from suara.triage.escalation import escalation_mail
from suara.triage.models import AnswerTemplate, Staff

NOTE_MAX = 5000
REJECTION_REASONS = {
    "not_our_authority": ("Bukan kewenangan instansi ini", "Not this agency's authority"),
    "incomplete": ("Laporan tidak lengkap", "Incomplete report"),
    "spam": ("Spam atau tidak pantas", "Spam or abusive"),
    "duplicate": ("Sudah dilaporkan sebelumnya", "Already reported"),
}

WRONG_AGENCY = "wrong_agency"
"""The ``reason`` of a forward the agency marks as "not ours, wrong agency": it counts against the model's
live precision when the model had routed the item (`suara.live_precision`)."""

MIN_CALENDAR_DAYS_TO_CLOSE = timedelta(days=12)
"""Ten working days never take fewer calendar days than this: a cheap pre-filter."""

HIDDEN = NotFound("submission", "Laporan tidak ditemukan.", "Submission not found.")


def visible_to(actor: Actor):
    """SQL condition: the submissions this staff member may see."""
    if actor.role == Role.TRIAGE_ADMIN:
        return true()
    return Submission.agency_id == actor.agency_id


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed("sign_in_required", "Silakan masuk sebagai petugas.", "Sign in as staff first.")


async def load_for_staff(session: AsyncSession, actor: Actor, submission_id: int) -> Submission:
    _require_staff(actor)
    submission = (
        await session.exec(
            select(Submission)
            .where(Submission.id == submission_id, visible_to(actor))
            .execution_options(populate_existing=True)  # transitions update through Core
        )
    ).first()
    if submission is None:
        raise HIDDEN
    return submission


async def _load_for_action(
    session: AsyncSession, actor: Actor, submission_id: int, expected_version: int | None
) -> Submission:
    submission = await load_for_staff(session, actor, submission_id)
    if submission.agency_id != actor.agency_id:
        raise NotAllowed(
            "not_your_agency", "Hanya instansi penangan yang dapat menindaklanjuti laporan ini.",
            "Only the handling agency can act on this submission.",
        )
    if expected_version is not None and expected_version != submission.version:
        raise Conflict()
    return submission


async def _agency(session: AsyncSession, agency_id: int | None) -> Agency | None:
    return await session.get(Agency, agency_id) if agency_id else None


def _require_text(field: str, value: str | None, minimum: int = 3) -> str:
    value = (value or "").strip()
    if len(value) < minimum or len(value) > NOTE_MAX:
        raise ValidationFailed([FieldProblem(
            field, "invalid_length", f"Isi antara {minimum} dan {NOTE_MAX} karakter.",
            f"Write between {minimum} and {NOTE_MAX} characters.",
        )])
    return value


def _first_response(submission: Submission, now: datetime) -> dict[str, Any]:
    """Answering for the first time stops the first-response clock; the resolution one runs on."""
    if submission.first_responded_at is not None:
        return {}
    return {"first_responded_at": now, "due_at": submission.resolution_due_at}


async def acknowledge(session, actor: Actor, submission_id: int, *, expected_version: int | None = None) -> Submission:
    submission = await _load_for_action(session, actor, submission_id, expected_version)
    agency = await _agency(session, submission.agency_id)
    now = utcnow()
    return await transition(
        session, submission, Action.ACKNOWLEDGE, actor, changes=_first_response(submission, now),
        details={"agency_id": submission.agency_id}, agency_name=agency.short_name, now=now,
    )


async def respond(
    session, actor: Actor, submission_id: int, text: str, *, expected_version: int | None = None,
    template_id: int | None = None,
) -> Submission:
    """A public answer the citizen reads on the tracking page; ``template_id`` records which of the
    agency's answer templates the officer started from (the text sent is always ``text``)."""
    text = _require_text("text", text)
    submission = await _load_for_action(session, actor, submission_id, expected_version)
    details: dict[str, Any] = {"agency_id": submission.agency_id, "public_note": text}
    if template_id is not None:
        template = await session.get(AnswerTemplate, template_id)
        if template is None or template.agency_id != actor.agency_id or template.archived_at is not None:
            raise NotFound("answer_template", "Templat jawaban tidak ditemukan.", "Answer template not found.")
        details["template_id"] = template_id
    agency = await _agency(session, submission.agency_id)
    now = utcnow()
    return await transition(
        session, submission, Action.RESPOND, actor, changes=_first_response(submission, now),
        details=details, agency_name=agency.short_name, now=now,
    )


async def add_note(session, actor: Actor, submission_id: int, note: str, *, expected_version: int | None = None) -> Submission:
    """An internal note: never shown in public views."""
    note = _require_text("note", note)
    submission = await _load_for_action(session, actor, submission_id, expected_version)
    return await record(session, submission, Action.ADD_NOTE, actor, details={"note": note})


async def mark_field_check(session, actor: Actor, submission_id: int, *, expected_version: int | None = None) -> Submission:
    """A field check moves the resolution deadline to the longer legal limit."""
    submission = await _load_for_action(session, actor, submission_id, expected_version)
    agency = await _agency(session, submission.agency_id)
    deadlines = deadlines_for(agency, submission.kind, submission.routed_at, field_check=True)
    changes: dict[str, Any] = {"field_check": True, "resolution_due_at": deadlines.resolution_due_at}
    if submission.first_responded_at is not None:
        changes["due_at"] = deadlines.resolution_due_at
    return await transition(
        session, submission, Action.MARK_FIELD_CHECK, actor, changes=changes,
        details={"resolution_due_at": deadlines.resolution_due_at.isoformat()},
    )


async def forward(
    session, actor: Actor, submission_id: int, to_agency_slug: str, reason: str,
    *, expected_version: int | None = None, wrong_agency: bool = False,
) -> Submission:
    """G2G forwarding: the new agency gets the item and its own, fresh clock. ``wrong_agency``: the item was
    never this agency's (a wrong route), as opposed to handing on work another agency must share."""
    reason = _require_text("reason", reason)
    submission = await _load_for_action(session, actor, submission_id, expected_version)
    target = (await session.exec(select(Agency).where(Agency.slug == to_agency_slug))).first()
    if target is None:
        raise NotFound("agency", f"Instansi '{to_agency_slug}' tidak ditemukan.", f"No agency '{to_agency_slug}'.")
    if target.id == submission.agency_id:
        raise ValidationFailed([FieldProblem(
            "toAgency", "same_agency", "Laporan sudah ada di instansi ini.", "The submission is already with this agency.",
        )])
    now = utcnow()
    changes = routing_changes(target, submission.kind, now)
    return await transition(
        session, submission, Action.FORWARD, actor, changes={**changes, "assigned_staff_id": None},
        details={"from_agency_id": submission.agency_id, "agency_id": target.id, "public_note": reason,
                 **({"reason": WRONG_AGENCY} if wrong_agency else {}), **deadline_details(changes)},
        agency_name=target.short_name, now=now,
    )


async def resolve(session, actor: Actor, submission_id: int, text: str, *, expected_version: int | None = None) -> Submission:
    text = _require_text("text", text)
    submission = await _load_for_action(session, actor, submission_id, expected_version)
    agency = await _agency(session, submission.agency_id)
    now = utcnow()
    changes = {**_first_response(submission, now), "resolved_at": now, "due_at": None}
    return await transition(
        session, submission, Action.RESOLVE, actor, changes=changes,
        details={"agency_id": submission.agency_id, "public_note": text},
        agency_name=agency.short_name, now=now,
    )


async def reject(
    session, actor: Actor, submission_id: int, reason: str, public_reason: str,
    *, expected_version: int | None = None,
) -> Submission:
    """Rejected items stay, with a public reason: nothing is ever silently deleted."""
    if reason not in REJECTION_REASONS:
        raise ValidationFailed([FieldProblem(
            "reason", "invalid_choice", "Alasan penolakan tidak dikenal.", "Unknown rejection reason.",
        )])
    public_reason = _require_text("publicReason", public_reason)
    submission = await load_for_staff(session, actor, submission_id)
    in_triage = submission.status in (Status.RECEIVED, Status.IN_TRIAGE)
    if not (in_triage and actor.role == Role.TRIAGE_ADMIN):
        submission = await _load_for_action(session, actor, submission_id, expected_version)
    elif expected_version is not None and expected_version != submission.version:
        raise Conflict()
    now = utcnow()
    return await transition(
        session, submission, Action.REJECT, actor,
        changes={**_first_response(submission, now), "due_at": None},
        details={"reason": reason, "public_note": public_reason, "agency_id": submission.agency_id},
        now=now,
    )


async def route_submission(
    session, actor: Actor, submission_id: int, category_slug: str, agency_slug: str | None = None,
    *, expected_version: int | None = None,
) -> Submission:
    """A triage admin routes an item (or re-routes one nobody acknowledged); it becomes a training label."""
    _require_staff(actor)
    if actor.role != Role.TRIAGE_ADMIN:
        raise NotAllowed("triage_admin_only", "Hanya admin triase yang dapat merutekan.", "Only triage admins route.")
    submission = await load_for_staff(session, actor, submission_id)
    if expected_version is not None and expected_version != submission.version:
        raise Conflict()
    category = await session.get(Category, category_slug)
    if category is None:
        raise NotFound("category", f"Kategori '{category_slug}' tidak ada.", f"No category '{category_slug}'.")
    if agency_slug:
        agency = (await session.exec(select(Agency).where(Agency.slug == agency_slug))).first()
        if agency is None:
            raise NotFound("agency", f"Instansi '{agency_slug}' tidak ada.", f"No agency '{agency_slug}'.")
    else:
        agency = await _agency(session, category.default_agency_id)
    decision = _label_decision(submission, category_slug, agency.id)
    now = utcnow()
    changes = routing_changes(agency, submission.kind, now)
    updated = await transition(
        session, submission, Action.ROUTE, actor,
        changes={**changes, "category_slug": category_slug, **_leaving_agency(submission, agency.id)},
        details={"category": category_slug, "agency_id": agency.id, "decision": decision,
                 **deadline_details(changes)},
        agency_name=agency.short_name, now=now,
    )
    await record_label(
        session, submission, category_slug=category_slug, agency_id=agency.id,
        decision=decision, decided_by=actor.label,
    )
    return updated


async def confirm_routing(session, actor: Actor, submission_id: int) -> Submission:
    """A triage admin agrees with the model's automatic route: a label, no status change."""
    _require_staff(actor)
    if actor.role != Role.TRIAGE_ADMIN:
        raise NotAllowed("triage_admin_only", "Hanya admin triase yang dapat merutekan.", "Only triage admins route.")
    submission = await load_for_staff(session, actor, submission_id)
    if not submission.category_slug or submission.agency_id is None:
        raise NotAllowed("not_routed", "Laporan belum dirutekan.", "The submission is not routed yet.")
    await record_label(
        session, submission, category_slug=submission.category_slug, agency_id=submission.agency_id,
        decision="confirmed", decided_by=actor.label,
    )
    return await record(session, submission, Action.CONFIRM_ROUTING, actor,
                        details={"category": submission.category_slug})


def _leaving_agency(submission: Submission, agency_id: int) -> dict[str, Any]:
    """An item that moves to another agency is nobody's there yet."""
    return {"assigned_staff_id": None} if submission.agency_id != agency_id else {}


def _label_decision(submission: Submission, category_slug: str, agency_id: int) -> str:
    if submission.status in (Status.RECEIVED, Status.IN_TRIAGE):
        return "routed"
    if predicted_category(submission) == category_slug and submission.agency_id == agency_id:
        return "confirmed"
    return "corrected"


async def assign(
    session, actor: Actor, submission_id: int, staff_id: int, *, expected_version: int | None = None
) -> Submission:
    """Give the item to a colleague of the handling agency (or to oneself: ``take``)."""
    submission = await _load_for_action(session, actor, submission_id, expected_version)
    colleague = await session.get(Staff, staff_id)
    if (colleague is None or colleague.agency_id != submission.agency_id or not colleague.active
            or colleague.disabled_at is not None):
        raise NotAllowed("not_a_colleague", "Hanya dapat ditugaskan kepada petugas aktif instansi ini.",
                         "Only an active officer of this agency can be assigned.")
    return await transition(
        session, submission, Action.ASSIGN, actor, changes={"assigned_staff_id": colleague.id},
        details={"staff_id": colleague.id, "previous_staff_id": submission.assigned_staff_id},
    )


async def take(session, actor: Actor, submission_id: int, *, expected_version: int | None = None) -> Submission:
    return await assign(session, actor, submission_id, actor.staff_id, expected_version=expected_version)


async def unassign(session, actor: Actor, submission_id: int, *, expected_version: int | None = None) -> Submission:
    submission = await _load_for_action(session, actor, submission_id, expected_version)
    if submission.assigned_staff_id is None:
        raise NotAllowed("not_assigned", "Laporan ini belum ditugaskan.", "This item is not assigned.")
    return await transition(
        session, submission, Action.UNASSIGN, actor, changes={"assigned_staff_id": None},
        details={"previous_staff_id": submission.assigned_staff_id},
    )


async def mark_duplicate(
    session, actor: Actor, submission_id: int, duplicate_of_code: str, *, expected_version: int | None = None
) -> Submission:
    """Close an item as a duplicate of an unfinished item the agency keeps: a rejection with reason
    ``duplicate`` (so the public figures count it as such), its supports, plus its reporter as one
    more, move to the kept item, and the citizen is told where the work goes on."""
    submission = await _load_for_action(session, actor, submission_id, expected_version)
    try:
        kept = await find_by_tracking_code(session, duplicate_of_code)
    except NotFound:
        kept = None
    if kept is None or kept.agency_id != actor.agency_id:
        raise NotFound("submission", "Laporan yang dipertahankan tidak ditemukan di instansi ini.",
                       "The item to keep was not found in this agency.")
    if kept.id == submission.id:
        raise ValidationFailed([FieldProblem(
            "duplicateOf", "same_submission", "Laporan tidak dapat menjadi duplikat dirinya sendiri.",
            "An item cannot be a duplicate of itself.",
        )])
    next_status(kept.status, Action.MERGE_DUPLICATE)  # a finished item cannot be kept: refused before any write
    kept_code = codes.format_tracking_code(kept.tracking_code)
    moved = submission.support_count + 1
    agency = await _agency(session, submission.agency_id)
    now = utcnow()
    closed = await transition(
        session, submission, Action.REJECT, actor,
        changes={**_first_response(submission, now), "duplicate_of_id": kept.id, "support_count": 0,
                 "due_at": None, "assigned_staff_id": None},
        details={"agency_id": submission.agency_id, "reason": "duplicate", "duplicate_of": kept_code,
                 "supports_moved": moved,
                 "public_note": f"sama dengan laporan {kept_code}, ditindaklanjuti di sana"},
        agency_name=agency.short_name, now=now,
    )
    await session.exec(
        update(SubmissionSupport).where(SubmissionSupport.submission_id == submission.id).values(submission_id=kept.id)
    )
    await transition(
        session, kept, Action.MERGE_DUPLICATE, actor,
        changes={"support_count": Submission.__table__.c.support_count + moved},
        details={"duplicate": codes.format_tracking_code(submission.tracking_code), "supports_moved": moved},
        now=now,
    )
    return closed


@dataclass(frozen=True)
class ContactView:
    name: str | None
    phone: str | None
    email: str | None
    nik: str | None


async def read_contact(session, actor: Actor, submission_id: int) -> ContactView | None:
    """The reporter's contact, for the handling agency only; every read is itself logged."""
    submission = await load_for_staff(session, actor, submission_id)
    if submission.agency_id != actor.agency_id:
        raise NotAllowed(
            "not_your_agency", "Kontak pelapor hanya untuk instansi penangan.",
            "Reporter contact is for the handling agency only.",
        )
    if submission.anonymous:
        return None
    contact = await session.get(ReporterContact, submission_id)
    await record(session, submission, Action.VIEW_CONTACT, actor)
    if contact is None:
        return None
    return ContactView(contact.name, contact.phone, contact.email, contact.nik)


# Citizen side: authorised by the tracking code plus the secret from the receipt.

async def _load_for_citizen(session, raw_code: str, secret: str, key: bytes) -> Submission:
    submission = await find_by_tracking_code(session, raw_code)
    if not codes.secret_matches(submission.tracking_code, secret, key):
        raise NotAllowed("wrong_secret", "Kode rahasia tidak cocok.", "The secret does not match.")
    return submission


async def confirm_resolved(session, raw_code: str, secret: str, *, key: bytes, channel: str = "web") -> Submission:
    submission = await _load_for_citizen(session, raw_code, secret, key)
    now = utcnow()
    return await transition(
        session, submission, Action.CONFIRM_RESOLVED, Actor.citizen(channel), changes={"closed_at": now}, now=now,
    )


async def dispute(session, raw_code: str, secret: str, reason: str, *, key: bytes, channel: str = "web") -> Submission:
    """The citizen says it is not resolved: back to the agency, on the resolution clock."""
    reason = _require_text("reason", reason)
    submission = await _load_for_citizen(session, raw_code, secret, key)
    return await _reopen(session, submission, Action.DISPUTE, reason, channel)


async def reopen(session, raw_code: str, secret: str, reason: str, *, key: bytes, channel: str = "web") -> Submission:
    reason = _require_text("reason", reason)
    submission = await _load_for_citizen(session, raw_code, secret, key)
    return await _reopen(session, submission, Action.REOPEN, reason, channel)


async def _reopen(session, submission: Submission, action: Action, reason: str, channel: str) -> Submission:
    now = utcnow()
    agency = await _agency(session, submission.agency_id)
    if submission.resolved_at is not None and agency is not None:
        window_ends = add_working_days(submission.resolved_at, REOPEN_WINDOW_WORKING_DAYS, agency.timezone)
        if now > window_ends:
            raise NotAllowed(
                "reopen_window_passed",
                f"Laporan hanya dapat dibuka kembali dalam {REOPEN_WINDOW_WORKING_DAYS} hari kerja setelah selesai.",
                f"A submission can be reopened only within {REOPEN_WINDOW_WORKING_DAYS} working days of resolution.",
            )
    changes = {"resolved_at": None, "closed_at": None, "due_at": submission.resolution_due_at}
    return await transition(
        session, submission, action, Actor.citizen(channel), changes=changes,
        details={"public_note": reason}, agency_name=agency.short_name if agency else None, now=now,
    )


# Jobs: run by `suara jobs run` or the scheduler inside `suara serve`.

async def escalate_overdue(
    session: AsyncSession, *, now: datetime | None = None, public_url: str | None = None
) -> int:
    """Mark each item past a deadline as escalated, once per deadline, and tell the agency's staff and
    the people above at once (``public_url`` for the links in the mail)."""
    now = now or utcnow()
    first_response_late = and_(
        Submission.first_responded_at.is_(None), Submission.first_response_due_at < now,
        Submission.first_response_escalated_at.is_(None),
    )
    resolution_late = and_(
        Submission.resolved_at.is_(None), Submission.resolution_due_at < now,
        Submission.resolution_escalated_at.is_(None),
    )
    late = list(await session.exec(
        select(Submission)
        .where(Submission.status.in_(unfinished_statuses()), or_(first_response_late, resolution_late))
        .order_by(Submission.id)
        .with_for_update(skip_locked=True)
    ))
    escalated = 0
    async with counted_together(session):
        escalated = await _escalate_each(session, late, now, public_url)
    await session.flush()
    return escalated


async def _escalate_each(session: AsyncSession, late: list[Submission], now: datetime, public_url: str | None) -> int:
    escalated = 0
    for submission in late:
        first_response_due = submission.first_response_due_at
        which = "first_response" if submission.first_responded_at is None and first_response_due is not None \
            and first_response_due < now and submission.first_response_escalated_at is None else "resolution"
        column = f"{which}_escalated_at"
        try:
            await transition(
                session, submission, Action.ESCALATE, Actor.system(), changes={column: now},
                details={"deadline": which, "due_at": getattr(submission, f"{which}_due_at").isoformat(),
                         "agency_id": submission.agency_id},
                now=now,
            )
        except Conflict:
            continue
        agency = await _agency(session, submission.agency_id)
        subject, body = escalation_mail(
            tracking_code=submission.tracking_code, submission_id=submission.id, deadline=which,
            due_at=getattr(submission, f"{which}_due_at"), timezone=agency.timezone if agency else "Asia/Jakarta",
            agency_name=agency.short_name if agency else None, public_url=public_url,
        )
        notify_staff(session, await _escalation_recipients(session, submission.agency_id), subject=subject,
                     body=body, submission_id=submission.id, now=now)
        escalated += 1
    return escalated


async def _escalation_recipients(session: AsyncSession, agency_id: int | None) -> list[str]:
    """The agency's own officers and admins, the parent agency's admins and every triage admin."""
    agency = await _agency(session, agency_id)
    conditions = [Staff.role == Role.TRIAGE_ADMIN,
                  and_(Staff.agency_id == agency_id, Staff.role.in_((Role.OFFICER, Role.AGENCY_ADMIN)))]
    if agency is not None and agency.parent_id is not None:
        conditions.append(and_(Staff.agency_id == agency.parent_id, Staff.role == Role.AGENCY_ADMIN))
    rows = await session.exec(
        select(Staff.email).where(Staff.active.is_(True), Staff.disabled_at.is_(None), or_(*conditions))
    )
    return list(rows)


async def auto_close(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Close items resolved more than 10 working days ago without a dispute."""
    now = now or utcnow()
    resolved = list(await session.exec(
        select(Submission, Agency.timezone)
        .join(Agency, Agency.id == Submission.agency_id)
        .where(Submission.status == Status.RESOLVED, Submission.resolved_at < now - MIN_CALENDAR_DAYS_TO_CLOSE)
        .with_for_update(of=Submission, skip_locked=True)
    ))
    closed = 0
    async with counted_together(session):
        for submission, timezone in resolved:
            if add_working_days(submission.resolved_at, AUTO_CLOSE_WORKING_DAYS, timezone) >= now:
                continue
            await transition(session, submission, Action.AUTO_CLOSE, Actor.system(), changes={"closed_at": now},
                             now=now)
            closed += 1
    return closed


async def possible_duplicates(session: AsyncSession, actor: Actor, submission_id: int) -> list[tuple[Submission, float]]:
    """Unfinished items of the same agency with near-identical text: candidates to keep when marking
    this one as a duplicate (other agencies' items are never shown)."""
    submission = await load_for_staff(session, actor, submission_id)
    if submission.agency_id is None:
        return []
    found = await find_possible_duplicates(session, submission, predicted_category=submission.category_slug)
    return [(match.submission, match.similarity) for match in found if match.submission.agency_id == submission.agency_id]
