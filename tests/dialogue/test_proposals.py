"""Proposal supports without a hot row: exact counts, and a threshold crossing filed exactly once and
never missed — on the real database, with real concurrent transactions under READ COMMITTED."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from suara.db.columns import utcnow
from suara.db.engine import make_session_factory, transaction
from suara.dialogue import proposals
from suara.dialogue.errors import AlreadyVoted, VotingClosed
from suara.dialogue.identity import voter_hash
from suara.dialogue.models import TALLY_SLOTS, Proposal, ProposalStatus, ProposalTally
from suara.routing.router import NoRouter
from suara.submissions.models import Submission

KEY = b"test-secret-key-for-derived-citizen-secrets"


def supporter(i: int) -> str:
    return voter_hash(KEY, f"0816{i:08d}")


async def new_proposal(sessions, threshold: int, *, days: int = 90) -> int:
    async with transaction(sessions) as session:
        proposal = await proposals.propose(
            session, supporter(0), title="Taman bermain di RW 05",
            text="Warga RW 05 membutuhkan taman bermain anak yang aman di lahan kosong dekat balai warga.",
            category_slug="infrastruktur", router=NoRouter(), threshold=threshold, duration=timedelta(days=days))
        return proposal.id


async def support(sessions, proposal_id: int, who: int, **options):
    async with transaction(sessions) as session:
        return await proposals.support(session, proposal_id, supporter(who), secret_key=KEY, **options)


async def settle(sessions, proposal_id: int, **options):
    async with transaction(sessions) as session:
        return await proposals.settle(session, proposal_id, secret_key=KEY, **options)


async def support_then_settle(sessions, proposal_id: int, who: int):
    """What the API does: the support in its transaction, then settle in another."""
    supported = await support(sessions, proposal_id, who)
    if supported.submission_id is None:
        await settle(sessions, proposal_id)
    return supported


async def state_of(sessions, proposal_id: int) -> tuple[Proposal, int, int, list[Submission]]:
    """The proposal, its kept count, its recounted supports and the inbox items filed for it."""
    async with sessions() as session:
        proposal = await session.get(Proposal, proposal_id)
        kept = (await proposals.support_counts(session, [proposal_id]))[proposal_id]
        counted = await proposals.recount_supports(session, proposal_id)
        items = list((await session.exec(
            select(Submission).where(Submission.idempotency_key == f"proposal:{proposal_id}"))).scalars())
    return proposal, kept, counted, items


async def supports_in_distinct_slots(engine, stack: AsyncExitStack, count: int):
    """Open transactions on connections whose tally slots differ, so none waits on another's row."""
    sessions = make_session_factory(engine)
    chosen, slots = [], set()
    while len(chosen) < count:
        session = await stack.enter_async_context(transaction(sessions))
        slot = await session.scalar(text("SELECT pg_backend_pid() % :n"), {"n": TALLY_SLOTS})
        if slot not in slots:
            slots.add(slot)
            chosen.append(session)
    return chosen


async def miss_the_crossing(engine, sessions, threshold: int = 11) -> int:
    """Supports committed up to two short of the threshold, then the last two in concurrent
    transactions: each sees the committed ones and itself, one short, so neither files."""
    proposal_id = await new_proposal(sessions, threshold)
    for i in range(1, threshold - 1):
        await support(sessions, proposal_id, i)
    async with AsyncExitStack() as stack:
        first, second = await supports_in_distinct_slots(engine, stack, 2)
        seen = [await proposals.support(first, proposal_id, supporter(100), secret_key=KEY),
                await proposals.support(second, proposal_id, supporter(101), secret_key=KEY)]
    assert [s.submission_id for s in seen] == [None, None]
    proposal, kept, counted, items = await state_of(sessions, proposal_id)
    assert (proposal.status, kept, counted, items) == (ProposalStatus.OPEN, threshold, threshold, []), \
        "the crossing was not seen by either support"
    return proposal_id


async def test_fifty_supports_racing_across_the_threshold_file_exactly_one_aspiration(engine):
    sessions = make_session_factory(engine)
    proposal_id = await new_proposal(sessions, threshold=30)
    for i in range(1, 11):
        await support(sessions, proposal_id, i)
    await asyncio.gather(*(support_then_settle(sessions, proposal_id, 1000 + i) for i in range(50)))

    proposal, kept, counted, items = await state_of(sessions, proposal_id)
    assert kept == counted == 60
    assert len(items) == 1, "exactly one inbox item"
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.submission_id == items[0].id
    assert items[0].kind == "aspiration" and items[0].channel == "proposal" and items[0].status == "routed"


async def test_supports_racing_with_the_job_across_the_threshold_file_exactly_one_aspiration(engine):
    """Without the settle step: supports that see the crossing claim it, the job files it otherwise."""
    sessions = make_session_factory(engine)
    proposal_id = await new_proposal(sessions, threshold=20)

    async def job():
        async with transaction(sessions) as session:
            return await proposals.file_crossed_proposals(session, secret_key=KEY)

    await asyncio.gather(*(support(sessions, proposal_id, 2000 + i) for i in range(50)),
                         *(job() for _ in range(5)))
    await job()
    proposal, kept, counted, items = await state_of(sessions, proposal_id)
    assert kept == counted == 50 and len(items) == 1
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.submission_id == items[0].id


async def test_a_crossing_no_support_saw_is_filed_by_settle_after_the_commit(engine):
    sessions = make_session_factory(engine)
    proposal_id = await miss_the_crossing(engine, sessions)
    filed = await settle(sessions, proposal_id)
    assert filed is not None and filed.status == ProposalStatus.ACCEPTED
    assert await settle(sessions, proposal_id) is None, "a second settle files nothing"
    proposal, _, _, items = await state_of(sessions, proposal_id)
    assert [item.id for item in items] == [proposal.submission_id]


async def test_a_crossing_no_support_saw_is_filed_by_the_next_support(engine):
    sessions = make_session_factory(engine)
    proposal_id = await miss_the_crossing(engine, sessions)
    later = await support(sessions, proposal_id, 500)
    assert later.status == ProposalStatus.ACCEPTED and later.submission_id is not None
    proposal, _, _, items = await state_of(sessions, proposal_id)
    assert len(items) == 1 and proposal.submission_id == items[0].id


async def test_a_crossing_no_support_saw_is_filed_by_the_job_and_never_expired(engine):
    sessions = make_session_factory(engine)
    proposal_id = await miss_the_crossing(engine, sessions)
    proposal, _, _, _ = await state_of(sessions, proposal_id)
    after_deadline = proposal.deadline + timedelta(hours=1)
    with pytest.raises(VotingClosed):
        await support(sessions, proposal_id, 600, now=after_deadline)
    async with transaction(sessions) as session:
        await proposals.expire_proposals(session, now=after_deadline)
    proposal, kept, _, items = await state_of(sessions, proposal_id)
    assert proposal.status == ProposalStatus.ACCEPTED and kept == 11 and len(items) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Proposal).where(
            Proposal.id == proposal_id, Proposal.status == ProposalStatus.EXPIRED)) == 0


async def test_a_proposal_short_of_its_threshold_expires_and_takes_no_more_supports(engine):
    sessions = make_session_factory(engine)
    proposal_id = await new_proposal(sessions, threshold=5, days=1)
    await support(sessions, proposal_id, 1)
    later = utcnow() + timedelta(days=2)
    async with transaction(sessions) as session:
        assert await proposals.expire_proposals(session, now=later) >= 1
    proposal, kept, _, items = await state_of(sessions, proposal_id)
    assert (proposal.status, kept, items) == (ProposalStatus.EXPIRED, 1, [])
    with pytest.raises(VotingClosed):
        await support(sessions, proposal_id, 2)


async def test_the_same_person_supporting_twice_at_once_counts_once(engine):
    sessions = make_session_factory(engine)
    proposal_id = await new_proposal(sessions, threshold=100)
    results = await asyncio.gather(*(support(sessions, proposal_id, 7) for _ in range(20)), return_exceptions=True)
    assert sum(1 for r in results if isinstance(r, Proposal)) == 1
    assert all(isinstance(r, AlreadyVoted) and r.code == "already_support"
               for r in results if not isinstance(r, Proposal))
    _, kept, counted, _ = await state_of(sessions, proposal_id)
    assert kept == counted == 1


async def test_a_support_does_not_wait_for_another_supports_open_transaction(engine):
    sessions = make_session_factory(engine)
    proposal_id = await new_proposal(sessions, threshold=1000)
    async with AsyncExitStack() as stack:
        first, second = await supports_in_distinct_slots(engine, stack, 2)
        await proposals.support(first, proposal_id, supporter(1), secret_key=KEY)
        # The first transaction is still open: the second must finish without waiting for it.
        await asyncio.wait_for(proposals.support(second, proposal_id, supporter(2), secret_key=KEY), timeout=5)
    _, kept, counted, _ = await state_of(sessions, proposal_id)
    assert kept == counted == 2


async def test_support_tallies_stay_within_their_slots_however_many_support(engine):
    sessions = make_session_factory(engine)
    proposal_id = await new_proposal(sessions, threshold=10_000)
    await asyncio.gather(*(support(sessions, proposal_id, 3000 + i) for i in range(300)))
    async with sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(ProposalTally)
                                    .where(ProposalTally.proposal_id == proposal_id))
    assert 1 <= rows <= TALLY_SLOTS
    _, kept, counted, _ = await state_of(sessions, proposal_id)
    assert kept == counted == 300
