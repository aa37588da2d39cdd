"""`GET /petugas/inbox.csv`: the filtered inbox for the agency's own reporting, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import httpx
from sqlmodel import select

from suara.db.engine import transaction
from suara.submissions import codes
from suara.submissions.public_text import mask_public_text
from suara.triage.models import StaffAuditEntry
from tests.factories import make_item
from tests.triage.workspace import app_for, new_desk

CONTACT = {"name": "Budi Santoso", "email": "budi.santoso@example.id", "phone": "+6281355512345"}
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"klik\")", "+1+1 lapor", "-1+1", "@SUM(A1)",
            "\tsembunyi"]


async def download(app_state, token: str | None, query: str = "") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app_for(app_state)), base_url="http://suara.test") as client:
        return await client.get(f"/petugas/inbox.csv{query}", headers=headers)


def parse(response: httpx.Response) -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


async def test_the_csv_has_no_contact_defuses_formulas_and_holds_only_the_agencys_items(sessions, app_state):
    desk, other = await new_desk(sessions), await new_desk(sessions)
    async with transaction(sessions) as session:
        raw = "{} hubungi Budi Santoso di {} atau {}"
        own = [await make_item(session, agency_slug=desk.slug, contact=CONTACT, title=formula,
                               text=raw.format(formula, CONTACT["phone"], CONTACT["email"]),
                               public_text=mask_public_text(raw.format(formula, CONTACT["phone"], CONTACT["email"]),
                                                            names=[CONTACT["name"]]))
               for formula in FORMULAS]
        theirs = await make_item(session, agency_slug=other.slug)
    response = await download(app_state, desk.token)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    body = response.content.decode("utf-8")
    for secret in (CONTACT["email"], CONTACT["phone"], CONTACT["name"], "81355512345"):
        assert secret not in body
    rows = parse(response)
    assert {row["kode_pelacakan"] for row in rows} == {codes.format_tracking_code(item.tracking_code) for item in own}
    assert codes.format_tracking_code(theirs.tracking_code) not in body
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert sorted(row["judul"] for row in rows) == sorted("'" + formula for formula in FORMULAS)


async def test_each_download_is_recorded_with_who_the_filters_and_the_row_count(sessions, app_state):
    desk = await new_desk(sessions)
    async with transaction(sessions) as session:
        await make_item(session, agency_slug=desk.slug, channel="sms")
        await make_item(session, agency_slug=desk.slug, channel="web")
    response = await download(app_state, desk.token, "?channel=sms&status=routed,acknowledged&overdue=false")
    assert response.status_code == 200 and len(parse(response)) == 1
    async with transaction(sessions) as session:
        entries = (await session.exec(select(StaffAuditEntry).where(StaffAuditEntry.agency_id == desk.agency_id))).all()
    assert [(e.actor, e.action, e.details) for e in entries] == [(
        f"staff:{desk.officer.id}", "inbox_csv_downloaded",
        {"filter": {"channel": "sms", "statuses": ["routed", "acknowledged"], "overdue": False}, "rows": 1},
    )]


async def test_no_session_is_401_a_bad_filter_is_400_and_neither_is_recorded(sessions, app_state):
    desk = await new_desk(sessions)
    assert (await download(app_state, None)).status_code == 401
    assert (await download(app_state, "not-a-token")).status_code == 401
    for query, field in [("?status=lost", "statuses"), ("?from=kemarin", "from"), ("?overdue=maybe", "overdue"),
                         ("?regionCode=33;--", "regionCode"), ("?assigned=everyone", "assigned")]:
        refused = await download(app_state, desk.token, query)
        assert refused.status_code == 400 and refused.json()["field"] == field, query
        assert refused.json()["message"] and refused.json()["message_en"]
    async with transaction(sessions) as session:
        entries = (await session.exec(select(StaffAuditEntry).where(StaffAuditEntry.agency_id == desk.agency_id))).all()
    assert entries == []


async def test_downloads_are_rate_limited_per_staff_member(sessions, app_state):
    from suara.api.workspace_export import EXPORT_LIMIT
    from tests.security.limits import limited_state

    desk = await new_desk(sessions)
    state = limited_state(app_state)
    statuses = [(await download(state, desk.token, "?overdue=true")).status_code for _ in range(EXPORT_LIMIT.count + 1)]
    assert statuses == [200] * EXPORT_LIMIT.count + [429]
    refused = await download(state, desk.token)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert (await download(state, desk.colleague_token)).status_code == 200


async def test_the_session_cookie_works_and_an_account_with_a_one_time_password_is_refused(sessions, app_state):
    from suara.triage.models import Staff

    desk = await new_desk(sessions)
    login = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename } }"""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app_for(app_state)), base_url="http://suara.test") as client:
        signed_in = await client.post("/graphql", json={"query": login, "variables": {
            "e": desk.officer.email, "p": "kata-sandi-rahasia-1"}})
        assert signed_in.json()["data"]["login"]["__typename"] == "SignedIn"
        assert (await client.get("/petugas/inbox.csv")).status_code == 200
        async with transaction(sessions) as session:
            staff = await session.get(Staff, desk.officer.id)
            staff.must_change_password = True
        refused = await client.get("/petugas/inbox.csv")
        assert refused.status_code in (401, 403) and "text/csv" not in refused.headers["content-type"]
