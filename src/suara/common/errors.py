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


class RateLimited(DomainError):
    """Too many attempts from one client; try again after ``retry_after_seconds``."""

    def __init__(self, retry_after_seconds: int, message_id: str | None = None, message_en: str | None = None):
        super().__init__("rate_limited")
        self.code = "rate_limited"
        self.retry_after_seconds = max(1, int(retry_after_seconds))
        self.message_id = message_id or (
            f"Terlalu banyak permintaan. Coba lagi dalam {self.retry_after_seconds} detik."
        )
        self.message_en = message_en or (
            f"Too many requests. Try again in {self.retry_after_seconds} seconds."
        )
