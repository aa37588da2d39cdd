"""A citizen's erasure under UU PDP: the contact deleted and their data masked for good in every store (found by
scanning every text column of the database), the events kept, every public figure unchanged, and applied
again by `reapply_erasures` when old rows come back."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, text
from sqlmodel import select

from suara.db.engine import transaction
from suara.media.models import SubmissionPhoto
from suara.privacy import reapply_erasures
from suara.privacy.models import Erasure
from suara.submissions import codes
from suara.submissions.counter_models import AgencyDailyCount
from suara.submissions.models import ReporterContact, SubmissionEvent
from suara.submissions.sms_models import SmsPart, SmsThread
from tests.channels.test_sms_webhook import Phone
from tests.conftest import TEST_SECRET_KEY
from tests.factories import TRACK
from tests.privacy.citizen import (
    ERASE,
    EXPORT,
    REQUEST_CODE,
    VERIFY_PHONE,
    file_web,
    item,
    national,
    person,
    proof,
    sent_code,
    worked_by_the_agency,
)
from tests.privacy.scan import found

FIGURES = """{ agencies: transparency(period: ALL) { agency { slug } received routedAutomatically routedByPeople
    acknowledged responded resolved rejected forwarded reopened disputed confirmedByCitizens escalatedOverdue
    rejectedByReason { reason count }
    firstResponse { count withinServiceLevel medianWorkingDays medianHours }
    resolution { count withinServiceLevel medianWorkingDays } }
  total: transparency(period: ALL, groupBy: TOTAL) { received routedByPeople acknowledged responded }
  backlog { openNow overdueNow agency { slug } }
  agencyRanking(minimumVolume: 1) { rank share volume agency { slug } } }"""
OPEN_DATA = ["/open-data/agency-stats.csv", "/open-data/agency-stats.json", "/open-data/arrivals.csv",
             "/open-data/arrivals.json", "/open-data/submissions.csv"]
REPORTER_CODE = """mutation($code: String!, $secret: String!) { requestReporterPhoneCode(trackingCode: $code, secret: $secret) {
  __typename } }"""
VERIFY_REPORTER = """mutation($code: String!, $secret: String!, $sms: String) {
  verifyReporterPhone(trackingCode: $code, secret: $secret, code: $sms) { __typename } }"""


def needles(who: dict) -> tuple[list[str], list[str]]:
    """What must be found nowhere: the name, its rarest word, the e-mail; the phone's and NIK's digits."""
    words = [who["email"], *([who["name"], who["name"].split()[-1]] if who.get("name") else [])]
    return words, [national(who["phone"]), who["nik"]]


async def public_figures(gql, client) -> list:
    files = []
    for path in OPEN_DATA:
        response = await client.get(path)
        assert response.status_code == 200
        files.append(response.text)
    return [await gql(FIGURES), files]


async def event_rows(sessions, submission_id: int) -> list[tuple]:
    async with sessions() as session:
        return [tuple(row) for row in (await session.exec(
            select(SubmissionEvent.id, SubmissionEvent.kind, SubmissionEvent.actor, SubmissionEvent.status_before,
                   SubmissionEvent.status_after, SubmissionEvent.public, SubmissionEvent.created_at)
            .where(SubmissionEvent.submission_id == submission_id).order_by(SubmissionEvent.id))).all()]


async def test_an_erasure_masks_every_store_keeps_the_events_and_leaves_every_public_figure(
        client, gql, app_state, sessions, cast):
    # A web reporter who confirmed their phone, whose item the agency answered (naming them) and noted on.
    who, bystander = person(), person()
    receipt = await file_web(gql, who)
    await gql(REPORTER_CODE, {"code": receipt["trackingCode"], "secret": receipt["citizenSecret"]})
    code = await sent_code(sessions, "+62" + national(who["phone"]))
    verified = await gql(VERIFY_REPORTER, {"code": receipt["trackingCode"], "secret": receipt["citizenSecret"], "sms": code})
    assert verified["verifyReporterPhone"]["__typename"] == "ReporterPhoneVerified"
    web_item = await worked_by_the_agency(sessions, cast, receipt["trackingCode"], who)
    untouched = await file_web(gql, bystander)

    # An SMS reporter: the filing, a CEK, a long message still waiting for its second part.
    phone = Phone(client, app_state)
    texter = {"phone": phone.local, "nik": person()["nik"], "email": person()["email"]}
    await phone.say(f"LAPOR jalan rusak di gang Kenanga RT 02, NIK saya {texter['nik']} surel {texter['email']}")
    async with sessions() as session:
        sms_item = (await session.exec(select(SmsThread).where(SmsThread.phone == phone.e164))).one().submission_id
        sms_code = (await session.get(type(web_item), sms_item)).tracking_code
    assert await phone.say(f"CEK {sms_code}") == "check"
    async with transaction(sessions) as session:
        session.add(SmsPart(phone=phone.e164, reference="r1", part_number=1, total_parts=2,
                            text=f"LAPOR sambungan, NIK {texter['nik']}"))
        session.add(SubmissionPhoto(  # a photo of the reporter's house, approved for the public
            submission_id=web_item.id, file_name=f"erase-{web_item.id}", thumbnail_name=f"erase-{web_item.id}-t",
            source_digest="0" * 64, width=10, height=10, byte_size=100, state="approved", added_by="citizen:web"))

    for person_values in (who, texter):
        words, digits = needles(person_values)
        async with sessions() as session:
            assert await found(session, words, digits), "the scenario must leave the data in the database first"
    figures = await public_figures(gql, client)
    tracked = (await gql(TRACK, {"code": receipt["trackingCode"]}))["submission"]
    events_before = await event_rows(sessions, web_item.id)
    async with sessions() as session:
        counters = (await session.exec(select(func.count(), func.sum(AgencyDailyCount.value)))).one()

    erased = (await gql(ERASE, {"proof": proof(receipt)}))["eraseMyData"]
    assert erased["__typename"] == "PersonalDataErased" and erased["alreadyErased"] is False
    # The SMS reporter proves their phone with a code sent to it, then erases.
    await gql(REQUEST_CODE, {"phone": phone.local})
    access = (await gql(VERIFY_PHONE, {"phone": phone.local, "code": await sent_code(sessions, phone.e164)})
              )["verifyPhoneForMyData"]
    assert access["trackingCodes"] == [codes.format_tracking_code(sms_code)]
    by_phone = {"trackingCode": sms_code, "phone": phone.local, "phoneToken": access["phoneToken"]}
    assert (await gql(ERASE, {"proof": by_phone}))["eraseMyData"]["alreadyErased"] is False

    for person_values in (who, texter):
        async with sessions() as session:
            assert await found(session, *needles(person_values)) == {}
    async with sessions() as session:
        assert await session.get(ReporterContact, web_item.id, populate_existing=True) is None
        assert (await session.get(ReporterContact, untouched_id := (await item(sessions, untouched["trackingCode"])).id)
                ).name == bystander["name"]
        erasures = list(await session.exec(select(Erasure).where(Erasure.submission_id.in_([web_item.id, sms_item]))))
        assert sorted(e.reason for e in erasures) == ["citizen", "citizen"]
        assert await found(session, *needles(bystander)) != {}, "another citizen's data stays"
        assert (await session.exec(select(func.count(), func.sum(AgencyDailyCount.value)))).one() == counters
    assert untouched_id != web_item.id

    events_after = await event_rows(sessions, web_item.id)
    assert events_after[:-1] == events_before
    assert [(kind, actor, public) for _, kind, actor, _, _, public, _ in events_after[-1:]] == [
        ("personal_data_erased", "citizen:web", False)]
    async with sessions() as session:
        note = (await session.exec(select(SubmissionEvent.details).where(
            SubmissionEvent.submission_id == web_item.id, SubmissionEvent.kind == "note_added"))).one()
    assert note["note"].startswith("CATATAN-INTERNAL: sudah ditelepon ke [nomor telepon]")

    async with sessions() as session:
        assert (await session.exec(select(SubmissionPhoto).where(SubmissionPhoto.submission_id == web_item.id))).all() == []
    assert await public_figures(gql, client) == figures
    assert (await gql(TRACK, {"code": receipt["trackingCode"]}))["submission"] == tracked
    export = (await gql(EXPORT, {"proof": proof(receipt)}))["exportMyData"]["data"]
    assert export["contact"] is None and export["erasure"]["reason"] == "citizen"
    again = (await gql(ERASE, {"proof": proof(receipt)}))["eraseMyData"]
    assert again["alreadyErased"] is True and again["erasedAt"] == erased["erasedAt"]


async def test_reapply_erasures_masks_the_old_rows_again_when_they_come_back(gql, sessions, cast, database):
    who = person()
    receipt = await file_web(gql, who)
    web_item = await worked_by_the_agency(sessions, cast, receipt["trackingCode"], who)
    old_rows = {  # what a backup taken before the erasure holds
        "contacts": "SELECT * FROM reporter_contacts WHERE submission_id = :id",
        "submissions": "SELECT * FROM submissions WHERE id = :id",
        "events": "SELECT * FROM submission_events WHERE submission_id = :id",
        "messages": "SELECT * FROM outbox WHERE submission_id = :id",
    }
    async with database.connect() as connection:
        for name, query in old_rows.items():
            await connection.execute(text(f"CREATE TEMP TABLE old_{name} AS {query}"), {"id": web_item.id})
    assert (await gql(ERASE, {"proof": proof(receipt)}))["eraseMyData"]["__typename"] == "PersonalDataErased"
    events = await event_rows(sessions, web_item.id)

    async with database.connect() as connection:  # the old rows come back (a restore, an import)
        for statement in (
            "SELECT set_config('suara.erasing', 'on', true)",  # a restore loads events before their trigger
            "INSERT INTO reporter_contacts SELECT * FROM old_contacts",
            ("UPDATE submissions s SET title = o.title, text = o.text, public_text = o.public_text, "
             "location_text = o.location_text FROM old_submissions o WHERE s.id = o.id"),
            "UPDATE submission_events e SET details = o.details FROM old_events o WHERE e.id = o.id",
            "UPDATE outbox m SET recipient = o.recipient, body = o.body FROM old_messages o WHERE m.id = o.id",
        ):
            await connection.execute(text(statement))
    async with sessions() as session:
        assert set(await found(session, *needles(who))) >= {
            "reporter_contacts.name", "submissions.text", "submission_events.details", "outbox.recipient"}

    async with transaction(sessions) as session:
        assert await reapply_erasures(session, secret_key=TEST_SECRET_KEY) >= 1
    async with sessions() as session:
        assert await found(session, *needles(who)) == {}
        assert await session.get(ReporterContact, web_item.id, populate_existing=True) is None
    assert await event_rows(sessions, web_item.id) == events  # no new event


async def test_twenty_identical_erasure_requests_at_once_erase_once(committing_gql, committing_app_state):
    """Commits: the requests race in transactions of their own."""
    who = person()
    receipt = await file_web(committing_gql, who)
    results = await asyncio.gather(*(committing_gql(ERASE, {"proof": proof(receipt)}) for _ in range(20)))
    erased = [result["eraseMyData"] for result in results]
    assert {e["__typename"] for e in erased} == {"PersonalDataErased"}
    assert sorted(e["alreadyErased"] for e in erased) == [False] + [True] * 19
    assert len({e["erasedAt"] for e in erased}) == 1
    submission = await item(committing_app_state.sessions, receipt["trackingCode"])
    async with committing_app_state.reading() as session:
        kinds = (await session.exec(select(SubmissionEvent.kind).where(
            SubmissionEvent.submission_id == submission.id))).all()
        assert kinds.count("personal_data_erased") == 1
        assert await session.get(ReporterContact, submission.id) is None
        assert await found(session, *needles(who)) == {}
