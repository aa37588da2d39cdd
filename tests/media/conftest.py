"""Photo tests: the app's state with $SUARA_HOME in the test's own folder, so its media folder holds only
what the test wrote; and test images built with Pillow (no files in the repository)."""

from __future__ import annotations

import io
import json
import struct
from fractions import Fraction
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from suara.routing.router import Router
from suara.state import AppState
from tests.conftest import TEST_SECRET_KEY, test_settings
from tests.shared_connection import SessionGate, shared_session_factory

SUBMIT = """mutation($input: SubmitInput!) { submit(input: $input) { __typename
  ... on SubmissionReceipt { trackingCode citizenSecret replayed }
  ... on ValidationError { code field problems { field code message messageEn } }
  ... on Conflict { code } ... on RateLimited { code } } }"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def app_state(engine: AsyncEngine, connection: AsyncConnection, session_gate: SessionGate, database_url: str,
              router: Router, home: Path) -> AppState:
    return AppState(settings=test_settings(database_url, suara_home=home), engine=engine,
                    sessions=shared_session_factory(connection, session_gate), router=router,
                    secret_key=TEST_SECRET_KEY)


@pytest.fixture
def committing_app_state(engine: AsyncEngine, database_url: str, router: Router, home: Path) -> AppState:
    from suara.db.engine import make_session_factory

    return AppState(settings=test_settings(database_url, suara_home=home), engine=engine,
                    sessions=make_session_factory(engine), router=router, secret_key=TEST_SECRET_KEY)


def media_files(home: Path) -> list[str]:
    folder = home / "media"
    return sorted(entry.name for entry in folder.iterdir()) if folder.is_dir() else []


def picture(size=(640, 480), color=(200, 60, 40)) -> Image.Image:
    """A picture with something drawn on it, so orientation and re-encoding can be seen."""
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0] // 4, size[1] // 4), fill=(20, 200, 20))  # a green top-left corner
    return image


GPS_LATITUDE = (Fraction(6), Fraction(59), Fraction(3141, 100))
GPS_SECONDS = (struct.pack("<LL", 3141, 100), struct.pack(">LL", 3141, 100))
"""The latitude's seconds as EXIF stores them (a rational, either byte order): found by scanning bytes."""


def jpeg_with_gps() -> bytes:
    """A phone-like JPEG: EXIF with GPS and orientation 6 (turn 90° clockwise), XMP, a comment, an ICC profile."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "KameraRahasia"  # Make
    exif[0x8825] = {1: "S", 2: GPS_LATITUDE, 3: "E", 4: (Fraction(110), Fraction(25), Fraction(0))}  # GPSInfo
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' \
          b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="6,59.5S"/></rdf:RDF></x:xmpmeta>'
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    picture().save(out, format="JPEG", exif=exif, xmp=xmp, comment=b"RUMAH-PAK-BUDI-RT03", icc_profile=icc)
    data = out.getvalue()
    assert b"Exif" in data and b"KameraRahasia" in data and b"RUMAH-PAK-BUDI" in data and b"xmpmeta" in data
    assert any(seconds in data for seconds in GPS_SECONDS)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)[2][2] == Fraction(3141, 100)
    return data


def png_bytes(image: Image.Image | None = None) -> bytes:
    out = io.BytesIO()
    (image or picture((300, 200))).save(out, format="PNG")
    return out.getvalue()


def bomb_png() -> bytes:
    """100 megapixels of nothing: a few kilobytes on the wire, 100 MB or more once decoded."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def assert_clean(data: bytes) -> None:
    """No metadata block of any kind, scanned as bytes, and none Pillow can find either."""
    for marker in (*GPS_SECONDS, b"Exif", b"KameraRahasia", b"RUMAH-PAK-BUDI", b"xmpmeta", b"ns.adobe.com", b"ICC_PROFILE",
                   b"GPS", b"<script"):
        assert marker not in data, marker
    assert b"\xff\xe1" not in data[:4096]  # no APP1 segment (EXIF/XMP) in the header
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert "icc_profile" not in image.info and "comment" not in image.info


async def multipart(http: httpx.AsyncClient, query: str, variables: dict, files: dict[str, tuple],
                    *, preflight: bool = True, headers: dict | None = None) -> httpx.Response:
    """A GraphQL multipart request (operations, map, one part per file) as Apollo's upload client sends it."""
    numbered = list(files.items())
    return await http.post(
        "/graphql",
        data={"operations": json.dumps({"query": query, "variables": variables}),
              "map": json.dumps({str(index): [path] for index, (path, _) in enumerate(numbered)})},
        files={str(index): part for index, (_, part) in enumerate(numbered)},
        headers={**({"Apollo-Require-Preflight": "true"} if preflight else {}), **(headers or {})},
    )


async def submit_with_photos(http: httpx.AsyncClient, input: dict, photos: list[bytes], *,
                             preflight: bool = True, names: list[str] | None = None) -> httpx.Response:
    names = names or [f"foto{index}.jpg" for index in range(len(photos))]
    variables = {"input": {**input, "photos": [None] * len(photos)}}
    files = {f"variables.input.photos.{index}": (names[index], data, "image/jpeg")
             for index, data in enumerate(photos)}
    return await multipart(http, SUBMIT, variables, files, preflight=preflight)
