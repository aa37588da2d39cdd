"""`GET /petugas/inbox.csv`: the agency's filtered inbox as a spreadsheet for its own reporting.

Same filters as the `inbox` query (as query parameters), staff session cookie or bearer token. The
file carries no contact data and only the masked text (a download travels further than the screen),
cells a spreadsheet would run as a formula are defused, and every download is written to the staff
audit log with who, when, the filters and the row count.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from suara.agencies.models import Agency
from suara.api.graphql.context import Context
from suara.common.errors import FieldProblem, NotAllowed, RateLimited, ValidationFailed
from suara.db.columns import utcnow
from suara.ratelimits.service import Limit
from suara.submissions import codes
from suara.submissions.public_text import mask_public_text
from suara.triage import accounts, inbox
from suara.triage.models import StaffAuditEntry

COLUMNS = [
    "kode_pelacakan", "diajukan", "status", "jenis", "kanal", "kategori", "kode_wilayah", "lokasi",
    "judul", "isi_disamarkan", "dukungan", "batas_waktu", "terlambat", "petugas",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
EXPORT_LIMIT = Limit("inbox_export", 60, 3600)
"""Downloads per staff member and hour: a file can hold the whole inbox, so it is not a polling endpoint."""


def defuse(value: str) -> str:
    """A cell a spreadsheet would evaluate as a formula is made plain text (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _bad(field: str, message_id: str, message_en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, "invalid_filter", message_id, message_en)])


def _date(params, name: str) -> date | None:
    value = params.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _bad(name, f"Tanggal '{name}' harus berformat TTTT-BB-HH.", f"'{name}' must be a YYYY-MM-DD date.") from None


def filter_from_query(params) -> inbox.InboxFilter:
    """The inbox filter from query parameters (`status` repeated or comma-separated, `overdue`,
    `assigned`, `category`, `kind`, `channel`, `regionCode`, `from`, `to`, `text`)."""
    statuses = tuple(part.strip().lower() for value in params.getlist("status") for part in value.split(",") if part.strip())
    overdue = None
    if params.get("overdue"):
        if params["overdue"].lower() not in BOOLEANS:
            raise _bad("overdue", "'overdue' harus true atau false.", "'overdue' must be true or false.")
        overdue = BOOLEANS[params["overdue"].lower()]
    try:
        assigned = inbox.Assigned((params.get("assigned") or "any").lower())
    except ValueError:
        raise _bad("assigned", "'assigned' harus me, unassigned atau any.",
                   "'assigned' must be me, unassigned or any.") from None
    return inbox.validate_filter(inbox.InboxFilter(
        statuses=statuses, overdue=overdue, assigned=assigned, category=params.get("category") or None,
        kind=(params.get("kind") or "").lower() or None, channel=(params.get("channel") or "").lower() or None,
        region_code=params.get("regionCode") or None, created_from=_date(params, "from"),
        created_to=_date(params, "to"), text=params.get("text") or None,
    ))


def _error(status: int, code: str, message_id: str, message_en: str, field: str | None = None) -> JSONResponse:
    body = {"error": code, "message": message_id, "message_en": message_en}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status)


async def inbox_csv(request: Request) -> Response:
    context = Context(state=request.app.state.suara, request=request)
    if await context.actor() is None:
        return _error(401, "sign_in_required", "Silakan masuk sebagai petugas.", "Sign in as staff first.")
    try:
        actor = await context.staff()
        inbox_filter = filter_from_query(request.query_params)
    except NotAllowed as error:
        return _error(403, error.code, error.message_id, error.message_en)
    except ValidationFailed as error:
        problem = error.problems[0]
        return _error(400, problem.code, problem.message_id, problem.message_en, problem.field)
    state = context.state
    try:
        await state.limits.hit(EXPORT_LIMIT, actor.label)
    except RateLimited as error:
        response = _error(429, error.code, error.message_id, error.message_en)
        response.headers["Retry-After"] = str(error.retry_after_seconds)
        return response
    now = utcnow()
    async with state.transaction() as session:
        rows = await inbox.export_rows(session, actor, inbox_filter, now=now)
        agency = await session.get(Agency, actor.agency_id)
        staff_ids = {row.assigned_staff_id for row in rows if row.assigned_staff_id}
        emails = await accounts.emails_by_staff_id(session, staff_ids)
        session.add(StaffAuditEntry(
            agency_id=actor.agency_id, actor=actor.label, action="inbox_csv_downloaded",
            details={"filter": inbox_filter.as_details(), "rows": len(rows)}, created_at=now,
        ))
    zone = ZoneInfo(agency.timezone if agency else "Asia/Jakarta")
    buffer = io.StringIO()
    buffer.write("\ufeff")  # BOM: spreadsheet apps then read the file as UTF-8
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        cells = [
            codes.format_tracking_code(row.tracking_code), row.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            row.status, row.kind, row.channel, row.category_slug or "", row.region_code or "",
            mask_public_text(row.location_text) if row.location_text else "",
            mask_public_text(row.title) if row.title else "", row.public_text, str(row.support_count),
            row.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if row.due_at else "",
            "ya" if row.due_at is not None and row.due_at < now else "tidak",
            emails.get(row.assigned_staff_id, ""),
        ]
        writer.writerow([defuse(cell) for cell in cells])
    filename = f"kotak-masuk-{now.astimezone(zone).strftime('%Y%m%d-%H%M')}.csv"
    return Response(
        buffer.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


routes = [Route("/petugas/inbox.csv", inbox_csv, methods=["GET"])]
