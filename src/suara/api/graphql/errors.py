"""Errors a user can fix, returned as data in mutation result unions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from graphql import GraphQLError

from suara.common.errors import DomainError, ValidationFailed
from suara.common.errors import FieldProblem as DomainFieldProblem
from suara.common.errors import NotAllowed as DomainNotAllowed
from suara.common.errors import NotFound as DomainNotFound
from suara.common.errors import RateLimited as DomainRateLimited
from suara.submissions.workflow import Conflict as DomainConflict
from suara.submissions.workflow import InvalidTransition as DomainInvalidTransition

if TYPE_CHECKING:
    from suara.api.graphql.triage import StaffSubmission


@strawberry.type(description="One problem with one input field.")
class FieldProblem:
    field: str
    code: str
    message: str = strawberry.field(description="In Bahasa Indonesia.")
    message_en: str = strawberry.field(description="In English.")

    @classmethod
    def from_domain(cls, problem: DomainFieldProblem) -> FieldProblem:
        return cls(
            field=problem.field, code=problem.code,
            message=problem.message_id, message_en=problem.message_en,
        )


@strawberry.type(description="The input was refused; nothing was written. `problems` lists all.")
class ValidationError:
    field: str
    code: str
    message: str
    message_en: str
    problems: list[FieldProblem]

    @classmethod
    def from_problems(cls, problems: list[DomainFieldProblem]) -> ValidationError:
        first = problems[0]
        return cls(
            field=first.field, code=first.code, message=first.message_id,
            message_en=first.message_en, problems=[FieldProblem.from_domain(p) for p in problems],
        )


@strawberry.type
class NotFound:
    code: str
    message: str
    message_en: str

    @classmethod
    def from_domain(cls, error: DomainNotFound) -> NotFound:
        return cls(code=f"{error.what}_not_found", message=error.message_id, message_en=error.message_en)


@strawberry.type(description="The action is not allowed for you or for this item now.")
class NotAllowed:
    code: str
    message: str
    message_en: str

    @classmethod
    def from_domain(cls, error: DomainNotAllowed) -> NotAllowed:
        return cls(code=error.code, message=error.message_id, message_en=error.message_en)


@strawberry.type(description="Someone changed the item since you loaded it (code `conflict`), or an "
                  "idempotency key came back with other content (`idempotency_key_reused`); nothing was written.")
class Conflict:
    code: str
    message: str
    message_en: str
    current: Annotated[StaffSubmission, strawberry.lazy("suara.api.graphql.triage")] | None = strawberry.field(
        default=None, description="For `conflict` on a staff action: the item as it is now.")


@strawberry.type(description="The item's status does not allow this action; nothing was written.")
class InvalidTransition:
    code: str
    status: str
    action: str
    message: str
    message_en: str


@strawberry.type(description="Too many requests from you; nothing was written. Try again later.")
class RateLimited:
    code: str
    message: str
    message_en: str
    retry_after_seconds: int

    @classmethod
    def from_domain(cls, error: DomainRateLimited) -> RateLimited:
        return cls(code=error.code, message=error.message_id, message_en=error.message_en,
                   retry_after_seconds=error.retry_after_seconds)


ActionError = NotFound | NotAllowed | Conflict | InvalidTransition | ValidationError


def error_result(error: DomainError):
    """The GraphQL error type for a domain error a user can understand and act on."""
    if isinstance(error, ValidationFailed):
        return ValidationError.from_problems(error.problems)
    if isinstance(error, DomainNotFound):
        return NotFound.from_domain(error)
    if isinstance(error, DomainNotAllowed):
        return NotAllowed.from_domain(error)
    if isinstance(error, DomainRateLimited):
        return RateLimited.from_domain(error)
    if isinstance(error, DomainConflict):
        return Conflict(code="conflict", message=error.message_id, message_en=error.message_en)
    if isinstance(error, DomainInvalidTransition):
        return InvalidTransition(
            code="invalid_transition", status=str(error.status), action=str(error.action),
            message=error.message_id, message_en=error.message_en,
        )
    raise error


def graphql_error_for(error: DomainError, *, nodes=None, path=None) -> GraphQLError:
    """A domain error that escaped a query resolver, as a GraphQL error with a stable code.

    Queries return data or null rather than result unions; a refusal there (an invalid id or cursor,
    a missing sign-in) must still read as the client's mistake, never as a masked server error."""
    details: dict = {}
    if isinstance(error, ValidationFailed):
        first = error.problems[0]
        code, message_id, message_en = first.code, first.message_id, first.message_en
        details["field"] = first.field
    elif isinstance(error, DomainNotFound):
        code, message_id, message_en = f"{error.what}_not_found", error.message_id, error.message_en
    else:
        code = getattr(error, "code", None) or "refused"
        message_id = getattr(error, "message_id", None) or "Permintaan ditolak."
        message_en = getattr(error, "message_en", None) or "The request was refused."
    if getattr(error, "retry_after_seconds", None) is not None:
        details["retryAfterSeconds"] = error.retry_after_seconds
    return GraphQLError(f"{message_id} / {message_en}", nodes=nodes, path=path,
                        extensions={"code": code, **details})
