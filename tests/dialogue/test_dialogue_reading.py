"""Reading the dialogue through GraphQL: lists, pages and nested fields come from the dialogue's
domain functions through request-scoped loaders, so a page of many costs the queries of one."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, text

from suara.db.columns import utcnow
from suara.db.engine import transaction
from suara.dialogue import consultations, polls, proposals
from suara.dialogue.identity import voter_hash
from suara.routing.router import NoRouter
from tests.conftest import TEST_SECRET_KEY
from tests.dialogue.conftest import token_for

EVERYTHING = """query($first: Int!) { consultations(first: $first) { totalCount edges { node {
  title status agency { slug } sections { heading } evidence { label category { slug } }
  polls { question options { label } results { voters options { votes } } }
  comments(first: 2) { totalCount edges { node { text } } } } } } }"""
COMMENTS = """query($id: ID!, $first: Int!, $after: String, $section: ID) { consultation(id: $id) {
  comments(first: $first, after: $after, sectionId: $section) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { text sectionId } } } } }"""


async def make_consultation(app_state, officer, title: str, *, comments: int = 3) -> tuple[int, list[int], int]:
    """A published consultation with two sections, a poll with one vote, comments and evidence."""
    now = utcnow()
    async with transaction(app_state.sessions) as session:
        row = await consultations.create_consultation(
            session, officer, title=title, summary="Kami meminta masukan warga atas rencana berikut ini.",
            opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=10),
            sections=[("Bagian satu", "Isi bagian pertama rencana."), ("Bagian dua", "Isi bagian kedua rencana.")])
        await consultations.publish_consultation(session, officer, row.id)
        sections = [s.id for s in (await consultations.sections_of(session, [row.id]))[row.id]]
        poll = await polls.create_poll(session, officer, question=f"Setuju dengan {title}?", options=["Ya", "Tidak"],
                                       opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=1),
                                       consultation_id=row.id)
        yes = (await polls.options_of(session, [poll.id]))[poll.id][0]
        await polls.cast_vote(session, poll.id, [yes.id], voter_hash(TEST_SECRET_KEY, "081300000001"))
        for i in range(comments):
            await consultations.comment(session, row.id, voter_hash(TEST_SECRET_KEY, f"08130000{i:04d}"),
                                        f"Masukan nomor {i} untuk {title}",
                                        section_id=sections[0] if i == 0 else None)
        await consultations.attach_complaints(session, officer, row.id, label="Pengaduan terkait",
                                              category_slug="infrastruktur")
    return row.id, sections, poll.id


@contextmanager
def counting_statements(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_a_page_of_consultations_with_everything_costs_the_queries_of_one(people, app_state, cast):
    citizen, _, _ = people
    for n in range(3):
        await make_consultation(app_state, cast.officer_a, f"Rencana tata ruang {n}")
    await citizen(EVERYTHING, first=1)  # the directory is cached from here on

    with counting_statements(app_state.engine) as one:
        single = await citizen(EVERYTHING, first=1)
    with counting_statements(app_state.engine) as three:
        page = await citizen(EVERYTHING, first=3)

    assert len(three) == len(one), (one, three)
    titles = [edge["node"]["title"] for edge in page["edges"]]
    assert titles == ["Rencana tata ruang 2", "Rencana tata ruang 1", "Rencana tata ruang 0"], "newest first"
    assert single["edges"][0]["node"] == page["edges"][0]["node"]
    for edge in page["edges"]:
        node = edge["node"]
        assert node["status"] == "OPEN" and node["agency"]["slug"] == cast.agency_a
        assert [s["heading"] for s in node["sections"]] == ["Bagian satu", "Bagian dua"]
        assert node["evidence"][0]["label"] == "Pengaduan terkait"
        assert node["evidence"][0]["category"] == {"slug": "infrastruktur"}
        [poll] = node["polls"]
        assert [o["label"] for o in poll["options"]] == ["Ya", "Tidak"]
        assert poll["results"] == {"voters": 1, "options": [{"votes": 1}, {"votes": 0}]}
        assert node["comments"]["totalCount"] == 3 and len(node["comments"]["edges"]) == 2


async def test_comments_are_paged_by_cursor_and_filtered_by_section(people, app_state, cast):
    citizen, _, _ = people
    consultation_id, sections, _ = await make_consultation(app_state, cast.officer_a, "Rencana pasar", comments=5)
    first = await citizen(COMMENTS, id=str(consultation_id), first=2)
    comments = first["comments"]
    assert comments["totalCount"] == 5 and comments["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["text"] for e in comments["edges"]] == ["Masukan nomor 4 untuk Rencana pasar",
                                                             "Masukan nomor 3 untuk Rencana pasar"]
    assert comments["pageInfo"]["endCursor"] == comments["edges"][-1]["cursor"]

    seen = [e["node"]["text"] for e in comments["edges"]]
    cursor = comments["pageInfo"]["endCursor"]
    while cursor:
        page = (await citizen(COMMENTS, id=str(consultation_id), first=2, after=cursor))["comments"]
        assert page["totalCount"] == 5
        seen += [e["node"]["text"] for e in page["edges"]]
        cursor = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert seen == [f"Masukan nomor {i} untuk Rencana pasar" for i in range(4, -1, -1)], "each comment once"

    in_section = (await citizen(COMMENTS, id=str(consultation_id), first=10, section=str(sections[0])))["comments"]
    assert in_section["totalCount"] == 1
    assert [e["node"] for e in in_section["edges"]] == [
        {"text": "Masukan nomor 0 untuk Rencana pasar", "sectionId": str(sections[0])}]
    too_many = (await citizen(COMMENTS, id=str(consultation_id), first=1000))["comments"]
    assert len(too_many["edges"]) == 5 and too_many["pageInfo"]["hasNextPage"] is False


async def test_an_open_consultation_past_its_closing_date_is_listed_as_closed(people, app_state, cast):
    citizen, _, _ = people
    consultation_id, _, _ = await make_consultation(app_state, cast.officer_b, "Rencana jalan desa", comments=0)
    async with transaction(app_state.sessions) as session:
        await session.exec(text("UPDATE consultations SET closes_at = now() - interval '1 minute' WHERE id = :id"),
                           params={"id": consultation_id})
    listed = """query($status: ConsultationStatus, $agency: String) {
      consultations(status: $status, agency: $agency, first: 100) { edges { node { id status } } } }"""
    closed = (await citizen(listed, status="CLOSED", agency=cast.agency_b))["edges"]
    assert {"id": str(consultation_id), "status": "CLOSED"} in [e["node"] for e in closed]
    still_open = (await citizen(listed, status="OPEN", agency=cast.agency_b))["edges"]
    assert str(consultation_id) not in [e["node"]["id"] for e in still_open]
    other_agency = (await citizen(listed, status="CLOSED", agency=cast.agency_a))["edges"]
    assert str(consultation_id) not in [e["node"]["id"] for e in other_agency]
    assert (await citizen(listed, status=None, agency="no-such-agency"))["edges"] == []


async def test_polls_and_proposals_are_listed_with_their_tallies_and_supports(people, app_state, cast):
    citizen, _, _ = people
    now = utcnow()
    async with transaction(app_state.sessions) as session:
        closed = await polls.create_poll(session, cast.officer_a, question="Jajak pendapat yang sudah lewat",
                                         options=["A", "B"], opens_at=now - timedelta(days=2),
                                         closes_at=now - timedelta(days=1))
        running = await polls.create_poll(session, cast.officer_a, question="Jajak pendapat yang berjalan",
                                          options=["A", "B"], opens_at=now - timedelta(minutes=1),
                                          closes_at=now + timedelta(days=1))
        made = []
        for n, supporters in enumerate((0, 2, 3)):
            proposal = await proposals.propose(
                session, voter_hash(TEST_SECRET_KEY, f"08140000{n:04d}"), title=f"Usulan warga nomor {n}",
                text="Usulan ini meminta perbaikan fasilitas umum di lingkungan kami.", category_slug="infrastruktur",
                router=NoRouter(), threshold=50)
            for i in range(supporters):
                await proposals.support(session, proposal.id, voter_hash(TEST_SECRET_KEY, f"0814{n:04d}{i:04d}"))
            made.append(proposal.id)

    open_polls = await citizen("{ polls(open: true, first: 100) { edges { node { id isOpen } } } }")
    assert {"id": str(running.id), "isOpen": True} in [e["node"] for e in open_polls["edges"]]
    assert str(closed.id) not in [e["node"]["id"] for e in open_polls["edges"]]
    past = await citizen("{ polls(open: false, first: 100) { edges { node { id } } } }")
    assert str(closed.id) in [e["node"]["id"] for e in past["edges"]]

    listed = await citizen("""{ proposals(status: OPEN, first: 3) { totalCount pageInfo { hasNextPage }
      edges { node { id supportCount trackingCode category { slug } } } } }""")
    assert [e["node"]["id"] for e in listed["edges"]] == [str(i) for i in reversed(made)]
    assert [e["node"]["supportCount"] for e in listed["edges"]] == [3, 2, 0]
    assert all(e["node"]["trackingCode"] is None and e["node"]["category"] == {"slug": "infrastruktur"}
               for e in listed["edges"])
    one = await citizen("query($id: ID!) { proposal(id: $id) { supportCount status } }", id=str(made[2]))
    assert one == {"supportCount": 3, "status": "OPEN"}
    assert await citizen("query($id: ID!) { proposal(id: $id) { id } }", id="999999999") is None
    assert await citizen("query($id: ID!) { poll(id: $id) { id } }", id="999999999") is None


async def test_a_poll_in_another_agencys_draft_consultation_is_refused_as_not_found(people, app_state, cast):
    _, officer_a, officer_b = people
    now = utcnow()
    async with transaction(app_state.sessions) as session:
        draft = await consultations.create_consultation(
            session, cast.officer_a, title="Draf rahasia instansi A", summary="Draf ini belum diterbitkan ke publik.",
            opens_at=now, closes_at=now + timedelta(days=5), sections=[])
    create = """mutation($input: PollInput!) { createPoll(input: $input) {
      __typename ... on Poll { question } ... on NotFound { code } } }"""
    poll_input = {"question": "Pertanyaan untuk draf?", "options": ["Ya", "Tidak"], "opensAt": now.isoformat(),
                  "closesAt": (now + timedelta(days=1)).isoformat(), "consultationId": str(draft.id)}
    assert await officer_b(create, input=poll_input) == {"__typename": "NotFound", "code": "consultation_not_found"}
    assert (await officer_a(create, input=poll_input))["__typename"] == "Poll"


async def test_a_support_answer_shows_its_count_and_an_unknown_proposal_is_not_found(people):
    citizen, _, _ = people
    support = """mutation($t: String!, $id: ID!) { supportProposal(voterToken: $t, proposalId: $id) {
      __typename ... on NotFound { code } ... on ValidationError { code } } }"""
    assert await citizen(support, t=token_for(900), id="999999999") == {"__typename": "NotFound",
                                                                        "code": "proposal_not_found"}
    assert (await citizen(support, t=token_for(900), id="abc"))["code"] == "invalid_id"
