"""Inbox filters and counts, as the officer and as an officer of another agency trying to see more."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from suara.db.columns import utcnow
from suara.db.engine import make_session_factory, transaction
from suara.submissions import codes
from suara.submissions.models import Status
from tests.factories import make_item, make_staff
from tests.triage.workspace import app_for, call, new_desk, node_id

INBOX = """query($filter: InboxFilter, $first: Int!, $after: String) {
  inbox(first: $first, after: $after, filter: $filter) { __typename
    ... on StaffSubmissionConnection { totalCount pageInfo { hasNextPage endCursor }
      edges { node { trackingCode overdue } } }
    ... on ValidationError { code field } } }"""
COUNTS = """query($filter: InboxFilter) { inboxCounts(filter: $filter) { __typename
  ... on InboxCounts { total overdue byStatus { status count } } ... on ValidationError { code field } } }"""


@pytest.fixture(scope="module")
async def scene(engine):
    """Five items of one agency that differ in one filter each, and a look-alike in another agency
    (read-only, so built and committed once for the module, in agencies of their own)."""
    sessions = make_session_factory(engine)
    desk, other = await new_desk(sessions), await new_desk(sessions)
    now = utcnow()
    async with transaction(sessions) as session:
        def words(text):
            return {"text": text, "public_text": text}
        items = {
            "bridge": await make_item(session, agency_slug=desk.slug, now=now - timedelta(days=1),
                                      region_code="33.74.01.1001", channel="web",
                                      **words("Jembatan kayu di dusun kami patah sejak minggu lalu")),
            "answered": await make_item(session, agency_slug=desk.slug, status=Status.ACKNOWLEDGED,
                                        now=now - timedelta(days=2), kind="aspiration", channel="sms",
                                        region_code="33.01.02.2002", assigned_staff_id=desk.officer.id,
                                        **words("Mohon lampu jalan ditambah di jalan desa")),
            "late": await make_item(session, agency_slug=desk.slug, now=now - timedelta(days=30),
                                    region_code="33.74.02.1003",
                                    **words("Saluran tersumbat sampah sejak bulan lalu")),
            "colleague": await make_item(session, agency_slug=desk.slug, now=now - timedelta(hours=3),
                                         assigned_staff_id=desk.colleague.id, category_slug="kesehatan",
                                         **words("Puskesmas tutup pada jam layanan")),
            "old": await make_item(session, agency_slug=desk.slug, status=Status.RESOLVED, now=now - timedelta(days=60),
                                   resolved_at=now - timedelta(days=40), due_at=None,
                                   **words("Jembatan beton retak di tepi sungai")),
            "elsewhere": await make_item(session, agency_slug=other.slug, now=now - timedelta(days=30),
                                         region_code="33.74.01.1001", channel="web",
                                         **words("Jembatan kayu di dusun kami patah sejak minggu lalu")),
        }
    codes_by_name = {name: codes.format_tracking_code(item.tracking_code) for name, item in items.items()}
    return desk, other, items, codes_by_name


async def listed(app, token, inbox_filter) -> set[str]:
    page = (await call(app, token, INBOX, {"filter": inbox_filter, "first": 50}))["inbox"]
    assert page["__typename"] == "StaffSubmissionConnection", page
    return {edge["node"]["trackingCode"] for edge in page["edges"]}


async def test_each_filter_narrows_the_inbox_to_the_matching_items_of_the_agency(scene, app_state):
    desk, _, _, code = scene
    app = app_for(app_state)
    today = utcnow().astimezone(ZoneInfo("Asia/Jakarta")).date()  # dates are the agency's local days
    expectations = [
        ({}, {"bridge", "answered", "late", "colleague", "old"}),
        ({"statuses": ["ACKNOWLEDGED", "RESOLVED"]}, {"answered", "old"}),
        ({"overdue": True}, {"late"}),
        ({"overdue": False}, {"bridge", "answered", "colleague", "old"}),
        ({"assigned": "ME"}, {"answered"}),
        ({"assigned": "UNASSIGNED"}, {"bridge", "late", "old"}),
        ({"category": "kesehatan"}, {"colleague"}),
        ({"kind": "ASPIRATION"}, {"answered"}),
        ({"channel": "SMS"}, {"answered"}),
        ({"regionCode": "33.74"}, {"bridge", "late"}),
        ({"regionCode": "33.74.01"}, {"bridge"}),
        ({"from": (today - timedelta(days=3)).isoformat(), "to": today.isoformat()}, {"bridge", "answered", "colleague"}),
        ({"to": (today - timedelta(days=25)).isoformat()}, {"late", "old"}),
        ({"text": "jembatan"}, {"bridge", "old"}),
        ({"text": "jembatan kayu"}, {"bridge"}),
        ({"text": "jembatan", "statuses": ["ROUTED"], "regionCode": "33.74"}, {"bridge"}),
    ]
    for inbox_filter, names in expectations:
        assert await listed(app, desk.token, inbox_filter) == {code[n] for n in names}, inbox_filter


async def test_overdue_items_come_first_and_a_filtered_list_pages_through_every_item_once(scene, app_state):
    desk, _, _, code = scene
    app = app_for(app_state)
    seen, after = [], None
    while True:
        page = (await call(app, desk.token, INBOX, {"filter": {"statuses": ["ROUTED", "ACKNOWLEDGED"]},
                                                    "first": 1, "after": after}))["inbox"]
        assert page["totalCount"] == 4
        seen += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert next(node["trackingCode"] for node in seen) == code["late"] and seen[0]["overdue"] is True
    assert sorted(node["trackingCode"] for node in seen) == sorted(code[n] for n in ("bridge", "answered", "late", "colleague"))


async def test_counts_per_status_and_overdue_follow_the_filter_but_not_its_statuses(scene, app_state):
    desk, other, _, _ = scene
    app = app_for(app_state)
    counts = (await call(app, desk.token, COUNTS, {"filter": {"statuses": ["ROUTED"]}}))["inboxCounts"]
    assert counts["total"] == 5 and counts["overdue"] == 1
    assert {row["status"]: row["count"] for row in counts["byStatus"]} == {"ROUTED": 3, "ACKNOWLEDGED": 1, "RESOLVED": 1}
    narrowed = (await call(app, desk.token, COUNTS, {"filter": {"assigned": "UNASSIGNED"}}))["inboxCounts"]
    assert narrowed["total"] == 3
    theirs = (await call(app, other.token, COUNTS))["inboxCounts"]
    assert theirs["total"] == 1 and theirs["overdue"] == 1


async def test_another_agency_never_sees_the_items_by_filter_words_or_id(scene, app_state):
    desk, other, items, code = scene
    app = app_for(app_state)
    assert await listed(app, other.token, {"text": "jembatan"}) == {code["elsewhere"]}
    assert await listed(app, other.token, {"regionCode": "33.74", "assigned": "ANY"}) == {code["elsewhere"]}
    node = await call(app, other.token, "query($id: ID!) { staffSubmission(id: $id) { trackingCode } }",
                      {"id": node_id(items["bridge"].id)})
    assert node["staffSubmission"] is None
    # A cursor taken from agency A's list pages agency B's list only.
    page = (await call(app, desk.token, INBOX, {"first": 1}))["inbox"]
    later = (await call(app, other.token, INBOX, {"first": 50, "after": page["pageInfo"]["endCursor"]}))["inbox"]
    assert {edge["node"]["trackingCode"] for edge in later["edges"]} <= {code["elsewhere"]}


async def test_impossible_filter_values_are_refused_with_the_field_named(scene, app_state):
    desk, _, _, _ = scene
    app = app_for(app_state)
    for inbox_filter, field in [({"regionCode": "33'; drop"}, "regionCode"), ({"text": "x" * 201}, "text"),
                                ({"from": "2026-05-02", "to": "2026-05-01"}, "to")]:
        refused = (await call(app, desk.token, INBOX, {"filter": inbox_filter, "first": 5}))["inbox"]
        assert refused == {"__typename": "ValidationError", "code": "invalid_filter", "field": field}
        counted = (await call(app, desk.token, COUNTS, {"filter": inbox_filter}))["inboxCounts"]
        assert counted == {"__typename": "ValidationError", "code": "invalid_filter", "field": field}
    # words with search operators are plain words, never a query error
    assert await listed(app, desk.token, {"text": "jembatan & | ! :* ("}) is not None


async def test_the_triage_queue_shows_each_items_three_suggestions_and_the_model_version(sessions, app_state):
    from suara.triage import auth

    suggestions = [{"category": "infrastruktur", "confidence": 0.41}, {"category": "kesehatan", "confidence": 0.33},
                   {"category": "pendidikan", "confidence": 0.12}]
    async with transaction(sessions) as session:
        admin, _ = await make_staff(session, "pemprov-jateng", role="triage_admin")
        _, token = await auth.create_api_token(session, admin.id, "queue")
        item = await make_item(session, agency_slug=None, status=Status.IN_TRIAGE, routing_suggestions=suggestions,
                               routing_confidence=0.41, routing_model_version="router-2026.11")
    query = """query($after: String) { triageQueue(first: 100, after: $after) { ... on StaffSubmissionConnection {
      pageInfo { hasNextPage endCursor } edges { node { trackingCode routingModelVersion routingConfidence
      routingSuggestions { confidence category { slug } } } } } } }"""
    app, after = app_for(app_state), None
    while True:
        page = (await call(app, token, query, {"after": after}))["triageQueue"]
        found = [e["node"] for e in page["edges"] if e["node"]["trackingCode"] == codes.format_tracking_code(item.tracking_code)]
        if found or not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert found[0]["routingModelVersion"] == "router-2026.11"
    assert [(s["category"]["slug"], s["confidence"]) for s in found[0]["routingSuggestions"]] == [
        ("infrastruktur", 0.41), ("kesehatan", 0.33), ("pendidikan", 0.12)]


async def test_a_search_counts_its_matches_up_to_the_cap_and_says_when_there_are_more(scene, app_state, monkeypatch):
    """A common word must not make the first page read the agency's whole history to count it."""
    from suara.triage import inbox

    desk, _, _, code = scene
    app = app_for(app_state)
    monkeypatch.setattr(inbox, "SEARCH_COUNT_CAP", 1)
    query = INBOX.replace("totalCount", "totalCount totalCountExact")

    async def counted(inbox_filter):
        page = (await call(app, desk.token, query, {"filter": inbox_filter, "first": 50}))["inbox"]
        return page["totalCount"], page["totalCountExact"], {edge["node"]["trackingCode"] for edge in page["edges"]}

    assert await counted({"text": "jembatan"}) == (1, False, {code["bridge"], code["old"]})
    assert await counted({"text": "jembatan kayu"}) == (1, True, {code["bridge"]})
    assert await counted({"statuses": ["ROUTED"]}) == (3, True, {code[n] for n in ("bridge", "late", "colleague")})
