"""The submission state machine: one table of transitions and one function that applies them.

`transition()` is the only way a status changes after filing. It checks the table, updates the
row only if nobody changed it since it was read (optimistic locking on ``version``), appends the
event and queues the citizen's notification, all in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency
from suara.common.actors import Actor
from suara.common.errors import DomainError
from suara.db.columns import utcnow
from suara.submissions.counting import Clock, Facets, clock_state_changes, count_event
from suara.submissions.live import announce_inbox_change
from suara.submissions.models import Status, Submission, SubmissionEvent
from suara.submissions.outbox import notify_citizen

S = Status


class Action(StrEnum):
    AUTO_ROUTE = "auto_route"
    SEND_TO_TRIAGE = "send_to_triage"
    ROUTE = "route"
    ACKNOWLEDGE = "acknowledge"
    RESPOND = "respond"
    ADD_NOTE = "add_note"
    MARK_FIELD_CHECK = "mark_field_check"
    FORWARD = "forward"
    RESOLVE = "resolve"
    REJECT = "reject"
    CONFIRM_RESOLVED = "confirm_resolved"
    DISPUTE = "dispute"
    REOPEN = "reopen"
    AUTO_CLOSE = "auto_close"
    ESCALATE = "escalate"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    MERGE_DUPLICATE = "merge_duplicate"


AGENCY_WORK = (S.ROUTED, S.FORWARDED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED)
ANSWERED = (S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED)

TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.RECEIVED, Action.AUTO_ROUTE): S.ROUTED,
    (S.RECEIVED, Action.SEND_TO_TRIAGE): S.IN_TRIAGE,
    (S.RECEIVED, Action.ROUTE): S.ROUTED,
    (S.IN_TRIAGE, Action.ROUTE): S.ROUTED,
    (S.ROUTED, Action.ROUTE): S.ROUTED,
    (S.FORWARDED, Action.ROUTE): S.ROUTED,
    (S.RECEIVED, Action.REJECT): S.REJECTED,
    (S.IN_TRIAGE, Action.REJECT): S.REJECTED,
    (S.ROUTED, Action.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.FORWARDED, Action.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.REOPENED, Action.ACKNOWLEDGE): S.ACKNOWLEDGED,
    **{(status, Action.RESPOND): S.IN_PROGRESS for status in ANSWERED},
    **{(status, Action.ADD_NOTE): status for status in AGENCY_WORK},
    **{(status, Action.MARK_FIELD_CHECK): status for status in ANSWERED},
    **{(status, Action.FORWARD): S.FORWARDED for status in AGENCY_WORK},
    **{(status, Action.RESOLVE): S.RESOLVED for status in ANSWERED},
    **{(status, Action.REJECT): S.REJECTED for status in AGENCY_WORK},
    **{(status, Action.ESCALATE): status for status in (S.IN_TRIAGE, *AGENCY_WORK)},
    **{(status, action): status for status in AGENCY_WORK
       for action in (Action.ASSIGN, Action.UNASSIGN, Action.MERGE_DUPLICATE)},
    (S.RESOLVED, Action.CONFIRM_RESOLVED): S.CLOSED,
    (S.RESOLVED, Action.DISPUTE): S.REOPENED,
    (S.RESOLVED, Action.REOPEN): S.REOPENED,
    (S.CLOSED, Action.REOPEN): S.REOPENED,
    (S.RESOLVED, Action.AUTO_CLOSE): S.CLOSED,
}

EVENT_KINDS: dict[Action, str] = {
    Action.AUTO_ROUTE: "routed",
    Action.SEND_TO_TRIAGE: "in_triage",
    Action.ROUTE: "routed",
    Action.ACKNOWLEDGE: "acknowledged",
    Action.RESPOND: "responded",
    Action.ADD_NOTE: "note_added",
    Action.MARK_FIELD_CHECK: "field_check_marked",
    Action.FORWARD: "forwarded",
    Action.RESOLVE: "resolved",
    Action.REJECT: "rejected",
    Action.CONFIRM_RESOLVED: "confirmed_resolved",
    Action.DISPUTE: "disputed",
    Action.REOPEN: "reopened",
    Action.AUTO_CLOSE: "closed",
    Action.ESCALATE: "escalated",
    Action.ASSIGN: "assigned",
    Action.UNASSIGN: "unassigned",
    Action.MERGE_DUPLICATE: "duplicate_merged",
}

PRIVATE_ACTIONS = {Action.ADD_NOTE, Action.ASSIGN, Action.UNASSIGN, Action.MERGE_DUPLICATE}
"""Events of these actions never appear in public views."""


class InvalidTransition(DomainError):
    def __init__(self, status: str, action: Action):
        super().__init__(f"{action} is not possible from {status}")
        self.status = status
        self.action = action
        self.message_id = f"Tindakan '{action}' tidak bisa dilakukan pada status '{status}'."
        self.message_en = f"'{action}' cannot be done while the status is '{status}'."


class Conflict(DomainError):
    def __init__(self) -> None:
        super().__init__("the submission changed since it was read")
        self.message_id = "Laporan ini baru saja diubah orang lain. Muat ulang lalu coba lagi."
        self.message_en = "Someone else changed this submission just now. Reload and try again."


async def _clock_before(session: AsyncSession, submission: Submission) -> Clock | None:
    """The item's agency clock as it stood before this event, for the response-time counters."""
    if submission.routed_at is None or submission.agency_id is None:
        return None
    agency = await session.get(Agency, submission.agency_id)
    return Clock(
        started_at=submission.routed_at,
        first_response_due_at=submission.first_response_due_at,
        resolution_due_at=submission.resolution_due_at,
        responded=submission.first_responded_at is not None,
        timezone=agency.timezone,
        automatic_route=submission.route_automatic,
        overdue=submission.overdue_since is not None,
    )


def next_status(status: str, action: Action) -> Status:
    try:
        return TRANSITIONS[(Status(status), action)]
    except (KeyError, ValueError):
        raise InvalidTransition(status, action) from None


async def transition(
    session: AsyncSession,
    submission: Submission,
    action: Action,
    actor: Actor,
    *,
    details: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    agency_name: str | None = None,
    now: datetime | None = None,
) -> Submission:
    """Apply ``action`` to ``submission`` as read at its current version; return the new row."""
    new_status = next_status(submission.status, action)
    now = now or utcnow()
    kind = EVENT_KINDS[action]
    state = clock_state_changes(kind, actor.label, now, submission.overdue_since)
    table = Submission.__table__
    result = await session.exec(
        update(table)
        .where(table.c.id == submission.id, table.c.version == submission.version)
        .values(status=new_status, version=submission.version + 1, updated_at=now, **{**state, **(changes or {})})
        .returning(table)
    )
    row = result.first()
    if row is None:
        raise Conflict()
    updated = Submission.model_validate(dict(row._mapping))
    details = details or {}
    session.add(
        SubmissionEvent(
            submission_id=submission.id, kind=kind, actor=actor.label,
            status_before=submission.status, status_after=new_status, details=details,
            public=action not in PRIVATE_ACTIONS, created_at=now,
        )
    )
    await count_event(session, kind, actor.label, submission.agency_id, updated.agency_id, now,
                      await _clock_before(session, submission),
                      Facets(updated.channel, updated.region_code, updated.category_slug), details)
    await notify_citizen(session, updated, kind, agency_name=agency_name, note=details.get("public_note"))
    await announce_inbox_change(session, updated, agency_before=submission.agency_id)
    await session.flush()
    return updated
