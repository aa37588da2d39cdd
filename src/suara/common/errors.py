"""Domain errors a user can fix, each with a stable code and a message in Indonesian and English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    field: str
    code: str
    message_id: str
    message_en: str


class DomainError(Exception):
    """Base of the errors domain operations raise on purpose."""


class ValidationFailed(DomainError):
    def __init__(self, problems: list[FieldProblem]):
        super().__init__("; ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = problems


class NotFound(DomainError):
    def __init__(self, what: str, message_id: str, message_en: str):
        super().__init__(what)
        self.what = what
        self.message_id = message_id
        self.message_en = message_en


class NotAllowed(DomainError):
    def __init__(self, code: str, message_id: str, message_en: str):
        super().__init__(code)
        self.code = code
        self.message_id = message_id
        self.message_en = message_en
