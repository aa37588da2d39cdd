"""Staff lists: an agency's inbox ordered by the deadline that matters now, and the triage queue.

Pages use keyset cursors (an opaque token of the last row's sort key), so a page costs the same on
the first and the thousandth page, and a cursor can never widen what the actor may see: the
actor's visibility condition is part of every query.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, literal_column, or_, text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency
from suara.common.actors import Actor, Role
from suara.common.errors import FieldProblem, NotAllowed, ValidationFailed
from suara.common.text import MAX_ROW_ID
from suara.db.columns import utcnow
from suara.submissions.models import (
    ROUTING_MARGIN_SQL,
    SEARCH_DOCUMENT_SQL,
    Channel,
    Kind,
    Status,
    Submission,
)

MAX_PAGE = 100
TRIAGE_STATUSES = (Status.RECEIVED, Status.IN_TRIAGE)
IN_TRIAGE_QUEUE = text("submissions.status IN ('received', 'in_triage')")
"""Written literally (not as bound parameters) so the planner can use the partial index."""


@dataclass(frozen=True)
class Page:
    items: list[Submission]
    has_next_page: bool
    total_count: int
    total_is_exact: bool = True

    def cursor_of(self, submission: Submission, sort: str) -> str:
        return encode_cursor(sort, submission)


def routing_margin(submission: Submission) -> float | None:
    """`ROUTING_MARGIN_SQL` computed on a loaded row (for the cursor)."""
    suggestions = submission.routing_suggestions or []
    first = suggestions[0].get("confidence") if suggestions else None
    first = first if first is not None else submission.routing_confidence
    if first is None:
        return None
    second = suggestions[1].get("confidence") if len(suggestions) > 1 else None
    return float(first) - float(second or 0.0)


def encode_cursor(sort: str, submission: Submission) -> str:
    if sort == "margin":
        payload = {"s": sort, "m": routing_margin(submission), "id": submission.id}
    else:
        key = submission.due_at if sort == "due" else submission.created_at
        payload = {"s": sort, "k": key.isoformat() if key else None, "id": submission.id}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def _decode_cursor(cursor: str, sort: str) -> tuple[datetime | float | None, int]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if payload["s"] != sort:
            raise ValueError("cursor of another list")
        if sort == "margin":
            key = payload["m"]
            if key is not None and (type(key) not in (int, float) or not -1.0 <= key <= 2.0):
                raise ValueError("cursor margin out of range")
            key = float(key) if key is not None else None
        else:
            key = datetime.fromisoformat(payload["k"]) if payload["k"] else None
            if key is not None and key.tzinfo is None:
                raise ValueError("cursor time without a time zone")
        row_id = payload["id"]
        if type(row_id) is not int or not 1 <= row_id <= MAX_ROW_ID:
            raise ValueError("cursor id out of range")
        return key, row_id
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError, RecursionError):
        raise ValidationFailed([FieldProblem(
            "after", "invalid_cursor", "Kursor halaman tidak valid.", "The page cursor is not valid.",
        )]) from None


def _page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise ValidationFailed([FieldProblem(
            "first", "out_of_range", f"Jumlah per halaman antara 1 dan {MAX_PAGE}.",
            f"Page size must be between 1 and {MAX_PAGE}.",
        )])
    return first


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed("sign_in_required", "Silakan masuk sebagai petugas.", "Sign in as staff first.")


class Assigned(StrEnum):
    ME = "me"
    UNASSIGNED = "unassigned"
    ANY = "any"


@dataclass(frozen=True)
class InboxFilter:
    """What an officer narrows the inbox to; the same filter drives the list, the counts and the CSV."""

    statuses: tuple[str, ...] = ()
    overdue: bool | None = None
    assigned: Assigned = Assigned.ANY
    category: str | None = None
    kind: str | None = None
    channel: str | None = None
    region_code: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    text: str | None = None

    @property
    def words(self) -> str:
        """The words to search for, or "" when the filter has none."""
        return (self.text or "").strip()

    def as_details(self) -> dict[str, Any]:
        """The filter as plain JSON, for the audit log of downloads."""
        values = {
            "statuses": list(self.statuses), "overdue": self.overdue, "assigned": str(self.assigned),
            "category": self.category, "kind": self.kind, "channel": self.channel,
            "region_code": self.region_code, "text": self.text,
            "from": self.created_from.isoformat() if self.created_from else None,
            "to": self.created_to.isoformat() if self.created_to else None,
        }
        return {key: value for key, value in values.items() if value not in (None, [], "any")}


MAX_FILTER_TEXT = 200
STATUS_VALUES = {status.value for status in Status}
KIND_VALUES = {kind.value for kind in Kind}
CHANNEL_VALUES = {channel.value for channel in Channel}


def _problem(field: str, message_id: str, message_en: str) -> FieldProblem:
    return FieldProblem(field, "invalid_filter", message_id, message_en)


def validate_filter(inbox_filter: InboxFilter) -> InboxFilter:
    """Refuse values no item can have, with a message naming the field, rather than an empty list."""
    problems = []
    unknown = [status for status in inbox_filter.statuses if status not in STATUS_VALUES]
    if unknown:
        problems.append(_problem("statuses", f"Status tidak dikenal: {', '.join(unknown)[:80]}.",
                                 f"Unknown status: {', '.join(unknown)[:80]}."))
    if inbox_filter.kind is not None and inbox_filter.kind not in KIND_VALUES:
        problems.append(_problem("kind", "Jenis laporan tidak dikenal.", "Unknown kind."))
    if inbox_filter.channel is not None and inbox_filter.channel not in CHANNEL_VALUES:
        problems.append(_problem("channel", "Kanal tidak dikenal.", "Unknown channel."))
    if inbox_filter.region_code is not None and not (
        inbox_filter.region_code.replace(".", "").isdigit() and len(inbox_filter.region_code) <= 13
    ):
        problems.append(_problem("regionCode", "Kode wilayah hanya angka dan titik (maks. 13).",
                                 "A region code has digits and dots only (at most 13)."))
    if inbox_filter.category is not None and not 1 <= len(inbox_filter.category) <= 60:
        problems.append(_problem("category", "Kategori tidak valid.", "Invalid category."))
    if inbox_filter.text is not None and len(inbox_filter.text) > MAX_FILTER_TEXT:
        problems.append(_problem("text", f"Kata pencarian paling banyak {MAX_FILTER_TEXT} karakter.",
                                 f"Search words: at most {MAX_FILTER_TEXT} characters."))
    if inbox_filter.created_from and inbox_filter.created_to and inbox_filter.created_from > inbox_filter.created_to:
        problems.append(_problem("to", "Tanggal akhir sebelum tanggal awal.", "The end date is before the start date."))
    if problems:
        raise ValidationFailed(problems)
    return inbox_filter


async def _agency_zone(session: AsyncSession, agency_id: int | None) -> ZoneInfo:
    agency = await session.get(Agency, agency_id) if agency_id else None
    return ZoneInfo(agency.timezone if agency else "Asia/Jakarta")


async def filter_conditions(
    session: AsyncSession, actor: Actor, inbox_filter: InboxFilter, now: datetime, *, with_statuses: bool = True
) -> list:
    """SQL conditions for the actor's own agency's items matching the filter (the agency always first)."""
    _require_staff(actor)
    validate_filter(inbox_filter)
    conditions = [Submission.agency_id == actor.agency_id]
    if with_statuses and inbox_filter.statuses:
        conditions.append(Submission.status.in_(inbox_filter.statuses))
    if inbox_filter.overdue is True:
        conditions.append(Submission.due_at < now)
    elif inbox_filter.overdue is False:
        conditions.append(or_(Submission.due_at.is_(None), Submission.due_at >= now))
    if inbox_filter.assigned == Assigned.ME:
        conditions.append(Submission.assigned_staff_id == actor.staff_id)
    elif inbox_filter.assigned == Assigned.UNASSIGNED:
        conditions.append(Submission.assigned_staff_id.is_(None))
    if inbox_filter.category:
        conditions.append(Submission.category_slug == inbox_filter.category)
    if inbox_filter.kind:
        conditions.append(Submission.kind == inbox_filter.kind)
    if inbox_filter.channel:
        conditions.append(Submission.channel == inbox_filter.channel)
    if inbox_filter.region_code:
        conditions.append(Submission.region_code.startswith(inbox_filter.region_code, autoescape=True))
    if inbox_filter.created_from or inbox_filter.created_to:
        zone = await _agency_zone(session, actor.agency_id)
        if inbox_filter.created_from:
            conditions.append(Submission.created_at >= datetime.combine(inbox_filter.created_from, time.min, zone))
        if inbox_filter.created_to:
            next_day = inbox_filter.created_to + timedelta(days=1)
            conditions.append(Submission.created_at < datetime.combine(next_day, time.min, zone))
    if inbox_filter.words:
        conditions.append(SEARCH_DOCUMENT.op("@@")(func.plainto_tsquery(SEARCH_CONFIG, inbox_filter.words)))
    return conditions


async def _plan_for_these_words(session: AsyncSession) -> None:
    """Plan the statements of this transaction for the words actually searched.

    Statements are prepared and, after a few runs, PostgreSQL reuses a generic plan that cannot know
    how common the words are: for a page it then reads every item holding a common word through the
    text index and sorts them, where walking the agency's deadline index and stopping at the first page
    is ten times cheaper (and for a rare word the other way round). Counts, which read every match
    anyway, keep the generic plan. LOCAL: the setting ends with the transaction.
    """
    await session.exec(text("SET LOCAL plan_cache_mode = force_custom_plan"))


SEARCH_CONFIG = literal_column("'simple'::regconfig")
SEARCH_DOCUMENT = literal_column(SEARCH_DOCUMENT_SQL)
"""Written as the index expression (ix_submissions_text_search) so the planner can use it."""


async def inbox_page(
    session: AsyncSession, actor: Actor, inbox_filter: InboxFilter | None = None, *,
    first: int = 50, after: str | None = None, now: datetime | None = None,
) -> Page:
    """The actor's own agency's items, most urgent deadline first (so overdue ones lead; none last)."""
    _require_staff(actor)
    first = _page_size(first)
    now = now or utcnow()
    inbox_filter = inbox_filter or InboxFilter()
    conditions = await filter_conditions(session, actor, inbox_filter, now)
    total, exact = await _count(session, conditions, capped=bool(inbox_filter.words))
    if inbox_filter.words:
        await _plan_for_these_words(session)

    page_conditions = list(conditions)
    if after:
        page_conditions.append(_after_due(*_decode_cursor(after, "due")))
    rows = list(await session.exec(
        select(Submission).where(*page_conditions)
        .order_by(Submission.due_at.asc().nulls_last(), Submission.id)
        .limit(first + 1)
    ))
    return Page(items=rows[:first], has_next_page=len(rows) > first, total_count=total, total_is_exact=exact)


SEARCH_COUNT_CAP = 1000
"""A search in the text counts its matches up to here: every match must be read to be counted (no
index answers "this agency's items with these words" alone), so an exact count of a common word
grows with the agency's whole history. Lists of any size show "1000+" instead, as search pages do."""


async def _count(session: AsyncSession, conditions: list, *, capped: bool) -> tuple[int, bool]:
    """How many rows match, and whether that number is exact (False: at least SEARCH_COUNT_CAP)."""
    if not capped:
        return (await session.exec(select(func.count()).select_from(Submission).where(*conditions))).one(), True
    matches = select(Submission.id).where(*conditions).limit(SEARCH_COUNT_CAP + 1).subquery()
    found = (await session.exec(select(func.count()).select_from(matches))).one()
    return min(found, SEARCH_COUNT_CAP), found <= SEARCH_COUNT_CAP


def _after_due(key: datetime | None, last_id: int):
    """Rows after the cursor in (due_at NULLS LAST, id) order; filters stay separate conditions, so a
    cursor works with any filter and can never widen it."""
    if key is None:
        return and_(Submission.due_at.is_(None), Submission.id > last_id)
    return or_(
        Submission.due_at > key,
        and_(Submission.due_at == key, Submission.id > last_id),
        Submission.due_at.is_(None),
    )


@dataclass(frozen=True)
class InboxCounts:
    by_status: dict[str, int]
    overdue: int
    total: int


async def inbox_counts(
    session: AsyncSession, actor: Actor, inbox_filter: InboxFilter | None = None, *, now: datetime | None = None
) -> InboxCounts:
    """Items per status under the filter's other conditions (its statuses are ignored, so every status
    tab shows its own number), and how many are overdue."""
    now = now or utcnow()
    conditions = await filter_conditions(session, actor, inbox_filter or InboxFilter(), now, with_statuses=False)
    rows = (await session.exec(
        select(Submission.status, func.count(), func.count().filter(Submission.due_at < now))
        .where(*conditions).group_by(Submission.status)
    )).all()
    by_status = {status: count for status, count, _ in rows}
    return InboxCounts(by_status=by_status, overdue=sum(late for _, _, late in rows), total=sum(by_status.values()))


MAX_EXPORT_ROWS = 50_000


async def export_rows(
    session: AsyncSession, actor: Actor, inbox_filter: InboxFilter, *, now: datetime | None = None
) -> list[Submission]:
    """Every item of the filtered inbox in inbox order (at most MAX_EXPORT_ROWS), for the CSV download."""
    now = now or utcnow()
    conditions = await filter_conditions(session, actor, inbox_filter, now)
    return list(await session.exec(
        select(Submission).where(*conditions)
        .order_by(Submission.due_at.asc().nulls_last(), Submission.id).limit(MAX_EXPORT_ROWS)
    ))


class TriageOrder(StrEnum):
    DEADLINE = "deadline"
    """Oldest first: the verification deadline runs from arrival (the default)."""
    UNCERTAINTY = "uncertainty"
    """Smallest margin between the model's two best suggestions first: each correction teaches it most
    (uncertainty sampling); items the model did not classify come last."""


TRIAGE_SORTS = {TriageOrder.DEADLINE: "created", TriageOrder.UNCERTAINTY: "margin"}
"""The cursor's sort name of each order: a cursor of one order is refused by the other."""
ROUTING_MARGIN = literal_column(ROUTING_MARGIN_SQL)
"""Written as the index expression (ix_submissions_triage_uncertainty) so the planner can use it."""


async def triage_queue_page(
    session: AsyncSession, actor: Actor, *, first: int = 50, after: str | None = None,
    order: TriageOrder = TriageOrder.DEADLINE,
) -> Page:
    """Items routing was unsure about (or could not route), oldest first or most uncertain first. Triage
    admins only."""
    _require_staff(actor)
    if actor.role != Role.TRIAGE_ADMIN:
        raise NotAllowed("triage_admin_only", "Hanya untuk admin triase.", "For triage admins only.")
    first = _page_size(first)
    order = TriageOrder(order)
    conditions = [IN_TRIAGE_QUEUE]
    total = (await session.exec(select(func.count()).select_from(Submission).where(*conditions))).one()
    page_conditions = list(conditions)
    if order == TriageOrder.UNCERTAINTY:
        if after:
            page_conditions.append(_after_margin(*_decode_cursor(after, "margin")))
        ordering = (ROUTING_MARGIN.asc().nulls_last(), Submission.id)
    else:
        if after:
            key, last_id = _decode_cursor(after, "created")
            page_conditions.append(or_(
                Submission.created_at > key, and_(Submission.created_at == key, Submission.id > last_id)
            ))
        ordering = (Submission.created_at, Submission.id)
    rows = list(await session.exec(select(Submission).where(*page_conditions).order_by(*ordering).limit(first + 1)))
    return Page(items=rows[:first], has_next_page=len(rows) > first, total_count=total)


def _after_margin(key: float | None, last_id: int):
    """Rows after the cursor in (margin NULLS LAST, id) order."""
    if key is None:
        return and_(ROUTING_MARGIN.is_(None), Submission.id > last_id)
    return or_(ROUTING_MARGIN > key, and_(ROUTING_MARGIN == key, Submission.id > last_id), ROUTING_MARGIN.is_(None))
