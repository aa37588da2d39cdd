"""The inbox: ordered by deadline, paged by cursor, filtered, in a constant number of SQL queries."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import event

from suara.agencies.models import Agency
from suara.app import create_app
from suara.db.columns import utcnow
from suara.db.engine import transaction
from suara.submissions.models import Status
from suara.triage import auth
from tests.factories import make_item, make_staff

INBOX = """query($first: Int!, $after: String, $overdue: Boolean) {
  inbox(first: $first, after: $after, overdue: $overdue) { __typename
    ... on StaffSubmissionConnection { totalCount pageInfo { hasNextPage endCursor }
      edges { node { id trackingCode status dueAt overdue agency { slug name } category { slug label }
        events { kind at } routingSuggestions { confidence category { slug } } } } } } }"""


async def agency_with_items(sessions, count: int, *, overdue: int = 0) -> tuple[str, str]:
    """A fresh agency with ``count`` routed items (``overdue`` of them late) and an officer's token."""
    slug = f"dinas-uji-{uuid.uuid4().hex[:8]}"
    async with transaction(sessions) as session:
        session.add(Agency(slug=slug, name=f"Dinas Uji {slug}", short_name="Dinas Uji"))
        await session.flush()
        staff, _ = await make_staff(session, slug)
        now = utcnow()
        for index in range(count):
            started = now - timedelta(days=20) if index < overdue else now - timedelta(minutes=index)
            await make_item(session, agency_slug=slug, status=Status.ROUTED, now=started)
        _, token = await auth.create_api_token(session, staff.id, "inbox-test")
    return slug, token


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine.sync_engine
        self.count = 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, connection, cursor, statement, *args):
        if "SAVEPOINT" not in statement:  # a test's sessions are savepoints; the server's are transactions
            self.count += 1


async def fetch(app_state, token: str, **variables) -> dict:
    app = create_app(app_state.settings, state=app_state)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post("/graphql", json={"query": INBOX, "variables": {"first": 50, **variables}},
                                     headers={"Authorization": f"Bearer {token}"})
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["inbox"]


async def test_an_inbox_page_runs_the_same_number_of_queries_for_5_and_50_items(sessions, app_state):
    _, small_token = await agency_with_items(sessions, 5)
    _, large_token = await agency_with_items(sessions, 50)
    await app_state.directory()  # the agency directory snapshot is shared by all requests for 30 s
    with QueryCounter(app_state.engine) as small:
        small_page = await fetch(app_state, small_token)
    with QueryCounter(app_state.engine) as large:
        large_page = await fetch(app_state, large_token)
    assert len(small_page["edges"]) == 5 and len(large_page["edges"]) == 50
    assert large.count == small.count
    assert large.count <= 8


async def test_inbox_is_ordered_by_deadline_and_pages_through_every_item_once(sessions, app_state):
    _, token = await agency_with_items(sessions, 7, overdue=2)
    seen, after = [], None
    while True:
        page = await fetch(app_state, token, first=3, after=after)
        seen.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 7 == len({node["id"] for node in seen})
    deadlines = [node["dueAt"] for node in seen]
    assert deadlines == sorted(deadlines)
    assert [node["overdue"] for node in seen[:2]] == [True, True]


async def test_overdue_filter_returns_only_late_items(sessions, app_state):
    _, token = await agency_with_items(sessions, 6, overdue=2)
    late = await fetch(app_state, token, overdue=True)
    assert late["totalCount"] == 2 and all(edge["node"]["overdue"] for edge in late["edges"])
