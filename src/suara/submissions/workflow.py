"""The submission state machine: one table of transitions and the only writer of submission events.

Three entry points share one event writer (`_append`) and one set of consequences (counters
through `count_event`, the citizen's message through `notify_citizen`, the inbox announcement),
all in the caller's transaction:

- `file()` stores a new submission with its first events (``received``, then ``routed`` or
  ``in_triage`` as the table says) in one statement;
- `transition()` changes the status of a filed one: it checks the table and updates the row only
  if nobody changed it since it was read (optimistic locking on ``version``);
- `record()` appends an event that changes no status (a support, a contact view, a routing
  confirmation, a citizen's correction or erasure of their data), checked against the statuses that allow it.

Nothing else writes ``submission_events``. Events are never deleted; the one change to a written event
is `mask_event_details`, which the erasure of a citizen's personal data (UU PDP) applies to their texts.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import configure_mappers
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency
from suara.common.actors import Actor
from suara.common.errors import DomainError
from suara.db.columns import utcnow
from suara.db.engine import driver_sql
from suara.submissions.counting import (
    SLOT_SQL,
    Clock,
    Facets,
    clock_state_changes,
    count_event,
    counter_params,
    counter_rows,
    increments_for_event,
    upsert_sql,
)
from suara.submissions.live import ARRIVAL_NOTICE_SQL, announce_inbox_change
from suara.submissions.models import (
    ReporterContact,
    Status,
    Submission,
    SubmissionEvent,
    unfinished_statuses,
)
from suara.submissions.outbox import LOOK_UP, Address, citizen_message, notify_citizen

S = Status


class Action(StrEnum):
    AUTO_ROUTE = "auto_route"
    SEND_TO_TRIAGE = "send_to_triage"
    ROUTE = "route"
    ACKNOWLEDGE = "acknowledge"
    RESPOND = "respond"
    # ADD_NOTE, SUPPORT, VIEW_CONTACT, CONFIRM_ROUTING and the photo actions change no status: `record()`,
    # never `transition()`.
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
    SUPPORT = "support"
    VIEW_CONTACT = "view_contact"
    CONFIRM_ROUTING = "confirm_routing"
    ADD_PHOTO = "add_photo"
    APPROVE_PHOTO = "approve_photo"
    HIDE_PHOTO = "hide_photo"
    CORRECT_CONTACT = "correct_contact"
    ERASE_PERSONAL_DATA = "erase_personal_data"


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
    Action.SUPPORT: "supported",
    Action.VIEW_CONTACT: "contact_viewed",
    Action.CONFIRM_ROUTING: "routing_confirmed",
    Action.ADD_PHOTO: "photo_added",
    Action.APPROVE_PHOTO: "photo_approved",
    Action.HIDE_PHOTO: "photo_hidden",
    Action.CORRECT_CONTACT: "contact_corrected",
    Action.ERASE_PERSONAL_DATA: "personal_data_erased",
}

NO_STATUS_CHANGE: dict[Action, frozenset[str]] = {
    Action.ADD_NOTE: frozenset(AGENCY_WORK),
    Action.SUPPORT: frozenset(unfinished_statuses()),
    Action.VIEW_CONTACT: frozenset(Status),
    Action.CONFIRM_ROUTING: frozenset(Status),
    Action.ADD_PHOTO: frozenset(unfinished_statuses()),
    Action.APPROVE_PHOTO: frozenset(Status),
    Action.HIDE_PHOTO: frozenset(Status),
    Action.CORRECT_CONTACT: frozenset(Status),
    Action.ERASE_PERSONAL_DATA: frozenset(Status),
}
"""Actions `record()` appends, with the statuses each is allowed in. They leave ``version`` alone: a
citizen's support, an internal note or an officer reading the contact does not make a colleague's
open form stale."""
ANNOUNCED = {Action.ADD_NOTE}
"""No-status-change actions the agency's open inboxes are told about (a note shows in the item's history)."""

PRIVATE_ACTIONS = {
    Action.ADD_NOTE, Action.ASSIGN, Action.UNASSIGN, Action.MERGE_DUPLICATE, Action.VIEW_CONTACT,
    Action.CONFIRM_ROUTING, Action.ADD_PHOTO, Action.APPROVE_PHOTO, Action.HIDE_PHOTO, Action.CORRECT_CONTACT,
    Action.ERASE_PERSONAL_DATA,
}
"""Events of these actions never appear in public views (a photo's review is the agency's business, the public
sees the approved photo itself; a citizen's own data requests leave the public history and figures as they were)."""


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


EVENTS = SubmissionEvent.__table__
SUBMISSIONS = Submission.__table__
CONTACTS = ReporterContact.__table__


def _event(
    submission_id: int, action: Action, actor: str, before: str | None, after: str, details: dict[str, Any],
    at: datetime,
) -> dict[str, Any]:
    return {
        "submission_id": submission_id, "kind": EVENT_KINDS[action], "actor": actor, "status_before": before,
        "status_after": after, "details": details, "public": action not in PRIVATE_ACTIONS, "created_at": at,
    }


async def _append(session: AsyncSession, event: dict[str, Any]) -> None:
    """The one place an event row is written for a filed submission (`file()` writes its first ones
    in the statement that stores the submission)."""
    await session.exec(insert(EVENTS), params=[event])


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
    await _append(session, _event(submission.id, action, actor.label, submission.status, new_status, details, now))
    await count_event(session, kind, actor.label, submission.agency_id, updated.agency_id, now,
                      await _clock_before(session, submission),
                      Facets(updated.channel, updated.region_code, updated.category_slug), details)
    await notify_citizen(session, updated, kind, agency_name=agency_name, note=details.get("public_note"))
    await announce_inbox_change(session, updated, agency_before=submission.agency_id)
    await session.flush()
    return updated


async def record(
    session: AsyncSession,
    submission: Submission,
    action: Action,
    actor: Actor | str,
    *,
    details: dict[str, Any] | Callable[[Submission], dict[str, Any]] | None = None,
    changes: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Submission:
    """Append the event of an action that changes no status; ``changes`` (a support count) are set
    without touching ``version``; ``details`` may be made from the updated row (the count after this
    support, also under concurrent supports). Returns the row as it is now."""
    allowed = NO_STATUS_CHANGE.get(action)
    if allowed is None:
        raise ValueError(f"{action} changes a status: use transition()")
    if submission.status not in allowed:
        raise InvalidTransition(submission.status, action)
    now = now or utcnow()
    label = actor if isinstance(actor, str) else actor.label
    updated = submission
    if changes:
        row = (await session.exec(
            update(SUBMISSIONS).where(SUBMISSIONS.c.id == submission.id).values(**changes).returning(SUBMISSIONS)
        )).first()
        updated = Submission.model_validate(dict(row._mapping))
    details = (details(updated) if callable(details) else details) or {}
    await _append(session, _event(submission.id, action, label, updated.status, updated.status, details, now))
    kind = EVENT_KINDS[action]
    # No clock: an action that changes no status neither starts, answers nor ends the agency's clock.
    await count_event(session, kind, label, updated.agency_id, updated.agency_id, now, None,
                      Facets(updated.channel, updated.region_code, updated.category_slug), details)
    await notify_citizen(session, updated, kind, agency_name=None, note=details.get("public_note"))
    if action in ANNOUNCED:
        await announce_inbox_change(session, updated, agency_before=updated.agency_id)
    await session.flush()
    return updated


async def mask_event_details(
    session: AsyncSession, submission_id: int, mask: Callable[[dict[str, Any]], dict[str, Any]],
) -> int:
    """Rewrite the details of every event of one submission through ``mask`` (the erasure of its
    reporter's personal data); kind, actor, statuses and times stay. Returns how many changed.

    The database refuses any change to an event (a trigger) except this one: it lets the details, and
    nothing else, change while the transaction-local setting ``suara.erasing`` is on, which this sets
    around its own statement only."""
    rows = (await session.exec(
        select(EVENTS.c.id, EVENTS.c.details).where(EVENTS.c.submission_id == submission_id)
    )).all()
    changed = [{"event_id": event_id, "masked": masked} for event_id, details in rows
               if (masked := mask(details or {})) != (details or {})]
    if changed:
        await session.exec(text("SELECT set_config('suara.erasing', 'on', true)"))
        await session.exec(
            update(EVENTS).where(EVENTS.c.id == bindparam("event_id")).values(details=bindparam("masked")),
            params=changed,
        )
        await session.exec(text("SELECT set_config('suara.erasing', 'off', true)"))
    return len(changed)


WRITTEN_BY_DATABASE = {"id", "public_fine"}
"""The key, and the map's density flag (the map_cells trigger); generated columns are skipped too."""
FILED_COLUMNS = [column.key for column in SUBMISSIONS.c
                 if column.key not in WRITTEN_BY_DATABASE and column.computed is None]
JSON_COLUMNS = {column.key for column in SUBMISSIONS.c if isinstance(column.type, JSONB)}
CONTACT_COLUMNS = ("name", "phone", "email", "nik")


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _filed_value(name: str) -> str:
    return f"CAST(CAST(:{name} AS text) AS jsonb)" if name in JSON_COLUMNS else f":{name}"


FILE = text(f"""
WITH filed AS (
    INSERT INTO submissions ({", ".join(f'"{name}"' for name in FILED_COLUMNS)})
    VALUES ({", ".join(_filed_value(name) for name in FILED_COLUMNS)})
    ON CONFLICT DO NOTHING
    RETURNING *
), contact AS (
    INSERT INTO reporter_contacts (submission_id, name, phone, email, nik, phone_verified)
    SELECT id, :contact_name, :contact_phone, :contact_email, :contact_nik, :contact_phone_verified
    FROM filed WHERE CAST(:has_contact AS boolean)
), events AS (
    INSERT INTO submission_events (submission_id, kind, actor, status_before, status_after, details, public, created_at)
    SELECT filed.id, event.kind, event.actor, event.status_before, event.status_after, CAST(event.details AS jsonb),
           true, :at
    FROM filed, unnest(CAST(:kinds AS varchar[]), CAST(:actors AS varchar[]), CAST(:befores AS varchar[]),
                       CAST(:afters AS varchar[]), CAST(:details AS text[]))
         WITH ORDINALITY AS event(kind, actor, status_before, status_after, details, position)
    ORDER BY event.position
), slot AS MATERIALIZED ({SLOT_SQL}
), counted AS ({upsert_sql("EXISTS (SELECT 1 FROM filed)")}
), queued AS (
    INSERT INTO outbox (submission_id, channel, recipient, subject, body, state, attempts, next_attempt_at, created_at)
    SELECT id, :message_channel, :message_recipient, :message_subject, :message_body, 'pending', 0, :at, :at
    FROM filed WHERE CAST(:has_message AS boolean)
)
SELECT filed.*, {ARRIVAL_NOTICE_SQL} AS announced FROM filed
""")
"""A new submission, its contact, first events, counter changes, the reporter's message and its inbox
announcement: one statement of fixed shape (prepared once per connection, one round trip), which
stores nothing when the tracking code or key is taken."""


SUBMISSION_KEYS = [column.key for column in SUBMISSIONS.c]


@functools.cache
def _file_for(dialect) -> tuple[str, tuple[str, ...]]:
    """`FILE` for the driver (`driver_sql`): the busiest statement, whose values are already the driver's
    types (JSON as text cast in SQL, arrays as lists). Its row comes back as a plain (not validated, not
    session-tracked) `Submission`: the filing's caller reads it, nothing in the unit of work changes it."""
    configure_mappers()  # once: the row is made without a query, and a process may not have run one yet
    return driver_sql(FILE, dialect)


@dataclass(frozen=True)
class FirstRoute:
    """Where routing sent a new submission: the model's route (`AUTO_ROUTE`) or people (`SEND_TO_TRIAGE`)."""

    action: Action
    actor: str
    details: dict[str, Any]
    agency: Agency | None = None


async def file(
    session: AsyncSession,
    row: dict[str, Any],
    *,
    actor: str,
    received_details: dict[str, Any],
    route: FirstRoute | None,
    contact: dict[str, Any] | None,
    reply_to: Address | None | object = LOOK_UP,
) -> Submission | None:
    """Store a new submission with its contact, first events, their counter changes, the citizen's
    message and the inbox announcement in one statement: what `transition()` does for later events.

    ``row`` holds the submission's columns (a missing one is NULL); its status is set here from the table. Returns None
    when the row was not stored because its tracking code or idempotency key is taken (the caller
    retries or replays). ``reply_to`` is where status messages go when the caller knows it already
    (saves a read of the contact just written).
    """
    now = row["created_at"]
    status = next_status(Status.RECEIVED, route.action) if route else Status.RECEIVED
    row = {"support_count": 0, "field_check": False, "route_automatic": False, **row, "status": status.value,
           "version": 1}
    events = [("received", actor, None, Status.RECEIVED.value, received_details)]
    if route is not None:
        events.append((EVENT_KINDS[route.action], route.actor, Status.RECEIVED.value, status.value, route.details))
    contact = contact or {}
    route_kind = EVENT_KINDS[route.action] if route is not None else None
    facets = Facets(row["channel"], row.get("region_code"), row.get("category_slug"))
    changes = increments_for_event("received", actor, None, None, now, None, facets, received_details)
    if route is not None:
        changes += increments_for_event(route_kind, route.actor, None, row.get("agency_id"), now, None, facets,
                                        route.details)
    agency_name = route.agency.short_name if route is not None and route.agency else None
    message = None
    if route is not None and reply_to is not LOOK_UP:
        message = await citizen_message(session, row["tracking_code"], route_kind, agency_name=agency_name,
                                        note=None, address=reply_to)
    params = {
        **{name: _json(row.get(name)) if name in JSON_COLUMNS else row.get(name) for name in FILED_COLUMNS},
        **{f"contact_{name}": contact.get(name) for name in CONTACT_COLUMNS},
        "contact_phone_verified": bool(contact.get("phone_verified")), "has_contact": bool(contact),
        "kinds": [e[0] for e in events], "actors": [e[1] for e in events], "befores": [e[2] for e in events],
        "afters": [e[3] for e in events], "details": [json.dumps(e[4]) for e in events], "at": now,
        **counter_params(counter_rows(changes)),
        **{f"message_{name}": (message or {}).get(name) for name in ("channel", "recipient", "subject", "body")},
        "has_message": message is not None,
    }
    connection = await session.connection()
    sql, names = _file_for(connection.dialect)
    stored = (await connection.exec_driver_sql(sql, tuple(params[name] for name in names))).mappings().first()
    if stored is None:
        return None
    submission = Submission.model_construct(**{name: stored[name] for name in SUBMISSION_KEYS})
    if route is not None and reply_to is LOOK_UP:  # the message after a read of the stored contact
        await notify_citizen(session, submission, route_kind, agency_name=agency_name, note=None)
    return submission
