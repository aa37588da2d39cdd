"""Which staff decision settles whether an automatic route was right, read from the item's event log.

An automatically routed item is **wrong** when staff move it away from the agency the model chose (a
triage admin re-routes it to another agency, the agency forwards it marked "wrong agency", or rejects
it as not its authority) and **right** when that agency acknowledges, answers or resolves it. The
first such decision counts, once per item; a forward for another reason or a rejection as spam,
incomplete or duplicate says nothing about the route, and ends the item's chance of an outcome.
Only staff decisions count: citizens and jobs never move the window.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.live_precision.models import RoutingOutcome
from suara.submissions.models import Submission, SubmissionEvent
from suara.triage.service import WRONG_AGENCY

RIGHT = {"acknowledged": "acknowledged", "responded": "responded", "resolved": "resolved"}
NOT_OUR_AUTHORITY = "not_our_authority"
"""The rejection reason (`suara.triage.service.REJECTION_REASONS`) of an item outside the agency's authority."""
MODEL_ACTOR = "model:"
STAFF_ACTOR = "staff:"


@dataclass(frozen=True)
class EventRow:
    id: int
    kind: str
    actor: str
    details: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Outcome:
    model_version: str
    confidence: float
    agency_id: int
    correct: bool
    outcome: str
    event_id: int
    decided_by: str
    decided_at: datetime


def first_outcome(events: Iterable[EventRow]) -> Outcome | None:
    """The first decisive staff decision on an item the model routed, from its events in order."""
    route: EventRow | None = None
    for event in events:
        if route is None:
            if event.kind == "routed":
                if not event.actor.startswith(MODEL_ACTOR) or event.details.get("agency_id") is None:
                    return None  # people routed it first: not an automatic route
                route = event
            continue
        if not event.actor.startswith(STAFF_ACTOR):
            continue
        verdict = _verdict(event, route.details["agency_id"])
        if verdict is False:
            return None  # it left the agency (or ended) without a verdict on the route
        if verdict is not None:
            correct, outcome = verdict
            return Outcome(
                model_version=str(route.details.get("model_version") or route.actor[len(MODEL_ACTOR):]),
                confidence=float(route.details.get("confidence") or 0.0), agency_id=int(route.details["agency_id"]),
                correct=correct, outcome=outcome, event_id=event.id, decided_by=event.actor,
                decided_at=event.created_at,
            )
    return None


def _verdict(event: EventRow, routed_to: int) -> tuple[bool, str] | bool | None:
    """(correct, outcome) when the event settles the route, False when it ends any chance of an outcome,
    None when it says nothing about the route."""
    details = event.details or {}
    if event.kind == "routed":
        return None if details.get("agency_id") == routed_to else (False, "rerouted")
    if event.kind == "forwarded":
        return (False, "forwarded_wrong_agency") if details.get("reason") == WRONG_AGENCY else False
    if event.kind == "rejected":
        return (False, "rejected_not_our_authority") if details.get("reason") == NOT_OUR_AUTHORITY else False
    if event.kind in RIGHT:
        return True, RIGHT[event.kind]
    return None


async def _events(session: AsyncSession, submission_id: int) -> list[EventRow]:
    rows = await session.exec(
        select(SubmissionEvent.id, SubmissionEvent.kind, SubmissionEvent.actor, SubmissionEvent.details,
               SubmissionEvent.created_at)
        .where(SubmissionEvent.submission_id == submission_id).order_by(SubmissionEvent.id)
    )
    return [EventRow(*row) for row in rows]


OUTCOMES = RoutingOutcome.__table__


def _row(submission_id: int, outcome: Outcome) -> dict[str, Any]:
    return {"submission_id": submission_id, **outcome.__dict__}


async def record_outcome(session: AsyncSession, submission: Submission) -> Outcome | None:
    """Store the item's outcome if a staff decision has just settled it; returns it only when this call
    stored it (None when the item was not routed by the model, is not settled, or was recorded before,
    also by a concurrent transaction: the item's key decides)."""
    if submission.routing_model_version is None:
        return None  # the model never saw it (or never routed anything)
    if await session.get(RoutingOutcome, submission.id) is not None:
        return None
    outcome = first_outcome(await _events(session, submission.id))
    if outcome is None:
        return None
    stored = await session.exec(
        pg_insert(OUTCOMES).values(**_row(submission.id, outcome))
        .on_conflict_do_nothing(index_elements=["submission_id"]).returning(OUTCOMES.c.submission_id)
    )
    return outcome if stored.first() is not None else None


async def rebuild(session: AsyncSession) -> int:
    """Every outcome recomputed from the event log (after an upgrade, or to check the stored ones):
    inserts the missing ones, changes none; returns how many it added."""
    known = set((await session.exec(select(RoutingOutcome.submission_id))).all())
    automatic = (
        select(SubmissionEvent.submission_id).where(SubmissionEvent.kind == "routed",
                                                    SubmissionEvent.actor.startswith(MODEL_ACTOR))
    )
    rows = await session.exec(
        select(SubmissionEvent.submission_id, SubmissionEvent.id, SubmissionEvent.kind, SubmissionEvent.actor,
               SubmissionEvent.details, SubmissionEvent.created_at)
        .where(SubmissionEvent.submission_id.in_(automatic))
        .order_by(SubmissionEvent.submission_id, SubmissionEvent.id)
    )
    by_item: dict[int, list[EventRow]] = {}
    for submission_id, *event in rows:
        by_item.setdefault(submission_id, []).append(EventRow(*event))
    new = []
    for submission_id, events in by_item.items():
        if submission_id in known:
            continue
        outcome = first_outcome(events)
        if outcome is not None:
            new.append(_row(submission_id, outcome))
    for start in range(0, len(new), 5000):
        await session.exec(insert(OUTCOMES), params=new[start:start + 5000])
    return len(new)
