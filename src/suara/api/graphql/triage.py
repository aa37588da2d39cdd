"""GraphQL for agency staff (sign-in, inbox, triage queue, actions) and citizens' follow-up actions."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry

from suara.api.client_address import client_network
from suara.api.graphql.agencies import Agency, Category, load_agencies, load_agency, load_categories
from suara.api.graphql.context import SESSION_COOKIE, Info
from suara.api.graphql.errors import (
    ActionError,
    NotAllowed,
    NotFound,
    RateLimited,
    ValidationError,
    error_result,
)
from suara.api.graphql.photos import StaffPhoto, staff_photos
from suara.api.graphql.submissions import (
    PublicStatusGroup,
    RoutingSuggestion,
    Submission,
    SubmissionChannel,
    SubmissionKind,
    routing_suggestions,
)
from suara.common.calendar import working_days_left
from suara.common.errors import DomainError
from suara.common.errors import NotAllowed as DomainNotAllowed
from suara.common.errors import RateLimited as DomainRateLimited
from suara.common.text import parse_row_id
from suara.db.columns import utcnow
from suara.live_precision import monitor as live_precision_monitor
from suara.live_precision.outcomes import record_outcome
from suara.submissions import codes
from suara.submissions.models import Kind, Status, SubmissionEvent
from suara.submissions.models import Submission as SubmissionRow
from suara.submissions.public import public_views, status_group
from suara.submissions.workflow import AGENCY_WORK
from suara.submissions.workflow import Conflict as DomainConflict
from suara.triage import accounts, auth, inbox, service
from suara.triage.auth import SESSION_LIFETIME

SubmissionStatus = strawberry.enum(Status, name="SubmissionStatus")


@strawberry.enum(description="Whose items: yours, nobody's yet, or all of the agency's.")
class AssignedFilter(Enum):
    ME = "me"
    UNASSIGNED = "unassigned"
    ANY = "any"


@strawberry.enum(description="Why an item is rejected (a fixed list: the public figures count each reason).")
class RejectReason(Enum):
    NOT_AUTHORITY = "not_our_authority"
    INSUFFICIENT_INFORMATION = "incomplete"
    SPAM = "spam"
    DUPLICATE = "duplicate"


@strawberry.enum(description="The triage queue's order.")
class TriageOrder(Enum):
    DEADLINE = "deadline"
    """Oldest first: the verification deadline runs from arrival (the default)."""
    UNCERTAINTY = "uncertainty"
    """Items the model was least sure between its two best suggestions first (uncertainty sampling: each
    correction teaches the next model most); items it did not classify last."""


@strawberry.input(description="Narrows the inbox; every condition given must hold. Dates are the agency's "
                              "local calendar days (filing date), both ends included.")
class InboxFilter:
    statuses: list[SubmissionStatus] | None = None
    overdue: bool | None = None
    assigned: AssignedFilter = AssignedFilter.ANY
    category: str | None = None
    kind: SubmissionKind | None = None
    channel: SubmissionChannel | None = None
    region_code: str | None = strawberry.field(default=None, description="Prefix: '33.74' matches a city's villages.")
    from_: date | None = strawberry.field(default=None, name="from")
    to: date | None = None
    text: str | None = strawberry.field(default=None, description="Words that must all occur in the title or text.")

    def to_domain(self) -> inbox.InboxFilter:
        return inbox.InboxFilter(
            statuses=tuple(Status(status).value for status in self.statuses or ()),
            overdue=self.overdue, assigned=inbox.Assigned(self.assigned.value), category=self.category,
            kind=Kind(self.kind).value if self.kind else None, channel=self.channel.value if self.channel else None,
            region_code=self.region_code, created_from=self.from_, created_to=self.to, text=self.text,
        )

NODE_PREFIX = "StaffSubmission:"


def node_id(submission_id: int) -> str:
    return base64.urlsafe_b64encode(f"{NODE_PREFIX}{submission_id}".encode()).decode()


def parse_node_id(value: str) -> int | None:
    try:
        decoded = base64.urlsafe_b64decode(value.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return parse_row_id(decoded[len(NODE_PREFIX):]) if decoded.startswith(NODE_PREFIX) else None


@strawberry.type
class Me:
    email: str
    role: str
    must_change_password: bool = strawberry.field(description="Signed in with a one-time password: "
                                                  "change it (changePassword) before anything else.")
    agency_id: strawberry.Private[int]

    @strawberry.field
    async def agency(self, info: Info) -> Agency | None:
        return await load_agency(info, self.agency_id)


@strawberry.type(description="A step in the history, as staff see it (internal notes, assignments and "
                              "every reading of the reporter's contact included).")
class StaffEvent:
    row: strawberry.Private[SubmissionEvent]
    actor_email: str | None = strawberry.field(default=None, description="The staff member who acted, if staff.")

    @strawberry.field
    def kind(self) -> str:
        return self.row.kind

    @strawberry.field
    def actor(self) -> str:
        return self.row.actor

    @strawberry.field
    def status(self) -> str:
        return self.row.status_after

    @strawberry.field
    def at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def public(self) -> bool:
        return self.row.public

    @strawberry.field
    def note(self) -> str | None:
        details = self.row.details or {}
        return details.get("public_note") or details.get("note")


def _staff_id(actor_label: str) -> int | None:
    """The staff id in an event's actor label (`staff:12`)."""
    kind, _, rest = actor_label.partition(":")
    return int(rest) if kind == "staff" and rest.isdigit() else None


@strawberry.type(description="The officer an item is assigned to.")
class Assignee:
    id: strawberry.ID
    email: str


@strawberry.type
class ReporterContact:
    name: str | None
    phone: str | None
    email: str | None
    nik: str | None


@strawberry.type(description="A submission as the handling agency (or a triage admin) sees it.")
class StaffSubmission:
    id: strawberry.ID
    tracking_code: str
    version: int
    kind: SubmissionKind
    status: str
    status_group: PublicStatusGroup
    title: str | None
    text: str
    channel: str
    anonymous: bool
    confidential: bool
    field_check: bool
    routing_confidence: float | None
    routing_suggestions: list[RoutingSuggestion]
    created_at: datetime
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    due_at: datetime | None = strawberry.field(description="The deadline that matters now.")
    overdue: bool
    agency: Agency | None
    category: Category | None
    routing_model_version: str | None
    location_text: str | None
    latitude: float | None
    longitude: float | None
    region_code: str | None
    support_count: int
    duplicate_of_id: strawberry.Private[int | None]
    first_response_working_days_left: int | None = strawberry.field(
        description="Working days to the first-response deadline; negative when overdue; null once answered.")
    resolution_working_days_left: int | None = strawberry.field(
        description="Working days to the resolution deadline; negative when overdue; null once finished.")
    assignee: Assignee | None
    submission_id: strawberry.Private[int]

    @strawberry.field
    async def events(self, info: Info) -> list[StaffEvent]:
        rows = await info.context.events_loader.load(self.submission_id)
        staff_ids = {staff_id for row in rows if (staff_id := _staff_id(row.actor)) is not None}
        async with info.context.state.reading() as session:
            emails = await accounts.emails_by_staff_id(session, staff_ids)
        return [
            StaffEvent(row=row, actor_email=emails.get(_staff_id(row.actor)))
            for row in rows
        ]

    @strawberry.field(description="Every photo of the item, approved or not (approve them for the public with "
                      "approvePhoto).")
    async def photos(self, info: Info) -> list[StaffPhoto]:
        return await staff_photos(info, self.submission_id, self.confidential)

    @strawberry.field(description="Tracking code of the item this one was closed as a duplicate of.")
    async def duplicate_of(self, info: Info) -> str | None:
        if self.duplicate_of_id is None:
            return None
        async with info.context.state.reading() as session:
            kept = await session.get(SubmissionRow, self.duplicate_of_id)
        return codes.format_tracking_code(kept.tracking_code) if kept else None

    @strawberry.field(description="Unfinished items of the same agency with near-identical text.")
    async def possible_duplicates(self, info: Info) -> list[StaffPossibleDuplicate]:
        actor = await info.context.actor()
        if actor is None:
            return []
        async with info.context.state.reading() as session:
            try:
                found = await service.possible_duplicates(session, actor, self.submission_id)
            except DomainError:
                return []
        nodes = await staff_submissions(info, [row for row, _ in found])
        return [StaffPossibleDuplicate(similarity=score, submission=node) for (_, score), node in zip(found, nodes)]

    @strawberry.field(description="Handling agency only, never for anonymous items; every read is logged.")
    async def reporter_contact(self, info: Info) -> ReporterContact | None:
        actor = await info.context.staff()
        async with info.context.state.transaction() as session:
            try:
                contact = await service.read_contact(session, actor, self.submission_id)
            except DomainNotAllowed:
                return None
        if contact is None:
            return None
        return ReporterContact(name=contact.name, phone=contact.phone, email=contact.email, nik=contact.nik)


@strawberry.type
class StaffPossibleDuplicate:
    similarity: float
    submission: StaffSubmission


def _days_left(due: datetime | None, running: bool, agency, now: datetime) -> int | None:
    """Working days left on a clock that is still running, else None."""
    if due is None or not running or agency is None:
        return None
    return working_days_left(due, now, agency.timezone)


async def _assignees(info: Info, rows: list[SubmissionRow]) -> dict[int, Assignee]:
    staff_ids = {row.assigned_staff_id for row in rows if row.assigned_staff_id is not None}
    if not staff_ids:
        return {}
    async with info.context.state.reading() as session:
        found = await accounts.emails_by_staff_id(session, staff_ids)
    return {staff_id: Assignee(id=strawberry.ID(str(staff_id)), email=email) for staff_id, email in found.items()}


async def staff_submissions(info: Info, rows: list[SubmissionRow]) -> list[StaffSubmission]:
    """Build a page of items with their agencies, categories and assignees fetched in one batch each."""
    agencies = await load_agencies(info, [row.agency_id for row in rows])
    categories = await load_categories(info, [row.category_slug for row in rows])
    suggestions = await routing_suggestions(info, [row.routing_suggestions or [] for row in rows])
    assignees = await _assignees(info, rows)
    now = utcnow()
    return [
        StaffSubmission(
            id=strawberry.ID(node_id(row.id)),
            tracking_code=codes.format_tracking_code(row.tracking_code),
            version=row.version, kind=Kind(row.kind), status=row.status,
            status_group=status_group(row.status), title=row.title, text=row.text, channel=row.channel,
            anonymous=row.anonymous, confidential=row.confidential, field_check=row.field_check,
            routing_confidence=row.routing_confidence,
            routing_suggestions=row_suggestions,
            created_at=row.created_at, first_response_due_at=row.first_response_due_at,
            resolution_due_at=row.resolution_due_at, due_at=row.due_at,
            overdue=row.due_at is not None and row.due_at < now,
            agency=agency, category=category, routing_model_version=row.routing_model_version,
            location_text=row.location_text, latitude=row.latitude, longitude=row.longitude,
            region_code=row.region_code, support_count=row.support_count, duplicate_of_id=row.duplicate_of_id,
            first_response_working_days_left=_days_left(
                row.first_response_due_at, row.first_responded_at is None and row.status in AGENCY_WORK, agency, now),
            resolution_working_days_left=_days_left(row.resolution_due_at, row.status in AGENCY_WORK, agency, now),
            assignee=assignees.get(row.assigned_staff_id) if row.assigned_staff_id else None,
            submission_id=row.id,
        )
        for row, agency, category, row_suggestions in zip(rows, agencies, categories, suggestions)
    ]


async def staff_submission(info: Info, row: SubmissionRow) -> StaffSubmission:
    return (await staff_submissions(info, [row]))[0]


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class StaffSubmissionEdge:
    cursor: str
    node: StaffSubmission


@strawberry.type
class StaffSubmissionConnection:
    edges: list[StaffSubmissionEdge]
    page_info: PageInfo
    total_count: int
    total_count_exact: bool = strawberry.field(description=(
        "False when words in the text matched more than 1,000 items: totalCount is then 1,000, a lower bound "
        "(counting every match of a common word would read the agency's whole history)."))


async def connection(info: Info, page: inbox.Page, sort: str) -> StaffSubmissionConnection:
    nodes = await staff_submissions(info, page.items)
    edges = [
        StaffSubmissionEdge(cursor=inbox.encode_cursor(sort, row), node=node)
        for row, node in zip(page.items, nodes)
    ]
    return StaffSubmissionConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=edges[-1].cursor if edges else None),
        total_count=page.total_count,
        total_count_exact=page.total_is_exact,
    )


@strawberry.type
class StatusCount:
    status: SubmissionStatus
    count: int


@strawberry.type
class InboxCounts:
    total: int
    overdue: int
    by_status: list[StatusCount]


def _inbox_filter(given: InboxFilter | None, status: list[str] | None, overdue: bool | None) -> inbox.InboxFilter:
    """The filter input, with the older top-level arguments folded in."""
    inbox_filter = given.to_domain() if given else inbox.InboxFilter()
    if status:
        inbox_filter = replace(inbox_filter, statuses=tuple(status))
    if overdue is not None:
        inbox_filter = replace(inbox_filter, overdue=overdue)
    return inbox_filter


InboxCountsResult = Annotated[InboxCounts | NotAllowed | ValidationError, strawberry.union("InboxCountsResult")]
ConnectionResult = Annotated[
    StaffSubmissionConnection | NotAllowed | ValidationError, strawberry.union("StaffSubmissionsResult")
]


@strawberry.type
class TriageQuery:
    @strawberry.field(description="The signed-in staff member, or null.")
    async def me(self, info: Info) -> Me | None:
        actor = await info.context.signed_in()
        if actor is None:
            return None
        async with info.context.state.reading() as session:
            staff = await auth.staff_member(session, actor.staff_id)
        return Me(email=staff.email, role=staff.role, must_change_password=staff.must_change_password,
                  agency_id=staff.agency_id)

    @strawberry.field(description="Your agency's items, most urgent deadline first (overdue ones lead). "
                                  "A cursor stays valid with any filter.")
    async def inbox(
        self, info: Info, first: int = 50, after: str | None = None, filter: InboxFilter | None = None,
        status: Annotated[list[str] | None, strawberry.argument(deprecation_reason="Use filter.statuses.")] = None,
        overdue: Annotated[bool | None, strawberry.argument(deprecation_reason="Use filter.overdue.")] = None,
    ) -> ConnectionResult:
        try:
            actor = await info.context.staff()
            inbox_filter = _inbox_filter(filter, status, overdue)
            async with info.context.state.reading() as session:
                page = await inbox.inbox_page(session, actor, inbox_filter, first=first, after=after)
        except DomainError as error:
            return error_result(error)
        return await connection(info, page, "due")

    @strawberry.field(description="How many of your agency's items are in each status (the filter's statuses "
                                  "are ignored, so every status shows its number), and how many are overdue.")
    async def inbox_counts(self, info: Info, filter: InboxFilter | None = None) -> InboxCountsResult:
        try:
            actor = await info.context.staff()
            async with info.context.state.reading() as session:
                counts = await inbox.inbox_counts(session, actor, _inbox_filter(filter, None, None))
        except DomainError as error:
            return error_result(error)
        return InboxCounts(
            total=counts.total, overdue=counts.overdue,
            by_status=[StatusCount(status=Status(status), count=count) for status, count in sorted(counts.by_status.items())],
        )

    @strawberry.field(description="Items routing was unsure about (triage admins): oldest first, or with "
                                  "order UNCERTAINTY the ones whose correction teaches the model most first.")
    async def triage_queue(
        self, info: Info, first: int = 50, after: str | None = None, order: TriageOrder = TriageOrder.DEADLINE,
    ) -> ConnectionResult:
        domain_order = inbox.TriageOrder(order.value)
        try:
            actor = await info.context.staff()
            async with info.context.state.reading() as session:
                page = await inbox.triage_queue_page(session, actor, first=first, after=after, order=domain_order)
        except DomainError as error:
            return error_result(error)
        return await connection(info, page, inbox.TRIAGE_SORTS[domain_order])

    @strawberry.field(description="One item by its node id, if you may see it.")
    async def staff_submission(self, info: Info, id: strawberry.ID) -> StaffSubmission | None:
        submission_id = parse_node_id(id)
        actor = await info.context.actor()
        if submission_id is None or actor is None:
            return None
        return await _fresh(info, actor, submission_id)


@strawberry.type
class SignedIn:
    me: Me
    must_change_password: bool = strawberry.field(description="The password was a one-time password: "
                                                  "only changePassword, me and logout work until it is changed.")
    csrf_token: str = strawberry.field(description="Send it as the X-CSRF-Token header on mutations.")


@strawberry.type
class StaffActionSuccess:
    submission: StaffSubmission


@strawberry.type
class CitizenActionSuccess:
    submission: Submission


@strawberry.type
class ApiTokenCreated:
    id: int
    token: str = strawberry.field(description="Shown once. Send it as `Authorization: Bearer <token>`.")


@strawberry.type
class ApiTokenRevoked:
    revoked: bool


@strawberry.type
class ContactRevealed:
    contact: ReporterContact | None = strawberry.field(description="Null for anonymous items.")


RevealContactResult = Annotated[ContactRevealed | NotFound | NotAllowed, strawberry.union("RevealContactResult")]
LoginResult = Annotated[SignedIn | NotAllowed | RateLimited, strawberry.union("LoginResult")]
RevokeResult = Annotated[ApiTokenRevoked | NotAllowed, strawberry.union("RevokeApiTokenResult")]
StaffActionResult = Annotated[StaffActionSuccess | ActionError, strawberry.union("StaffActionResult")]
CitizenActionResult = Annotated[CitizenActionSuccess | ActionError, strawberry.union("CitizenActionResult")]
ApiTokenResult = Annotated[ApiTokenCreated | NotAllowed | ValidationError, strawberry.union("ApiTokenResult")]


async def _staff_action(
    info: Info, id: strawberry.ID, operation: Callable[..., Awaitable[SubmissionRow]], *args, **kwargs
):
    submission_id = parse_node_id(id)
    try:
        actor = await info.context.staff(mutation=True)
        if submission_id is None:
            raise service.HIDDEN
        async with info.context.state.transaction() as session:
            row = await operation(session, actor, submission_id, *args, **kwargs)
            # A decision that settles whether the model's route was right counts for its version, with it.
            outcome = await record_outcome(session, row)
    except DomainConflict as error:
        conflict = error_result(error)
        conflict.current = await _fresh(info, actor, submission_id)
        return conflict
    except DomainError as error:
        return error_result(error)
    if outcome is not None and not outcome.correct:
        state = info.context.state
        await live_precision_monitor.check_after_error(
            state.sessions, outcome.model_version, getattr(state.router, "model", None),
            public_url=state.settings.suara_public_url)
    return StaffActionSuccess(submission=await staff_submission(info, row))


async def _fresh(info: Info, actor: auth.Actor, submission_id: int) -> StaffSubmission | None:
    """The item as it is now, if the actor may see it: the item page, and the fresh copy a conflict shows
    so the officer sees what changed instead of overwriting it."""
    async with info.context.state.reading() as session:
        try:
            row = await service.load_for_staff(session, actor, submission_id)
        except DomainError:
            return None
    return await staff_submission(info, row)


async def _citizen_action(info: Info, operation, tracking_code: str, secret: str, *args):
    try:
        async with info.context.state.transaction() as session:
            row = await operation(session, tracking_code, secret, *args, key=info.context.state.secret_key)
    except DomainError as error:
        return error_result(error)
    async with info.context.state.reading() as session:
        view = (await public_views(session, [row], reporter=True))[0]
    return CitizenActionSuccess(submission=Submission(view=view))


@strawberry.type
class TriageMutation:
    @strawberry.mutation(description="Sign in; sets an HTTP-only session cookie. Attempts are limited "
                                     "per account and network address (RateLimited).")
    async def login(self, info: Info, email: str, password: str) -> LoginResult:
        state = info.context.state
        try:
            async with state.transaction() as session:
                outcome = await auth.authenticate(
                    session, email, password, limits=state.limits, address=client_network(info.context.request)
                )
                token = None if isinstance(outcome, auth.LoginRefused) else await auth.start_session(session, outcome)
        except DomainRateLimited as error:
            return RateLimited.from_domain(error)
        if token is None:
            return NotAllowed(code="wrong_credentials", message="Email atau kata sandi salah.",
                              message_en="Wrong e-mail or password.")
        response = info.context.response
        secure = bool(info.context.request and info.context.request.url.scheme == "https")
        response.set_cookie(
            SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True,
            samesite="strict", secure=secure, path="/",
        )
        return SignedIn(
            me=Me(email=outcome.email, role=outcome.role, must_change_password=outcome.must_change_password,
                  agency_id=outcome.agency_id),
            must_change_password=outcome.must_change_password,
            csrf_token=auth.csrf_token(token, info.context.state.secret_key),
        )

    @strawberry.mutation(description="Sign out: ends the session and clears the cookie.")
    async def logout(self, info: Info) -> bool:
        token = info.context.session_token
        if token:
            async with info.context.state.transaction() as session:
                await auth.end_session(session, token)
        info.context.response.delete_cookie(SESSION_COOKIE, path="/")
        return token is not None

    @strawberry.mutation(description="A bearer token for an integration, shown once.")
    async def create_api_token(self, info: Info, name: str) -> ApiTokenResult:
        try:
            actor = await info.context.staff(mutation=True)
            async with info.context.state.transaction() as session:
                row, token = await auth.create_api_token(session, actor.staff_id, name)
        except DomainError as error:
            return error_result(error)
        return ApiTokenCreated(id=row.id, token=token)

    @strawberry.mutation(description="Revoke one of your tokens; true when it was yours and active.")
    async def revoke_api_token(self, info: Info, id: int) -> RevokeResult:
        try:
            actor = await info.context.staff(mutation=True)
        except DomainError as error:
            return error_result(error)
        async with info.context.state.transaction() as session:
            revoked = await auth.revoke_api_token(session, id, owner_id=actor.staff_id)
        return ApiTokenRevoked(revoked=revoked)

    @strawberry.mutation
    async def acknowledge(self, info: Info, id: strawberry.ID, expected_version: int | None = None) -> StaffActionResult:
        return await _staff_action(info, id, service.acknowledge, expected_version=expected_version)

    @strawberry.mutation(description="A public answer, shown on the tracking page. `templateId`: the agency's "
                                     "answer template the text started from (recorded; the text sent is `text`).")
    async def respond(
        self, info: Info, id: strawberry.ID, text: str, expected_version: int | None = None,
        template_id: strawberry.ID | None = None,
    ) -> StaffActionResult:
        template = None
        if template_id is not None:
            template = parse_row_id(str(template_id))
            if template is None:
                return NotFound(code="answer_template_not_found", message="Templat jawaban tidak ditemukan.",
                                message_en="Answer template not found.")
        return await _staff_action(info, id, service.respond, text, expected_version=expected_version,
                                   template_id=template)

    @strawberry.mutation(description="An internal note, never public.")
    async def add_note(self, info: Info, id: strawberry.ID, note: str, expected_version: int | None = None) -> StaffActionResult:
        return await _staff_action(info, id, service.add_note, note, expected_version=expected_version)

    @strawberry.mutation(description="Hand the item to another agency. wrongAgency: it was never yours (a wrong "
                                     "route; counts against the routing model's live precision).")
    async def forward(
        self, info: Info, id: strawberry.ID, to_agency: str, reason: str, expected_version: int | None = None,
        wrong_agency: bool = False,
    ) -> StaffActionResult:
        return await _staff_action(info, id, service.forward, to_agency, reason, expected_version=expected_version,
                                   wrong_agency=wrong_agency)

    @strawberry.mutation
    async def resolve(self, info: Info, id: strawberry.ID, text: str, expected_version: int | None = None) -> StaffActionResult:
        return await _staff_action(info, id, service.resolve, text, expected_version=expected_version)

    @strawberry.mutation(description="Reject with a reason from the list and a note the citizen reads. "
                                     "To close a duplicate and move its supports, use markDuplicate.")
    async def reject(
        self, info: Info, id: strawberry.ID, reason: RejectReason, note: str, expected_version: int | None = None
    ) -> StaffActionResult:
        return await _staff_action(info, id, service.reject, reason.value, note, expected_version=expected_version)

    @strawberry.mutation(description="Assign to an active officer of the handling agency.")
    async def assign_submission(
        self, info: Info, id: strawberry.ID, staff_id: strawberry.ID, expected_version: int | None = None
    ) -> StaffActionResult:
        colleague = parse_row_id(str(staff_id))
        if colleague is None:
            return NotAllowed(code="not_a_colleague", message="Hanya dapat ditugaskan kepada petugas aktif instansi ini.",
                              message_en="Only an active officer of this agency can be assigned.")
        return await _staff_action(info, id, service.assign, colleague, expected_version=expected_version)

    @strawberry.mutation(description="Assign the item to yourself.")
    async def take_submission(self, info: Info, id: strawberry.ID, expected_version: int | None = None) -> StaffActionResult:
        return await _staff_action(info, id, service.take, expected_version=expected_version)

    @strawberry.mutation(description="Nobody's item again.")
    async def unassign_submission(
        self, info: Info, id: strawberry.ID, expected_version: int | None = None
    ) -> StaffActionResult:
        return await _staff_action(info, id, service.unassign, expected_version=expected_version)

    @strawberry.mutation(description="Close as a duplicate of an unfinished item of your agency (by tracking code): "
                                     "its supports move there and the citizen is told.")
    async def mark_duplicate(
        self, info: Info, id: strawberry.ID, duplicate_of: str, expected_version: int | None = None
    ) -> StaffActionResult:
        return await _staff_action(info, id, service.mark_duplicate, duplicate_of, expected_version=expected_version)

    @strawberry.mutation(description="The reporter's contact (handling agency only); each reveal is written to the "
                                     "item's staff-only history with who and when.")
    async def reveal_contact(self, info: Info, id: strawberry.ID) -> RevealContactResult:
        submission_id = parse_node_id(id)
        try:
            actor = await info.context.staff(mutation=True)
            if submission_id is None:
                raise service.HIDDEN
            async with info.context.state.transaction() as session:
                contact = await service.read_contact(session, actor, submission_id)
        except DomainError as error:
            return error_result(error)
        if contact is None:
            return ContactRevealed(contact=None)
        return ContactRevealed(contact=ReporterContact(
            name=contact.name, phone=contact.phone, email=contact.email, nik=contact.nik))

    @strawberry.mutation
    async def mark_field_check(self, info: Info, id: strawberry.ID, expected_version: int | None = None) -> StaffActionResult:
        return await _staff_action(info, id, service.mark_field_check, expected_version=expected_version)

    @strawberry.mutation(description="Triage admins: route (or re-route) to a category and its agency.")
    async def route_submission(
        self, info: Info, id: strawberry.ID, category: str, agency: str | None = None,
        expected_version: int | None = None,
    ) -> StaffActionResult:
        return await _staff_action(info, id, service.route_submission, category, agency, expected_version=expected_version)

    @strawberry.mutation(description="Triage admins: agree with the model's route (a training label).")
    async def confirm_routing(self, info: Info, id: strawberry.ID) -> StaffActionResult:
        return await _staff_action(info, id, service.confirm_routing)

    @strawberry.mutation(description="Citizen: the problem is solved.")
    async def confirm_resolved(self, info: Info, tracking_code: str, secret: str) -> CitizenActionResult:
        return await _citizen_action(info, service.confirm_resolved, tracking_code, secret)

    @strawberry.mutation(description="Citizen: it is not solved.")
    async def dispute(self, info: Info, tracking_code: str, secret: str, reason: str) -> CitizenActionResult:
        return await _citizen_action(info, service.dispute, tracking_code, secret, reason)

    @strawberry.mutation(description="Citizen: the problem came back (within 10 working days).")
    async def reopen(self, info: Info, tracking_code: str, secret: str, reason: str) -> CitizenActionResult:
        return await _citizen_action(info, service.reopen, tracking_code, secret, reason)
