"""Polls: one ballot per verified person, changeable while open, tallies exact under concurrency.

Each option keeps its count, changed in the transaction of the ballot that changes it, so a tally
is a read of a few rows at any volume. A ballot row per (poll, voter) is the one-vote rule and the
lock that a person's concurrent ballots queue on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.actors import Actor
from suara.db.columns import utcnow
from suara.dialogue.common import Problems, not_found, refuse_own_agency, require_agency_staff
from suara.dialogue.errors import AlreadyVoted, VotingClosed
from suara.dialogue.models import Ballot, Poll, PollOption

MAX_OPTIONS = 20
BALLOTS = Ballot.__table__


async def create_poll(
    session: AsyncSession, actor: Actor, *, question: str, options: list[str], opens_at: datetime,
    closes_at: datetime, multiple_choice: bool = False, results_live: bool = True,
    consultation_id: int | None = None, agency_id: int | None = None,
) -> Poll:
    agency_id = agency_id or actor.agency_id
    require_agency_staff(actor, agency_id)
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
    poll = await session.get(Poll, poll_id)
    if poll is None:
        raise not_found("poll")
    refuse_own_agency(actor, poll.agency_id)
    if not voting_open(poll, now):
        raise VotingClosed("poll")
    chosen = sorted(set(option_ids))
    valid = set((await session.exec(select(PollOption.id).where(PollOption.poll_id == poll_id))).scalars())
    problems = Problems()
    if not chosen or not set(chosen) <= valid:
        problems.add("optionIds", "invalid_choice", "Pilihan tidak ada di jajak pendapat ini.",
                     "That option is not in this poll.")
    elif not poll.multiple_choice and len(chosen) != 1:
        problems.add("optionIds", "single_choice", "Pilih satu saja.", "Choose exactly one.")
    problems.raise_if_any()

    inserted = (await session.exec(
        pg_insert(BALLOTS).values(poll_id=poll_id, voter_hash=voter, option_ids=chosen, cast_at=now)
        .on_conflict_do_nothing().returning(BALLOTS.c.poll_id)
    )).first()
    if inserted is not None:
        await _move_counts(session, added=chosen, removed=[])
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
    await _move_counts(session, added=sorted(set(chosen) - set(earlier)), removed=sorted(set(earlier) - set(chosen)))
    return VoteOutcome(poll, chosen, changed=True)


async def _move_counts(session: AsyncSession, *, added: list[int], removed: list[int]) -> None:
    """One statement, rows locked in id order, so two multiple-choice ballots cannot deadlock."""
    touched = sorted(set(added) | set(removed))
    await session.exec(
        text("""
            UPDATE poll_options AS o
               SET vote_count = o.vote_count + CASE WHEN o.id = ANY(:added) THEN 1 ELSE -1 END
              FROM (SELECT id FROM poll_options WHERE id = ANY(:touched) ORDER BY id FOR UPDATE) AS locked
             WHERE o.id = locked.id
        """),
        params={"added": added, "touched": touched},
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


async def results(session: AsyncSession, poll: Poll, *, now: datetime | None = None) -> PollResults:
    """The tally as kept by the ballots; the number of voters is counted for multiple choice only."""
    now = now or utcnow()
    options = (await options_of(session, [poll.id]))[poll.id]
    if poll.multiple_choice:
        voters = await session.scalar(select(func.count()).select_from(BALLOTS).where(BALLOTS.c.poll_id == poll.id))
    else:
        voters = sum(option.vote_count for option in options)
    return PollResults([OptionResult(o, o.vote_count) for o in options], int(voters or 0), now >= poll.closes_at)


async def recount(session: AsyncSession, poll_id: int) -> dict[int, int]:
    """Votes per option counted from the ballots themselves (an audit of the kept counts)."""
    rows = await session.exec(text("""
        SELECT o.id, count(b.voter_hash)
          FROM poll_options o
          LEFT JOIN poll_ballots b ON b.poll_id = o.poll_id AND o.id = ANY(b.option_ids)
         WHERE o.poll_id = :poll GROUP BY o.id
    """), params={"poll": poll_id})
    return {option_id: count for option_id, count in rows}


async def find_poll(session: AsyncSession, poll_id: int) -> Poll:
    poll = await session.get(Poll, poll_id)
    if poll is None:
        raise not_found("poll")
    return poll
