"""Staff accounts: changing one's own password, and the agency admin's staff management.

An agency admin manages the staff of their own agency only (another agency's account is "not
found", so ids cannot be probed); a triage admin manages any agency's. Disabling an account ends its
sessions and API tokens in the same transaction and notifies open sockets (channel ``suara_staff``).
Every admin action appends a StaffAuditEntry in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, text, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency
from suara.common.actors import Actor, Role
from suara.common.errors import FieldProblem, NotAllowed, NotFound, ValidationFailed
from suara.db.columns import utcnow
from suara.ratelimits.service import RateLimits
from suara.triage import audit, auth
from suara.triage.auth import MIN_PASSWORD_LENGTH
from suara.triage.models import ApiToken, Staff, StaffSession

STAFF_CHANNEL = "suara_staff"
"""NOTIFY channel carrying the id of an account whose sessions just ended (sockets close on it)."""

ADMIN_ROLES = {Role.AGENCY_ADMIN, Role.TRIAGE_ADMIN}
AGENCY_ADMIN_GRANTS = {Role.OFFICER.value, Role.AGENCY_ADMIN.value}
"""Roles an agency admin may give: never triage admin, which reaches every agency."""


def require_admin(actor: Actor) -> None:
    if actor.role not in ADMIN_ROLES:
        raise NotAllowed("admin_only", "Hanya admin instansi yang dapat melakukan ini.",
                         "Only an agency admin can do this.")


def _staff_not_found() -> NotFound:
    return NotFound("staff", "Petugas tidak ditemukan.", "No such staff member.")


async def _managed_staff(session: AsyncSession, actor: Actor, staff_id: int) -> Staff:
    """The account, locked, if the actor may manage it; another agency's account is not found."""
    require_admin(actor)
    staff = (await session.exec(select(Staff).where(Staff.id == staff_id).with_for_update())).first()
    if staff is None or (actor.role != Role.TRIAGE_ADMIN and staff.agency_id != actor.agency_id):
        raise _staff_not_found()
    if actor.role != Role.TRIAGE_ADMIN and staff.role == Role.TRIAGE_ADMIN:
        raise NotAllowed("triage_admin_account", "Akun admin triase hanya dikelola oleh admin triase.",
                         "Only a triage admin manages a triage admin's account.")
    return staff


def _check_role(actor: Actor, role: str) -> None:
    allowed = {r.value for r in Role} if actor.role == Role.TRIAGE_ADMIN else AGENCY_ADMIN_GRANTS
    if role not in allowed:
        raise ValidationFailed([FieldProblem("role", "invalid_choice", "Peran tidak dikenal atau tidak diizinkan.",
                                             "Unknown role, or not one you may give.")])


async def _end_sessions(session: AsyncSession, staff_id: int, *, keep_token: str | None = None) -> None:
    query = update(StaffSession).where(StaffSession.staff_id == staff_id, StaffSession.revoked_at.is_(None))
    if keep_token is not None:
        query = query.where(StaffSession.token_hash != auth._digest(keep_token))
    await session.exec(query.values(revoked_at=utcnow()))


async def _notify_ended(session: AsyncSession, staff_id: int) -> None:
    """Sent on commit only, so a rolled-back disable closes nothing."""
    await session.exec(text("SELECT pg_notify(:channel, :payload)").bindparams(
        channel=STAFF_CHANNEL, payload=str(staff_id)))


@dataclass(frozen=True)
class StaffListing:
    staff: Staff
    last_sign_in_at: datetime | None


async def agency_staff(session: AsyncSession, actor: Actor, agency_slug: str | None = None) -> list[StaffListing]:
    """The admin's agency's accounts (a triage admin may name another agency), by e-mail."""
    require_admin(actor)
    agency_id = await _agency_id(session, actor, agency_slug)
    last_sign_in = (  # per account through the staff_id index, not a scan of every session
        select(func.max(StaffSession.created_at)).where(StaffSession.staff_id == Staff.id)
        .correlate(Staff).scalar_subquery()
    )
    rows = await session.exec(
        select(Staff, last_sign_in).where(Staff.agency_id == agency_id).order_by(Staff.email)
    )
    return [StaffListing(staff, at) for staff, at in rows]


async def _agency_id(session: AsyncSession, actor: Actor, agency_slug: str | None) -> int:
    """The agency named (triage admins) or the actor's own; an agency admin naming another is refused."""
    if agency_slug is None:
        return actor.agency_id
    agency = (await session.exec(select(Agency).where(Agency.slug == agency_slug))).first()
    if agency is None:
        raise NotFound("agency", f"Instansi '{agency_slug}' tidak ditemukan.", f"No agency '{agency_slug}'.")
    if actor.role != Role.TRIAGE_ADMIN and agency.id != actor.agency_id:
        raise NotAllowed("own_agency_only", "Anda hanya mengelola instansi Anda sendiri.",
                         "You manage your own agency only.")
    return agency.id


async def create_account(
    session: AsyncSession, actor: Actor, *, email: str, role: str, agency_slug: str | None = None
) -> tuple[Staff, str]:
    """A new account with a one-time password (returned once); in the admin's own agency."""
    require_admin(actor)
    _check_role(actor, role)
    agency = await session.get(Agency, await _agency_id(session, actor, agency_slug))
    staff, password = await auth.create_staff(session, agency_slug=agency.slug, email=email, role=role)
    await audit.record(session, actor, "staff.create", agency_id=staff.agency_id, target=f"staff:{staff.id}",
                       details={"role": role})
    return staff, password


async def change_role(session: AsyncSession, actor: Actor, staff_id: int, role: str) -> Staff:
    staff = await _managed_staff(session, actor, staff_id)
    _check_role(actor, role)
    if staff.id == actor.staff_id and role != staff.role:
        raise NotAllowed("own_account", "Anda tidak dapat mengubah peran Anda sendiri.",
                         "You cannot change your own role.")
    previous, staff.role = staff.role, role
    session.add(staff)
    await audit.record(session, actor, "staff.change_role", agency_id=staff.agency_id, target=f"staff:{staff.id}",
                       details={"from": previous, "to": role})
    return staff


async def disable(session: AsyncSession, actor: Actor, staff_id: int) -> Staff:
    """The account can no longer sign in; its sessions and API tokens end now, open sockets close."""
    staff = await _managed_staff(session, actor, staff_id)
    if staff.id == actor.staff_id:
        raise NotAllowed("own_account", "Anda tidak dapat menonaktifkan akun Anda sendiri.",
                         "You cannot disable your own account.")
    now = utcnow()
    if staff.active:
        staff.active, staff.disabled_at = False, now
        session.add(staff)
    await _end_sessions(session, staff.id)
    await session.exec(update(ApiToken).where(ApiToken.staff_id == staff.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now))
    await _notify_ended(session, staff.id)
    await audit.record(session, actor, "staff.disable", agency_id=staff.agency_id, target=f"staff:{staff.id}")
    return staff


async def enable(session: AsyncSession, actor: Actor, staff_id: int) -> Staff:
    """Signing in works again; the ended sessions and tokens stay ended."""
    staff = await _managed_staff(session, actor, staff_id)
    staff.active, staff.disabled_at = True, None
    session.add(staff)
    await audit.record(session, actor, "staff.enable", agency_id=staff.agency_id, target=f"staff:{staff.id}")
    return staff


async def reset_password(session: AsyncSession, actor: Actor, staff_id: int) -> tuple[Staff, str]:
    """A new one-time password (returned once); the account's sessions end."""
    staff = await _managed_staff(session, actor, staff_id)
    password = auth.new_one_time_password()
    staff.password_hash = await auth.hash_password(password)
    staff.must_change_password = True
    session.add(staff)
    await _end_sessions(session, staff.id)
    await _notify_ended(session, staff.id)
    await audit.record(session, actor, "staff.reset_password", agency_id=staff.agency_id,
                       target=f"staff:{staff.id}")
    return staff, password


async def change_password(
    session: AsyncSession, actor: Actor, current_password: str, new_password: str, *,
    limits: RateLimits | None = None, address: str = "unknown", keep_session: str | None = None,
) -> Staff:
    """One's own password. Counted like a sign-in (it checks a password); the other sessions end."""
    staff = (await session.exec(select(Staff).where(Staff.id == actor.staff_id).with_for_update())).first()
    if staff is None or not staff.active:
        raise NotAllowed("sign_in_required", "Silakan masuk sebagai petugas.", "Sign in as staff first.")
    if limits is not None:
        await auth.count_signin_attempt(limits, staff.email, address)
    if not await auth.password_matches(staff.password_hash, current_password):
        raise ValidationFailed([FieldProblem("currentPassword", "wrong_password", "Kata sandi saat ini salah.",
                                             "The current password is wrong.")])
    problems = []
    if len(new_password) < MIN_PASSWORD_LENGTH:
        problems.append(FieldProblem(
            "newPassword", "too_short", f"Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter.",
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.",
        ))
    elif new_password == current_password:
        problems.append(FieldProblem("newPassword", "unchanged", "Kata sandi baru harus berbeda.",
                                     "The new password must differ from the current one."))
    if problems:
        raise ValidationFailed(problems)
    staff.password_hash = await auth.hash_password(new_password)
    staff.must_change_password = False
    session.add(staff)
    await _end_sessions(session, staff.id, keep_token=keep_session)
    await audit.record(session, actor, "staff.change_password", agency_id=staff.agency_id, target=f"staff:{staff.id}")
    return staff


async def emails_by_staff_id(session: AsyncSession, staff_ids: set[int]) -> dict[int, str]:
    """Staff e-mails for the back office (who acted, who holds an item), in one query."""
    if not staff_ids:
        return {}
    rows = await session.exec(select(Staff.id, Staff.email).where(Staff.id.in_(staff_ids)))
    return dict(rows.all())
