"""Open311 GeoReport v2 at /open311/v2: services are our categories, requests our complaints.

Every endpoint answers in JSON or XML by its extension, errors in the spec's shape
(``[{"code": 400, "description": "…"}]`` / ``<errors><error>…``) with a matching HTTP status.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl
from xml.etree import ElementTree

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from suara.agencies.models import Agency
from suara.api.client_address import client_network
from suara.api.media import media_url
from suara.channels.open311 import service
from suara.common.errors import NotFound, RateLimited, ValidationFailed
from suara.common.text import is_storable
from suara.maps.service import NEARBY_RADIUS_M, check_point, check_radius
from suara.media import service as media
from suara.submissions.models import Submission
from suara.submissions.public import PublicSubmission, public_views

SPEC = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
EARLIEST_DATE = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_DATE = datetime(2100, 1, 1, tzinfo=UTC)
PLURALS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
           "endpoints": "endpoint", "formats": "format"}


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        self.status = status
        self.description = description


def _element(tag: str, value) -> ElementTree.Element:
    node = ElementTree.Element(tag)
    if isinstance(value, dict):
        for key, child in value.items():
            node.append(_element(key, child))
    elif isinstance(value, list):
        for child in value:
            node.append(_element(PLURALS.get(tag, "item"), child))
    elif value is not None:
        node.text = str(value).lower() if isinstance(value, bool) else str(value)
    return node


def render(fmt: str, root: str, value, status: int = 200) -> Response:
    if fmt == "xml":
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(_element(root, value), encoding="utf-8")
    else:
        body = json.dumps(value, ensure_ascii=False).encode()
    return Response(body, status_code=status, media_type=FORMATS[fmt])


def _format(request: Request) -> str:
    fmt = request.path_params.get("fmt", "")
    if fmt not in FORMATS:
        raise Open311Error(404, f"Unknown format '{fmt}': use .json or .xml")
    return fmt


def endpoint(handler):
    """Runs a handler and turns Open311Error and domain errors into the spec's error list."""
    async def run(request: Request) -> Response:
        fmt = request.path_params.get("fmt") if request.path_params.get("fmt") in FORMATS else "json"
        try:
            _format(request)
            _refuse_unstorable([*request.query_params.multi_items(), *request.path_params.items()])
            return await handler(request, fmt)
        except Open311Error as error:
            return render(fmt, "errors", [{"code": error.status, "description": error.description}], error.status)
        except NotFound as error:
            return render(fmt, "errors", [{"code": 404, "description": error.message_en}], 404)
        except ValidationFailed as error:
            problems = [{"code": 400, "description": f"{p.field}: {p.message_en}"} for p in error.problems]
            return render(fmt, "errors", problems, 400)
        except RateLimited as error:
            response = render(fmt, "errors", [{"code": 429, "description": error.message_en}], 429)
            response.headers["Retry-After"] = str(error.retry_after_seconds)
            return response
    return run


def _base_url(request: Request) -> str:
    public = request.app.state.suara.settings.suara_public_url
    return (public.rstrip("/") if public else str(request.base_url).rstrip("/")) + "/open311/v2"


@endpoint
async def discovery(request: Request, fmt: str) -> Response:
    return render(fmt, "discovery", {
        "changeset": "2026-11-25T00:00:00Z",
        "contact": "Suara — pengaduan warga / citizen complaints",
        "key_service": "API keys: ask the platform's operators (suara apikey create).",
        "endpoints": [{"specification": SPEC, "url": _base_url(request), "changeset": "2026-11-25T00:00:00Z",
                       "type": "production", "formats": ["application/json", "text/xml"]}],
    })


def _service(category, agencies: dict[int, Agency]) -> dict:
    agency = agencies.get(category.default_agency_id)
    return {
        "service_code": category.slug, "service_name": category.label_id,
        "description": f"{category.label_en}. {category.description_en or category.description_id}".strip(". ") or None,
        "metadata": False, "type": "realtime", "keywords": f"{category.label_id}, {category.label_en}",
        "group": agency.short_name or agency.name if agency else None,
    }


@endpoint
async def services(request: Request, fmt: str) -> Response:
    directory = await request.app.state.suara.directory()
    categories = sorted(directory.categories.values(), key=lambda c: (c.position, c.slug))
    return render(fmt, "services", [_service(category, directory.agencies) for category in categories])


@endpoint
async def service_definition(request: Request, fmt: str) -> Response:
    directory = await request.app.state.suara.directory()
    code = request.path_params["code"]
    if code not in directory.categories:
        raise Open311Error(404, f"No service '{code}'")
    return render(fmt, "service_definition", {"service_code": code, "attributes": []})


def _w3c(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _refuse_unstorable(pairs) -> None:
    """NUL cannot be stored or searched for in PostgreSQL: refuse it in any parameter."""
    if not all(is_storable(name) and is_storable(value) for name, value in pairs):
        raise Open311Error(400, "Parameters must not contain NUL characters")


def _parse_date(name: str, raw: str | None) -> datetime | None:
    """A W3C date-time between the years 2000 and 2100 (so that a 90-day span never overflows)."""
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C date-time, e.g. 2026-01-01T00:00:00Z") from None
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise Open311Error(400, f"{name} must be between 2000-01-01 and 2100-01-01")
    return value


def _record(item: PublicSubmission, agencies: dict[int, Agency], categories: dict, notes: dict[int, str],
            media_urls: dict[int, str]) -> dict:
    """One request as Open311 shows it: the public view, masked; a confidential one only its status
    and dates (no notes: they hold the citizen's and the agency's words)."""
    agency = agencies.get(item.agency_id)
    record = {
        "service_request_id": item.tracking_code,
        "status": service.open311_status(item.status),
        "status_notes": item.mask(notes.get(item.submission_id)) if item.full else None,
        "agency_responsible": (agency.name if agency else None),
        "requested_datetime": _w3c(item.created_at),
        "updated_datetime": _w3c(item.updated_at),
        "expected_datetime": _w3c(item.resolution_due_at),
    }
    if not item.full:
        return record
    category = categories.get(item.category_slug)
    return {
        **record,
        "service_code": item.category_slug,
        "service_name": category.label_id if category else None,
        "description": item.text,
        "address": item.location_text,
        "lat": item.latitude,
        "long": item.longitude,
        "media_url": media_urls.get(item.submission_id),
    }


async def _records(request: Request, items: list[Submission], *, public_list: bool = False) -> list[dict]:
    """Open311 records of ``items``; a public list reads on the replica (DATABASE_READ_URL), a lookup by
    id on the primary, like a citizen's own tracking lookup."""
    state = request.app.state.suara
    directory = await state.directory()
    public = [item.id for item in items if not item.confidential]
    async with (state.public_reading() if public_list else state.reading()) as session:
        views = await public_views(session, items)
        notes = await service.latest_public_notes(session, public)
        photos = await media.public_photos_of(session, public)
    public_url = state.settings.suara_public_url
    media_urls = {submission_id: media_url(request, public_url, found[0].file_name)
                  for submission_id, found in photos.items() if found}  # approved photos only; the first one
    return [_record(view, directory.agencies, directory.categories, notes, media_urls) for view in views]


def _number(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a decimal number") from None


def _near(params) -> tuple[float, float, float] | None:
    """The extension's lat, long and radius (metres, default 200, at most 5,000); checked, or a 400."""
    latitude, longitude, radius = params.get("lat"), params.get("long"), params.get("radius")
    if latitude is None and longitude is None:
        if radius is not None:
            raise Open311Error(400, "radius needs lat and long")
        return None
    if latitude is None or longitude is None:
        raise Open311Error(400, "Give both lat and long")
    point = check_point(_number("lat", latitude), _number("long", longitude))
    return (*point, check_radius(_number("radius", radius)) if radius is not None else float(NEARBY_RADIUS_M))


def _split(raw: str | None) -> list[str] | None:
    values = [value.strip() for value in (raw or "").split(",") if value.strip()]
    return values or None


async def list_requests(request: Request, fmt: str) -> Response:
    params = request.query_params
    start, end = _parse_date("start_date", params.get("start_date")), _parse_date("end_date", params.get("end_date"))
    if start and end and (end < start or end - start > service.MAX_SPAN):
        raise Open311Error(400, "start_date and end_date must be in order and at most 90 days apart")
    statuses = _split(params.get("status"))
    if statuses and not set(statuses) <= {"open", "closed"}:
        raise Open311Error(400, "status must be open, closed or both")
    if start and not end:
        end = min(start + service.MAX_SPAN, datetime.now(UTC))
    if end and not start:
        start = end - service.MAX_SPAN
    near = _near(params)
    if near:
        state = request.app.state.suara
        await state.limits.hit(state.limits.map, client_network(request))
    query = service.RequestFilter(codes=_split(params.get("service_request_id")),
                                  service_codes=_split(params.get("service_code")), start=start, end=end,
                                  statuses=statuses, near=near)
    async with request.app.state.suara.public_reading() as session:
        items = await service.find_requests(session, query)
    return render(fmt, "service_requests", await _records(request, items, public_list=True))


async def _multipart(request: Request) -> tuple[list[tuple[str, str]], UploadFile | None]:
    """The fields of a multipart POST and its one `media` file part (our extension to GeoReport v2)."""
    try:
        form = await request.form(max_files=1, max_fields=50, max_part_size=64 * 1024)
    except HTTPException as error:
        raise Open311Error(400, f"Malformed multipart body: {error.detail}") from None
    pairs: list[tuple[str, str]] = []
    upload = None
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if name != "media":
                raise Open311Error(400, "The only file part accepted is 'media'")
            upload = value
        else:
            pairs.append((name, value))
    return pairs, upload


async def _media_photo(request: Request, upload: UploadFile):
    """The `media` part checked and re-encoded like any photo (before the filing transaction)."""
    state = request.app.state.suara
    try:
        return (await state.photos.clean_all([upload.read], "media"))[0]
    except ValidationFailed as error:
        raise Open311Error(400, f"media: {error.problems[0].message_en}") from None


async def create_request(request: Request, fmt: str) -> Response:
    state = request.app.state.suara
    content_type = request.headers.get("content-type", "")
    upload = None
    if content_type.startswith("multipart/form-data"):
        pairs, upload = await _multipart(request)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        pairs = parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True)
    else:
        raise Open311Error(400, "Send the request as application/x-www-form-urlencoded "
                                "(or multipart/form-data with a 'media' photo)")
    _refuse_unstorable(pairs)
    form = dict(pairs)
    async with state.transaction() as session:
        if not await service.key_is_valid(session, form.get("api_key")):
            raise Open311Error(403, "A valid api_key is required to create requests")
    await state.limits.hit(state.limits.open311_write, form["api_key"])  # per key, before any work
    if not form.get("service_code"):
        raise Open311Error(400, "service_code is required")
    latitude, longitude = form.get("lat"), form.get("long")
    if not ((latitude and longitude) or form.get("address_string") or form.get("address_id")):
        raise Open311Error(400, "A location is required: lat and long, or address_string")
    try:
        coordinates = (float(latitude), float(longitude)) if latitude and longitude else (None, None)
    except ValueError:
        raise Open311Error(400, "lat and long must be decimal degrees") from None
    new = service.NewRequest(
        service_code=form["service_code"], description=form.get("description") or "",
        latitude=coordinates[0], longitude=coordinates[1], address=form.get("address_string"),
        email=form.get("email") or None, phone=form.get("phone") or None,
        first_name=form.get("first_name") or None, last_name=form.get("last_name") or None,
        media_url=form.get("media_url") or None,
    )
    photo = await _media_photo(request, upload) if upload is not None else None  # the key and limit came first
    stored = await state.photos.store([photo]) if photo is not None else []
    unused = stored
    try:
        async with state.transaction() as session:
            item = await service.file_request(session, new, secret_key=state.secret_key)
            added = await media.attach(session, item, stored, added_by="citizen:open311")
        unused = media.not_kept(stored, added)
    finally:
        if unused:
            await state.photos.discard(unused)
    return render(fmt, "service_requests", [{
        "service_request_id": item.tracking_code, "token": item.tracking_code,
        "service_notice": "Lacak dengan kode ini di Suara atau SMS: CEK " + item.tracking_code,
        "account_id": None,
    }], status=201)


@endpoint
async def requests_collection(request: Request, fmt: str) -> Response:
    if request.method == "POST":
        return await create_request(request, fmt)
    return await list_requests(request, fmt)


@endpoint
async def single_request(request: Request, fmt: str) -> Response:
    async with request.app.state.suara.reading() as session:
        item = await service.find_request(session, request.path_params["id"])
    return render(fmt, "service_requests", await _records(request, [item]))


@endpoint
async def token(request: Request, fmt: str) -> Response:
    """Requests are filed synchronously, so a token is the request id itself."""
    async with request.app.state.suara.reading() as session:
        item = await service.find_request(session, request.path_params["token"])
    return render(fmt, "service_requests", [{"token": item.tracking_code, "service_request_id": item.tracking_code}])


routes = [
    Route("/open311/v2/discovery.{fmt}", discovery, methods=["GET"]),
    Route("/open311/v2/services.{fmt}", services, methods=["GET"]),
    Route("/open311/v2/services/{code}.{fmt}", service_definition, methods=["GET"]),
    Route("/open311/v2/requests.{fmt}", requests_collection, methods=["GET", "POST"]),
    Route("/open311/v2/requests/{id}.{fmt}", single_request, methods=["GET"]),
    Route("/open311/v2/tokens/{token}.{fmt}", token, methods=["GET"]),
]
