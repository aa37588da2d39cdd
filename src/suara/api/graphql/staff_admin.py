"""GraphQL of the agency workspace's accounts and settings: changing one's password, the agency
admin's staff, service levels, answer templates, API tokens and audit log; the triage admin's
category mapping. Resolvers only parse, call one domain operation and map its errors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from suara.api.client_address import client_network
from suara.api.graphql.agencies import Agency, Category
from suara.api.graphql.context import Info
from suara.api.graphql.errors import (
    NotAllowed,
    NotFound,
    RateLimited,
    ValidationError,
    error_result,
)
from suara.api.graphql.triage import Me, PageInfo
from suara.common.errors import DomainError, FieldProblem, ValidationFailed
from suara.common.text import parse_row_id
from suara.triage import accounts, admin
from suara.triage.models import AnswerTemplate as AnswerTemplateRow
from suara.triage.models import ApiToken as ApiTokenRow
from suara.triage.models import Staff as StaffRow
from suara.triage.models import StaffAuditEntry


def _row_id(value: strawberry.ID | None, field: str) -> int:
    row_id = parse_row_id(str(value)) if value is not None else None
    if row_id is None:
        raise ValidationFailed([FieldProblem(field, "invalid_id", "ID tidak valid.", "Invalid id.")])
    return row_id


@strawberry.type(description="A staff account of your agency, as its admin sees it.")
class StaffMember:
    id: strawberry.ID
    email: str
    role: str
    active: bool
    must_change_password: bool
    created_at: datetime
    disabled_at: datetime | None
    last_sign_in_at: datetime | None

    @classmethod
    def from_row(cls, row: StaffRow, last_sign_in_at: datetime | None = None) -> StaffMember:
        return cls(
            id=strawberry.ID(str(row.id)), email=row.email, role=row.role, active=row.active,
            must_change_password=row.must_change_password, created_at=row.created_at,
            disabled_at=row.disabled_at, last_sign_in_at=last_sign_in_at,
        )


@strawberry.type
class AnswerTemplate:
    id: strawberry.ID
    title: str
    body: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: AnswerTemplateRow) -> AnswerTemplate:
        return cls(id=strawberry.ID(str(row.id)), title=row.title, body=row.body, created_at=row.created_at,
                   updated_at=row.updated_at)


@strawberry.type(description="One of your API tokens (the token itself is never shown again).")
class ApiTokenInfo:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool

    @classmethod
    def from_row(cls, row: ApiTokenRow) -> ApiTokenInfo:
        return cls(id=row.id, name=row.name, created_at=row.created_at, last_used_at=row.last_used_at,
                   revoked=row.revoked_at is not None)


@strawberry.type(description="One back-office action: who (staff:<id>), what, on what, when.")
class AuditEntry:
    id: strawberry.ID
    actor: str
    action: str
    target: str | None
    details: JSON
    created_at: datetime

    @classmethod
    def from_row(cls, row: StaffAuditEntry) -> AuditEntry:
        return cls(id=strawberry.ID(str(row.id)), actor=row.actor, action=row.action, target=row.target,
                   details=row.details, created_at=row.created_at)


@strawberry.type
class AuditEntryEdge:
    cursor: str
    node: AuditEntry


@strawberry.type
class AuditLogConnection:
    edges: list[AuditEntryEdge]
    page_info: PageInfo


@strawberry.type
class PasswordChanged:
    me: Me


@strawberry.type
class StaffCreated:
    staff: StaffMember
    one_time_password: str = strawberry.field(description="Shown once; the account must change it at first sign-in.")


@strawberry.type
class StaffUpdated:
    staff: StaffMember


@strawberry.type
class PasswordReset:
    staff: StaffMember
    one_time_password: str = strawberry.field(description="Shown once; the account's sessions have ended.")


@strawberry.type
class ServiceLevelsSet:
    agency: Agency


@strawberry.type
class AnswerTemplateSaved:
    template: AnswerTemplate


@strawberry.type
class CategoryAssigned:
    category: Category


@strawberry.input
class CreateStaffInput:
    email: str
    role: str = strawberry.field(description="officer or agency_admin (triage admins may also give triage_admin).")
    agency: str | None = strawberry.field(default=None, description="Triage admins only: the agency's slug.")


@strawberry.input(description="Working days; each at least 1 and never more than the legal 3/5/14/60.")
class ServiceLevelsInput:
    first_response_days: int
    information_request_days: int
    resolution_days: int
    resolution_with_field_check_days: int


@strawberry.input(description="Without an id a new template; with one, an update of yours.")
class AnswerTemplateInput:
    id: strawberry.ID | None = None
    title: str
    body: str


ChangePasswordResult = Annotated[PasswordChanged | ValidationError | NotAllowed | RateLimited,
                                 strawberry.union("ChangePasswordResult")]
CreateStaffResult = Annotated[StaffCreated | ValidationError | NotAllowed | NotFound,
                              strawberry.union("CreateStaffResult")]
StaffUpdateResult = Annotated[StaffUpdated | ValidationError | NotAllowed | NotFound,
                              strawberry.union("StaffUpdateResult")]
PasswordResetResult = Annotated[PasswordReset | ValidationError | NotAllowed | NotFound,
                                strawberry.union("PasswordResetResult")]
ServiceLevelsResult = Annotated[ServiceLevelsSet | ValidationError | NotAllowed,
                                strawberry.union("ServiceLevelsResult")]
AnswerTemplateResult = Annotated[AnswerTemplateSaved | ValidationError | NotAllowed | NotFound,
                                 strawberry.union("AnswerTemplateResult")]
AssignCategoryResult = Annotated[CategoryAssigned | NotAllowed | NotFound, strawberry.union("AssignCategoryResult")]


@strawberry.type
class StaffAdminQuery:
    @strawberry.field(description="Agency admins: your agency's staff (triage admins may name an agency).")
    async def agency_staff(self, info: Info, agency: str | None = None) -> list[StaffMember] | None:
        actor = await info.context.staff()
        async with info.context.state.reading() as session:
            listing = await accounts.agency_staff(session, actor, agency)
        return [StaffMember.from_row(item.staff, item.last_sign_in_at) for item in listing]

    @strawberry.field(description="Your agency's answer templates in use, by title.")
    async def answer_templates(self, info: Info) -> list[AnswerTemplate]:
        actor = await info.context.staff()
        async with info.context.state.reading() as session:
            rows = await admin.answer_templates(session, actor)
        return [AnswerTemplate.from_row(row) for row in rows]

    @strawberry.field(description="Your own API tokens, newest first.")
    async def api_tokens(self, info: Info) -> list[ApiTokenInfo]:
        actor = await info.context.staff()
        async with info.context.state.reading() as session:
            rows = await admin.own_api_tokens(session, actor)
        return [ApiTokenInfo.from_row(row) for row in rows]

    @strawberry.field(description="Agency admins: your agency's back-office actions, newest first.")
    async def audit_log(self, info: Info, first: int = 50, after: str | None = None) -> AuditLogConnection:
        actor = await info.context.staff()
        async with info.context.state.reading() as session:
            page = await admin.audit_page(session, actor, first=first, after=after)
        edges = [AuditEntryEdge(cursor=str(row.id), node=AuditEntry.from_row(row)) for row in page.entries]
        return AuditLogConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=edges[-1].cursor if edges else None),
        )


@strawberry.type
class StaffAdminMutation:
    @strawberry.mutation(description="Change your password (required after a one-time password). "
                                     "Counted like a sign-in; your other sessions end.")
    async def change_password(self, info: Info, current_password: str, new_password: str) -> ChangePasswordResult:
        context = info.context
        try:
            actor = await context.staff(mutation=True, password_change=True)
            async with context.state.transaction() as session:
                staff = await accounts.change_password(
                    session, actor, current_password, new_password, limits=context.state.limits,
                    address=client_network(context.request),
                    keep_session=None if context.bearer_token else context.session_token,
                )
        except DomainError as error:
            return error_result(error)
        return PasswordChanged(me=Me(email=staff.email, role=staff.role, must_change_password=False,
                                     agency_id=staff.agency_id))

    @strawberry.mutation(description="Agency admins: a new account with a one-time password.")
    async def create_staff(self, info: Info, input: CreateStaffInput) -> CreateStaffResult:
        try:
            actor = await info.context.staff(mutation=True)
            async with info.context.state.transaction() as session:
                staff, password = await accounts.create_account(
                    session, actor, email=input.email, role=input.role, agency_slug=input.agency,
                )
        except DomainError as error:
            return error_result(error)
        return StaffCreated(staff=StaffMember.from_row(staff), one_time_password=password)

    @strawberry.mutation(description="Agency admins: another role for a colleague (not yourself).")
    async def change_staff_role(self, info: Info, staff_id: strawberry.ID, role: str) -> StaffUpdateResult:
        return await _update_staff(info, staff_id, accounts.change_role, role)

    @strawberry.mutation(description="Agency admins: the account can no longer sign in; its sessions and "
                                     "API tokens end at once.")
    async def disable_staff(self, info: Info, staff_id: strawberry.ID) -> StaffUpdateResult:
        return await _update_staff(info, staff_id, accounts.disable)

    @strawberry.mutation(description="Agency admins: the account may sign in again.")
    async def enable_staff(self, info: Info, staff_id: strawberry.ID) -> StaffUpdateResult:
        return await _update_staff(info, staff_id, accounts.enable)

    @strawberry.mutation(description="Agency admins: a new one-time password; the account's sessions end.")
    async def reset_staff_password(self, info: Info, staff_id: strawberry.ID) -> PasswordResetResult:
        try:
            actor = await info.context.staff(mutation=True)
            target = _row_id(staff_id, "staffId")
            async with info.context.state.transaction() as session:
                staff, password = await accounts.reset_password(session, actor, target)
        except DomainError as error:
            return error_result(error)
        return PasswordReset(staff=StaffMember.from_row(staff), one_time_password=password)

    @strawberry.mutation(description="Agency admins: your agency's service levels for items routed from now on.")
    async def set_service_levels(self, info: Info, input: ServiceLevelsInput) -> ServiceLevelsResult:
        try:
            actor = await info.context.staff(mutation=True)
            async with info.context.state.transaction() as session:
                agency = await admin.set_service_levels(session, actor, admin.ServiceLevelInput(
                    first_response_days=input.first_response_days,
                    information_request_days=input.information_request_days,
                    resolution_days=input.resolution_days,
                    resolution_with_field_check_days=input.resolution_with_field_check_days,
                ))
        except DomainError as error:
            return error_result(error)
        info.context.state.forget_directory()
        return ServiceLevelsSet(agency=Agency.from_row(agency))

    @strawberry.mutation(description="Agency admins: create or update an answer template.")
    async def save_answer_template(self, info: Info, input: AnswerTemplateInput) -> AnswerTemplateResult:
        try:
            actor = await info.context.staff(mutation=True)
            template_id = _row_id(input.id, "id") if input.id is not None else None
            async with info.context.state.transaction() as session:
                row = await admin.save_answer_template(
                    session, actor, template_id=template_id, title=input.title, body=input.body,
                )
        except DomainError as error:
            return error_result(error)
        return AnswerTemplateSaved(template=AnswerTemplate.from_row(row))

    @strawberry.mutation(description="Agency admins: the template is no longer offered.")
    async def archive_answer_template(self, info: Info, id: strawberry.ID) -> AnswerTemplateResult:
        try:
            actor = await info.context.staff(mutation=True)
            template_id = _row_id(id, "id")
            async with info.context.state.transaction() as session:
                row = await admin.archive_answer_template(session, actor, template_id)
        except DomainError as error:
            return error_result(error)
        return AnswerTemplateSaved(template=AnswerTemplate.from_row(row))

    @strawberry.mutation(description="Triage admins: the agency that gets a category's new items.")
    async def assign_category(self, info: Info, category: str, agency: str) -> AssignCategoryResult:
        try:
            actor = await info.context.staff(mutation=True)
            async with info.context.state.transaction() as session:
                row = await admin.assign_category(session, actor, category, agency)
        except DomainError as error:
            return error_result(error)
        info.context.state.forget_directory()
        return CategoryAssigned(category=Category.from_row(row))


async def _update_staff(info: Info, staff_id: strawberry.ID, operation, *args) -> StaffUpdateResult:
    try:
        actor = await info.context.staff(mutation=True)
        target = _row_id(staff_id, "staffId")
        async with info.context.state.transaction() as session:
            staff = await operation(session, actor, target, *args)
    except DomainError as error:
        return error_result(error)
    return StaffUpdated(staff=StaffMember.from_row(staff))
