"""Operations on submissions: submit, track."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency, Category
from suara.agencies.public_services import service_exists
from suara.agencies.service import Directory, default_agency
from suara.common.errors import DomainError, NotFound, ValidationFailed
from suara.db.columns import utcnow
from suara.routing import offload
from suara.routing.router import Router, RoutingDecision
from suara.submissions import codes, workflow
from suara.submissions.deadlines import deadline_details, routing_changes
from suara.submissions.duplicates import SIMILARITY_THRESHOLD, band_hashes, shingles, similarity
from suara.submissions.models import (
    Status,
    Submission,
    SubmissionEvent,
    SubmissionSupport,
    unfinished_statuses,
)
from suara.submissions.origins import CLIENT, IdempotencyKeyReused, Origin, reserved_channel_problem
from suara.submissions.outbox import filing_address
from suara.submissions.redaction import mask_personal_data
from suara.submissions.validation import (
    CleanSubmission,
    SubmissionDraft,
    client_key_problems,
    validate_submission,
)
from suara.submissions.workflow import Action

log = logging.getLogger(__name__)

SUBMISSIONS = Submission.__table__
CODE_ATTEMPTS = 5


DUPLICATE_WINDOW_DAYS = 60
MAX_DUPLICATES = 5


@dataclass(frozen=True)
class PossibleDuplicate:
    submission: Submission
    similarity: float


@dataclass(frozen=True)
class Receipt:
    submission: Submission
    citizen_secret: str
    routing: RoutingDecision
    replayed: bool
    """True when an idempotent retry returned the receipt of an earlier call."""

    async def possible_duplicates(self, session: AsyncSession) -> list[PossibleDuplicate]:
        """Open submissions near-identical to this one, looked for only when a client asks: in a burst
        about one event they are many, and most clients keep only the tracking code. A retry's
        receipt offers none (the first answer did)."""
        if self.replayed:
            return []
        return await find_possible_duplicates(session, self.submission, predicted_category=self.routing.category)


class CannotSupport(DomainError):
    def __init__(self) -> None:
        super().__init__("submission is closed")
        self.message_id = "Laporan ini sudah selesai atau ditolak; tidak bisa didukung lagi."
        self.message_en = "This submission is finished or rejected and can no longer be supported."


async def submit(
    session: AsyncSession, draft: SubmissionDraft, *, router: Router, secret_key: bytes,
    origin: Origin = CLIENT, directory: Directory | None = None,
) -> Receipt:
    """File a submission: validate, route (the classifier runs once), store it with its contact and
    first events through the workflow. Its receipt finds near-identical open ones when asked.

    Raises ValidationFailed without writing anything. A retry with the same idempotency key (in the
    origin's namespace) and the same request returns the first receipt, also when the retries race
    each other; the same key with another request raises IdempotencyKeyReused. The key is checked
    by the insert itself (a unique index, no read before): retries are rare, first filings are not.
    ``directory`` is the server's cached agency directory; without it the agency is read.
    """
    service_slug = (draft.service_slug or "").strip()
    clean = validate_submission(
        draft, service_known=bool(service_slug) and await service_exists(session, service_slug), origin=origin,
    )
    key = origin.scoped(clean.idempotency_key)
    fingerprint = clean.fingerprint()

    decision = await _route(router, clean.text)
    agency = await _agency_for(session, decision.category, directory) if decision.category else None
    now = utcnow()
    route = _first_route(decision, agency, clean, now)
    row = _submission_row(clean, decision)
    row.update(idempotency_key=key, idempotency_fingerprint=fingerprint if key else None,
               created_at=now, updated_at=now)
    if route is not None and route.action == Action.AUTO_ROUTE:
        row.update(routing_changes(agency, clean.kind, now), category_slug=decision.category,
                   route_automatic=bool(decision.model_version))
    contact = None
    if not clean.anonymous and clean.has_contact:
        contact = {"name": clean.reporter_name, "phone": clean.reporter_phone, "email": clean.reporter_email,
                   "nik": clean.reporter_nik, "phone_verified": bool(clean.reporter_phone) and origin.proves_phone}

    for _ in range(CODE_ATTEMPTS):
        row["tracking_code"] = codes.new_tracking_code()
        submission = await workflow.file(
            session, row, actor=f"citizen:{clean.channel.value}", route=route, contact=contact,
            received_details={"channel": clean.channel.value, "kind": clean.kind.value,
                              "region_code": clean.region_code},
            reply_to=filing_address(clean.channel.value, clean.anonymous, contact),
        )
        if submission is not None:
            break
        if key:
            earlier = await _by_idempotency_key(session, key)
            if earlier is not None:
                return _replayed_receipt(earlier, fingerprint, secret_key)
    else:  # five collisions of 44 random bits in a row: the generator is broken
        raise RuntimeError("could not allocate a unique tracking code")

    return Receipt(
        submission=submission,
        citizen_secret=codes.citizen_secret(submission.tracking_code, secret_key),
        routing=decision,
        replayed=False,
    )


async def _route(router: Router, text: str) -> RoutingDecision:
    """Routing never fails a submission: an error sends it to people instead. It runs in a
    classifier thread so the event loop keeps serving other requests meanwhile."""
    try:
        return await offload.decide(router, text)
    except Exception as error:
        log.exception("routing failed; the submission goes to the triage queue")
        return RoutingDecision(error=f"{type(error).__name__}: {error}")


async def _agency_for(session: AsyncSession, category: str, directory: Directory | None) -> Agency | None:
    if directory is not None:
        return default_agency(directory, category)
    result = await session.exec(
        select(Agency).join(Category, Category.default_agency_id == Agency.id).where(Category.slug == category)
    )
    return result.first()


def _first_route(
    decision: RoutingDecision, agency: Agency | None, clean: CleanSubmission, now: datetime,
) -> workflow.FirstRoute | None:
    """Where routing takes a new item: the model's route when it is sure and the category has an
    agency, else people; nothing when routing was not attempted (the caller routes it)."""
    if not decision.attempted:
        return None
    actor = f"model:{decision.model_version}" if decision.model_version else "system"
    if decision.automatic and agency is not None:
        changes = routing_changes(agency, clean.kind, now)
        return workflow.FirstRoute(Action.AUTO_ROUTE, actor, {
            "category": decision.category, "agency_id": agency.id, **deadline_details(changes),
            "confidence": decision.confidence, "model_version": decision.model_version,
        }, agency)
    return workflow.FirstRoute(Action.SEND_TO_TRIAGE, actor, {
        "suggestions": decision.suggestions, "model_version": decision.model_version,
        "reason": "routing_error" if decision.error else "low_confidence",
    })


def _submission_row(clean: CleanSubmission, decision: RoutingDecision) -> dict[str, Any]:
    return {
        "kind": clean.kind.value,
        "channel": clean.channel.value,
        "title": clean.title,
        "text": clean.text,
        "public_text": mask_personal_data(clean.text, clean.reporter_name),
        "location_text": clean.location_text,
        "latitude": clean.latitude,
        "longitude": clean.longitude,
        "region_code": clean.region_code,
        "service_slug": clean.service_slug,
        "anonymous": clean.anonymous,
        "confidential": clean.confidential,
        "routing_confidence": decision.confidence,
        "routing_model_version": decision.model_version,
        "routing_suggestions": decision.suggestions or None,
        "duplicate_bands": band_hashes(clean.text) or None,
    }


async def _by_idempotency_key(session: AsyncSession, key: str) -> Submission | None:
    """The row as stored now: a copy the session already holds (its own earlier filing) may be stale."""
    result = await session.exec(
        select(Submission).where(Submission.idempotency_key == key).execution_options(populate_existing=True)
    )
    return result.first()


def _replayed_receipt(submission: Submission, fingerprint: str, secret_key: bytes) -> Receipt:
    """The first receipt, only to a request identical to the first (a key alone proves nothing)."""
    if submission.idempotency_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    decision = RoutingDecision(
        category=submission.category_slug,
        confidence=submission.routing_confidence,
        suggestions=submission.routing_suggestions or [],
        model_version=submission.routing_model_version,
        automatic=submission.status == Status.ROUTED,
    )
    return Receipt(
        submission=submission,
        citizen_secret=codes.citizen_secret(submission.tracking_code, secret_key),
        routing=decision,
        replayed=True,
    )


async def find_by_tracking_code(session: AsyncSession, raw_code: str) -> Submission:
    code = codes.normalise_tracking_code(raw_code)
    submission = None
    if code is not None:
        result = await session.exec(
            select(Submission).where(Submission.tracking_code == code).execution_options(populate_existing=True)
        )
        submission = result.first()
    if submission is None:
        raise NotFound(
            "submission",
            "Laporan dengan kode itu tidak ditemukan.",
            "No submission has that tracking code.",
        )
    return submission


async def public_events(session: AsyncSession, submission_id: int) -> list[SubmissionEvent]:
    result = await session.exec(
        select(SubmissionEvent)
        .where(SubmissionEvent.submission_id == submission_id, SubmissionEvent.public.is_(True))
        .order_by(SubmissionEvent.id)
    )
    return list(result)


async def find_possible_duplicates(
    session: AsyncSession, submission: Submission, *, predicted_category: str | None
) -> list[PossibleDuplicate]:
    """Recent unfinished public submissions about the same topic with near-identical text."""
    return await _near_identical(
        session, submission.text, submission.duplicate_bands, exclude_id=submission.id,
        agency_id=submission.agency_id, predicted_category=predicted_category,
    )


NEAR_IDENTICAL = sql_text(f"""
    SELECT * FROM submissions
    WHERE duplicate_bands && CAST(:bands AS bigint[])
      AND id <> coalesce(CAST(:exclude_id AS bigint), 0)
      AND created_at > :since
      AND status = ANY(CAST(:statuses AS varchar[]))
      AND NOT confidential
      AND ((CAST(:category AS varchar) IS NULL AND CAST(:agency_id AS integer) IS NULL)
           OR status = '{Status.IN_TRIAGE.value}' OR category_slug = :category OR agency_id = :agency_id)
    LIMIT 20
""")
"""Candidates sharing a MinHash band, on topic: an item in triage, or of the predicted category or the agency
(any topic when neither is known). No ORDER BY: the scan stops at 20 however many texts share a band. Of
fixed shape, so it is prepared once; the whole rows come back, so the kept ones need no second read."""


async def _near_identical(
    session: AsyncSession, text: str, bands: list[int] | None, *, exclude_id: int | None,
    agency_id: int | None, predicted_category: str | None,
) -> list[PossibleDuplicate]:
    if not bands:
        return []
    candidates = list((await session.exec(select(Submission).from_statement(NEAR_IDENTICAL), params={
        "bands": bands, "exclude_id": exclude_id, "since": utcnow() - timedelta(days=DUPLICATE_WINDOW_DAYS),
        "statuses": unfinished_statuses(), "category": predicted_category or None, "agency_id": agency_id or None,
    })).scalars())  # ORM rows: far cheaper than validating each through the model
    own_shingles = shingles(text)
    scored = sorted(
        ((round(similarity(own_shingles, row.text), 3), index) for index, row in enumerate(candidates)),
        key=lambda pair: (pair[0], candidates[pair[1]].id), reverse=True,
    )
    return [PossibleDuplicate(candidates[index], score)
            for score, index in scored[:MAX_DUPLICATES] if score >= SIMILARITY_THRESHOLD]


async def similar_open_submissions(session: AsyncSession, text: str, *, router: Router) -> list[PossibleDuplicate]:
    """Possible duplicates of a text not filed yet, so a citizen can support one instead. Writes nothing."""
    text = (text or "").strip()[:5000]
    if len(text) < 20:
        return []
    return await _near_identical(session, text, band_hashes(text), exclude_id=None, agency_id=None,
                                 predicted_category=(await _route(router, text)).category)


async def support(
    session: AsyncSession, raw_code: str, *, channel: str, idempotency_key: str | None = None,
    origin: Origin = CLIENT,
) -> Submission:
    """Add a citizen's support to an unfinished submission; retries with one key count once, and
    the key of a support of another item (or by another channel) raises IdempotencyKeyReused."""
    problems = [] if channel in origin.channels else [reserved_channel_problem()]
    problems += client_key_problems(idempotency_key, origin)
    if problems:
        raise ValidationFailed(problems)
    submission = await find_by_tracking_code(session, raw_code)
    if submission.status not in workflow.NO_STATUS_CHANGE[Action.SUPPORT]:
        raise CannotSupport()
    key = origin.scoped(idempotency_key)
    inserted = await session.exec(
        pg_insert(SubmissionSupport.__table__)
        .values(submission_id=submission.id, channel=channel, idempotency_key=key)
        .on_conflict_do_nothing()
        .returning(SubmissionSupport.__table__.c.id)
    )
    if inserted.first() is None:
        earlier = (await session.exec(select(SubmissionSupport).where(SubmissionSupport.idempotency_key == key))).first()
        if earlier is None or (earlier.submission_id, earlier.channel) != (submission.id, channel):
            raise IdempotencyKeyReused()
        return submission
    return await workflow.record(
        session, submission, Action.SUPPORT, f"citizen:{channel}",
        changes={"support_count": SUBMISSIONS.c.support_count + 1},
        details=lambda supported: {"support_count": supported.support_count},
    )
