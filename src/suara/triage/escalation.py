"""The mail an agency's staff get when an item misses a deadline, and the workspace links mails carry.

Counts, tracking codes and links only: never an item's text or the reporter's contact data.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from suara.submissions.codes import format_tracking_code

DEFAULT_PUBLIC_URL = "http://localhost:8000"
"""Links in development, when SUARA_PUBLIC_URL is unset."""

ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
DEADLINE_NAMES = {
    "first_response": ("tanggapan pertama", "first response"),
    "resolution": ("penyelesaian", "resolution"),
}

def inbox_link(public_url: str | None) -> str:
    return f"{(public_url or DEFAULT_PUBLIC_URL).rstrip('/')}/petugas/#/kotak-masuk"


def item_link(public_url: str | None, submission_id: int) -> str:
    return f"{(public_url or DEFAULT_PUBLIC_URL).rstrip('/')}/petugas/#/item/{submission_id}"


def local_time(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%Y-%m-%d %H:%M} {ZONE_NAMES.get(timezone, timezone)}"


def escalation_mail(
    *, tracking_code: str, submission_id: int, deadline: str, due_at: datetime, timezone: str,
    agency_name: str | None, public_url: str | None,
) -> tuple[str, str]:
    """Subject and body of the mail sent when an item misses ``deadline`` (first_response/resolution)."""
    code = format_tracking_code(tracking_code)
    name_id, name_en = DEADLINE_NAMES.get(deadline, (deadline, deadline))
    due = local_time(due_at, timezone)
    agency = agency_name or "instansi"
    link = item_link(public_url, submission_id)
    subject = f"Terlambat / Overdue: laporan {code}, {name_id} / {name_en}"
    body = (
        f"Laporan {code} di {agency} melewati batas waktu {name_id} ({due}) dan telah dieskalasi.\n"
        f"Buka laporan: {link}\n\n"
        f"Item {code} at {agency} missed its {name_en} deadline ({due}) and was escalated.\n"
        f"Open the item: {link}\n\n"
        "Email ini dikirim otomatis oleh Suara. / This e-mail was sent automatically by Suara.\n"
    )
    return subject, body
