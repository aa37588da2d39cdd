"""Staff accounts: one-time passwords that must be changed first, disabling that ends every session
at once, and admin password resets; as the user and as the attacker."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from suara.common.errors import ValidationFailed
from suara.db.engine import make_session_factory, transaction
from suara.submissions.models import Status
from suara.triage import accounts, auth
from suara.triage.accounts import STAFF_CHANNEL
from suara.triage.models import Staff, StaffAuditEntry
from tests.factories import make_item, make_staff
from tests.security.limits import client_from, fresh_address, limited_state
from tests.triage.staff_clients import cheap_hashing, staff_client  # noqa: F401 (cheap_hashing: a fixture)

pytestmark = pytest.mark.usefixtures("cheap_hashing")

PASSWORD = "kata-sandi-rahasia-1"
NEW_PASSWORD = "kata-sandi-baru-yang-panjang"
AGENCY = "pemkab-pati"

CREATE = """mutation($email: String!, $role: String!) { createStaff(input: {email: $email, role: $role}) {
  __typename ... on StaffCreated { oneTimePassword staff { id email role mustChangePassword active } }
  ... on NotAllowed { code } ... on ValidationError { field code } } }"""
CHANGE = """mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) {
  __typename ... on PasswordChanged { me { mustChangePassword } } ... on ValidationError { field code }
  ... on NotAllowed { code } ... on RateLimited { code retryAfterSeconds } } }"""
INBOX = "{ inbox { __typename ... on NotAllowed { code } ... on StaffSubmissionConnection { totalCount } } }"
ACK = "mutation($id: ID!) { acknowledge(id: $id) { __typename ... on NotAllowed { code } } }"
ME = "{ me { email mustChangePassword } }"
STAFF_ACTION = """mutation($id: ID!) { %s(staffId: $id) { __typename ... on StaffUpdated { staff { active disabledAt } }
  ... on NotAllowed { code } ... on NotFound { code } } }"""
RESET = """mutation($id: ID!) { resetStaffPassword(staffId: $id) { __typename
  ... on PasswordReset { oneTimePassword staff { mustChangePassword } } ... on NotFound { code } } }"""
TOKEN = 'mutation { createApiToken(name: "integrasi") { __typename ... on ApiTokenCreated { token } } }'


async def admin_of(sessions, agency: str = AGENCY) -> Staff:
    async with transaction(sessions) as session:
        staff, _ = await make_staff(session, agency, role="agency_admin", password=PASSWORD)
    return staff


async def officer_of(sessions, agency: str = AGENCY) -> Staff:
    async with transaction(sessions) as session:
        staff, _ = await make_staff(session, agency, password=PASSWORD)
    return staff


async def test_generated_passwords_are_one_time_and_chosen_ones_are_not(sessions):
    async with transaction(sessions) as session:
        generated, _ = await auth.create_staff(session, agency_slug=AGENCY, email="otp.cli@pati.go.id", role="officer")
        chosen, _ = await make_staff(session, AGENCY)
        assert generated.must_change_password is True
        assert chosen.must_change_password is False
        await session.rollback()


async def test_a_new_account_works_only_after_changing_its_one_time_password(app_state, sessions):
    admin = await admin_of(sessions)
    async with transaction(sessions) as session:
        item = await make_item(session, agency_slug=AGENCY, status=Status.ROUTED)
    from suara.api.graphql.triage import node_id

    async with staff_client(app_state) as admin_browser, staff_client(app_state) as officer_browser:
        await admin_browser.login(admin.email, PASSWORD)
        email = f"baru.{item.id}@pati.go.id"
        created = (await admin_browser(CREATE, {"email": email, "role": "officer"}))["createStaff"]
        assert created["__typename"] == "StaffCreated"
        assert created["staff"] == {**created["staff"], "email": email, "mustChangePassword": True, "active": True}
        one_time = created["oneTimePassword"]

        login = await officer_browser.login(email, one_time)
        assert login["__typename"] == "SignedIn" and login["mustChangePassword"] is True
        assert (await officer_browser(ME))["me"] == {"email": email, "mustChangePassword": True}
        # Nothing else works yet: queries, mutations, tokens.
        assert (await officer_browser(INBOX))["inbox"] == {"__typename": "NotAllowed", "code": "password_change_required"}
        assert (await officer_browser(ACK, {"id": node_id(item.id)}))["acknowledge"]["code"] == "password_change_required"
        refused = await officer_browser.raw("{ apiTokens { id } }")
        assert refused["errors"][0]["extensions"]["code"] == "password_change_required"
        tokens = await officer_browser.raw('mutation { createApiToken(name: "x") { __typename ... on NotAllowed { code } } }')
        assert tokens["data"]["createApiToken"] == {"__typename": "NotAllowed", "code": "password_change_required"}

        # Mistakes are typed; the CSRF token is still required.
        for current, new, code in ((one_time + "x", NEW_PASSWORD, "wrong_password"), (one_time, "pendek", "too_short"),
                                   (one_time, one_time, "unchanged")):
            result = (await officer_browser(CHANGE, {"c": current, "n": new}))["changePassword"]
            assert (result["__typename"], result["code"]) == ("ValidationError", code)
        csrf, officer_browser.csrf = officer_browser.csrf, None
        no_csrf = (await officer_browser(CHANGE, {"c": one_time, "n": NEW_PASSWORD}))["changePassword"]
        assert no_csrf == {"__typename": "NotAllowed", "code": "csrf_failed"}
        officer_browser.csrf = csrf

        changed = (await officer_browser(CHANGE, {"c": one_time, "n": NEW_PASSWORD}))["changePassword"]
        assert changed == {"__typename": "PasswordChanged", "me": {"mustChangePassword": False}}
        assert (await officer_browser(INBOX))["inbox"]["__typename"] == "StaffSubmissionConnection"
        assert (await officer_browser(ACK, {"id": node_id(item.id)}))["acknowledge"]["__typename"] == "StaffActionSuccess"

    async with staff_client(app_state) as again:
        assert (await again.login(email, one_time))["code"] == "wrong_credentials"
        assert (await again.login(email, NEW_PASSWORD))["mustChangePassword"] is False
    staff_id = created["staff"]["id"]
    async with sessions() as session:
        audited = list(await session.exec(select(StaffAuditEntry.actor, StaffAuditEntry.action).where(
            StaffAuditEntry.target == f"staff:{staff_id}").order_by(StaffAuditEntry.id)))
    assert audited == [(f"staff:{admin.id}", "staff.create"), (f"staff:{staff_id}", "staff.change_password")]


async def test_changing_a_password_is_counted_like_a_sign_in(sessions, app_state):
    """A stolen session cannot be used to guess the account's password without limit."""
    officer = await officer_of(sessions)
    state = limited_state(app_state)
    async with client_from(state, fresh_address()) as http:
        from tests.triage.staff_clients import StaffClient

        browser = StaffClient(http)
        await browser.login(officer.email, PASSWORD)
        answers = [(await browser(CHANGE, {"c": f"tebakan-{n}", "n": NEW_PASSWORD}))["changePassword"]["__typename"]
                   for n in range(7)]
    assert answers[0] == "ValidationError"
    assert "RateLimited" in answers


async def test_disabling_ends_cookie_sessions_and_api_tokens_at_once(committing_app_state, engine):
    """Commits: the notice goes out by NOTIFY, which only a committed transaction sends."""
    sessions = make_session_factory(engine)
    admin, officer = await admin_of(sessions), await officer_of(sessions)
    notified: list[str] = []
    async with engine.connect() as listening:
        raw = (await listening.get_raw_connection()).driver_connection
        await raw.add_listener(STAFF_CHANNEL, lambda *args: notified.append(args[-1]))

        state = committing_app_state
        async with staff_client(state) as admin_browser, staff_client(state) as officer_browser, \
                staff_client(state) as integration:
            await admin_browser.login(admin.email, PASSWORD)
            await officer_browser.login(officer.email, PASSWORD)
            integration.bearer = (await officer_browser(TOKEN))["createApiToken"]["token"]
            assert (await integration(INBOX))["inbox"]["__typename"] == "StaffSubmissionConnection"

            disabled = (await admin_browser(STAFF_ACTION % "disableStaff", {"id": str(officer.id)}))["disableStaff"]
            assert disabled["staff"]["active"] is False and disabled["staff"]["disabledAt"]

            assert (await officer_browser(ME))["me"] is None
            assert (await officer_browser(INBOX))["inbox"]["code"] == "sign_in_required"
            assert (await integration(INBOX))["inbox"]["code"] == "sign_in_required"
            assert (await officer_browser.login(officer.email, PASSWORD))["code"] == "wrong_credentials"

            for _ in range(50):
                if str(officer.id) in notified:
                    break
                await asyncio.sleep(0.02)
            assert str(officer.id) in notified, "open sockets are told to close"

            enabled = (await admin_browser(STAFF_ACTION % "enableStaff", {"id": str(officer.id)}))["enableStaff"]
            assert enabled["staff"] == {"active": True, "disabledAt": None}
            assert (await integration(INBOX))["inbox"]["code"] == "sign_in_required", "tokens stay revoked"
            assert (await officer_browser.login(officer.email, PASSWORD))["__typename"] == "SignedIn"

    async with sessions() as session:
        actions = list(await session.exec(select(StaffAuditEntry.action).where(
            StaffAuditEntry.target == f"staff:{officer.id}").order_by(StaffAuditEntry.id)))
    assert actions == ["staff.disable", "staff.enable"]


async def test_an_admin_cannot_disable_or_demote_themself(app_state, sessions):
    admin = await admin_of(sessions)
    async with staff_client(app_state) as browser:
        await browser.login(admin.email, PASSWORD)
        disabled = (await browser(STAFF_ACTION % "disableStaff", {"id": str(admin.id)}))["disableStaff"]
        assert disabled == {"__typename": "NotAllowed", "code": "own_account"}
        demoted = (await browser("""mutation($id: ID!) { changeStaffRole(staffId: $id, role: "officer") {
          __typename ... on NotAllowed { code } } }""", {"id": str(admin.id)}))["changeStaffRole"]
        assert demoted == {"__typename": "NotAllowed", "code": "own_account"}
        assert (await browser(ME))["me"]["email"] == admin.email


async def test_a_password_reset_ends_the_sessions_and_gives_a_one_time_password(app_state, sessions):
    admin, officer = await admin_of(sessions), await officer_of(sessions)
    async with staff_client(app_state) as admin_browser, staff_client(app_state) as officer_browser:
        await admin_browser.login(admin.email, PASSWORD)
        await officer_browser.login(officer.email, PASSWORD)
        reset = (await admin_browser(RESET, {"id": str(officer.id)}))["resetStaffPassword"]
        assert reset["staff"] == {"mustChangePassword": True}
        assert (await officer_browser(ME))["me"] is None
        assert (await officer_browser.login(officer.email, PASSWORD))["code"] == "wrong_credentials"
        assert (await officer_browser.login(officer.email, reset["oneTimePassword"]))["mustChangePassword"] is True


async def test_two_admins_adding_the_same_email_at_once_get_one_account_and_one_taken(engine):
    """Commits: two transactions race."""
    factory = make_session_factory(engine)
    admin = await admin_of(factory)
    email = f"sama.{admin.id}@pati.go.id"

    async def add():
        try:
            async with transaction(factory) as session:
                await accounts.create_account(session, auth.Actor.of(admin), email=email, role="officer")
            return "created"
        except ValidationFailed as error:
            return error.problems[0].code

    assert sorted(await asyncio.gather(add(), add())) == ["created", "taken"]
