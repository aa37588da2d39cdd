"""Polls: one ballot per verified person, changeable while open, tallies exact under concurrency.

A ballot row per (poll, voter) is the one-vote rule and the lock that a person's concurrent ballots
queue on. Votes per option (and voters, under option 0) are kept in tally rows spread over slots —
each transaction adds to the slot of its database connection — in the ballot's own statement, so
concurrent voters of one poll do not queue on a shared row and a tally is a sum of a bounded number
of rows at any volume. ``recount`` counts the ballots themselves, as an audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.actors import Actor
from suara.db.columns import utcnow
from suara.dialogue import consultations
from suara.dialogue.common import (
    Page,
    Problems,
    newest_first,
    not_found,
    refuse_own_agency,
    require_agency_staff,
)
from suara.dialogue.errors import AlreadyVoted, VotingClosed
from suara.dialogue.models import TALLY_SLOTS, VOTERS, Ballot, Poll, PollOption, PollTally

MAX_OPTIONS = 20
BALLOTS = Ballot.__table__


async def create_poll(
    session: AsyncSession, actor: Actor, *, question: str, options: list[str], opens_at: datetime,
    closes_at: datetime, multiple_choice: bool = False, results_live: bool = True,
    consultation_id: int | None = None, agency_id: int | None = None,
) -> Poll:
    """A poll of the actor's agency; one part of a consultation needs that consultation visible to them."""
    agency_id = agency_id or actor.agency_id
    require_agency_staff(actor, agency_id)
    if consultation_id is not None:
        await consultations.visible_consultation(session, consultation_id, actor)
    problems = Problems()
    question = problems.text("question", question, 5, 500)
    labels = [label.strip() for label in options if label.strip()]
    if not 2 <= len(labels) <= MAX_OPTIONS:
        problems.add("options", "option_count", f"Beri 2 sampai {MAX_OPTIONS} pilihan.",
                     f"Give 2 to {MAX_OPTIONS} options.")
    elif len({label.casefold() for label in labels}) != len(labels):
        problems.add("options", "duplicate_option", "Ada pilihan yang sama.", "Two options are the same.")
    elif any(len(label) > 200 for label in labels):
        problems.add("options", "too_long", "Pilihan maksimal 200 karakter.", "Options have at most 200 characters.")
    problems.period(opens_at, closes_at)
    problems.raise_if_any()
    poll = Poll(agency_id=agency_id, consultation_id=consultation_id, question=question,
                multiple_choice=multiple_choice, results_live=results_live, opens_at=opens_at,
                closes_at=closes_at, created_by=actor.label)
    session.add(poll)
    await session.flush()
    session.add_all([PollOption(poll_id=poll.id, position=i, label=label) for i, label in enumerate(labels, 1)])
    await session.flush()
    return poll


def voting_open(poll: Poll, now: datetime) -> bool:
    return poll.opens_at <= now < poll.closes_at


def results_visible(poll: Poll, now: datetime, actor: Actor | None = None) -> bool:
    if poll.results_live or now >= poll.closes_at:
        return True
    return actor is not None and actor.is_staff and actor.agency_id == poll.agency_id


@dataclass(frozen=True)
class VoteOutcome:
    poll: Poll
    option_ids: list[int]
    changed: bool
    """True when this replaced the voter's earlier ballot."""


async def cast_vote(
    session: AsyncSession, poll_id: int, option_ids: list[int], voter: str, *,
    actor: Actor | None = None, now: datetime | None = None,
) -> VoteOutcome:
    """Record a ballot, or move the voter's earlier one; the same ballot twice is AlreadyVoted."""
    now = now or utcnow()
    found = (await session.exec(
        select(Poll, select(func.array_agg(PollOption.id)).where(PollOption.poll_id == Poll.id).scalar_subquery())
        .where(Poll.id == poll_id)
    )).first()
    if found is None:
        raise not_found("poll")
    poll, valid = found[0], set(found[1] or [])
    refuse_own_agency(actor, poll.agency_id)
    if not voting_open(poll, now):
        raise VotingClosed("poll")
    chosen = sorted(set(option_ids))
    problems = Problems()
    if not chosen or not set(chosen) <= valid:
        problems.add("optionIds", "invalid_choice", "Pilihan tidak ada di jajak pendapat ini.",
                     "That option is not in this poll.")
    elif not poll.multiple_choice and len(chosen) != 1:
        problems.add("optionIds", "single_choice", "Pilih satu saja.", "Choose exactly one.")
    problems.raise_if_any()

    inserted = (await session.exec(_NEW_BALLOT, params={
        "poll": poll_id, "voter": voter, "options": chosen, "now": now, "counted": [VOTERS, *chosen],
        "slots": TALLY_SLOTS,
    })).scalar_one()
    if inserted:
        return VoteOutcome(poll, chosen, changed=False)

    earlier = (await session.exec(
        select(BALLOTS.c.option_ids).where(BALLOTS.c.poll_id == poll_id, BALLOTS.c.voter_hash == voter)
        .with_for_update()
    )).scalar_one()
    if sorted(earlier) == chosen:
        raise AlreadyVoted("vote")
    await session.exec(
        update(BALLOTS).where(BALLOTS.c.poll_id == poll_id, BALLOTS.c.voter_hash == voter)
        .values(option_ids=chosen, changes=BALLOTS.c.changes + 1, cast_at=now)
    )
    moves = {option: 1 for option in set(chosen) - set(earlier)} | {option: -1 for option in set(earlier) - set(chosen)}
    await _move_counts(session, poll_id, moves)
    return VoteOutcome(poll, chosen, changed=True)


_NEW_BALLOT = text("""
    WITH ballot AS (
        INSERT INTO poll_ballots (poll_id, voter_hash, option_ids, cast_at)
        VALUES (:poll, :voter, CAST(:options AS int[]), :now)
        ON CONFLICT DO NOTHING RETURNING poll_id
    ), counted AS (
        INSERT INTO poll_tallies (poll_id, option_id, slot, votes)
        SELECT ballot.poll_id, counted.option_id, pg_backend_pid() % :slots, 1
          FROM ballot, unnest(CAST(:counted AS int[])) AS counted(option_id)
         ORDER BY counted.option_id
        ON CONFLICT (poll_id, option_id, slot) DO UPDATE SET votes = poll_tallies.votes + 1
        RETURNING 1
    )
    SELECT count(*) FROM ballot
""")
"""One round trip: the ballot (the one-vote rule) and its tallies (voters and each chosen option) in
this connection's slot, rows taken in option order so two multiple-choice ballots cannot deadlock."""


async def _move_counts(session: AsyncSession, poll_id: int, moves: dict[int, int]) -> None:
    """A changed ballot: +1 and -1 in this connection's slot, in option order (no deadlock)."""
    options = sorted(moves)
    await session.exec(
        text("""
            INSERT INTO poll_tallies (poll_id, option_id, slot, votes)
            SELECT :poll, moved.option_id, pg_backend_pid() % :slots, moved.votes
              FROM unnest(CAST(:options AS int[]), CAST(:votes AS int[])) AS moved(option_id, votes)
             ORDER BY moved.option_id
            ON CONFLICT (poll_id, option_id, slot) DO UPDATE SET votes = poll_tallies.votes + excluded.votes
        """),
        params={"poll": poll_id, "options": options, "votes": [moves[o] for o in options], "slots": TALLY_SLOTS},
    )


@dataclass(frozen=True)
class OptionResult:
    option: PollOption
    votes: int


@dataclass(frozen=True)
class PollResults:
    options: list[OptionResult]
    voters: int
    final: bool


async def options_of(session: AsyncSession, poll_ids: list[int]) -> dict[int, list[PollOption]]:
    rows = (await session.exec(
        select(PollOption).where(PollOption.poll_id.in_(poll_ids)).order_by(PollOption.poll_id, PollOption.position)
    )).scalars()
    grouped: dict[int, list[PollOption]] = {poll_id: [] for poll_id in poll_ids}
    for row in rows:
        grouped[row.poll_id].append(row)
    return grouped


async def tallies_of(session: AsyncSession, poll_ids: list[int]) -> dict[int, dict[int, int]]:
    """Votes per option and voters (under ``VOTERS``) of each poll: sums of their slots, one query."""
    rows = await session.exec(
        select(PollTally.poll_id, PollTally.option_id, func.sum(PollTally.votes))
        .where(PollTally.poll_id.in_(poll_ids)).group_by(PollTally.poll_id, PollTally.option_id)
    )
    tallies: dict[int, dict[int, int]] = {poll_id: {} for poll_id in poll_ids}
    for poll_id, option_id, votes in rows:
        tallies[poll_id][option_id] = int(votes)
    return tallies


def tally_results(poll: Poll, options: list[PollOption], tally: dict[int, int], now: datetime) -> PollResults:
    return PollResults([OptionResult(o, tally.get(o.id, 0)) for o in options], tally.get(VOTERS, 0),
                       now >= poll.closes_at)


@dataclass(frozen=True)
class PollDetails:
    options: list[PollOption]
    tally: dict[int, int]
    """Votes per option id, and voters under ``VOTERS``."""


async def details_of(session: AsyncSession, poll_ids: list[int]) -> dict[int, PollDetails]:
    """Options and kept tallies of several polls: two queries in one session (for a page of polls)."""
    options, tallies = await options_of(session, poll_ids), await tallies_of(session, poll_ids)
    return {poll_id: PollDetails(options[poll_id], tallies[poll_id]) for poll_id in poll_ids}


async def results_of(session: AsyncSession, polls: list[Poll], *, now: datetime | None = None) -> dict[int, PollResults]:
    now = now or utcnow()
    details = await details_of(session, [poll.id for poll in polls])
    return {poll.id: tally_results(poll, details[poll.id].options, details[poll.id].tally, now) for poll in polls}


async def results(session: AsyncSession, poll: Poll, *, now: datetime | None = None) -> PollResults:
    """The tally as kept by the ballots: its read does not grow with the number of ballots."""
    return (await results_of(session, [poll], now=now))[poll.id]


async def recount(session: AsyncSession, poll_id: int) -> dict[int, int]:
    """Votes per option counted from the ballots themselves (an audit of the kept counts)."""
    rows = await session.exec(text("""
        SELECT o.id, count(b.voter_hash)
          FROM poll_options o
          LEFT JOIN poll_ballots b ON b.poll_id = o.poll_id AND o.id = ANY(b.option_ids)
         WHERE o.poll_id = :poll GROUP BY o.id
    """), params={"poll": poll_id})
    return {option_id: count for option_id, count in rows}


async def recount_voters(session: AsyncSession, poll_id: int) -> int:
    """Voters counted from the ballots (an audit of the kept voter tally)."""
    return int(await session.scalar(select(func.count()).select_from(BALLOTS).where(BALLOTS.c.poll_id == poll_id)) or 0)


async def find_poll(session: AsyncSession, poll_id: int) -> Poll:
    poll = await session.get(Poll, poll_id)
    if poll is None:
        raise not_found("poll")
    return poll


async def get_poll(session: AsyncSession, poll_id: int) -> Poll | None:
    return await session.get(Poll, poll_id)


async def list_polls(
    session: AsyncSession, *, open: bool | None = None, first: int = 20, before_id: int | None = None,
    now: datetime | None = None,
) -> Page[Poll]:
    """Polls newest first; ``open`` keeps those taking votes now (True) or not (False)."""
    now = now or utcnow()
    query = select(Poll)
    if open is True:
        query = query.where(Poll.opens_at <= now, Poll.closes_at > now)
    elif open is False:
        query = query.where((Poll.opens_at > now) | (Poll.closes_at <= now))
    return await newest_first(session, query, Poll, first=first, before_id=before_id)


async def polls_of_consultations(session: AsyncSession, consultation_ids: list[int]) -> dict[int, list[Poll]]:
    rows = (await session.exec(
        select(Poll).where(Poll.consultation_id.in_(consultation_ids)).order_by(Poll.id)
    )).scalars()
    grouped: dict[int, list[Poll]] = {consultation_id: [] for consultation_id in consultation_ids}
    for row in rows:
        grouped[row.consultation_id].append(row)
    return grouped
