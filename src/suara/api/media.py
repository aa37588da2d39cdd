"""`GET /media/{name}`: a photo or thumbnail, to whoever may see it.

An approved photo of a non-confidential item is public. Any other is served only to staff who may see
its item (the workspace's session cookie, or a bearer token), never cached (`private, no-store`);
everyone else gets the same 404 as for a name that does not exist, so a name reveals nothing. The
type is the stored one (always a JPEG Suara wrote itself) and `nosniff` stops a browser guessing.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from suara.api.graphql.context import Context
from suara.media import service
from suara.media.storage import is_name

PUBLIC_CACHE = "public, max-age=300"
"""Short: a photo staff hide again leaves caches within five minutes."""
PRIVATE_CACHE = "private, no-store"


def media_url(request: Request | None, public_url: str | None, name: str) -> str:
    """The absolute URL of a media file (Open311 and API clients need one), behind a proxy its public URL."""
    if public_url:
        base = public_url.rstrip("/")
    elif request is not None:
        base = str(request.base_url).rstrip("/")
    else:
        base = ""
    return f"{base}/media/{name}"


def _not_found() -> JSONResponse:
    return JSONResponse({"error": "not_found", "message": "Berkas tidak ditemukan.", "message_en": "File not found."},
                        status_code=404, headers={"Cache-Control": PRIVATE_CACHE})


async def media_file(request: Request) -> Response:
    name = request.path_params["name"]
    if not is_name(name):
        return _not_found()
    state = request.app.state.suara
    async with state.reading() as session:
        found = await service.find_file(session, name)
    if found is None:
        return _not_found()
    public = service.is_public(found.photo, found.submission)
    if not public:
        actor = await Context(state=state, request=request).actor()
        if actor is None or not service.may_see(actor, found.submission):
            return _not_found()
    data = await state.photos.storage.read(name)
    if data is None:
        return _not_found()
    headers = {"X-Content-Type-Options": "nosniff", "Content-Disposition": "inline",
               "Cache-Control": PUBLIC_CACHE if public else PRIVATE_CACHE}
    if not public:
        headers["Vary"] = "Cookie, Authorization"
    return Response(b"" if request.method == "HEAD" else data, media_type=found.photo.content_type,
                    headers=headers)


routes = [Route("/media/{name}", media_file, methods=["GET", "HEAD"])]
