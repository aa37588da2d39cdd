"""Errors a user can fix, returned as data in mutation result unions."""

from __future__ import annotations

import strawberry

from suara.common.errors import FieldProblem as DomainFieldProblem
from suara.common.errors import NotFound as DomainNotFound


@strawberry.type(description="One problem with one input field.")
class FieldProblem:
    field: str
    code: str
    message: str = strawberry.field(description="In Bahasa Indonesia.")
    message_en: str = strawberry.field(description="In English.")

    @classmethod
    def from_domain(cls, problem: DomainFieldProblem) -> "FieldProblem":
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
    def from_problems(cls, problems: list[DomainFieldProblem]) -> "ValidationError":
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
    def from_domain(cls, error: DomainNotFound) -> "NotFound":
        return cls(code=f"{error.what}_not_found", message=error.message_id, message_en=error.message_en)


@strawberry.type(description="The action is not allowed for you or for this item now.")
class NotAllowed:
    code: str
    message: str
    message_en: str
