"""Citizen proposals: one verified person proposes, others support; at the threshold the proposal
becomes an item in the responsible agency's inbox, with a service level like a complaint.

Supports are counted in tally rows spread over slots (as poll tallies), so supporters of a popular
proposal do not queue on its row. Under READ COMMITTED a support sees the supports committed before
its statement and its own, so a support that sees the threshold reached claims the filing: the claim
is one conditional update of the proposal row, which only the supports at the crossing ever wait on,
and exactly one of them wins. Concurrent supports may each see one short of the threshold and none
claims; then the next support, or the periodic job (``file_crossed_proposals``, run by
``expire_proposals``), sees the full count and files it. The inbox item also carries an
idempotency key of its own, in the proposal namespace no client can write to."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency, Category
from suara.common.actors import Actor
from suara.db.columns import utcnow
from suara.dialogue.common import Page, Problems, newest_first, not_found, refuse_own_agency
from suara.dialogue.errors import AlreadyVoted, VotingClosed
from suara.dialogue.models import (
    TALLY_SLOTS,
    Proposal,
    ProposalStatus,
    ProposalSupport,
    ProposalTally,
)
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
UNSHOWN_RECEIPT_KEY = b"proposal-receipts-are-never-shown"


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
    session: AsyncSession, proposal_id: int, supporter: str, *, secret_key: bytes | None = None,
    actor: Actor | None = None, now: datetime | None = None,
) -> Proposal:
    """Add one person's support; one that sees the threshold reached files the inbox item. While
    the proposal is not filed (``submission_id`` None) the caller runs ``settle`` after the commit."""
    now = now or utcnow()
    proposal = (await session.exec(
        select(Proposal).where(Proposal.id == proposal_id).execution_options(populate_existing=True)
    )).scalars().first()
    if proposal is None:
        raise not_found("proposal")
    refuse_own_agency(actor, proposal.agency_id)
    if proposal.deadline <= now or proposal.status == ProposalStatus.EXPIRED:
        raise VotingClosed("proposal")
    added, before = (await session.exec(_ADD_SUPPORT, params={
        "proposal": proposal_id, "voter": supporter, "now": now, "slots": TALLY_SLOTS,
    })).one()
    if not added:
        raise AlreadyVoted("support")
    supports = int(before) + 1
    if supports >= proposal.support_threshold and proposal.submission_id is None:
        await _claim_and_file(session, proposal, supports, secret_key, now)
    return proposal


async def settle(
    session: AsyncSession, proposal_id: int, *, secret_key: bytes | None = None, now: datetime | None = None,
) -> Proposal | None:
    """File the proposal if its committed supports reached the threshold and no one filed it yet;
    returns it when this call filed it.

    Run in a transaction of its own after a support commits (the API does): the last support to
    commit sees every support here, so concurrent supports that each saw one short of the
    threshold still file at once, not at the job's next round."""
    now = now or utcnow()
    proposal = await session.get(Proposal, proposal_id, populate_existing=True)
    if proposal is None or proposal.submission_id is not None or proposal.status == ProposalStatus.ACCEPTED:
        return None
    supports = (await support_counts(session, [proposal_id]))[proposal_id]
    if supports < proposal.support_threshold:
        return None
    return proposal if await _claim_and_file(session, proposal, supports, secret_key, now) else None


_ADD_SUPPORT = text("""
    WITH added AS (
        INSERT INTO proposal_supports (proposal_id, voter_hash, created_at) VALUES (:proposal, :voter, :now)
        ON CONFLICT DO NOTHING RETURNING proposal_id
    ), counted AS (
        INSERT INTO proposal_tallies (proposal_id, slot, supports)
        SELECT proposal_id, pg_backend_pid() % :slots, 1 FROM added
        ON CONFLICT (proposal_id, slot) DO UPDATE SET supports = proposal_tallies.supports + 1
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM added),
           (SELECT coalesce(sum(supports), 0) FROM proposal_tallies WHERE proposal_id = :proposal)
""")
"""One round trip: the support (one per person) and its tally in this connection's slot; the sum is
read in the statement's snapshot, so it holds the supports committed before it, not this one."""


async def support_counts(session: AsyncSession, proposal_ids: list[int]) -> dict[int, int]:
    """Supports of each proposal: sums of their slots, one query, flat however many supported."""
    rows = await session.exec(
        select(ProposalTally.proposal_id, func.sum(ProposalTally.supports))
        .where(ProposalTally.proposal_id.in_(proposal_ids)).group_by(ProposalTally.proposal_id)
    )
    counts = {proposal_id: 0 for proposal_id in proposal_ids}
    counts.update({proposal_id: int(total) for proposal_id, total in rows})
    return counts


async def recount_supports(session: AsyncSession, proposal_id: int) -> int:
    """Supports counted from the support rows themselves (an audit of the tally)."""
    return int(await session.scalar(
        select(func.count()).select_from(SUPPORTS).where(SUPPORTS.c.proposal_id == proposal_id)) or 0)


async def _claim_and_file(
    session: AsyncSession, proposal: Proposal, supports: int, secret_key: bytes | None, now: datetime,
) -> bool:
    """File the proposal's inbox item unless another transaction did: the claim is a conditional
    update, so concurrent claimers wait for the first and then find nothing to claim. An expired
    proposal may be claimed too: its supports all came before the deadline."""
    claimed = (await session.exec(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.submission_id.is_(None),
               Proposal.status != ProposalStatus.ACCEPTED)
        .values(status=ProposalStatus.ACCEPTED).returning(Proposal.id)
    )).first()
    if claimed is None:
        await session.refresh(proposal)
        return False
    submission = await _file_in_inbox(session, proposal, supports, secret_key, now)
    await session.exec(update(Proposal).where(Proposal.id == proposal.id).values(submission_id=submission.id))
    set_committed_value(proposal, "status", ProposalStatus.ACCEPTED)  # written above: no second UPDATE
    set_committed_value(proposal, "submission_id", submission.id)
    return True


async def _file_in_inbox(
    session: AsyncSession, proposal: Proposal, supporters: int, secret_key: bytes | None, now: datetime,
) -> Submission:
    """An aspiration routed straight to the proposal's agency, with its service-level deadlines.

    Its receipt is shown to no one (the proposal shows the tracking code, and no citizen holds the
    item's secret), so without the server key at hand the receipt's secret is simply not usable."""
    text = (f"{proposal.body}\n\nUsulan warga #{proposal.id} di Suara, didukung {supporters} orang "
            f"(ambang {proposal.support_threshold}).")
    receipt = await submit(session, SubmissionDraft(
        kind=Kind.ASPIRATION, channel=Channel.PROPOSAL, title=proposal.title, text=text, anonymous=True,
        idempotency_key=str(proposal.id),
    ), router=NoRouter(), secret_key=secret_key or UNSHOWN_RECEIPT_KEY, origin=origins.PROPOSAL)
    agency = await session.get(Agency, proposal.agency_id)
    changes = routing_changes(agency, Kind.ASPIRATION, now)
    return await transition(
        session, receipt.submission, Action.ROUTE, Actor.system(),
        changes={**changes, "category_slug": proposal.category_slug},
        details={"category": proposal.category_slug, "agency_id": agency.id, "proposal_id": proposal.id,
                 **deadline_details(changes)},
        agency_name=agency.short_name, now=now,
    )


async def get_proposal(session: AsyncSession, proposal_id: int) -> Proposal | None:
    return await session.get(Proposal, proposal_id)


async def list_proposals(
    session: AsyncSession, *, status: ProposalStatus | None = None, first: int = 20, before_id: int | None = None,
) -> Page[Proposal]:
    query = select(Proposal)
    if status is not None:
        query = query.where(Proposal.status == status)
    return await newest_first(session, query, Proposal, first=first, before_id=before_id)


async def tracking_codes_of(session: AsyncSession, submission_ids: list[int]) -> dict[int, str]:
    """The inbox items' tracking codes (stored form) of accepted proposals."""
    rows = await session.exec(
        select(Submission.id, Submission.tracking_code).where(Submission.id.in_(submission_ids)))
    return dict(rows.all())


CROSSING_GRACE = timedelta(days=1)
"""How long after its deadline an unfiled proposal is still checked for a crossing no support saw."""


async def file_crossed_proposals(
    session: AsyncSession, *, secret_key: bytes | None = None, now: datetime | None = None,
) -> int:
    """File every proposal whose supports reached its threshold though no support saw it (they were
    concurrent, each seeing one short). Run by the periodic job, so no crossing waits for ever."""
    now = now or utcnow()
    crossed = list((await session.exec(
        select(Proposal)
        .where(Proposal.submission_id.is_(None),
               (Proposal.status == ProposalStatus.OPEN)
               | ((Proposal.status == ProposalStatus.EXPIRED) & (Proposal.deadline > now - CROSSING_GRACE)),
               Proposal.support_threshold <= _supports_of(Proposal.id))
        .order_by(Proposal.id).execution_options(populate_existing=True)
    )).scalars())
    filed = 0
    for proposal in crossed:
        supports = (await support_counts(session, [proposal.id]))[proposal.id]
        filed += await _claim_and_file(session, proposal, supports, secret_key, now)
    return filed


def _supports_of(proposal_id):
    return (select(func.coalesce(func.sum(ProposalTally.supports), 0))
            .where(ProposalTally.proposal_id == proposal_id).scalar_subquery())


async def expire_proposals(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Open proposals past their deadline stop taking supports (run by the periodic jobs). First
    any proposal whose threshold was crossed unseen is filed; one that reached its threshold is
    never expired, also when its last supports commit while this runs."""
    now = now or utcnow()
    await file_crossed_proposals(session, now=now)
    result = await session.exec(
        update(Proposal).where(Proposal.status == ProposalStatus.OPEN, Proposal.deadline <= now,
                               Proposal.submission_id.is_(None),
                               Proposal.support_threshold > _supports_of(Proposal.id))
        .values(status=ProposalStatus.EXPIRED)
    )
    return result.rowcount or 0
