"""Items filed and routed in the last ended month: breakdowns are published only for ended months.

The workflow stamps events with the present time and the event log is append-only, so, as the demo
history does, the rows and their events are written with past times and the counters are then
recounted from the event log (`suara stats rebuild`).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from suara.submissions import codes
from suara.submissions.counting import COUNTING_ZONE, rebuild
from suara.submissions.models import Submission, SubmissionEvent
from suara.transparency.queries import current_month


def last_month() -> str:
    return (current_month() - timedelta(days=1)).strftime("%Y-%m")


async def file_last_month(session, items: list[tuple[int, str | None, str]], *, channel: str = "api",
                          confidential: bool = False) -> str:
    """File one routed item per (agency id, region code, category) on the 15th of last month (WIB),
    a minute apart, and recount every counter; returns the month as YYYY-MM."""
    month = current_month() - timedelta(days=1)
    start = datetime.combine(month.replace(day=15), time(10), COUNTING_ZONE)
    for index, (agency_id, region_code, category) in enumerate(items):
        at = start + timedelta(minutes=index)
        submission = Submission(
            tracking_code=codes.new_tracking_code(), kind="complaint", channel=channel, text="Laporan uji.",
            public_text="Laporan uji.", category_slug=category, agency_id=agency_id, region_code=region_code,
            confidential=confidential, status="routed", routed_at=at, created_at=at, updated_at=at,
        )
        session.add(submission)
        await session.flush()
        session.add(SubmissionEvent(submission_id=submission.id, kind="received", actor=f"citizen:{channel}",
                                    status_after="received", created_at=at,
                                    details={"channel": channel, "kind": "complaint", "region_code": region_code}))
        session.add(SubmissionEvent(submission_id=submission.id, kind="routed", actor="staff:test",
                                    status_before="received", status_after="routed", created_at=at,
                                    details={"category": category, "agency_id": agency_id}))
    await session.flush()
    await rebuild(session)
    return month.strftime("%Y-%m")
