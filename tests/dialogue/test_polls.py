"""One person, one vote, exact tallies — on the real database, with real concurrent transactions."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select, text

from suara.common.errors import NotAllowed, ValidationFailed
from suara.db.columns import utcnow
from suara.db.engine import make_session_factory, transaction
from suara.dialogue import polls
from suara.dialogue.errors import AlreadyVoted, VotingClosed
from suara.dialogue.identity import voter_hash
from suara.dialogue.models import TALLY_SLOTS, Ballot, PollOption, PollTally

KEY = b"test-secret-key-for-derived-citizen-secrets"


def voter(i: int) -> str:
    return voter_hash(KEY, f"0812{i:08d}")


@pytest.fixture
async def poll(engine, cast):
    sessions = make_session_factory(engine)
    now = utcnow()
    async with transaction(sessions) as session:
        created = await polls.create_poll(
            session, cast.officer_a, question="Jam buka taman kota yang Anda inginkan?",
            options=["Pagi", "Malam", "Sepanjang hari"], opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(hours=1))
        options = (await polls.options_of(session, [created.id]))[created.id]
    return created, [o.id for o in options], sessions


async def vote(sessions, poll_id, option_ids, who):
    async with transaction(sessions) as session:
        return await polls.cast_vote(session, poll_id, option_ids, who)


async def tally(sessions, poll_id) -> dict[int, int]:
    async with sessions() as session:
        results = await polls.results(session, await polls.find_poll(session, poll_id))
        kept = {o.option.id: o.votes for o in results.options}
        assert kept == await polls.recount(session, poll_id), "kept counts differ from the ballots"
        assert results.voters == await polls.recount_voters(session, poll_id), "kept voters differ from the ballots"
        return kept


async def test_thousand_concurrent_voters_give_a_tally_of_exactly_a_thousand(poll):
    created, options, sessions = poll
    outcomes = await asyncio.gather(*(vote(sessions, created.id, [options[i % 3]], voter(i)) for i in range(1000)))
    assert all(not outcome.changed for outcome in outcomes)
    counts = await tally(sessions, created.id)
    assert sum(counts.values()) == 1000
    assert counts == {options[0]: 334, options[1]: 333, options[2]: 333}
    async with sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(PollTally).where(PollTally.poll_id == created.id))
    assert rows <= (len(options) + 1) * TALLY_SLOTS, "a tally is read from a bounded number of rows"


async def test_a_voter_does_not_wait_for_another_voters_open_transaction(poll, engine):
    created, options, sessions = poll
    async with AsyncExitStack() as stack:
        first, second = await sessions_in_distinct_slots(engine, stack, 2)
        await polls.cast_vote(first, created.id, [options[0]], voter(41))
        # The first ballot's transaction is still open: the second must finish without waiting for it.
        await asyncio.wait_for(polls.cast_vote(second, created.id, [options[0]], voter(42)), timeout=5)
    assert await tally(sessions, created.id) == {options[0]: 2, options[1]: 0, options[2]: 0}


async def sessions_in_distinct_slots(engine, stack: AsyncExitStack, count: int):
    """Open transactions on connections whose tally slots differ."""
    sessions = make_session_factory(engine)
    chosen, slots = [], set()
    while len(chosen) < count:
        session = await stack.enter_async_context(transaction(sessions))
        slot = await session.scalar(text("SELECT pg_backend_pid() % :n"), {"n": TALLY_SLOTS})
        if slot not in slots:
            slots.add(slot)
            chosen.append(session)
    return chosen


async def test_the_same_voter_voting_twice_at_once_counts_once_and_the_other_is_already_voted(poll):
    created, options, sessions = poll
    results = await asyncio.gather(*(vote(sessions, created.id, [options[0]], voter(7)) for _ in range(8)),
                                   return_exceptions=True)
    assert sum(1 for r in results if isinstance(r, AlreadyVoted)) == 7
    assert sum(1 for r in results if isinstance(r, polls.VoteOutcome)) == 1
    assert await tally(sessions, created.id) == {options[0]: 1, options[1]: 0, options[2]: 0}


async def test_changing_a_vote_moves_it_between_options_exactly_once(poll):
    created, options, sessions = poll
    await vote(sessions, created.id, [options[0]], voter(1))
    changes = await asyncio.gather(*(vote(sessions, created.id, [options[1]], voter(1)) for _ in range(5)),
                                   return_exceptions=True)
    assert sum(1 for c in changes if isinstance(c, polls.VoteOutcome) and c.changed) == 1
    assert all(isinstance(c, AlreadyVoted) for c in changes if not isinstance(c, polls.VoteOutcome))
    assert await tally(sessions, created.id) == {options[0]: 0, options[1]: 1, options[2]: 0}


async def test_a_vote_after_closing_is_refused_and_leaves_no_row(poll):
    created, options, sessions = poll
    with pytest.raises(VotingClosed):
        async with transaction(sessions) as session:
            await polls.cast_vote(session, created.id, [options[0]], voter(2),
                                  now=created.closes_at + timedelta(seconds=1))
    async with sessions() as session:
        assert (await session.exec(select(Ballot).where(Ballot.poll_id == created.id))).first() is None


async def test_invalid_choices_and_staff_of_the_agency_are_refused(poll, cast):
    created, options, sessions = poll
    with pytest.raises(ValidationFailed) as problem:
        await vote(sessions, created.id, [options[0], options[1]], voter(3))
    assert problem.value.problems[0].code == "single_choice"
    with pytest.raises(ValidationFailed):
        await vote(sessions, created.id, [999_999], voter(3))
    with pytest.raises(NotAllowed) as refused:
        async with transaction(sessions) as session:
            await polls.cast_vote(session, created.id, [options[0]], voter(3), actor=cast.officer_a)
    assert refused.value.code == "own_agency"
    assert await tally(sessions, created.id) == {option: 0 for option in options}


async def test_multiple_choice_ballots_move_only_the_options_that_changed(engine, cast):
    sessions = make_session_factory(engine)
    now = utcnow()
    async with transaction(sessions) as session:
        created = await polls.create_poll(
            session, cast.officer_a, question="Fasilitas apa yang perlu ditambah?", multiple_choice=True,
            options=["Toilet", "Lampu", "Bangku", "Tempat sampah"], opens_at=now, closes_at=now + timedelta(days=1))
        a, b, c, d = [o.id for o in (await polls.options_of(session, [created.id]))[created.id]]
    await asyncio.gather(*(vote(sessions, created.id, [a, b, c] if i % 2 else [c, b], voter(100 + i))
                           for i in range(40)))
    await vote(sessions, created.id, [d, a], voter(100))
    async with sessions() as session:
        result = await polls.results(session, created)
    assert {o.option.id: o.votes for o in result.options} == {a: 21, b: 39, c: 39, d: 1}
    assert result.voters == 40
    assert await tally(sessions, created.id) == {a: 21, b: 39, c: 39, d: 1}


async def test_ballots_hold_only_keyed_hashes_of_voters(poll, engine):
    created, options, sessions = poll
    phone = "081234567890"
    await vote(sessions, created.id, [options[0]], voter_hash(KEY, phone))
    async with engine.connect() as connection:
        columns = await connection.run_sync(lambda c: [col["name"] for col in inspect(c).get_columns("poll_ballots")])
    assert columns == ["poll_id", "voter_hash", "option_ids", "changes", "cast_at"]
    async with sessions() as session:
        stored = (await session.exec(select(Ballot.voter_hash).where(Ballot.poll_id == created.id))).scalar_one()
    assert len(stored) == 64 and "81234567890" not in stored
    assert stored == voter_hash(KEY, "+62 812-3456-7890"), "the same person however the number is written"
    assert stored != voter_hash(b"another-server-key", phone), "the hash is keyed"


async def test_poll_input_is_checked_all_at_once(engine, cast):
    now = utcnow()
    async with transaction(make_session_factory(engine)) as session:
        with pytest.raises(ValidationFailed) as problem:
            await polls.create_poll(session, cast.officer_a, question="?", options=["Ya", "ya"],
                                    opens_at=now, closes_at=now - timedelta(days=1))
    assert {p.field for p in problem.value.problems} == {"question", "options", "closesAt"}
    assert PollOption
