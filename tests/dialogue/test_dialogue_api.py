"""The public dialogue through GraphQL: verification, consultations, polls, proposals."""

from __future__ import annotations

import asyncio
import random
import re
from datetime import timedelta

from sqlalchemy import text
from sqlmodel import select

from suara.db.columns import utcnow
from suara.db.engine import transaction
from suara.dialogue import polls, proposals
from suara.dialogue.identity import voter_hash
from suara.submissions.models import Submission
from suara.submissions.outbox_models import OutboxMessage
from suara.triage.service import visible_to
from tests.conftest import TEST_SECRET_KEY
from tests.dialogue.conftest import token_for

REQUEST_CODE = """mutation($phone: String!) { requestVerificationCode(phone: $phone) {
  __typename ... on VerificationCodeSent { expiresAt }
  ... on RateLimited { code message retryAfterSeconds } ... on ValidationError { field code } } }"""
VERIFY = """mutation($phone: String!, $code: String!) { verifyPhone(phone: $phone, code: $code) {
  __typename ... on PhoneVerified { voterToken } ... on NotVerified { code message messageEn } } }"""
VOTE = """mutation($t: String!, $poll: ID!, $options: [ID!]!) { vote(voterToken: $t, pollId: $poll, optionIds: $options) {
  __typename ... on VoteRecorded { changed poll { results { voters options { votes } } } }
  ... on DialogueError { code message messageEn } ... on NotAllowed { code } ... on ValidationError { code } } }"""
CREATE = """mutation($input: ConsultationInput!) { createConsultation(input: $input) {
  __typename ... on Consultation { id status sections { id heading } } ... on ValidationError { field code } } }"""
PUBLISH = """mutation($id: ID!) { publishConsultation(id: $id) {
  __typename ... on Consultation { status } ... on NotAllowed { code } } }"""
CLOSE = "mutation($id: ID!) { closeConsultation(id: $id) { __typename ... on Consultation { status } } }"
RESPOND = """mutation($id: ID!, $report: String!) { publishResponse(id: $id, report: $report) {
  __typename ... on Consultation { status responseReport { text } } ... on NotAllowed { code } } }"""
COMMENT = """mutation($t: String!, $c: ID!, $s: ID, $text: String!) {
  comment(voterToken: $t, consultationId: $c, sectionId: $s, text: $text) {
  __typename ... on Comment { id text } ... on DialogueError { code } ... on ValidationError { field code } } }"""
REACT = """mutation($t: String!, $id: ID!, $r: Reaction!) { reactToComment(voterToken: $t, commentId: $id, reaction: $r) {
  __typename ... on Comment { agreeCount disagreeCount } ... on DialogueError { code } } }"""
HIDE = """mutation($id: ID!, $reason: String!) { hideComment(id: $id, reason: $reason) {
  __typename ... on Comment { hidden } } }"""
ATTACH = """mutation($input: EvidenceInput!) { attachComplaints(input: $input) {
  __typename ... on ComplaintEvidence { label submissionCount } ... on ValidationError { field code } } }"""
PAGE = """query($id: ID!) { consultation(id: $id) { title status acceptingComments agency { slug }
  sections { heading } evidence { label submissionCount category { slug } }
  responseReport { text }
  comments { totalCount edges { node { text hidden hiddenReason agreeCount disagreeCount } } } } }"""


def new_phone() -> tuple[str, str]:
    digits = f"{random.randrange(10**7, 10**8)}"
    return f"0813{digits}", f"+62813{digits}"


async def last_code(app_state, e164: str) -> str:
    async with app_state.reading() as session:
        message = (await session.exec(select(OutboxMessage).where(OutboxMessage.recipient == e164)
                                      .order_by(OutboxMessage.id.desc()))).first()
    return re.search(r"\b(\d{6})\b", message.body).group(1)


async def test_a_phone_is_verified_by_a_code_from_the_outbox_and_codes_are_rate_limited(people, app_state):
    citizen, _, _ = people
    local, e164 = new_phone()
    assert (await citizen(REQUEST_CODE, phone="12"))["code"] == "invalid_phone"
    assert (await citizen(REQUEST_CODE, phone=local))["__typename"] == "VerificationCodeSent"
    code = await last_code(app_state, e164)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = await citizen(VERIFY, phone=local, code=wrong)
    assert refused == {"__typename": "NotVerified", "code": "wrong_code", "message": "Kode salah.",
                       "messageEn": "Wrong code."}
    verified = await citizen(VERIFY, phone=f"+62 {local[1:]}", code=code)
    assert verified["__typename"] == "PhoneVerified" and verified["voterToken"].startswith(
        voter_hash(TEST_SECRET_KEY, local))
    assert (await citizen(VERIFY, phone=local, code=code))["code"] == "code_expired", "a code works once"

    await citizen(REQUEST_CODE, phone=local)
    await citizen(REQUEST_CODE, phone=local)
    limited = await citizen(REQUEST_CODE, phone=local)
    assert limited["__typename"] == "RateLimited" and limited["code"] == "rate_limited"
    assert 0 < limited["retryAfterSeconds"] <= 15 * 60
    assert "Coba lagi" in limited["message"]


async def test_five_wrong_guesses_end_a_code(people, app_state):
    citizen, _, _ = people
    local, e164 = new_phone()
    await citizen(REQUEST_CODE, phone=local)
    code = await last_code(app_state, e164)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answers = [(await citizen(VERIFY, phone=local, code=wrong))["code"] for _ in range(5)]
    assert answers == ["wrong_code"] * 4 + ["too_many_attempts"]
    assert (await citizen(VERIFY, phone=local, code=code))["code"] == "too_many_attempts"


async def test_a_consultation_from_draft_to_public_response(people, app_state, cast):
    citizen, officer, other_officer = people
    now = utcnow()
    draft = await officer(CREATE, input={
        "title": "Rancangan Perda Pengelolaan Sampah", "summary": "Kami meminta masukan atas rancangan peraturan "
        "daerah tentang pengelolaan sampah rumah tangga.", "opensAt": (now - timedelta(minutes=1)).isoformat(),
        "closesAt": (now + timedelta(days=30)).isoformat(),
        "sections": [{"heading": "Pasal 1: Pemilahan", "body": "Setiap rumah tangga wajib memilah sampah."},
                     {"heading": "Pasal 2: Retribusi", "body": "Retribusi sampah dibayar bulanan."}]})
    assert draft["__typename"] == "Consultation" and draft["status"] == "DRAFT"
    cid, (section_1, section_2) = draft["id"], [s["id"] for s in draft["sections"]]
    assert await citizen(PAGE, id=cid) is None, "drafts are not public"
    assert await other_officer(PUBLISH, id=cid) == {"__typename": "NotAllowed", "code": "other_agency"}
    assert (await officer(PUBLISH, id=cid))["status"] == "OPEN"

    alice, bob = token_for(1), token_for(2)
    posted = await citizen(COMMENT, t=alice, c=cid, s=section_2, text="Retribusi sebaiknya dibebaskan bagi warga "
                           "miskin. Hubungi saya di 081298765432.")
    assert posted["__typename"] == "Comment" and "081298765432" not in posted["text"]
    spam = await citizen(COMMENT, t=bob, c=cid, s=None, text="Beli obat murah di situs kami!!!")
    assert (await citizen(COMMENT, t="forged.1.x", c=cid, s=None, text="halo semua"))["code"] == "not_verified"
    assert (await citizen(COMMENT, t=bob, c=cid, s=section_1, text="x"))["code"] == "too_short"
    assert (await citizen(REACT, t=bob, id=posted["id"], r="AGREE"))["agreeCount"] == 1
    assert (await citizen(REACT, t=bob, id=posted["id"], r="AGREE"))["code"] == "already_reaction"
    moved = await citizen(REACT, t=bob, id=posted["id"], r="DISAGREE")
    assert (moved["agreeCount"], moved["disagreeCount"]) == (0, 1)
    assert (await officer(HIDE, id=spam["id"], reason="Iklan, tidak terkait konsultasi"))["hidden"] is True

    async with transaction(app_state.sessions) as session:
        category = await session.scalar(text("SELECT slug FROM categories ORDER BY slug LIMIT 1"))
        expected = await session.scalar(text(
            "SELECT count(*) FROM submissions WHERE category_slug = :c AND status <> 'rejected' "
            "AND NOT confidential"), {"c": category})
    evidence = await officer(ATTACH, input={"consultationId": cid, "label": "Pengaduan soal sampah",
                                            "category": category})
    assert evidence == {"__typename": "ComplaintEvidence", "label": "Pengaduan soal sampah",
                        "submissionCount": expected}
    assert (await officer(ATTACH, input={"consultationId": cid, "label": "Tanpa kriteria"}))["code"] == \
        "criteria_required"

    assert (await officer(RESPOND, id=cid, report="Terlalu dini untuk menjawab."))["code"] == "wrong_status"
    assert (await officer(CLOSE, id=cid))["status"] == "CLOSED"
    assert (await citizen(COMMENT, t=alice, c=cid, s=None, text="Satu lagi masukan"))["code"] == "consultation_closed"
    report = "Kami membebaskan retribusi bagi penerima bantuan sosial (Pasal 2) karena banyak masukan warga."
    assert (await officer(RESPOND, id=cid, report=report))["responseReport"] == {"text": report}

    page = await citizen(PAGE, id=cid)
    assert page["status"] == "ANSWERED" and page["acceptingComments"] is False
    assert page["responseReport"] == {"text": report}
    assert page["evidence"] == [{"label": "Pengaduan soal sampah", "submissionCount": expected,
                                 "category": {"slug": category}}]
    hidden, visible = page["comments"]["edges"]
    assert hidden["node"] == {"text": None, "hidden": True, "hiddenReason": "Iklan, tidak terkait konsultasi",
                              "agreeCount": 0, "disagreeCount": 0}
    assert visible["node"]["disagreeCount"] == 1 and visible["node"]["hidden"] is False


async def test_staff_cannot_vote_in_their_own_agencys_poll_and_hidden_results_stay_hidden(people, app_state, cast):
    citizen, officer, other_officer = people
    now = utcnow()
    async with transaction(app_state.sessions) as session:
        poll = await polls.create_poll(session, cast.officer_a, question="Setuju jalur sepeda di Jalan Pemuda?",
                                       options=["Setuju", "Tidak"], results_live=False,
                                       opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=1))
        option_ids = [str(o.id) for o in (await polls.options_of(session, [poll.id]))[poll.id]]
    assert (await officer(VOTE, t=token_for(3), poll=str(poll.id), options=option_ids[:1]))["code"] == "own_agency"
    voted = await other_officer(VOTE, t=token_for(4), poll=str(poll.id), options=option_ids[:1])
    assert voted["__typename"] == "VoteRecorded" and voted["poll"]["results"] is None, "results hidden until closing"
    assert (await citizen(VOTE, t=token_for(4), poll=str(poll.id), options=option_ids[:1]))["code"] == "already_voted"
    assert (await citizen(VOTE, t=token_for(5), poll=str(poll.id), options=option_ids))["code"] == "single_choice"
    async with transaction(app_state.sessions) as session:
        await session.exec(text("UPDATE polls SET closes_at = now() WHERE id = :id"), params={"id": poll.id})
    closed = await citizen(VOTE, t=token_for(5), poll=str(poll.id), options=option_ids[1:])
    assert closed == {"__typename": "VotingClosed", "code": "poll_closed",
                      "message": "Pemungutan suara belum dibuka atau sudah ditutup.",
                      "messageEn": "Voting is not open (yet or any more)."}
    results = await citizen("query($id: ID!) { poll(id: $id) { isOpen results { voters final options { votes } } } }",
                            id=str(poll.id))
    assert results == {"isOpen": False, "results": {"voters": 1, "final": True, "options": [{"votes": 1}, {"votes": 0}]}}


PROPOSE = """mutation($t: String!, $input: ProposalInput!) { propose(voterToken: $t, input: $input) {
  __typename ... on Proposal { id status supportThreshold agency { slug } category { slug } }
  ... on ValidationError { field code problems { field code } } } }"""
SUPPORT = """mutation($t: String!, $id: ID!) { supportProposal(voterToken: $t, proposalId: $id) {
  __typename ... on Proposal { supportCount status trackingCode } ... on DialogueError { code } } }"""


async def test_a_proposal_reaching_its_threshold_lands_in_the_agency_inbox_exactly_once(
        committing_people, committing_app_state, cast):
    """Commits: the supports race in transactions of their own."""
    citizen, _, _ = committing_people
    app_state = committing_app_state
    app_state.settings.suara_proposal_threshold = 30
    filed = await citizen(PROPOSE, t=token_for(10), input={
        "title": "Perbaikan jalan desa Sukamaju", "category": "infrastruktur",
        "text": "Jalan desa Sukamaju rusak sepanjang dua kilometer dan perlu diaspal ulang sebelum musim hujan."})
    assert filed["status"] == "OPEN" and filed["supportThreshold"] == 30
    assert filed["agency"]["slug"] == cast.agency_a
    refused = await citizen(PROPOSE, t=token_for(10), input={"title": "x", "text": "pendek"})
    assert (refused["__typename"], refused["code"]) == ("ValidationError", "too_short")
    assert refused["problems"] == [{"field": "title", "code": "too_short"}, {"field": "text", "code": "too_short"}]

    # 50 people race across the threshold of 30 (two of them twice).
    answers = await asyncio.gather(*(citizen(SUPPORT, t=token_for(100 + i % 50), id=filed["id"]) for i in range(52)))
    assert sum(1 for a in answers if a["__typename"] == "Proposal") == 50
    assert sum(1 for a in answers if a.get("code") == "already_support") == 2
    final = await citizen("query($id: ID!) { proposal(id: $id) { supportCount status trackingCode } }", id=filed["id"])
    assert final["supportCount"] == 50 and final["status"] == "ACCEPTED" and final["trackingCode"]

    async with app_state.reading() as session:
        items = list(await session.exec(select(Submission).where(Submission.idempotency_key == f"proposal:{filed['id']}")))
        assert len(items) == 1
        item = items[0]
        assert item.channel == "proposal" and item.kind == "aspiration" and item.status == "routed"
        assert item.first_response_due_at is not None and item.resolution_due_at is not None
        inbox = list(await session.exec(select(Submission.id).where(visible_to(cast.officer_a), Submission.id == item.id)))
        assert inbox == [item.id]


async def test_no_dialogue_table_holds_a_phone_and_people_appear_only_as_keyed_hashes(people, app_state, cast):
    citizen, _, _ = people
    local, e164 = new_phone()
    await citizen(REQUEST_CODE, phone=local)
    token = (await citizen(VERIFY, phone=local, code=await last_code(app_state, e164)))["voterToken"]
    now = utcnow()
    async with transaction(app_state.sessions) as session:
        poll = await polls.create_poll(session, cast.officer_b, question="Pilih nama taman baru",
                                       options=["Taman Kartini", "Taman Merdeka"], opens_at=now,
                                       closes_at=now + timedelta(days=1))
        option = (await polls.options_of(session, [poll.id]))[poll.id][0]
        proposal = await proposals.propose(session, voter_hash(TEST_SECRET_KEY, local), title="Lampu jalan",
                                           text="Pasang lampu jalan di gang Melati supaya aman malam hari.",
                                           category_slug="infrastruktur", router=app_state.router)
    assert (await citizen(VOTE, t=token, poll=str(poll.id), options=[str(option.id)]))["__typename"] == "VoteRecorded"
    assert (await citizen(SUPPORT, t=token, id=str(proposal.id)))["supportCount"] == 1

    digits = e164[3:]
    dialogue_tables = ["consultations", "consultation_sections", "consultation_comments", "comment_reactions",
                       "consultation_evidence", "polls", "poll_options", "poll_ballots", "proposals",
                       "proposal_supports", "phone_verifications"]
    async with app_state.reading() as session:
        for table in dialogue_tables:
            columns = [c for (c,) in await session.exec(text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = :t"), params={"t": table})]
            assert not any("phone" == c or c.endswith("_phone") for c in columns), (table, columns)
            leaked = await session.scalar(text(f"SELECT count(*) FROM {table} t WHERE t::text LIKE :d"),
                                          params={"d": f"%{digits}%"})
            assert leaked == 0, f"{table} holds the phone number"
        ballot_voters = [v for (v,) in await session.exec(text("SELECT voter_hash FROM poll_ballots WHERE poll_id = :p"),
                                                            params={"p": poll.id})]
    assert ballot_voters == [voter_hash(TEST_SECRET_KEY, local)] and re.fullmatch(r"[0-9a-f]{64}", ballot_voters[0])


async def test_the_last_support_files_a_crossing_it_did_not_see_right_after_its_commit(
        committing_people, committing_app_state, cast, monkeypatch):
    """Two supports cross the threshold together and each sees one short: the one answered through
    the API settles after its commit and files the proposal at once (not at the job's next round).
    One tally slot makes the API's support wait for the other's open transaction, so the API's
    statement surely misses it. Commits: the supports are transactions of their own."""
    citizen, _, _ = committing_people
    app_state = committing_app_state
    monkeypatch.setattr(proposals, "TALLY_SLOTS", 1)
    async with transaction(app_state.sessions) as session:
        proposal = await proposals.propose(
            session, voter_hash(TEST_SECRET_KEY, "081400009999"), title="Halte bus di depan pasar",
            text="Mohon dibangun halte bus di depan pasar agar warga tidak menunggu di bawah terik matahari.",
            category_slug="infrastruktur", router=app_state.router, threshold=3)
        await proposals.support(session, proposal.id, voter_hash(TEST_SECRET_KEY, "081400000001"))

    async with transaction(app_state.sessions) as other:
        await proposals.support(other, proposal.id, voter_hash(TEST_SECRET_KEY, "081400000002"))
        answer = asyncio.create_task(citizen(SUPPORT, t=token_for(300), id=str(proposal.id)))
        for _ in range(250):  # until the API's support waits on the open transaction's tally row
            async with app_state.reading() as session:
                waiting = await session.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE '%proposal_tallies%'"))
            if waiting:
                break
            await asyncio.sleep(0.02)
        assert waiting, "the API's support did not wait for the open support"
    answered = await answer
    assert answered["__typename"] == "Proposal" and answered["supportCount"] == 3
    assert answered["status"] == "ACCEPTED" and answered["trackingCode"]
    async with app_state.reading() as session:
        items = list(await session.exec(select(Submission).where(Submission.idempotency_key == f"proposal:{proposal.id}")))
    assert len(items) == 1
