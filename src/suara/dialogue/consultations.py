"""Consultations: an agency asks about a draft, citizens comment, the agency answers in public.

Comments are moderated by hiding them with a public reason; nothing is deleted. After closing the
agency publishes a response report — what it changed and why — which is the step that makes a
consultation accountable.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Integer, cast, func, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import aliased
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Category
from suara.common.actors import Actor
from suara.common.errors import NotAllowed
from suara.db.columns import utcnow
from suara.dialogue.common import (
    Page,
    Problems,
    newest_first,
    not_found,
    page_size,
    refuse_own_agency,
    require_agency_staff,
)
from suara.dialogue.errors import AlreadyVoted, VotingClosed
from suara.dialogue.models import (
    Comment,
    CommentReaction,
    ComplaintEvidence,
    Consultation,
    ConsultationSection,
    ConsultationStatus,
    Reaction,
)
from suara.submissions import codes
from suara.submissions.models import Status, Submission
from suara.submissions.redaction import mask_personal_data

S = ConsultationStatus
REGION_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
MAX_SECTIONS = 50
MAX_TRACKING_CODES = 1000


def effective_status(consultation: Consultation, now: datetime) -> ConsultationStatus:
    """An open consultation past its closing date is closed, without waiting for a job."""
    status = ConsultationStatus(consultation.status)
    if status == S.OPEN and now >= consultation.closes_at:
        return S.CLOSED
    return status


def accepts_comments(consultation: Consultation, now: datetime) -> bool:
    return effective_status(consultation, now) == S.OPEN and now >= consultation.opens_at


async def create_consultation(
    session: AsyncSession, actor: Actor, *, title: str, summary: str, sections: list[tuple[str, str]],
    opens_at: datetime, closes_at: datetime,
) -> Consultation:
    """A draft, visible only to its agency's staff until published."""
    require_agency_staff(actor, actor.agency_id)
    problems = Problems()
    title = problems.text("title", title, 5, 200)
    summary = problems.text("summary", summary, 20, 10_000)
    if len(sections) > MAX_SECTIONS:
        problems.add("sections", "too_many", f"Maksimal {MAX_SECTIONS} bagian.", f"At most {MAX_SECTIONS} sections.")
    cleaned = [(problems.text(f"sections.{i}.heading", heading, 2, 200),
                problems.text(f"sections.{i}.body", body, 10, 20_000))
               for i, (heading, body) in enumerate(sections)]
    problems.period(opens_at, closes_at)
    problems.raise_if_any()
    consultation = Consultation(agency_id=actor.agency_id, title=title, summary=summary, opens_at=opens_at,
                                closes_at=closes_at, created_by=actor.label)
    session.add(consultation)
    await session.flush()
    session.add_all([ConsultationSection(consultation_id=consultation.id, position=i, heading=h, body=b)
                     for i, (h, b) in enumerate(cleaned, 1)])
    await session.flush()
    return consultation


async def _for_staff(session: AsyncSession, actor: Actor, consultation_id: int) -> Consultation:
    consultation = await session.get(Consultation, consultation_id, with_for_update=True)
    if consultation is None:
        raise not_found("consultation")
    require_agency_staff(actor, consultation.agency_id)
    return consultation


def _wrong_status(action_id: str, action_en: str) -> NotAllowed:
    return NotAllowed("wrong_status", f"Konsultasi ini tidak dapat {action_id} sekarang.",
                      f"This consultation cannot be {action_en} now.")


async def publish_consultation(session: AsyncSession, actor: Actor, consultation_id: int,
                               *, now: datetime | None = None) -> Consultation:
    now = now or utcnow()
    consultation = await _for_staff(session, actor, consultation_id)
    if consultation.status != S.DRAFT or consultation.closes_at <= now:
        raise _wrong_status("diterbitkan", "published")
    consultation.status, consultation.published_at = S.OPEN, now
    session.add(consultation)
    await session.flush()
    return consultation


async def close_consultation(session: AsyncSession, actor: Actor, consultation_id: int,
                             *, now: datetime | None = None) -> Consultation:
    """Close early (or record the closing of one whose date passed)."""
    now = now or utcnow()
    consultation = await _for_staff(session, actor, consultation_id)
    if consultation.status != S.OPEN:
        raise _wrong_status("ditutup", "closed")
    consultation.status = S.CLOSED
    consultation.closed_at = min(now, consultation.closes_at)
    session.add(consultation)
    await session.flush()
    return consultation


async def publish_response(session: AsyncSession, actor: Actor, consultation_id: int, report: str,
                           *, now: datetime | None = None) -> Consultation:
    """The agency's public answer: allowed once the consultation has closed; it can be corrected."""
    now = now or utcnow()
    consultation = await _for_staff(session, actor, consultation_id)
    if effective_status(consultation, now) not in (S.CLOSED, S.ANSWERED):
        raise _wrong_status("dijawab sebelum ditutup", "answered before it closes")
    problems = Problems()
    report = problems.text("report", report, 20, 50_000)
    problems.raise_if_any()
    consultation.status = S.ANSWERED
    consultation.closed_at = consultation.closed_at or min(now, consultation.closes_at)
    consultation.response_report, consultation.responded_at = report, now
    session.add(consultation)
    await session.flush()
    return consultation


async def comment(
    session: AsyncSession, consultation_id: int, author: str, text: str, *, section_id: int | None = None,
    actor: Actor | None = None, now: datetime | None = None,
) -> Comment:
    now = now or utcnow()
    consultation = await session.get(Consultation, consultation_id)
    if consultation is None or consultation.status == S.DRAFT:
        raise not_found("consultation")
    refuse_own_agency(actor, consultation.agency_id)
    if not accepts_comments(consultation, now):
        raise VotingClosed("consultation")
    problems = Problems()
    body = problems.text("text", text, 3, 2000)
    if section_id is not None:
        section = await session.get(ConsultationSection, section_id)
        if section is None or section.consultation_id != consultation_id:
            problems.add("sectionId", "unknown_section", "Bagian tidak ada di konsultasi ini.",
                         "No such section in this consultation.")
    problems.raise_if_any()
    row = Comment(consultation_id=consultation_id, section_id=section_id, author_hash=author,
                  body=mask_personal_data(body), created_at=now)
    session.add(row)
    await session.flush()
    return row


async def react(
    session: AsyncSession, comment_id: int, voter: str, reaction: Reaction, *,
    actor: Actor | None = None, now: datetime | None = None,
) -> Comment:
    """Agree or disagree; a person may change their reaction, and it moves exactly once."""
    now = now or utcnow()
    target = await session.get(Comment, comment_id)
    if target is None or target.hidden_at is not None:
        raise not_found("comment")
    consultation = await session.get(Consultation, target.consultation_id)
    refuse_own_agency(actor, consultation.agency_id)
    if not accepts_comments(consultation, now):
        raise VotingClosed("consultation")
    table = CommentReaction.__table__
    inserted = (await session.exec(
        pg_insert(table).values(comment_id=comment_id, voter_hash=voter, reaction=reaction.value)
        .on_conflict_do_nothing().returning(table.c.comment_id)
    )).first()
    column = {Reaction.AGREE: Comment.agree_count, Reaction.DISAGREE: Comment.disagree_count}
    if inserted is not None:
        moves = {column[reaction].key: column[reaction] + 1}
    else:
        earlier = (await session.exec(
            select(table.c.reaction).where(table.c.comment_id == comment_id, table.c.voter_hash == voter)
            .with_for_update()
        )).scalar_one()
        if earlier == reaction.value:
            raise AlreadyVoted("reaction")
        await session.exec(update(table).where(table.c.comment_id == comment_id, table.c.voter_hash == voter)
                              .values(reaction=reaction.value))
        before = column[Reaction(earlier)]
        moves = {column[reaction].key: column[reaction] + 1, before.key: before - 1}
    updated = (await session.exec(
        update(Comment).where(Comment.id == comment_id).values(**moves).returning(Comment)
        .execution_options(populate_existing=True)
    )).scalars().one()
    return updated


async def hide_comment(session: AsyncSession, actor: Actor, comment_id: int, reason: str,
                       *, now: datetime | None = None) -> Comment:
    """Moderation leaves a trace: the comment stays, replaced in public by who hid it and why."""
    target = await session.get(Comment, comment_id, with_for_update=True)
    if target is None:
        raise not_found("comment")
    consultation = await session.get(Consultation, target.consultation_id)
    require_agency_staff(actor, consultation.agency_id)
    problems = Problems()
    reason = problems.text("reason", reason, 5, 500)
    problems.raise_if_any()
    target.hidden_at, target.hidden_reason, target.hidden_by = now or utcnow(), reason, actor.label
    session.add(target)
    await session.flush()
    return target


async def attach_complaints(
    session: AsyncSession, actor: Actor, consultation_id: int, *, label: str,
    category_slug: str | None = None, region_code: str | None = None, tracking_codes: list[str] | None = None,
) -> ComplaintEvidence:
    """Attach the complaints of a category and/or region, or a list of tracking codes, counted now."""
    consultation = await _for_staff(session, actor, consultation_id)
    problems = Problems()
    label = problems.text("label", label, 3, 200)
    if category_slug and await session.get(Category, category_slug) is None:
        problems.add("category", "unknown_category", "Kategori tidak dikenal.", "Unknown category.")
    if region_code and not REGION_CODE.match(region_code):
        problems.add("regionCode", "invalid_region", "Kode wilayah tidak valid (contoh 33.74).",
                     "Not a region code (for example 33.74).")
    normalised: list[str] = []
    for raw in tracking_codes or []:
        code = codes.normalise_tracking_code(raw)
        if code is not None:
            normalised.append(code)
        else:
            problems.add("trackingCodes", "invalid_code", f"Kode pelacakan tidak valid: {raw}",
                         f"Not a tracking code: {raw}")
    if len(normalised) > MAX_TRACKING_CODES:
        problems.add("trackingCodes", "too_many", f"Maksimal {MAX_TRACKING_CODES} kode.",
                     f"At most {MAX_TRACKING_CODES} codes.")
    if not (category_slug or region_code or normalised):
        problems.add("category", "criteria_required", "Pilih kategori, wilayah atau daftar kode.",
                     "Choose a category, a region or a list of tracking codes.")
    problems.raise_if_any()
    count = await _count_complaints(session, category_slug, region_code, sorted(set(normalised)))
    evidence = ComplaintEvidence(
        consultation_id=consultation.id, label=label, category_slug=category_slug, region_code=region_code,
        tracking_codes=sorted(set(normalised)) or None, submission_count=count, attached_by=actor.label,
    )
    session.add(evidence)
    await session.flush()
    return evidence


async def _count_complaints(session: AsyncSession, category: str | None, region: str | None,
                            tracking_codes: list[str]) -> int:
    """Public complaints that match, rejected ones excluded (they were spam, duplicates or not ours).

    Confidential items are left out: the count is published, and a count minus the public items of
    a category and region would place a confidential complaint there."""
    query = select(func.count()).select_from(Submission).where(
        Submission.status != Status.REJECTED, Submission.confidential.is_(False)
    )
    if category:
        query = query.where(Submission.category_slug == category)
    if region:
        query = query.where((Submission.region_code == region) | Submission.region_code.startswith(f"{region}."))
    if tracking_codes:
        query = query.where(Submission.tracking_code.in_(tracking_codes))
    return int(await session.scalar(query) or 0)


async def visible_consultation(session: AsyncSession, consultation_id: int, actor: Actor | None) -> Consultation:
    """Drafts exist only for their agency's staff; everyone else gets NotFound."""
    consultation = await session.get(Consultation, consultation_id)
    if consultation is None:
        raise not_found("consultation")
    if consultation.status == S.DRAFT:
        if actor is None or not actor.is_staff:
            raise not_found("consultation")
        try:
            require_agency_staff(actor, consultation.agency_id)
        except NotAllowed:
            raise not_found("consultation") from None
    return consultation


# --- reading ------------------------------------------------------------------------------------

async def list_published(
    session: AsyncSession, *, status: ConsultationStatus | None = None, agency_id: int | None = None,
    first: int = 20, before_id: int | None = None, now: datetime | None = None,
) -> Page[Consultation]:
    """Published consultations, newest first; the status filter follows ``effective_status`` (an
    open one past its closing date counts as closed)."""
    now = now or utcnow()
    query = select(Consultation).where(Consultation.status != S.DRAFT)
    if status == S.OPEN:
        query = query.where(Consultation.status == S.OPEN, Consultation.closes_at > now)
    elif status == S.CLOSED:
        query = query.where((Consultation.status == S.CLOSED)
                            | ((Consultation.status == S.OPEN) & (Consultation.closes_at <= now)))
    elif status is not None:
        query = query.where(Consultation.status == status)
    if agency_id is not None:
        query = query.where(Consultation.agency_id == agency_id)
    return await newest_first(session, query, Consultation, first=first, before_id=before_id)


async def sections_of(session: AsyncSession, consultation_ids: list[int]) -> dict[int, list[ConsultationSection]]:
    rows = (await session.exec(
        select(ConsultationSection).where(ConsultationSection.consultation_id.in_(consultation_ids))
        .order_by(ConsultationSection.consultation_id, ConsultationSection.position)
    )).scalars()
    grouped: dict[int, list[ConsultationSection]] = {consultation_id: [] for consultation_id in consultation_ids}
    for row in rows:
        grouped[row.consultation_id].append(row)
    return grouped


async def evidence_of(session: AsyncSession, consultation_ids: list[int]) -> dict[int, list[ComplaintEvidence]]:
    rows = (await session.exec(
        select(ComplaintEvidence).where(ComplaintEvidence.consultation_id.in_(consultation_ids))
        .order_by(ComplaintEvidence.id)
    )).scalars()
    grouped: dict[int, list[ComplaintEvidence]] = {consultation_id: [] for consultation_id in consultation_ids}
    for row in rows:
        grouped[row.consultation_id].append(row)
    return grouped


class CommentPageRequest(NamedTuple):
    consultation_id: int
    section_id: int | None
    first: int
    before_id: int | None


async def comment_pages(session: AsyncSession, requests: list[CommentPageRequest]) -> list[Page[Comment]]:
    """Pages of comments (newest first) of several consultations: two queries per distinct filter,
    however many consultations ask."""
    pages: dict[CommentPageRequest, Page[Comment]] = {}
    groups: dict[tuple, list[int]] = {}
    for request in requests:
        groups.setdefault((request.section_id, page_size(request.first), request.before_id), []).append(
            request.consultation_id)
    for (section_id, first, before_id), consultation_ids in groups.items():
        matching = []
        if section_id is not None:
            matching.append(Comment.section_id == section_id)
        totals = dict((await session.exec(
            select(Comment.consultation_id, func.count())
            .where(Comment.consultation_id.in_(consultation_ids), *matching).group_by(Comment.consultation_id)
        )).all())
        if before_id is not None:
            matching.append(Comment.id < before_id)
        # Each consultation's newest comments by its index, however many it has: a lateral LIMIT.
        asked = select(func.unnest(cast(consultation_ids, ARRAY(Integer))).label("id")).subquery()
        newest = (select(Comment).where(Comment.consultation_id == asked.c.id, *matching)
                  .order_by(Comment.id.desc()).limit(first + 1).lateral())
        row = aliased(Comment, newest)
        found: dict[int, list[Comment]] = {}
        for comment_row in (await session.exec(
            select(row).select_from(asked).join(newest, true()).order_by(newest.c.consultation_id, newest.c.id.desc())
        )).scalars():
            found.setdefault(comment_row.consultation_id, []).append(comment_row)
        for consultation_id in consultation_ids:
            rows = found.get(consultation_id, [])
            pages[CommentPageRequest(consultation_id, section_id, first, before_id)] = Page(
                rows[:first], int(totals.get(consultation_id, 0)), len(rows) > first)
    return [pages[request._replace(first=page_size(request.first))] for request in requests]
