"""The agency admin's back office: staff of the own agency only, service levels within the legal
clocks (new items only, shown publicly), answer templates, the audit log; the triage admin's
category mapping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from suara.agencies.models import Agency, Category
from suara.common.actors import Actor
from suara.common.calendar import add_working_days
from suara.db.engine import transaction
from suara.submissions.models import Status, Submission
from suara.triage import service
from tests.factories import make_item, make_staff
from tests.triage.staff_clients import cheap_hashing, staff_client  # noqa: F401 (cheap_hashing: a fixture)

pytestmark = pytest.mark.usefixtures("cheap_hashing")

PASSWORD = "kata-sandi-rahasia-1"
AGENCY_A, AGENCY_B = "pemkab-pati", "pemkab-banyumas"
LEVELS_AGENCY = "pemkab-klaten"
"""No category routes here by default, so changing its clocks touches no other test's items."""

STAFF_LIST = "{ agencyStaff { id email role active mustChangePassword createdAt lastSignInAt } }"
LEVELS = """mutation($input: ServiceLevelsInput!) { setServiceLevels(input: $input) { __typename
  ... on ServiceLevelsSet { agency { slug serviceLevels { firstResponseDays resolutionDays } } }
  ... on ValidationError { problems { field code } } ... on NotAllowed { code } } }"""
PUBLIC_AGENCIES = """{ agencies { slug serviceLevels { firstResponseDays informationRequestDays resolutionDays
  resolutionWithFieldCheckDays } serviceLevelChanges { changedAt serviceLevels { firstResponseDays resolutionDays } } } }"""
SAVE_TEMPLATE = """mutation($input: AnswerTemplateInput!) { saveAnswerTemplate(input: $input) { __typename
  ... on AnswerTemplateSaved { template { id title body } } ... on ValidationError { problems { field code } }
  ... on NotAllowed { code } ... on NotFound { code } } }"""
ARCHIVE_TEMPLATE = """mutation($id: ID!) { archiveAnswerTemplate(id: $id) { __typename ... on NotAllowed { code }
  ... on NotFound { code } ... on AnswerTemplateSaved { template { id } } } }"""
TEMPLATES = "{ answerTemplates { id title body } }"
AUDIT = """query($first: Int, $after: String) { auditLog(first: $first, after: $after) {
  edges { cursor node { actor action target details } } pageInfo { hasNextPage endCursor } } }"""


async def people(sessions, *specs: tuple[str, str]):
    async with transaction(sessions) as session:
        return [(await make_staff(session, agency, role=role, password=PASSWORD))[0] for agency, role in specs]


async def test_an_agency_admin_manages_only_the_own_agencys_staff(app_state, sessions):
    admin_a, officer_a, officer_b = await people(
        sessions, (AGENCY_A, "agency_admin"), (AGENCY_A, "officer"), (AGENCY_B, "officer"))
    async with staff_client(app_state) as browser, staff_client(app_state) as officer_browser:
        await browser.login(admin_a.email, PASSWORD)
        listed = {row["email"]: row for row in (await browser(STAFF_LIST))["agencyStaff"]}
        assert officer_a.email in listed and admin_a.email in listed and officer_b.email not in listed
        assert listed[admin_a.email]["lastSignInAt"] is not None
        assert listed[officer_a.email] == {**listed[officer_a.email], "role": "officer", "active": True}

        for mutation in ("disableStaff", "enableStaff", "resetStaffPassword"):
            answer = (await browser(f"""mutation($id: ID!) {{ {mutation}(staffId: $id) {{ __typename
              ... on NotFound {{ code }} }} }}""", {"id": str(officer_b.id)}))[mutation]
            assert answer == {"__typename": "NotFound", "code": "staff_not_found"}, mutation
        role_b = (await browser("""mutation($id: ID!) { changeStaffRole(staffId: $id, role: "agency_admin") {
          __typename ... on NotFound { code } } }""", {"id": str(officer_b.id)}))["changeStaffRole"]
        assert role_b == {"__typename": "NotFound", "code": "staff_not_found"}
        bad_id = (await browser("""mutation { disableStaff(staffId: "1 OR 1=1") { __typename
          ... on ValidationError { code } } }"""))["disableStaff"]
        assert bad_id == {"__typename": "ValidationError", "code": "invalid_id"}

        promoted = (await browser("""mutation($id: ID!) { changeStaffRole(staffId: $id, role: "agency_admin") {
          __typename ... on StaffUpdated { staff { role } } } }""", {"id": str(officer_a.id)}))["changeStaffRole"]
        assert promoted == {"__typename": "StaffUpdated", "staff": {"role": "agency_admin"}}
        elsewhere = (await browser("""mutation { createStaff(input: {email: "masuk@pati.go.id", role: "officer",
          agency: "pemkab-banyumas"}) { __typename ... on NotAllowed { code } } }"""))["createStaff"]
        assert elsewhere == {"__typename": "NotAllowed", "code": "own_agency_only"}
        escalate = (await browser("""mutation { createStaff(input: {email: "naik@pati.go.id", role: "triage_admin"}) {
          __typename ... on ValidationError { field code } } }"""))["createStaff"]
        assert escalate == {"__typename": "ValidationError", "field": "role", "code": "invalid_choice"}

        await officer_browser.login(officer_b.email, PASSWORD)
        refused = (await officer_browser("""mutation { createStaff(input: {email: "x@banyumas.go.id", role: "officer"}) {
          __typename ... on NotAllowed { code } } }"""))["createStaff"]
        assert refused == {"__typename": "NotAllowed", "code": "admin_only"}
        assert (await officer_browser.raw(STAFF_LIST))["errors"][0]["extensions"]["code"] == "admin_only"


async def test_service_levels_never_looser_than_the_law_and_only_for_new_items(app_state, sessions):
    async with sessions() as session:
        agency = (await session.exec(select(Agency).where(Agency.slug == LEVELS_AGENCY))).one()
        original = (agency.first_response_days, agency.information_request_days, agency.resolution_days,
                    agency.resolution_with_field_check_days)
    admin, officer, triage_admin = await people(
        sessions, (LEVELS_AGENCY, "agency_admin"), (LEVELS_AGENCY, "officer"), ("pemprov-jateng", "triage_admin"))
    async with transaction(sessions) as session:
        before = await make_item(session, agency_slug=LEVELS_AGENCY, status=Status.ROUTED)
        waiting = await make_item(session, agency_slug=None, status=Status.IN_TRIAGE)
    try:
        async with staff_client(app_state) as browser, staff_client(app_state) as officer_browser:
            await browser.login(admin.email, PASSWORD)
            own = "{ me { agency { serviceLevels { firstResponseDays } } } }"  # read through the directory cache
            assert (await browser(own))["me"]["agency"]["serviceLevels"] == {"firstResponseDays": original[0]}
            looser = {"firstResponseDays": 4, "informationRequestDays": 6, "resolutionDays": 15,
                      "resolutionWithFieldCheckDays": 61}
            refused = (await browser(LEVELS, {"input": looser}))["setServiceLevels"]
            assert refused["__typename"] == "ValidationError"
            assert {(p["field"], p["code"]) for p in refused["problems"]} == {
                (field, "looser_than_legal") for field in looser}
            zero = (await browser(LEVELS, {"input": {**looser, "firstResponseDays": 0, "informationRequestDays": 5,
                                                     "resolutionDays": 14, "resolutionWithFieldCheckDays": 60}}))
            assert [p["code"] for p in zero["setServiceLevels"]["problems"]] == ["too_small"]

            await officer_browser.login(officer.email, PASSWORD)
            tighter = {"firstResponseDays": 1, "informationRequestDays": 2, "resolutionDays": 7,
                       "resolutionWithFieldCheckDays": 30}
            assert (await officer_browser(LEVELS, {"input": tighter}))["setServiceLevels"]["code"] == "admin_only"
            accepted = (await browser(LEVELS, {"input": tighter}))["setServiceLevels"]
            assert accepted["agency"]["serviceLevels"] == {"firstResponseDays": 1, "resolutionDays": 7}

            assert (await browser(own))["me"]["agency"]["serviceLevels"] == {"firstResponseDays": 1}, "no stale cache"
            public = {a["slug"]: a for a in (await browser(PUBLIC_AGENCIES))["agencies"]}[LEVELS_AGENCY]
            assert public["serviceLevels"] == {"firstResponseDays": 1, "informationRequestDays": 2,
                                               "resolutionDays": 7, "resolutionWithFieldCheckDays": 30}
            assert public["serviceLevelChanges"][-1]["serviceLevels"] == {"firstResponseDays": 1, "resolutionDays": 7}
            assert "changedBy" not in str(public)

        async with transaction(sessions) as session:
            routed = await service.route_submission(session, Actor.of(triage_admin), waiting.id, "infrastruktur",
                                                    LEVELS_AGENCY)
        assert routed.first_response_due_at == add_working_days(routed.routed_at, 1, "Asia/Jakarta")
        assert routed.resolution_due_at == add_working_days(routed.routed_at, 7, "Asia/Jakarta")
        async with sessions() as session:
            unchanged = await session.get(Submission, before.id)
        assert unchanged.first_response_due_at == before.first_response_due_at, "existing items keep their clock"
        assert unchanged.first_response_due_at - unchanged.routed_at > timedelta(days=2)
    finally:
        async with transaction(sessions) as session:
            await session.exec(update(Agency).where(Agency.slug == LEVELS_AGENCY).values(
                first_response_days=original[0], information_request_days=original[1],
                resolution_days=original[2], resolution_with_field_check_days=original[3]))
        app_state.forget_directory()


async def test_answer_templates_are_read_by_officers_and_written_by_admins(app_state, sessions):
    admin_a, officer_a, admin_b = await people(
        sessions, (AGENCY_A, "agency_admin"), (AGENCY_A, "officer"), (AGENCY_B, "agency_admin"))
    async with staff_client(app_state) as admin_browser, staff_client(app_state) as officer_browser, \
            staff_client(app_state) as other_admin:
        await admin_browser.login(admin_a.email, PASSWORD)
        await officer_browser.login(officer_a.email, PASSWORD)
        await other_admin.login(admin_b.email, PASSWORD)
        body = "Terima kasih, laporan Anda sedang kami tindak lanjuti di lapangan."
        created = (await admin_browser(SAVE_TEMPLATE, {"input": {"title": "Tindak lanjut", "body": body}}))
        template = created["saveAnswerTemplate"]["template"]
        updated = (await admin_browser(SAVE_TEMPLATE, {"input": {"id": template["id"], "title": "Tindak lanjut lapangan",
                                                                  "body": body}}))["saveAnswerTemplate"]
        assert updated["template"] == {**template, "title": "Tindak lanjut lapangan"}
        assert updated["template"] in (await officer_browser(TEMPLATES))["answerTemplates"]

        short = (await admin_browser(SAVE_TEMPLATE, {"input": {"title": "ab", "body": "pendek"}}))["saveAnswerTemplate"]
        assert {(p["field"], p["code"]) for p in short["problems"]} == {("title", "invalid_length"), ("body", "invalid_length")}
        officer_write = (await officer_browser(SAVE_TEMPLATE, {"input": {"title": "Templat saya", "body": body}}))
        assert officer_write["saveAnswerTemplate"] == {"__typename": "NotAllowed", "code": "admin_only"}
        assert (await officer_browser(ARCHIVE_TEMPLATE, {"id": template["id"]}))["archiveAnswerTemplate"]["code"] == "admin_only"

        foreign = (await other_admin(SAVE_TEMPLATE, {"input": {"id": template["id"], "title": "Diambil alih",
                                                               "body": body}}))["saveAnswerTemplate"]
        assert foreign == {"__typename": "NotFound", "code": "answer_template_not_found"}
        assert template["id"] not in {t["id"] for t in (await other_admin(TEMPLATES))["answerTemplates"]}
        assert (await other_admin(ARCHIVE_TEMPLATE, {"id": template["id"]}))["archiveAnswerTemplate"]["code"] == \
            "answer_template_not_found"

        archived = (await admin_browser(ARCHIVE_TEMPLATE, {"id": template["id"]}))["archiveAnswerTemplate"]
        assert archived["__typename"] == "AnswerTemplateSaved"
        assert template["id"] not in {t["id"] for t in (await officer_browser(TEMPLATES))["answerTemplates"]}


async def test_every_admin_action_is_in_the_audit_log_newest_first(app_state, sessions):
    admin, officer, other_admin = await people(
        sessions, (AGENCY_B, "agency_admin"), (AGENCY_B, "officer"), (AGENCY_A, "agency_admin"))
    async with staff_client(app_state) as browser, staff_client(app_state) as other:
        await browser.login(admin.email, PASSWORD)
        target = {"id": str(officer.id)}
        await browser("""mutation($id: ID!) { changeStaffRole(staffId: $id, role: "agency_admin") { __typename } }""", target)
        await browser("mutation($id: ID!) { disableStaff(staffId: $id) { __typename } }", target)
        reset = await browser("mutation($id: ID!) { resetStaffPassword(staffId: $id) { __typename ... on PasswordReset { oneTimePassword } } }", target)
        one_time = reset["resetStaffPassword"]["oneTimePassword"]

        first = (await browser(AUDIT, {"first": 2}))["auditLog"]
        assert [edge["node"]["action"] for edge in first["edges"]] == ["staff.reset_password", "staff.disable"]
        assert first["pageInfo"]["hasNextPage"] is True
        assert all(edge["node"]["actor"] == f"staff:{admin.id}" for edge in first["edges"])
        second = (await browser(AUDIT, {"first": 1, "after": first["pageInfo"]["endCursor"]}))["auditLog"]
        assert second["edges"][0]["node"] == {"actor": f"staff:{admin.id}", "action": "staff.change_role",
                                               "target": f"staff:{officer.id}",
                                               "details": {"from": "officer", "to": "agency_admin"}}
        assert one_time not in str(first) + str(second), "no secret in the log"

        for cursor in ("abc", "1 OR 1=1", "-5", "9" * 40):
            refused = await browser.raw(AUDIT, {"first": 5, "after": cursor})
            assert refused["errors"][0]["extensions"]["code"] == "invalid_cursor", cursor
        assert (await browser.raw(AUDIT, {"first": 5000}))["errors"][0]["extensions"]["code"] == "out_of_range"

        await other.login(other_admin.email, PASSWORD)
        theirs = (await other(AUDIT, {"first": 100}))["auditLog"]["edges"]
        assert f"staff:{officer.id}" not in {edge["node"]["target"] for edge in theirs}


async def test_triage_admins_assign_categories_and_agency_admins_cannot(app_state, sessions):
    triage_admin, agency_admin = await people(sessions, ("pemprov-jateng", "triage_admin"), (AGENCY_A, "agency_admin"))
    assign = """mutation($c: String!, $a: String!) { assignCategory(category: $c, agency: $a) { __typename
      ... on CategoryAssigned { category { slug defaultAgency { slug } } } ... on NotAllowed { code } ... on NotFound { code } } }"""
    async with sessions() as session:
        original = (await session.get(Category, "pariwisata_dan_budaya")).default_agency_id
    try:
        async with staff_client(app_state) as browser, staff_client(app_state) as agency_browser:
            await agency_browser.login(agency_admin.email, PASSWORD)
            refused = (await agency_browser(assign, {"c": "pariwisata_dan_budaya", "a": AGENCY_A}))["assignCategory"]
            assert refused == {"__typename": "NotAllowed", "code": "triage_admin_only"}
            await browser.login(triage_admin.email, PASSWORD)
            missing = (await browser(assign, {"c": "tidak-ada", "a": AGENCY_A}))["assignCategory"]
            assert missing == {"__typename": "NotFound", "code": "category_not_found"}
            await browser("{ categories { slug } }")
            done = (await browser(assign, {"c": "pariwisata_dan_budaya", "a": AGENCY_A}))["assignCategory"]
            assert done["category"] == {"slug": "pariwisata_dan_budaya", "defaultAgency": {"slug": AGENCY_A}}
            listed = {c["slug"]: c for c in (await browser("{ categories { slug defaultAgency { slug } } }"))["categories"]}
            assert listed["pariwisata_dan_budaya"]["defaultAgency"] == {"slug": AGENCY_A}
            log = (await browser(AUDIT, {"first": 5}))["auditLog"]["edges"]
            assert any(e["node"]["action"] == "category.assign" and e["node"]["actor"] == f"staff:{triage_admin.id}"
                       for e in log)
    finally:
        async with transaction(sessions) as session:
            await session.exec(update(Category).where(Category.slug == "pariwisata_dan_budaya")
                               .values(default_agency_id=original))
        app_state.forget_directory()


async def test_api_tokens_lists_only_your_own(app_state, sessions):
    mine, theirs = await people(sessions, (AGENCY_A, "officer"), (AGENCY_A, "officer"))
    token = 'mutation($n: String!) { createApiToken(name: $n) { __typename ... on ApiTokenCreated { id } } }'
    async with staff_client(app_state) as browser, staff_client(app_state) as other:
        await browser.login(mine.email, PASSWORD)
        await other.login(theirs.email, PASSWORD)
        kept = (await browser(token, {"n": "sistem arsip"}))["createApiToken"]["id"]
        gone = (await browser(token, {"n": "uji coba"}))["createApiToken"]["id"]
        await other(token, {"n": "milik orang lain"})
        await browser("mutation($id: Int!) { revokeApiToken(id: $id) { __typename } }", {"id": gone})
        listed = (await browser("{ apiTokens { id name revoked createdAt lastUsedAt } }"))["apiTokens"]
    assert [(t["id"], t["name"], t["revoked"]) for t in listed] == [(gone, "uji coba", True), (kept, "sistem arsip", False)]


async def test_a_triage_admin_manages_any_agencys_staff(app_state, sessions):
    triage_admin, officer_b = await people(sessions, ("pemprov-jateng", "triage_admin"), (AGENCY_B, "officer"))
    async with staff_client(app_state) as browser:
        await browser.login(triage_admin.email, PASSWORD)
        listed = (await browser('query($a: String) { agencyStaff(agency: $a) { email } }', {"a": AGENCY_B}))
        assert {"email": officer_b.email} in listed["agencyStaff"]
        created = (await browser("""mutation($email: String!) { createStaff(input: {email: $email, role: "agency_admin",
          agency: "pemkab-banyumas"}) { __typename ... on StaffCreated { staff { role mustChangePassword } } } }""",
                                 {"email": f"admin.{officer_b.id}@banyumas.go.id"}))["createStaff"]
        assert created == {"__typename": "StaffCreated", "staff": {"role": "agency_admin", "mustChangePassword": True}}
        disabled = (await browser("mutation($id: ID!) { disableStaff(staffId: $id) { __typename } }",
                                  {"id": str(officer_b.id)}))["disableStaff"]
        assert disabled == {"__typename": "StaffUpdated"}
