"""The shipped model in the submit flow: obvious texts route to the right agency, unsure ones to people."""

from __future__ import annotations

import pytest
from sqlmodel import select

from suara.agencies.models import Agency
from suara.config import Settings
from suara.routing.loading import ModelRouter, UnavailableRouter, load_router
from suara.submissions import service as submissions
from suara.submissions.models import Status, SubmissionEvent
from tests.factories import SUBMIT, draft, submit_input

KEY = b"k"


@pytest.fixture(scope="session")
def shipped_router() -> ModelRouter:
    router = load_router(Settings())
    assert isinstance(router, ModelRouter), "models/default.skops must load"
    return router


@pytest.fixture
def router(shipped_router):
    """API tests in this module run with the real model (the conftest default routes nothing)."""
    return shipped_router


async def agency_slug(session, agency_id: int) -> str:
    return (await session.exec(select(Agency.slug).where(Agency.id == agency_id))).one()


@pytest.mark.parametrize(("text", "agency"), [
    ("e-KTP saya belum jadi", "dispermadesdukcapil"),
    ("Anak saya tidak diterima PPDB SMA negeri padahal rumah dekat sekolah", "disdikbud"),
    ("pupuk subsidi langka di kios", "distanbun"),
])
async def test_obvious_texts_route_automatically_to_the_responsible_agency(db_session, shipped_router, text, agency):
    receipt = await submissions.submit(db_session, draft(text=text), router=shipped_router, secret_key=KEY)
    submission = receipt.submission
    assert submission.status == Status.ROUTED
    assert await agency_slug(db_session, submission.agency_id) == agency
    assert submission.first_response_due_at is not None
    routed = (await db_session.exec(select(SubmissionEvent).where(
        SubmissionEvent.submission_id == submission.id, SubmissionEvent.kind == "routed"))).one()
    assert routed.actor == f"model:{shipped_router.version}"
    assert routed.details["confidence"] >= shipped_router.model.threshold


@pytest.mark.parametrize(("text", "agency"), [
    ("jalan di desa kami rusak berlubang", "dpu-binamarga-cipkataru"),
    ("listrik padam terus setiap sore di kampung kami", "pln-uid-jateng-diy"),
    ("banjir merendam rumah warga sejak semalam", "bpbd"),
])
async def test_texts_real_complaints_often_send_elsewhere_wait_for_a_person_with_the_right_agency_first(
        db_session, shipped_router, text, agency):
    """Roads, power cuts and floods: on real complaints these agencies' confident predictions were
    right too rarely to route without a person (their reliability caps the confidence)."""
    receipt = await submissions.submit(db_session, draft(text=text), router=shipped_router, secret_key=KEY)
    assert receipt.submission.status == Status.IN_TRIAGE
    assert receipt.submission.routing_suggestions[0]["agency"] == agency
    assert receipt.submission.routing_confidence < shipped_router.threshold


async def test_an_unclear_text_goes_to_triage_with_three_suggestions(db_session, shipped_router):
    receipt = await submissions.submit(
        db_session, draft(text="Halo, saya mau tanya sesuatu, mohon dibalas ya terima kasih banyak"),
        router=shipped_router, secret_key=KEY,
    )
    assert receipt.submission.status == Status.IN_TRIAGE
    assert receipt.submission.agency_id is None
    assert len(receipt.submission.routing_suggestions) == 3


async def test_a_corrupt_model_file_still_lets_submissions_land_in_triage(db_session, tmp_path):
    corrupt = tmp_path / "broken.skops"
    corrupt.write_bytes(b"PK\x03\x04 truncated")
    router = load_router(Settings(suara_model_path=corrupt))
    assert isinstance(router, UnavailableRouter)
    receipt = await submissions.submit(db_session, draft(), router=router, secret_key=KEY)
    assert receipt.submission.status == Status.IN_TRIAGE
    event = (await db_session.exec(select(SubmissionEvent).where(
        SubmissionEvent.submission_id == receipt.submission.id, SubmissionEvent.kind == "in_triage"))).one()
    assert event.details["reason"] == "routing_error"


async def test_a_missing_model_file_still_lets_submissions_land_in_triage(db_session, tmp_path):
    router = load_router(Settings(suara_model_path=tmp_path / "nowhere.skops"))
    receipt = await submissions.submit(db_session, draft(), router=router, secret_key=KEY)
    assert receipt.submission.status == Status.IN_TRIAGE


class ExplodingRouter:
    version = "exploding"
    model = None

    def decide(self, text):
        raise RuntimeError("model crashed")

    def suggest(self, text, k=3):
        raise RuntimeError("model crashed")


async def test_a_router_that_raises_never_loses_the_submission(db_session):
    receipt = await submissions.submit(db_session, draft(), router=ExplodingRouter(), secret_key=KEY)
    assert receipt.submission.id is not None and receipt.submission.status == Status.IN_TRIAGE


async def test_the_receipt_says_where_it_went(gql):
    receipt = (await gql(SUBMIT, {"input": submit_input(text="Kartu keluarga saya salah nama dan e-KTP belum dicetak")}))["submit"]
    assert receipt["routing"]["state"] == "ROUTED"
    assert receipt["submission"]["agency"]["slug"] == "dispermadesdukcapil"
    assert receipt["routing"]["suggestions"][0]["category"]["slug"] == "permades_dan_kependudukan"
    assert receipt["routing"]["suggestions"][0]["agency"]["slug"] == "dispermadesdukcapil"


async def test_suggest_routing_returns_three_agencies_and_writes_nothing(gql, database):
    from sqlalchemy import func, text

    async with database.connect() as connection:
        before = (await connection.execute(text("SELECT count(*) FROM submissions"))).scalar_one()
    data = await gql('{ suggestRouting(text: "pupuk subsidi langka di kios") { confidence category { slug } agency { slug } } }')
    suggestions = data["suggestRouting"]
    assert len(suggestions) == 3
    assert suggestions[0]["category"]["slug"] == "pertanian" and suggestions[0]["agency"]["slug"] == "distanbun"
    assert suggestions[0]["confidence"] >= suggestions[1]["confidence"] >= suggestions[2]["confidence"]
    async with database.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM submissions"))).scalar_one() == before
    del func


async def test_routing_accuracy_is_published(gql, shipped_router):
    data = await gql("{ routingAccuracy { modelVersion trainedAt threshold macroF1 accuracy top3Accuracy "
                     "autoRouteCoverage autoRoutePrecision perClass { category f1 support } } }")
    accuracy = data["routingAccuracy"]
    assert accuracy["modelVersion"] == shipped_router.version
    assert accuracy["autoRoutePrecision"] >= 0.9
    assert len(accuracy["perClass"]) == 14
