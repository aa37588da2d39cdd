"""Citizen proposals: one verified person proposes, others support; at the threshold the proposal
becomes an item in the responsible agency's inbox, with a service level like a complaint.

Supports of one proposal queue on its row, so the support that crosses the threshold is exactly
one, however many arrive together; the inbox item also carries an idempotency key of its own, in
the proposal namespace no client can write to.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency, Category
from suara.common.actors import Actor
from suara.db.columns import utcnow
from suara.dialogue.common import Problems, not_found, refuse_own_agency
from suara.dialogue.errors import AlreadyVoted, VotingClosed
from suara.dialogue.models import Proposal, ProposalStatus, ProposalSupport
from suara.routing import offload
from suara.routing.router import NoRouter, Router
from suara.submissions import origins
from suara.submissions.deadlines import deadline_details, routing_changes
from suara.submissions.models import Channel, Kind, Submission
from suara.submissions.redaction import mask_personal_data
from suara.submissions.service import submit
from suara.submissions.validation import SubmissionDraft
from suara.submissions.workflow import Action, transition

DEFAULT_THRESHOLD = 100
DEFAULT_DURATION = timedelta(days=90)
SUPPORTS = ProposalSupport.__table__


def effective_status(proposal: Proposal, now: datetime) -> ProposalStatus:
    """An open proposal past its deadline is expired, without waiting for the job."""
    status = ProposalStatus(proposal.status)
    return ProposalStatus.EXPIRED if status == ProposalStatus.OPEN and proposal.deadline <= now else status


async def propose(
    session: AsyncSession, author: str, *, title: str, text: str, category_slug: str | None,
    router: Router, threshold: int = DEFAULT_THRESHOLD, duration: timedelta = DEFAULT_DURATION,
    now: datetime | None = None,
) -> Proposal:
    """File a proposal. Without a category the routing model picks the responsible agency."""
    now = now or utcnow()
    problems = Problems()
    title = problems.text("title", title, 5, 200)
    body = problems.text("text", text, 20, 4000)
    category = None
    if category_slug:
        category = await session.get(Category, category_slug)
        if category is None:
            problems.add("category", "unknown_category", "Kategori tidak dikenal.", "Unknown category.")
    elif len(body) >= 20:
        decision = await offload.decide(router, f"{title}. {body}")
        slug = decision.category or next((s["category"] for s in decision.suggestions), None)
        category = await session.get(Category, slug) if slug else None
        if category is None:
            problems.add("category", "category_required", "Pilih topik usulan.", "Choose the proposal's topic.")
    problems.raise_if_any()
    proposal = Proposal(
        agency_id=category.default_agency_id, category_slug=category.slug, title=mask_personal_data(title),
        body=mask_personal_data(body), author_hash=author, support_threshold=threshold,
        deadline=now + duration, created_at=now,
    )
    session.add(proposal)
    await session.flush()
    return proposal


async def support(
    session: AsyncSession, proposal_id: int, supporter: str, *, secret_key: bytes,
    actor: Actor | None = None, now: datetime | None = None,
) -> Proposal:
    """Add one person's support; the one that reaches the threshold files the inbox item."""
    now = now or utcnow()
    proposal = (await session.exec(
        select(Proposal).where(Proposal.id == proposal_id).with_for_update()
        .execution_options(populate_existing=True)
    )).scalars().first()
    if proposal is None:
        raise not_found("proposal")
    refuse_own_agency(actor, proposal.agency_id)
    if proposal.deadline <= now or proposal.status == ProposalStatus.EXPIRED:
        raise VotingClosed("proposal")
    added = (await session.exec(
        pg_insert(SUPPORTS).values(proposal_id=proposal_id, voter_hash=supporter, created_at=now)
        .on_conflict_do_nothing().returning(SUPPORTS.c.proposal_id)
    )).first()
    if added is None:
        raise AlreadyVoted("support")
    changes: dict = {"support_count": proposal.support_count + 1}
    if changes["support_count"] >= proposal.support_threshold and proposal.submission_id is None:
        submission = await _file_in_inbox(session, proposal, changes["support_count"], secret_key, now)
        changes.update(status=ProposalStatus.ACCEPTED, submission_id=submission.id)
    await session.exec(update(Proposal).where(Proposal.id == proposal_id).values(**changes))
    for name, value in changes.items():
        setattr(proposal, name, value)
    return proposal


async def _file_in_inbox(
    session: AsyncSession, proposal: Proposal, supporters: int, secret_key: bytes, now: datetime,
) -> Submission:
    """An aspiration routed straight to the proposal's agency, with its service-level deadlines."""
    text = (f"{proposal.body}\n\nUsulan warga #{proposal.id} di Suara, didukung {supporters} orang "
            f"(ambang {proposal.support_threshold}).")
    receipt = await submit(session, SubmissionDraft(
        kind=Kind.ASPIRATION, channel=Channel.PROPOSAL, title=proposal.title, text=text, anonymous=True,
        idempotency_key=str(proposal.id),
    ), router=NoRouter(), secret_key=secret_key, origin=origins.PROPOSAL)
    agency = await session.get(Agency, proposal.agency_id)
    changes = routing_changes(agency, Kind.ASPIRATION, now)
    return await transition(
        session, receipt.submission, Action.ROUTE, Actor.system(),
        changes={**changes, "category_slug": proposal.category_slug},
        details={"category": proposal.category_slug, "agency_id": agency.id, "proposal_id": proposal.id,
                 **deadline_details(changes)},
        agency_name=agency.short_name, now=now,
    )


async def expire_proposals(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Open proposals past their deadline stop taking supports (run by the periodic jobs)."""
    now = now or utcnow()
    result = await session.exec(
        update(Proposal).where(Proposal.status == ProposalStatus.OPEN, Proposal.deadline <= now)
        .values(status=ProposalStatus.EXPIRED)
    )
    return result.rowcount or 0

