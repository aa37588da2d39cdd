"""Checks shared by the dialogue's operations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.actors import Actor, Role
from suara.common.errors import FieldProblem, NotAllowed, NotFound, ValidationFailed


class Problems:
    """Collects every problem with an input, so a form can show them all at once."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, field: str, code: str, message_id: str, message_en: str) -> None:
        self.items.append(FieldProblem(field, code, message_id, message_en))

    def text(self, field: str, value: str | None, low: int, high: int) -> str:
        value = (value or "").strip()
        if len(value) < low:
            self.add(field, "too_short", f"Minimal {low} karakter.", f"At least {low} characters.")
        elif len(value) > high:
            self.add(field, "too_long", f"Maksimal {high} karakter.", f"At most {high} characters.")
        return value

    def period(self, opens_at: datetime, closes_at: datetime) -> None:
        if opens_at.tzinfo is None or closes_at.tzinfo is None:
            self.add("opensAt", "timezone_required", "Sertakan zona waktu.", "Include a time zone.")
        elif closes_at <= opens_at:
            self.add("closesAt", "before_opening", "Tanggal tutup harus setelah tanggal buka.",
                     "The closing date must be after the opening date.")

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)


def require_agency_staff(actor: Actor | None, agency_id: int) -> Actor:
    """Staff of the agency that owns the dialogue item (or a triage admin) may manage it."""
    if actor is None or not actor.is_staff:
        raise NotAllowed("sign_in_required", "Silakan masuk sebagai petugas.", "Sign in as staff first.")
    if actor.role != Role.TRIAGE_ADMIN and actor.agency_id != agency_id:
        raise NotAllowed("other_agency", "Ini milik instansi lain.", "This belongs to another agency.")
    return actor


def refuse_own_agency(actor: Actor | None, agency_id: int) -> None:
    """Staff may not vote, support or comment in their own agency's dialogue."""
    if actor is not None and actor.is_staff and actor.agency_id == agency_id:
        raise NotAllowed("own_agency", "Petugas tidak dapat ikut memilih di konsultasi instansinya sendiri.",
                         "Staff cannot take part in their own agency's consultations.")


def not_found(what: str) -> NotFound:
    names = {"consultation": ("Konsultasi", "Consultation"), "poll": ("Jajak pendapat", "Poll"),
             "proposal": ("Usulan", "Proposal"), "comment": ("Komentar", "Comment"),
             "section": ("Bagian", "Section")}
    name_id, name_en = names[what]
    return NotFound(what, f"{name_id} tidak ditemukan.", f"{name_en} not found.")


MAX_PAGE = 100
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, newest first by id (keyset), with the list's total size."""

    rows: list[T]
    total: int
    has_next: bool


def page_size(first: int) -> int:
    return max(1, min(first, MAX_PAGE))


async def newest_first(session: AsyncSession, query: Select, model: Any, *, first: int,
                       before_id: int | None) -> Page:
    """Rows of ``query`` with ids below ``before_id``, newest first; the total counts the whole query."""
    first = page_size(first)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    if before_id is not None:
        query = query.where(model.id < before_id)
    rows = list((await session.exec(query.order_by(model.id.desc()).limit(first + 1))).scalars())
    return Page(rows[:first], int(total or 0), len(rows) > first)
