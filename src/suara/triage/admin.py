"""The agency admin's settings: service levels, answer templates, the audit log; triage admins'
category → agency mapping. Every change appends a StaffAuditEntry in the same transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies import service as agency_service
from suara.agencies.models import Agency, Category
from suara.common.actors import Actor, Role
from suara.common.errors import FieldProblem, NotAllowed, NotFound, ValidationFailed
from suara.common.text import is_storable
from suara.db.columns import utcnow
from suara.triage import audit
from suara.triage.accounts import require_admin
from suara.triage.models import AnswerTemplate, ApiToken, ServiceLevelChange, StaffAuditEntry

LEGAL_SERVICE_LEVELS = {
    "firstResponseDays": 3,
    "informationRequestDays": 5,
    "resolutionDays": 14,
    "resolutionWithFieldCheckDays": 60,
}
"""The legal clocks in working days; an agency may promise faster, never slower."""

TEMPLATE_TITLE = (3, 120)
TEMPLATE_BODY = (10, 5000)
MAX_AUDIT_PAGE = 100
_PAGE_CURSOR = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class ServiceLevelInput:
    first_response_days: int
    information_request_days: int
    resolution_days: int
    resolution_with_field_check_days: int

    def by_field(self) -> dict[str, int]:
        return {
            "firstResponseDays": self.first_response_days,
            "informationRequestDays": self.information_request_days,
            "resolutionDays": self.resolution_days,
            "resolutionWithFieldCheckDays": self.resolution_with_field_check_days,
        }


def _service_level_problems(levels: ServiceLevelInput) -> list[FieldProblem]:
    problems = []
    for name, value in levels.by_field().items():
        legal = LEGAL_SERVICE_LEVELS[name]
        if value < 1:
            problems.append(FieldProblem(name, "too_small", "Minimal 1 hari kerja.", "At least 1 working day."))
        elif value > legal:
            problems.append(FieldProblem(
                name, "looser_than_legal", f"Tidak boleh lebih dari batas hukum {legal} hari kerja.",
                f"Must not exceed the legal limit of {legal} working days.",
            ))
    return problems


async def set_service_levels(session: AsyncSession, actor: Actor, levels: ServiceLevelInput) -> Agency:
    """The agency's promised clocks; items routed from now on get them (existing deadlines stay)."""
    require_admin(actor)
    problems = _service_level_problems(levels)
    if problems:
        raise ValidationFailed(problems)
    agency = (await session.exec(select(Agency).where(Agency.id == actor.agency_id).with_for_update())).one()
    previous = {
        "firstResponseDays": agency.first_response_days,
        "informationRequestDays": agency.information_request_days,
        "resolutionDays": agency.resolution_days,
        "resolutionWithFieldCheckDays": agency.resolution_with_field_check_days,
    }
    agency.first_response_days = levels.first_response_days
    agency.information_request_days = levels.information_request_days
    agency.resolution_days = levels.resolution_days
    agency.resolution_with_field_check_days = levels.resolution_with_field_check_days
    session.add(agency)
    session.add(ServiceLevelChange(
        agency_id=agency.id, first_response_days=levels.first_response_days,
        information_request_days=levels.information_request_days, resolution_days=levels.resolution_days,
        resolution_with_field_check_days=levels.resolution_with_field_check_days,
        changed_by=actor.staff_id, changed_at=utcnow(),
    ))
    await audit.record(session, actor, "agency.set_service_levels", agency_id=agency.id,
                       target=f"agency:{agency.slug}", details={"from": previous, "to": levels.by_field()})
    return agency


async def service_level_changes(session: AsyncSession, agency_ids: list[int]) -> dict[int, list[ServiceLevelChange]]:
    """Public history of each agency's service levels, oldest first."""
    grouped: dict[int, list[ServiceLevelChange]] = {agency_id: [] for agency_id in agency_ids}
    if not agency_ids:
        return grouped
    rows = await session.exec(
        select(ServiceLevelChange).where(ServiceLevelChange.agency_id.in_(agency_ids))
        .order_by(ServiceLevelChange.changed_at, ServiceLevelChange.id)
    )
    for row in rows:
        grouped[row.agency_id].append(row)
    return grouped


def _require_agency_staff(actor: Actor) -> None:
    if actor.role not in {Role.OFFICER, Role.AGENCY_ADMIN, Role.TRIAGE_ADMIN}:
        raise NotAllowed("staff_only", "Hanya untuk petugas.", "Staff only.")


async def answer_templates(session: AsyncSession, actor: Actor) -> list[AnswerTemplate]:
    """The agency's templates in use, by title."""
    _require_agency_staff(actor)
    return list(await session.exec(
        select(AnswerTemplate)
        .where(AnswerTemplate.agency_id == actor.agency_id, AnswerTemplate.archived_at.is_(None))
        .order_by(AnswerTemplate.title, AnswerTemplate.id)
    ))


def _template_problems(title: str, body: str) -> list[FieldProblem]:
    problems = []
    for name, value, (low, high), label_id, label_en in (
        ("title", title, TEMPLATE_TITLE, "Judul", "A title"),
        ("body", body, TEMPLATE_BODY, "Isi", "A body"),
    ):
        if not is_storable(value):
            problems.append(FieldProblem(name, "invalid_text", "Teks berisi karakter yang tidak diizinkan.",
                                         "The text contains a character that is not allowed."))
        elif not low <= len(value) <= high:
            problems.append(FieldProblem(name, "invalid_length", f"{label_id} {low}–{high} karakter.",
                                         f"{label_en} has {low}–{high} characters."))
    return problems


async def _own_template(session: AsyncSession, actor: Actor, template_id: int) -> AnswerTemplate:
    template = (await session.exec(
        select(AnswerTemplate).where(AnswerTemplate.id == template_id).with_for_update()
    )).first()
    if template is None or template.agency_id != actor.agency_id or template.archived_at is not None:
        raise NotFound("answer_template", "Templat jawaban tidak ditemukan.", "No such answer template.")
    return template


async def save_answer_template(
    session: AsyncSession, actor: Actor, *, template_id: int | None, title: str, body: str
) -> AnswerTemplate:
    """Create (no id) or update one of the agency's templates."""
    require_admin(actor)
    title, body = title.strip(), body.strip()
    problems = _template_problems(title, body)
    if problems:
        raise ValidationFailed(problems)
    if template_id is None:
        template = AnswerTemplate(agency_id=actor.agency_id, title=title, body=body, created_by=actor.staff_id)
        action = "template.create"
    else:
        template = await _own_template(session, actor, template_id)
        template.title, template.body, template.updated_at = title, body, utcnow()
        action = "template.update"
    session.add(template)
    await session.flush()
    await audit.record(session, actor, action, agency_id=actor.agency_id, target=f"answer_template:{template.id}")
    return template


async def archive_answer_template(session: AsyncSession, actor: Actor, template_id: int) -> AnswerTemplate:
    require_admin(actor)
    template = await _own_template(session, actor, template_id)
    template.archived_at = utcnow()
    session.add(template)
    await audit.record(session, actor, "template.archive", agency_id=actor.agency_id,
                       target=f"answer_template:{template.id}")
    return template


async def assign_category(session: AsyncSession, actor: Actor, category_slug: str, agency_slug: str) -> Category:
    """Triage admins: which agency gets a category's new items (as `suara category assign`)."""
    if actor.role != Role.TRIAGE_ADMIN:
        raise NotAllowed("triage_admin_only", "Hanya admin triase yang dapat mengubah pemetaan kategori.",
                         "Only a triage admin can change the category mapping.")
    before = await session.get(Category, category_slug)
    previous_agency_id = before.default_agency_id if before else None
    category = await agency_service.assign_category(session, category_slug, agency_slug)
    await audit.record(session, actor, "category.assign", agency_id=category.default_agency_id,
                       target=f"category:{category.slug}",
                       details={"from_agency_id": previous_agency_id, "to_agency_id": category.default_agency_id})
    return category


async def own_api_tokens(session: AsyncSession, actor: Actor) -> list[ApiToken]:
    """The actor's own tokens, newest first (revoked ones too, so the list explains itself)."""
    return list(await session.exec(
        select(ApiToken).where(ApiToken.staff_id == actor.staff_id).order_by(ApiToken.id.desc())
    ))


@dataclass(frozen=True)
class AuditPage:
    entries: list[StaffAuditEntry]
    has_next_page: bool


def page_cursor(after: str | None) -> int | None:
    """The row id a page of a log (newest first) continues after: ASCII digits only, else a typed error
    (never a server error)."""
    if after is None:
        return None
    if not _PAGE_CURSOR.fullmatch(after):
        raise ValidationFailed([FieldProblem(
            "after", "invalid_cursor", "Kursor halaman tidak valid.", "The page cursor is not valid.",
        )])
    return int(after)


async def audit_page(session: AsyncSession, actor: Actor, *, first: int = 50, after: str | None = None) -> AuditPage:
    """Newest first: an agency admin reads their agency's rows, a triage admin every row."""
    require_admin(actor)
    if not 1 <= first <= MAX_AUDIT_PAGE:
        raise ValidationFailed([FieldProblem(
            "first", "out_of_range", f"Jumlah per halaman 1–{MAX_AUDIT_PAGE}.",
            f"A page holds 1–{MAX_AUDIT_PAGE} rows.",
        )])
    after_id = page_cursor(after)
    query = select(StaffAuditEntry).order_by(StaffAuditEntry.id.desc()).limit(first + 1)
    if actor.role != Role.TRIAGE_ADMIN:
        query = query.where(StaffAuditEntry.agency_id == actor.agency_id)
    if after_id is not None:
        query = query.where(StaffAuditEntry.id < after_id)
    rows = list(await session.exec(query))
    return AuditPage(entries=rows[:first], has_next_page=len(rows) > first)
