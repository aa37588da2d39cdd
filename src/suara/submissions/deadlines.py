"""Service-level deadlines of a submission, in working days of its agency's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from suara.agencies.models import Agency
from suara.common.calendar import add_working_days
from suara.submissions.models import Kind

REOPEN_WINDOW_WORKING_DAYS = 10
AUTO_CLOSE_WORKING_DAYS = 10


@dataclass(frozen=True)
class Deadlines:
    first_response_due_at: datetime
    resolution_due_at: datetime


def first_response_days(agency: Agency, kind: str) -> int:
    if kind == Kind.INFORMATION_REQUEST:
        return agency.information_request_days
    return agency.first_response_days


def resolution_days(agency: Agency, field_check: bool) -> int:
    return agency.resolution_with_field_check_days if field_check else agency.resolution_days


def deadlines_for(agency: Agency, kind: str, start: datetime, *, field_check: bool = False) -> Deadlines:
    """The clock starts when the agency receives the item (routing or forwarding)."""
    return Deadlines(
        first_response_due_at=add_working_days(start, first_response_days(agency, kind), agency.timezone),
        resolution_due_at=add_working_days(start, resolution_days(agency, field_check), agency.timezone),
    )


def deadline_details(changes: dict) -> dict:
    """The deadlines a routing or forwarding set, as recorded on its event (the counters replay them)."""
    return {
        "first_response_due_at": changes["first_response_due_at"].isoformat(),
        "resolution_due_at": changes["resolution_due_at"].isoformat(),
    }


def routing_changes(agency: Agency, kind: str, start: datetime) -> dict:
    """Column values that start (or restart) the agency's clock."""
    deadlines = deadlines_for(agency, kind, start)
    return {
        "agency_id": agency.id,
        "routed_at": start,
        "first_response_due_at": deadlines.first_response_due_at,
        "resolution_due_at": deadlines.resolution_due_at,
        "due_at": deadlines.first_response_due_at,
        "first_responded_at": None,
        "first_response_escalated_at": None,
        "resolution_escalated_at": None,
        "field_check": False,
    }
