"""Who performs a domain operation, and the staff roles; below every domain package, which all authorise
against these."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    TRIAGE_ADMIN = "triage_admin"
    """Works the triage queue across agencies and corrects routing."""
    AGENCY_ADMIN = "agency_admin"
    """Manages the agency's staff and works its inbox."""
    OFFICER = "officer"
    """Works the agency's inbox."""


@dataclass(frozen=True)
class Actor:
    """Whoever performs a domain operation; domain code authorises against this."""

    kind: str
    staff_id: int | None = None
    agency_id: int | None = None
    role: Role | None = None
    channel: str | None = None
    must_change_password: bool = False
    """Signed in with a one-time password: only changing it, `me` and signing out are allowed."""

    @property
    def label(self) -> str:
        if self.kind == "staff":
            return f"staff:{self.staff_id}"
        if self.kind == "citizen":
            return f"citizen:{self.channel or 'web'}"
        return self.kind

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @classmethod
    def system(cls) -> Actor:
        return cls(kind="system")

    @classmethod
    def citizen(cls, channel: str = "web") -> "Actor":
        return cls(kind="citizen", channel=channel)

    @classmethod
    def of(cls, staff) -> "Actor":
        """The actor of a signed-in staff account (a `suara.triage.models.Staff` row)."""
        return cls(kind="staff", staff_id=staff.id, agency_id=staff.agency_id, role=Role(staff.role),
                   must_change_password=staff.must_change_password)
